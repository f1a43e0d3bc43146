"""Read-only share links: editors create and revoke them; anyone with one reads
one scorecard and nothing else."""

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from assessments.models import ShareLink
from assessments.sharing import create_share_link, revoke_share_link
from backlog.models import Hypothesis, Kind
from cromaturity.models import AuditAction, AuditEvent, Role
from tests.access import assert_access
from tests.assessments.factories import add_response, make_assessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment(org, make_member):
    assessment = make_assessment(org, title="Spring check", period="Q2 2026")
    add_response(assessment, make_member(org, team="CRO"), default=2, levels={"S1": 4})
    add_response(assessment, make_member(org, team="Marketing"), default=3)
    return assessment


@pytest.fixture
def link(assessment, admin_user):
    return create_share_link(assessment, by=admin_user, days=30)


def create_url(assessment):
    return reverse(
        "assessments:share-link-create",
        args=[assessment.organisation.slug, assessment.pk],
    )


def revoke_url(link):
    assessment = link.assessment
    return reverse(
        "assessments:share-link-revoke",
        args=[assessment.organisation.slug, assessment.pk, link.pk],
    )


def links():
    return list(ShareLink.objects.values_list("pk", "revoked_at"))


def test_editor_creates_a_share_link_with_the_chosen_expiry(assessment, org):
    response = assert_access(
        create_url(assessment),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data={"share-days": "7"},
        ok=302,
        unchanged=links,
    )
    assert response["Location"].endswith("#sharing")
    link = ShareLink.objects.get()
    assert link.assessment == assessment
    assert link.created_by == response.client_user
    assert link.expires_at - link.created_at == timedelta(days=7)
    event = AuditEvent.objects.get(action=AuditAction.SHARE_LINK_CREATED)
    assert event.organisation == org
    assert event.actor == response.client_user
    assert "valid 7 days" in event.summary


@pytest.mark.parametrize("days", ["", "0", "5", "366", "many"])
def test_an_expiry_outside_the_choices_is_refused(assessment, admin_client, days):
    response = admin_client.post(
        create_url(assessment), {"share-days": days}, follow=True
    )
    assert "Choose how long the link should work." in response.text
    assert not ShareLink.objects.exists()


def test_editor_revokes_a_share_link(link, org):
    response = assert_access(
        revoke_url(link),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        ok=302,
        unchanged=links,
    )
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert link.revoked_by == response.client_user
    assert AuditEvent.objects.filter(
        action=AuditAction.SHARE_LINK_REVOKED, organisation=org
    ).exists()


def test_a_link_of_another_assessment_cannot_be_revoked_through_this_one(
    link, org, admin_client
):
    other = make_assessment(org, title="Other")
    url = reverse("assessments:share-link-revoke", args=[org.slug, other.pk, link.pk])
    assert admin_client.post(url).status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_scorecard_page_lists_active_links_for_editors_only(
    link, assessment, org, admin_client, make_member
):
    expired = create_share_link(assessment, by=None, days=1)
    ShareLink.objects.filter(pk=expired.pk).update(
        created_at=timezone.now() - timedelta(days=3),
        expires_at=timezone.now() - timedelta(days=2),
    )
    page = admin_client.get(assessment.get_absolute_url()).text
    assert link.get_absolute_url() in page
    assert expired.get_absolute_url() not in page
    assert revoke_url(link) in page
    viewer = Client()
    viewer.force_login(make_member(org, role=Role.VIEWER))
    page = viewer.get(assessment.get_absolute_url()).text
    assert link.get_absolute_url() not in page
    assert "Create share link" not in page


def test_anyone_with_the_link_reads_the_scorecard_without_an_account(link, assessment):
    response = Client().get(link.get_absolute_url())
    assert response.status_code == 200
    assert "Spring check" in response.text
    assert "Acme Shop" in response.text
    assert "2 Developing" in response.text or "Developing" in response.text
    assert response.context["scorecard"].result.respondents == 2
    assert "noindex" in response.text
    link.refresh_from_db()
    assert link.view_count == 1
    assert link.last_viewed_at is not None


def test_the_shared_page_links_to_nothing_of_the_organisation(
    link, assessment, org, make_member, client
):
    previous = make_assessment(org, title="Winter check", status="closed")
    add_response(previous, make_member(org), default=1)
    Hypothesis.objects.create(
        organisation=org,
        title="Quarterly CRO goals with the board",
        kind=Kind.IMPROVEMENT,
        point_key="S1",
    )
    response = Client().get(link.get_absolute_url())
    assert response.status_code == 200
    assert "Winter check" not in response.text  # named only by its period
    assert "Quarterly CRO goals" not in response.text
    assert f"/o/{org.slug}" not in response.text
    assert "<form" not in response.text
    # A member who opens it sees their own menus, but the page itself stays
    # the same: nothing in it leads into the organisation.
    client.force_login(make_member(org, role=Role.ADMIN))
    main = client.get(link.get_absolute_url()).text.split("<main", 1)[1]
    assert f"/o/{org.slug}" not in main
    assert "<form" not in main


def test_the_shared_pdf_is_the_scorecard_pdf(link, assessment):
    response = Client().get(reverse("share:scorecard-pdf", args=[link.token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="acme-')
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) <= 2
    assert "Spring check" in reader.pages[0].extract_text()
    event = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert event.actor is None
    assert "share link" in event.summary


@pytest.mark.parametrize("url_name", ["share:scorecard", "share:scorecard-pdf"])
def test_a_revoked_link_explains_itself(link, admin_user, url_name):
    revoke_share_link(link, by=admin_user)
    response = Client().get(reverse(url_name, args=[link.token]))
    assert response.status_code == 410
    assert "withdrawn by Acme Shop" in response.text
    assert "Spring check" not in response.text


@pytest.mark.parametrize("url_name", ["share:scorecard", "share:scorecard-pdf"])
def test_an_expired_link_explains_itself(link, url_name):
    ShareLink.objects.filter(pk=link.pk).update(
        created_at=timezone.now() - timedelta(days=31),
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    response = Client().get(reverse(url_name, args=[link.token]))
    assert response.status_code == 410
    assert "This link expired on" in response.text
    assert "Spring check" not in response.text


@pytest.mark.parametrize(
    "token",
    [
        "guess",
        "abc:def",
        "AAAAAAAAAAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
    ],
)
def test_a_guessed_token_is_not_found(link, token):
    for url_name in ("share:scorecard", "share:scorecard-pdf"):
        assert Client().get(reverse(url_name, args=[token])).status_code == 404


def test_a_token_with_a_changed_nonce_or_signature_is_not_found(link):
    nonce, signature = link.token.rsplit(":", 1)
    other = "B" if signature.endswith("A") else "A"
    for token in (f"{nonce}x:{signature}", f"{nonce}:{signature[:-1]}{other}"):
        response = Client().get(reverse("share:scorecard", args=[token]))
        assert response.status_code == 404


def test_a_deleted_links_token_is_not_found(link):
    token = link.token
    link.delete()
    assert Client().get(reverse("share:scorecard", args=[token])).status_code == 404


def test_share_pages_refuse_other_methods(link):
    assert Client().post(link.get_absolute_url()).status_code == 405


@pytest.fixture
def drawn(monkeypatch):
    """Each PDF drawn, as fake bytes that tell the draws apart."""
    draws = []

    def draw(sources):
        draws.append(sources)
        return f"%PDF-fake {len(draws)}".encode()

    monkeypatch.setattr("assessments.scorecard_pdf.pdf_from_sources", draw)
    return draws


def pdf(link):
    return Client().get(reverse("share:scorecard-pdf", args=[link.token]))


def test_the_shared_pdf_is_drawn_once_per_state_of_the_scorecard(
    link, assessment, admin_user, make_member, drawn, settings
):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "shared-pdf-state",
        }
    }
    first = pdf(link)
    assert first.content == b"%PDF-fake 1"
    assert pdf(link).content == b"%PDF-fake 1"
    other_link = create_share_link(assessment, by=admin_user, days=7)
    assert pdf(other_link).content == b"%PDF-fake 1"
    assert len(drawn) == 1
    add_response(
        assessment, make_member(assessment.organisation, team="CRO"), default=4
    )
    changed = pdf(link)
    assert changed.content == b"%PDF-fake 2"
    assert "Spring check" in drawn[1][0]
    assert pdf(other_link).content == b"%PDF-fake 2"
    assert len(drawn) == 2


def test_opening_the_shared_pdf_is_audited_once_per_link_per_hour(
    link, assessment, admin_user, drawn
):
    def audited():
        return AuditEvent.objects.filter(action=AuditAction.EXPORTED).count()

    for _ in range(3):
        assert pdf(link).status_code == 200
    assert audited() == 1
    other_link = create_share_link(assessment, by=admin_user, days=7)
    pdf(other_link)
    pdf(other_link)
    assert audited() == 2
    ShareLink.objects.filter(pk=link.pk).update(
        pdf_audited_at=timezone.now() - timedelta(minutes=61)
    )
    pdf(link)
    pdf(link)
    assert audited() == 3
    event = AuditEvent.objects.filter(action=AuditAction.EXPORTED).latest("pk")
    assert "the first download through it this hour" in event.summary


def test_each_link_limits_its_pdf_downloads_with_a_clear_page(
    link, assessment, admin_user, drawn, monkeypatch
):
    monkeypatch.setattr("assessments.sharing.PDF_DOWNLOADS_PER_WINDOW", 3)
    for _ in range(3):
        assert pdf(link).status_code == 200
    refused = pdf(link)
    assert refused.status_code == 429
    assert "downloaded 3 times through this link in the last 10 minutes" in (
        refused.text
    )
    assert "Try again in 10 minutes" in refused.text
    assert 590 <= int(refused["Retry-After"]) <= 600
    assert link.get_absolute_url() in refused.text
    other_link = create_share_link(assessment, by=admin_user, days=7)
    assert pdf(other_link).status_code == 200
    assert Client().get(link.get_absolute_url()).status_code == 200
    ShareLink.objects.filter(pk=link.pk).update(
        pdf_window_started_at=timezone.now() - timedelta(minutes=10, seconds=1)
    )
    assert pdf(link).status_code == 200
    link.refresh_from_db()
    assert link.pdf_window_downloads == 1
