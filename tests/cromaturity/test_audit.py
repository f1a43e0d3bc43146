from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cromaturity.invitations import create_invitation_link
from cromaturity.models import AuditAction, AuditEvent, Membership, Role
from tests.access import assert_access
from tests.assessments.factories import make_assessment
from tests.cromaturity.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _sign_in(client, username, password=PASSWORD, ip="10.0.0.1"):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
    )


def test_sign_ins_and_failures_are_recorded_with_the_address(client, make_user):
    user = make_user("ada")
    _sign_in(client, "ada", "wrong", ip="203.0.113.7")
    _sign_in(client, "ada", ip="203.0.113.8")
    events = list(AuditEvent.objects.order_by("pk"))
    assert [(e.action, e.actor, e.ip_address) for e in events] == [
        (AuditAction.SIGN_IN_FAILED, user, "203.0.113.7"),
        (AuditAction.SIGN_IN, user, "203.0.113.8"),
    ]
    assert events[0].summary == "Failed sign-in as “ada”"


def test_failed_sign_in_as_unknown_name_keeps_the_typed_name(client, db):
    _sign_in(client, "nobody@example.test", "x")
    event = AuditEvent.objects.get()
    assert (event.actor, event.actor_name) == (None, "nobody@example.test")


def test_role_changes_removals_and_invitations_are_recorded(
    admin_client, org, admin_user, make_member
):
    user = make_member(org, role=Role.CONTRIBUTOR, team="Marketing")
    membership = Membership.objects.get(user=user, organisation=org)
    admin_client.post(
        reverse("member-update", args=["acme", membership.pk]),
        {f"m{membership.pk}-role": "editor", f"m{membership.pk}-team": ""},
    )
    admin_client.post(
        reverse("invitation-create", args=["acme"]),
        {"kind": "link", "role": "viewer", "days": 3},
    )
    invitation = org.invitations.get()
    admin_client.post(reverse("invitation-revoke", args=["acme", invitation.pk]))
    admin_client.post(reverse("member-remove", args=["acme", membership.pk]))
    summaries = list(
        AuditEvent.objects.filter(organisation=org)
        .order_by("pk")
        .values_list("action", "summary")
    )
    assert summaries == [
        (
            AuditAction.ROLE_CHANGED,
            f"{user.username}: Contributor, Marketing → Editor, no team",
        ),
        (AuditAction.INVITATION_CREATED, "Invite link for viewers, valid 3 days"),
        (AuditAction.INVITATION_REVOKED, "Revoked the invitation link (viewer)"),
        (AuditAction.MEMBER_REMOVED, f"Removed {user.username} (editor)"),
    ]
    assert set(
        AuditEvent.objects.filter(organisation=org).values_list("actor", flat=True)
    ) == {admin_user.pk}


def test_joining_is_recorded(client, org, admin_user, make_user):
    link = create_invitation_link(org, created_by=admin_user)
    user = make_user("newbie")
    client.force_login(user)
    team = org.teams.get(name="CRO")
    client.post(link.get_absolute_url(), {"join-team": team.pk})
    event = AuditEvent.objects.get(action=AuditAction.MEMBER_JOINED)
    assert event.summary == "newbie joined as contributor through a link"


def test_audit_log_page_access_matrix_and_scope(org, other_org, make_member, client):
    member = make_member(org)
    stranger = make_member(other_org)
    _sign_in(client, member.username)
    _sign_in(client, stranger.username)
    response = assert_access(
        reverse("audit-log", args=["acme"]), organisation=org, role=Role.ADMIN
    )
    page = response.context["page"]
    actors = {event.actor for event in page.object_list}
    assert member in actors
    assert stranger not in actors


def test_audit_log_filters_by_action(admin_client, org, make_member):

    member = make_member(org)
    _sign_in(Client(), member.username)
    _sign_in(Client(), member.username, "wrong")
    response = admin_client.get(
        reverse("audit-log", args=["acme"]), {"action": "sign_in_failed"}
    )
    assert [e.action for e in response.context["page"].object_list] == [
        AuditAction.SIGN_IN_FAILED
    ]


@pytest.fixture
def strict_throttle(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def test_repeated_failures_pause_sign_in_with_a_clear_page(
    client, make_user, strict_throttle
):
    make_user("ada")
    for _ in range(3):
        _sign_in(client, "ada", "wrong")
    response = _sign_in(client, "ada")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text
    assert "reset your password" in response.text


def test_failures_as_username_and_as_email_count_for_one_account(
    client, make_user, strict_throttle
):
    make_user("ada", email="ada@example.test")
    _sign_in(client, "ada", "wrong", ip="198.51.100.1")
    _sign_in(client, "Ada@Example.test", "wrong", ip="198.51.100.2")
    _sign_in(client, "ada@example.test", "wrong", ip="198.51.100.3")
    response = _sign_in(client, "ada", ip="10.9.9.9")
    assert response.status_code == 429
    assert _sign_in(client, "ada@example.test", ip="10.9.9.8").status_code == 429


def test_failures_from_one_address_count_whatever_name_is_typed(
    client, make_user, strict_throttle
):
    make_user("ada")
    for name in ("bob", "carol", "dave"):
        _sign_in(client, name, "wrong", ip="198.51.100.9")
    assert _sign_in(client, "ada", ip="198.51.100.9").status_code == 429
    assert _sign_in(client, "ada", ip="10.9.9.9").status_code == 302


def test_other_accounts_are_not_paused_by_failures_on_one(
    client, make_user, strict_throttle
):
    make_user("ada", email="ada@example.test")
    make_user("grace", email="grace@example.test")
    for n in range(3):
        _sign_in(client, "ada@example.test", "wrong", ip=f"198.51.100.{n}")
    assert _sign_in(client, "grace@example.test", ip="10.9.9.9").status_code == 302


def test_the_pause_ends_after_the_cool_off(client, make_user, strict_throttle):
    make_user("ada")
    for _ in range(3):
        _sign_in(client, "ada", "wrong")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert _sign_in(client, "ada").status_code == 302


def test_an_attacker_cannot_keep_the_pause_going(client, make_user, strict_throttle):
    make_user("ada")
    for _ in range(3):
        _sign_in(client, "ada", "wrong", ip="198.51.100.9")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=10))
    for _ in range(5):
        _sign_in(client, "ada", "wrong", ip="198.51.100.9")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert _sign_in(client, "ada", ip="10.9.9.9").status_code == 302


def test_a_password_reset_lifts_the_pause(client, make_user, strict_throttle):
    make_user("ada", email="ada@example.test")
    for _ in range(3):
        _sign_in(client, "ada", "wrong", ip="198.51.100.9")
    assert _sign_in(client, "ada", ip="10.9.9.9").status_code == 429
    client.post(reverse("password_reset"), {"email": "ada@example.test"})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    form_page = client.get(path, follow=True)
    client.post(
        form_page.request["PATH_INFO"],
        {"new_password1": "brand-new-pass-77", "new_password2": "brand-new-pass-77"},
    )
    response = _sign_in(client, "ada", "brand-new-pass-77", ip="10.9.9.9")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(
        action=AuditAction.PASSWORD_CHANGED, summary="Reset the password by email"
    ).exists()


def test_changing_the_password_ends_other_sessions(client, make_user):

    user = make_user("ada")
    other_device = Client()
    other_device.force_login(user)
    client.force_login(user)
    client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "brand-new-pass-77",
            "new_password2": "brand-new-pass-77",
        },
    )
    assert client.get(reverse("organisation-list")).status_code == 200
    assert other_device.get(reverse("organisation-list")).status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_CHANGED).count() == 1


def test_a_password_reset_ends_every_session(client, make_user):

    user = make_user("ada", email="ada@example.test")
    signed_in = Client()
    signed_in.force_login(user)
    assert signed_in.get(reverse("organisation-list")).status_code == 200
    client.post(reverse("password_reset"), {"email": "ada@example.test"})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    form_page = client.get(path, follow=True)
    client.post(
        form_page.request["PATH_INFO"],
        {"new_password1": "brand-new-pass-77", "new_password2": "brand-new-pass-77"},
    )
    assert signed_in.get(reverse("organisation-list")).status_code == 302


def test_an_admin_sees_every_kind_of_security_event_on_the_audit_page(
    client, org, admin_user, make_member
):
    """Sign-ins, failures, role changes, API keys, exports and share links, each
    done through the app, all appear on the organisation's audit page."""

    member = make_member(org, role=Role.CONTRIBUTOR)
    _sign_in(Client(), member.username, ip="203.0.113.5")
    _sign_in(Client(), member.username, "wrong", ip="203.0.113.6")
    assert _sign_in(client, admin_user.username).status_code == 302
    membership = Membership.objects.get(user=member, organisation=org)
    client.post(
        reverse("member-update", args=["acme", membership.pk]),
        {f"m{membership.pk}-role": "editor", f"m{membership.pk}-team": ""},
    )
    client.post(reverse("api-key-create", args=["acme"]), {"key-name": "Zendesk"})
    key = org.api_keys.get()
    client.post(reverse("api-key-revoke", args=["acme", key.pk]))
    client.get(reverse("backlog:hypothesis-export-csv", args=["acme"]))
    assessment = make_assessment(org)
    client.post(
        reverse("assessments:share-link-create", args=["acme", assessment.pk]),
        {"share-days": 7},
    )
    page = client.get(reverse("audit-log", args=["acme"])).text
    for label, detail in [
        ("Signed in", "203.0.113.5"),
        ("Failed sign-in", f"Failed sign-in as “{member.username}”"),
        ("Changed a role or team", f"{member.username}: Contributor"),
        ("Created an API key", "API key “Zendesk”"),
        ("Revoked an API key", "API key “Zendesk”"),
        ("Exported data", "Backlog as CSV"),
        ("Created a share link", "valid 7 days"),
    ]:
        assert f'<td data-label="What">{label}</td>' in page, label
        assert detail in page, detail
