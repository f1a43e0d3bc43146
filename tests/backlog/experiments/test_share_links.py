"""Read-only share links to an experiment's report: editors create and revoke
them; anyone with one reads that report, without the customers' feedback."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from backlog.evidence import link_feedback
from backlog.experiments.sharing import create_share_link, revoke_share_link
from backlog.models import ExperimentShareLink, Status
from cromaturity.models import AuditAction, AuditEvent, Role
from tests.access import assert_access, member_client
from tests.backlog.experiments.stories import register_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def experiment(org, make_hypothesis, admin_user, make_feedback):
    hypothesis = make_hypothesis(
        "Delivery dates on product pages",
        status=Status.ANALYSING,
        observation="Customers ask when parcels arrive.",
    )
    item = make_feedback("My parcel came late, call me on 0612345678")
    link_feedback(hypothesis, item, by=admin_user)
    return register_story(hypothesis, org, admin_user)


@pytest.fixture
def link(experiment, admin_user):
    return create_share_link(experiment, by=admin_user, days=30)


def create_url(experiment):
    return reverse("backlog:experiment-share-link-create", args=["acme", experiment.pk])


def revoke_url(link):
    return reverse(
        "backlog:experiment-share-link-revoke",
        args=["acme", link.experiment_id, link.pk],
    )


def links():
    return list(ExperimentShareLink.objects.values_list("pk", "revoked_at"))


def test_editor_creates_a_share_link_with_the_chosen_lifetime(experiment, org):
    response = assert_access(
        create_url(experiment),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data={"share-days": "12"},
        ok=302,
        unchanged=links,
    )
    assert response["Location"].endswith(
        reverse("backlog:experiment-detail", args=["acme", experiment.pk]) + "#sharing"
    )
    link = ExperimentShareLink.objects.get()
    assert link.experiment == experiment
    assert link.created_by == response.client_user
    assert link.expires_at - link.created_at == timedelta(days=12)
    event = AuditEvent.objects.get(action=AuditAction.SHARE_LINK_CREATED)
    assert event.organisation == org
    assert event.actor == response.client_user
    assert "experiment report “Dates A/B”" in event.summary
    assert "valid 12 days" in event.summary


@pytest.mark.parametrize("days", ["", "0", "366", "many", "1.5"])
def test_a_lifetime_outside_1_to_365_days_is_refused(experiment, admin_client, days):
    response = admin_client.post(
        create_url(experiment), {"share-days": days}, follow=True
    )
    assert "1 to 365" in response.text
    assert not ExperimentShareLink.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.SHARE_LINK_CREATED).exists()


@pytest.mark.parametrize("days", [1, 365])
def test_the_lifetime_may_be_one_day_or_a_year(experiment, admin_user, days):
    link = create_share_link(experiment, by=admin_user, days=days)
    assert link.expires_at - link.created_at == timedelta(days=days)


def test_editor_revokes_a_share_link_and_it_is_audited(link, org):
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
    event = AuditEvent.objects.get(action=AuditAction.SHARE_LINK_REVOKED)
    assert event.organisation == org
    assert "experiment report “Dates A/B”" in event.summary


def test_a_link_of_another_experiment_cannot_be_revoked_through_this_one(
    link, org, make_hypothesis, admin_user, admin_client
):
    other = register_story(make_hypothesis("Other"), org, admin_user)
    url = reverse(
        "backlog:experiment-share-link-revoke", args=["acme", other.pk, link.pk]
    )
    assert admin_client.post(url).status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_another_organisation_can_neither_create_nor_revoke(
    link, experiment, other_org
):
    outsider = member_client(other_org, Role.ADMIN)
    assert outsider.post(create_url(experiment), {"share-days": "5"}).status_code == (
        404
    )
    assert outsider.post(revoke_url(link)).status_code == 404
    assert ExperimentShareLink.objects.count() == 1
    link.refresh_from_db()
    assert link.revoked_at is None


def test_the_page_lists_active_links_for_editors_only(
    link, experiment, org, admin_user, admin_client
):
    expired = create_share_link(experiment, by=admin_user, days=1)
    ExperimentShareLink.objects.filter(pk=expired.pk).update(
        created_at=timezone.now() - timedelta(days=3),
        expires_at=timezone.now() - timedelta(days=2),
    )
    page_url = reverse("backlog:experiment-detail", args=["acme", experiment.pk])
    page = admin_client.get(page_url).text
    assert link.get_absolute_url() in page
    assert expired.get_absolute_url() not in page
    assert revoke_url(link) in page
    page = member_client(org, Role.VIEWER).get(page_url).text
    assert link.get_absolute_url() not in page
    assert "Create share link" not in page


def test_anyone_with_the_link_reads_the_report_without_customer_data(link, experiment):
    response = Client().get(link.get_absolute_url())
    assert response.status_code == 200
    text = response.text
    assert "Dates A/B" in text
    assert "Acme Shop" in text
    assert 'data-recommendation="dont_ship"' in text
    assert "Support contacts is worse than its margin allows for Dates." in text
    assert f'id="ci-{experiment.pk}-add_to_cart-1"' in text
    assert "Customers ask when parcels arrive." in text  # the statement
    assert "parcel came late" not in text  # no customer's feedback
    assert "0612345678" not in text
    assert "Evidence from customers" not in text
    assert "/o/acme" not in text
    assert "<form" not in text.split("<main", 1)[1]
    assert '<meta name="robots" content="noindex, nofollow">' in text
    link.refresh_from_db()
    assert link.view_count == 1
    assert link.last_viewed_at is not None


def test_the_shared_page_carries_the_security_headers(link):
    response = Client().get(link.get_absolute_url())
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_a_revoked_link_explains_itself(link, admin_user):
    revoke_share_link(link, by=admin_user)
    response = Client().get(link.get_absolute_url())
    assert response.status_code == 410
    assert "withdrawn by Acme Shop" in response.text
    assert "Dates A/B" not in response.text
    assert "noindex" in response.text


def test_an_expired_link_explains_itself(link):
    ExperimentShareLink.objects.filter(pk=link.pk).update(
        created_at=timezone.now() - timedelta(days=31),
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    response = Client().get(link.get_absolute_url())
    assert response.status_code == 410
    assert "This link expired on" in response.text
    assert "Dates A/B" not in response.text


@pytest.mark.parametrize(
    "token",
    [
        "guess",
        "abc:def",
        "AAAAAAAAAAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
    ],
)
def test_a_guessed_token_is_not_found(link, token):
    response = Client().get(reverse("share:experiment", args=[token]))
    assert response.status_code == 404


def test_a_token_with_a_changed_nonce_or_signature_is_not_found(link):
    nonce, signature = link.token.rsplit(":", 1)
    other = "B" if signature.endswith("A") else "A"
    for token in (f"{nonce}x:{signature}", f"{nonce}:{signature[:-1]}{other}"):
        response = Client().get(reverse("share:experiment", args=[token]))
        assert response.status_code == 404


def test_a_scorecards_token_does_not_open_an_experiment(link):
    # Each kind of link signs with its own salt.
    forged = link.token
    response = Client().get(reverse("share:scorecard", args=[forged]))
    assert response.status_code == 404


def test_the_shared_page_refuses_other_methods(link):
    assert Client().post(link.get_absolute_url()).status_code == 405
