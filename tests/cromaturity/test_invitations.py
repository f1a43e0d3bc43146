from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from cromaturity.invitations import (
    accept_invitation,
    create_invitation_link,
    invite_by_email,
    revoke_invitation,
)
from cromaturity.models import Invitation, Membership, Role, Team
from cromaturity.workspaces import WorkspaceError
from tests.cromaturity.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(org, admin_user):
    return create_invitation_link(org, created_by=admin_user, role=Role.CONTRIBUTOR)


def _signup(team, **overrides):
    data = {
        "account-username": "newbie",
        "account-first_name": "New",
        "account-last_name": "Bie",
        "account-email": "newbie@example.test",
        "account-password1": "a-long-enough-pass-42",
        "account-password2": "a-long-enough-pass-42",
        "join-team": team.pk,
    }
    data.update(overrides)
    return data


def test_anonymous_can_create_an_account_and_join(client, org, link):
    team = Team.objects.get(organisation=org, name="Customer Service")
    response = client.post(link.get_absolute_url(), _signup(team))
    assert response.status_code == 302
    assert response["Location"] == "/o/acme/"
    user = get_user_model().objects.get(username="newbie")
    membership = Membership.objects.get(user=user, organisation=org)
    assert (membership.role, membership.team) == (Role.CONTRIBUTOR, team)
    assert client.get("/o/acme/").status_code == 200


def test_signup_errors_are_shown_and_nothing_is_created(client, org, link):
    team = Team.objects.get(organisation=org, name="CRO")
    response = client.post(
        link.get_absolute_url(), _signup(team, **{"account-password2": "different"})
    )
    assert response.status_code == 400
    assert "didn’t match" in response.text
    assert not get_user_model().objects.filter(username="newbie").exists()


def test_join_needs_a_team(client, org, link, make_user):
    client.force_login(make_user())
    response = client.post(link.get_absolute_url(), {"join-team": ""})
    assert response.status_code == 400
    assert "This field is required" in response.text
    assert link.organisation.memberships.count() == 1


def test_signed_in_user_joins_with_chosen_team(client, org, link, make_user):
    user = make_user()
    client.force_login(user)
    team = Team.objects.get(organisation=org, name="Marketing")
    response = client.post(link.get_absolute_url(), {"join-team": team.pk})
    assert response.status_code == 302
    assert Membership.objects.get(user=user, organisation=org).team == team
    link.refresh_from_db()
    assert link.use_count == 1
    assert link.state == "active"


def test_team_of_another_organisation_cannot_be_chosen(
    client, org, other_org, link, make_user
):
    client.force_login(make_user())
    foreign = Team.objects.for_org(other_org).first()
    response = client.post(link.get_absolute_url(), {"join-team": foreign.pk})
    assert response.status_code == 400
    assert org.memberships.count() == 1


def test_revoked_link_shows_a_clear_page(client, link):
    revoke_invitation(link)
    response = client.get(link.get_absolute_url())
    assert response.status_code == 410
    assert "withdrawn" in response.text


def test_expired_link_shows_a_clear_page(client, link):
    Invitation.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = client.get(link.get_absolute_url())
    assert response.status_code == 410
    assert "expired" in response.text


@pytest.mark.parametrize("token", ["1", "1:forged", "garbage-token"])
def test_guessed_or_forged_token_is_404(client, link, token):
    assert client.get(reverse("join", args=[token])).status_code == 404


def test_email_invitation_is_single_use(org, admin_user, make_user):
    invitation = Invitation.objects.create(
        organisation=org, email="x@example.test", role=Role.EDITOR
    )
    first = make_user(email="x@example.test")
    accept_invitation(invitation, user=first, team=None)
    assert Membership.objects.get(user=first, organisation=org).role == Role.EDITOR
    with pytest.raises(WorkspaceError, match="already been used"):
        accept_invitation(invitation, user=first, team=None)


def test_existing_member_keeps_their_role(org, admin_user, link):
    accept_invitation(link, user=admin_user, team=None)
    assert Membership.objects.get(user=admin_user, organisation=org).role == "admin"


def test_signed_in_member_following_link_goes_home(client, org, admin_user, link):
    client.force_login(admin_user)
    response = client.get(link.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == "/o/acme/"


def test_existing_account_email_is_told_to_sign_in(client, org, link, make_user):
    make_user("taken", email="newbie@example.test")
    team = Team.objects.get(organisation=org, name="CRO")
    response = client.post(link.get_absolute_url(), _signup(team))
    assert response.status_code == 400
    assert "sign in instead" in response.text


def test_sign_in_link_returns_to_the_invitation(client, link, make_user):
    user = make_user("returning")
    page = client.get(link.get_absolute_url())
    assert f"?next={link.get_absolute_url()}".replace(":", "%3A") in page.text
    response = client.post(
        reverse("login") + f"?next={link.get_absolute_url()}",
        {
            "username": user.username,
            "password": PASSWORD,
            "next": link.get_absolute_url(),
        },
    )
    assert response["Location"] == link.get_absolute_url()


@pytest.fixture
def email_invitation(org, admin_user):
    return invite_by_email(
        org,
        email="Invitee@Example.test",
        created_by=admin_user,
        base_url="http://testserver",
        role=Role.EDITOR,
    )


def test_someone_signed_in_with_another_address_cannot_join_by_an_email_invitation(
    client, org, email_invitation, make_user
):
    intruder = make_user("intruder", email="intruder@example.test")
    client.force_login(intruder)
    team = Team.objects.get(organisation=org, name="CRO")
    page = client.get(email_invitation.get_absolute_url())
    assert page.status_code == 403
    assert "This invitation is for another address" in page.text
    assert "Invitee@Example.test" in page.text
    assert "intruder@example.test" in page.text
    response = client.post(email_invitation.get_absolute_url(), {"join-team": team.pk})
    assert response.status_code == 403
    assert not Membership.objects.filter(user=intruder, organisation=org).exists()
    email_invitation.refresh_from_db()
    assert (email_invitation.state, email_invitation.use_count) == ("active", 0)


def test_the_invitee_still_joins_after_someone_else_tried_the_invitation(
    client, org, email_invitation, make_user
):
    team = Team.objects.get(organisation=org, name="CRO")
    client.force_login(make_user("intruder", email="intruder@example.test"))
    client.post(email_invitation.get_absolute_url(), {"join-team": team.pk})
    client.logout()
    invitee = make_user("invitee", email="invitee@example.test")
    client.force_login(invitee)
    assert client.get(email_invitation.get_absolute_url()).status_code == 200
    response = client.post(email_invitation.get_absolute_url(), {"join-team": team.pk})
    assert response.status_code == 302
    membership = Membership.objects.get(user=invitee, organisation=org)
    assert (membership.role, membership.team) == (Role.EDITOR, team)
    email_invitation.refresh_from_db()
    assert email_invitation.accepted_by == invitee


def test_signing_out_from_the_other_address_page_returns_to_the_invitation(
    client, email_invitation, make_user
):
    client.force_login(make_user("intruder", email="intruder@example.test"))
    response = client.post(
        reverse("logout"), {"next": email_invitation.get_absolute_url()}
    )
    assert response["Location"] == email_invitation.get_absolute_url()
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["signup_form"]["email"].value() == "Invitee@Example.test"


def test_an_email_invitation_is_refused_to_an_account_with_another_address(
    org, email_invitation, make_user
):
    with pytest.raises(WorkspaceError, match="is for Invitee@Example.test"):
        accept_invitation(
            email_invitation, user=make_user(email="other@example.test"), team=None
        )
    email_invitation.refresh_from_db()
    assert email_invitation.state == "active"


def test_an_invitation_link_is_for_anyone(org, link, make_user):
    user = make_user(email="anyone@example.test")
    accept_invitation(link, user=user, team=None)
    assert Membership.objects.filter(user=user, organisation=org).exists()
