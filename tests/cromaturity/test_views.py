import pytest
from django.core import mail
from django.urls import reverse

from cromaturity.invitations import create_invitation_link
from cromaturity.models import Invitation, Membership, Organisation, Role, Team
from tests.access import assert_access
from tests.cromaturity.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _membership_state(membership):
    return Membership.objects.filter(pk=membership.pk).values_list("role", "team_id")[0]


def _teams(org):
    return sorted(Team.objects.for_org(org).values_list("pk", "name"))


def test_home_access_matrix(org):
    response = assert_access(reverse("home", args=["acme"]), organisation=org)
    assert "Acme Shop" in response.text
    assert "Customer Service" in response.text


def test_home_lists_teams_and_people(org, admin_client, make_member):
    make_member(org, team="Marketing", first_name="Marta", last_name="Ng")
    response = admin_client.get(reverse("home", args=["acme"]))
    assert "Marta Ng" in response.text


def test_home_names_a_few_people_per_team_and_counts_the_rest(
    org, admin_client, make_member
):
    for n in range(10):
        make_member(org, team="Marketing", first_name=f"Person{n:02d}", last_name="X")
    page = admin_client.get(reverse("home", args=["acme"])).text
    assert "Person07 X" in page
    assert "Person08 X" not in page
    assert "and 2 more" in page


def test_home_query_count_does_not_grow_with_members(
    org, admin_client, make_member, django_assert_num_queries
):
    url = reverse("home", args=["acme"])
    admin_client.get(url)
    # The empty panels of a new organisation ask whether there are any
    # hypotheses, feedback and funnels at all, to say what to do first.
    with django_assert_num_queries(22) as few:
        admin_client.get(url)
    for _ in range(10):
        make_member(org, team="Marketing")
    with django_assert_num_queries(len(few.captured_queries)):
        admin_client.get(url)


def test_members_page_access_matrix(org):
    response = assert_access(
        reverse("members", args=["acme"]), organisation=org, role=Role.ADMIN
    )
    assert "Invite by link" in response.text


def test_change_role_and_team_access_matrix(org, make_member):
    target = make_member(org, role=Role.CONTRIBUTOR)
    membership = Membership.objects.get(user=target, organisation=org)
    team = Team.objects.get(organisation=org, name="Marketing")
    assert_access(
        reverse("member-update", args=["acme", membership.pk]),
        organisation=org,
        role=Role.ADMIN,
        method="post",
        data={f"m{membership.pk}-role": "editor", f"m{membership.pk}-team": team.pk},
        ok=302,
        unchanged=lambda: _membership_state(membership),
    )
    membership.refresh_from_db()
    assert (membership.role, membership.team) == (Role.EDITOR, team)


def test_member_of_another_org_cannot_be_changed_through_this_org(
    org, other_org, admin_client, make_member
):
    outsider = make_member(other_org, role=Role.VIEWER)
    membership = Membership.objects.get(user=outsider, organisation=other_org)
    response = admin_client.post(
        reverse("member-update", args=["acme", membership.pk]),
        {f"m{membership.pk}-role": "admin"},
    )
    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER


def test_role_change_with_foreign_team_is_refused(
    org, other_org, admin_client, make_member
):
    user = make_member(org)
    membership = Membership.objects.get(user=user, organisation=org)
    foreign_team = Team.objects.for_org(other_org).first()
    admin_client.post(
        reverse("member-update", args=["acme", membership.pk]),
        {f"m{membership.pk}-role": "editor", f"m{membership.pk}-team": foreign_team.pk},
    )
    membership.refresh_from_db()
    assert membership.role == Role.CONTRIBUTOR
    assert membership.team.organisation == org


def test_invalid_role_is_refused(org, admin_client, make_member):
    user = make_member(org)
    membership = Membership.objects.get(user=user, organisation=org)
    response = admin_client.post(
        reverse("member-update", args=["acme", membership.pk]),
        {f"m{membership.pk}-role": "owner"},
        follow=True,
    )
    assert "Could not change" in response.text
    membership.refresh_from_db()
    assert membership.role == Role.CONTRIBUTOR


def test_demoting_the_last_admin_says_why(org, admin_client, admin_user):
    membership = Membership.objects.get(user=admin_user, organisation=org)
    response = admin_client.post(
        reverse("member-update", args=["acme", membership.pk]),
        {f"m{membership.pk}-role": "viewer"},
        follow=True,
    )
    assert "only admin" in response.text
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


def test_remove_member_access_matrix(org, make_member):
    user = make_member(org)
    membership = Membership.objects.get(user=user, organisation=org)
    assert_access(
        reverse("member-remove", args=["acme", membership.pk]),
        organisation=org,
        role=Role.ADMIN,
        method="post",
        ok=302,
        unchanged=lambda: Membership.objects.filter(pk=membership.pk).exists(),
    )
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_create_link_invitation_access_matrix(org):
    assert_access(
        reverse("invitation-create", args=["acme"]),
        organisation=org,
        role=Role.ADMIN,
        method="post",
        data={"kind": "link", "role": "contributor", "days": 7},
        ok=302,
        unchanged=lambda: Invitation.objects.count(),
    )
    invitation = Invitation.objects.get(organisation=org)
    assert invitation.is_link
    assert invitation.role == Role.CONTRIBUTOR


def test_invalid_link_form_is_shown_with_errors(org, admin_client):
    response = admin_client.post(
        reverse("invitation-create", args=["acme"]),
        {"kind": "link", "role": "contributor", "days": 0},
    )
    assert response.status_code == 400
    assert "greater than or equal to 1" in response.text
    assert not Invitation.objects.exists()


def test_email_invitation_sends_a_working_link(
    org, admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("invitation-create", args=["acme"]),
            {"kind": "email", "email": "new@example.test", "role": "editor"},
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="new@example.test")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@example.test"]
    assert invitation.get_absolute_url() in mail.outbox[0].body
    assert "Acme Shop" in mail.outbox[0].subject


def test_inviting_an_existing_member_by_email_is_refused(
    org, admin_client, make_member
):
    make_member(org, email="here@example.test")
    response = admin_client.post(
        reverse("invitation-create", args=["acme"]),
        {"kind": "email", "email": "HERE@example.test", "role": "editor"},
    )
    assert response.status_code == 400
    assert "already a member" in response.text
    assert not mail.outbox


def test_revoke_invitation_access_matrix(org, admin_user):

    invitation = create_invitation_link(org, created_by=admin_user)
    assert_access(
        reverse("invitation-revoke", args=["acme", invitation.pk]),
        organisation=org,
        role=Role.ADMIN,
        method="post",
        ok=302,
        unchanged=lambda: Invitation.objects.get(pk=invitation.pk).revoked_at,
    )
    invitation.refresh_from_db()
    assert invitation.state == "revoked"


def test_settings_access_matrix_and_rename(org):
    assert_access(
        reverse("organisation-settings", args=["acme"]),
        organisation=org,
        role=Role.ADMIN,
    )
    assert_access(
        reverse("organisation-settings", args=["acme"]),
        organisation=org,
        role=Role.ADMIN,
        method="post",
        data={"org-name": "Acme Online"},
        ok=302,
        unchanged=lambda: Organisation.objects.get(pk=org.pk).name,
    )
    org.refresh_from_db()
    assert org.name == "Acme Online"
    assert org.slug == "acme"


def test_team_create_access_matrix(org):
    assert_access(
        reverse("team-create", args=["acme"]),
        organisation=org,
        role=Role.ADMIN,
        method="post",
        data={"team-name": "Data"},
        ok=302,
        unchanged=lambda: _teams(org),
    )
    assert Team.objects.filter(organisation=org, name="Data").exists()


def test_duplicate_team_name_is_shown_next_to_the_field(org, admin_client):
    response = admin_client.post(
        reverse("team-create", args=["acme"]), {"team-name": "cro"}
    )
    assert response.status_code == 400
    assert "already a team called" in response.text


def test_team_update_and_delete_access_matrix(org):
    team = Team.objects.get(organisation=org, name="Leadership")
    assert_access(
        reverse("team-update", args=["acme", team.pk]),
        organisation=org,
        role=Role.ADMIN,
        method="post",
        data={f"t{team.pk}-name": "Management"},
        ok=302,
        unchanged=lambda: _teams(org),
    )
    team.refresh_from_db()
    assert team.name == "Management"
    assert_access(
        reverse("team-delete", args=["acme", team.pk]),
        organisation=org,
        role=Role.ADMIN,
        method="post",
        ok=302,
        unchanged=lambda: _teams(org),
    )
    assert not Team.objects.filter(pk=team.pk).exists()


def test_organisation_list_shows_only_my_organisations(
    client, org, other_org, admin_user
):
    client.force_login(admin_user)
    response = client.get(reverse("organisation-list"))
    assert "Acme Shop" in response.text
    assert "Rival Retail" not in response.text


def test_create_organisation_from_the_browser_form(client, make_user):
    user = make_user()
    client.force_login(user)
    response = client.post(
        reverse("organisation-create"), {"name": "Bright Bikes", "slug": ""}
    )
    organisation = Organisation.objects.get(name="Bright Bikes")
    assert response["Location"] == f"/o/{organisation.slug}/"
    assert organisation.slug == "bright-bikes"
    assert Membership.objects.get(user=user).role == Role.ADMIN


def test_create_organisation_with_taken_address_shows_error(client, org, make_user):
    client.force_login(make_user())
    response = client.post(
        reverse("organisation-create"), {"name": "Acme", "slug": "acme"}
    )
    assert response.status_code == 200
    assert "already taken" in response.text
    assert Organisation.objects.count() == 1


def test_organisation_pages_need_sign_in(client):
    for name in ("organisation-list", "organisation-create"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_index_sends_user_to_their_only_organisation(client, org, admin_user):
    client.force_login(admin_user)
    assert client.get("/")["Location"] == "/o/acme/"


def test_index_remembers_last_organisation(client, org, other_org, admin_user):
    Membership.objects.create(user=admin_user, organisation=other_org)
    client.force_login(admin_user)
    assert client.get("/")["Location"] == reverse("organisation-list")
    client.get("/o/rival/")
    assert client.get("/")["Location"] == "/o/rival/"


def test_sign_in_with_email_or_username(client, make_user):
    make_user("ada", email="Ada@Example.test")
    for login in ("ada", "ADA", "ada@example.test"):
        client.logout()
        response = client.post(
            reverse("login"), {"username": login, "password": PASSWORD}
        )
        assert response.status_code == 302, login
    client.logout()
    response = client.post(reverse("login"), {"username": "ada", "password": "wrong"})
    assert response.status_code == 200
    assert "enter a correct" in response.text


def test_password_reset_email_contains_a_working_link(client, make_user):
    make_user("bo", email="bo@example.test")
    client.post(reverse("password_reset"), {"email": "bo@example.test"})
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert body.startswith("Hello bo,\n\nsomeone (hopefully you) asked")
    link = next(line for line in body.splitlines() if "/accounts/reset/" in line)
    assert link.startswith("http")
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)
    assert "Choose a new password" in response.text
    assert "new_password1" in response.text


def test_403_page_explains_the_missing_role(client, org, make_member):
    viewer = make_member(org, role=Role.VIEWER)
    client.force_login(viewer)
    response = client.get(reverse("members", args=["acme"]))
    assert response.status_code == 403
    assert "admin role or higher" in response.text


def test_sign_out_ends_the_session(client, org, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert client.get("/o/acme/").status_code == 302
