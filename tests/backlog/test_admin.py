import pytest
from django.urls import reverse

from backlog.configuration import update_backlog_settings
from backlog.evidence import link_feedback
from backlog.feedback.privacy import pseudonym_key
from backlog.models import (
    Evidence,
    FeedbackImport,
    FeedbackItem,
    FeedbackTheme,
    Hypothesis,
    ImportMapping,
    Page,
    Score,
    Tag,
    Theme,
    Variant,
)
from tests.backlog.factories import give_ice, make_experiment, make_feedback

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client, admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    return client


def test_every_backlog_model_has_a_working_admin(
    superuser_client, org, admin_user, make_hypothesis, checkout_page
):
    hypothesis = make_hypothesis(page=checkout_page, tags=["trust"])
    give_ice(hypothesis, admin_user, 7)
    experiment = make_experiment(
        hypothesis, ("A", 100, 10), ("B", 100, 12), by=admin_user, name="A/B"
    )
    settings = update_backlog_settings(org, primary_framework="pie")
    objects = [
        hypothesis,
        Score.objects.get(),
        experiment,
        Variant.objects.first(),
        checkout_page,
        Tag.objects.get(),
        settings,
    ]
    for obj in objects:
        opts = obj._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert superuser_client.get(changelist).status_code == 200, changelist
        change = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]
        )
        response = superuser_client.get(change)
        assert response.status_code == 200, change
    text = superuser_client.get(
        reverse("admin:backlog_hypothesis_change", args=[hypothesis.pk])
    ).text
    assert "Scores (computed)" in text
    assert Page.objects.count() == 1


@pytest.fixture
def linked_feedback(org, admin_user, make_hypothesis):
    item = make_feedback(
        org,
        "Checkout failed, call me on 020 7946 0018 or jo@example.com",
        by=admin_user,
        themes="checkout",
        customer="Jo Bloggs",
        mask_contacts=True,
        pseudonym_key=pseudonym_key(org),
    )
    hypothesis = make_hypothesis()
    link_feedback(hypothesis, item, by=admin_user, snippet="Checkout failed")
    return item, hypothesis


def test_every_feedback_model_has_a_working_admin(
    superuser_client, org, admin_user, linked_feedback
):
    item, _ = linked_feedback
    objects = [
        item,
        Theme.objects.get(),
        FeedbackTheme.objects.get(),
        Evidence.objects.get(),
        FeedbackImport.objects.create(
            organisation=org, original_name="zendesk.csv", file="imports/x.csv"
        ),
        ImportMapping.objects.create(
            organisation=org, name="Zendesk", header_signature="abc"
        ),
    ]
    for obj in objects:
        opts = obj._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert superuser_client.get(changelist).status_code == 200, changelist
        change = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]
        )
        assert superuser_client.get(change).status_code == 200, change


def test_feedback_in_the_admin_is_shown_as_the_app_stores_it(
    superuser_client, linked_feedback
):
    item, _ = linked_feedback
    listing = reverse("admin:backlog_feedbackitem_changelist")
    page = superuser_client.get(listing, {"q": item.customer_ref}).text
    assert item.customer_ref.startswith("cust-")
    assert item.customer_ref in page
    assert "call me on [phone] or [email]" in page
    for detail in ("Jo Bloggs", "7946", "jo@example.com"):
        assert detail not in page
    assert " By feed " in page
    assert page.count(" By source ") == 1
    change = superuser_client.get(
        reverse("admin:backlog_feedbackitem_change", args=[item.pk])
    )
    assert 'name="text"' not in change.text
    assert "checkout" in change.text


def test_feedback_and_evidence_cannot_be_rewritten_in_the_admin(
    superuser_client, linked_feedback
):
    item, _ = linked_feedback
    evidence = Evidence.objects.get()
    superuser_client.post(
        reverse("admin:backlog_feedbackitem_change", args=[item.pk]),
        {"text": "Call me on 020 7946 0018", "source": "chat"},
    )
    superuser_client.post(
        reverse("admin:backlog_evidence_change", args=[evidence.pk]),
        {"snippet": "Something else", "importance": 3},
    )
    delete = reverse("admin:backlog_evidence_delete", args=[evidence.pk])
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    item.refresh_from_db()
    evidence.refresh_from_db()
    assert "[phone]" in item.text
    assert (evidence.snippet, evidence.importance) == ("Checkout failed", 1)


def test_deleting_feedback_in_the_admin_takes_it_out_of_the_evidence_counts(
    superuser_client, linked_feedback
):
    item, hypothesis = linked_feedback
    assert Hypothesis.objects.get(pk=hypothesis.pk).evidence_items == 1
    response = superuser_client.post(
        reverse("admin:backlog_feedbackitem_changelist"),
        {"action": "delete_selected", "_selected_action": [item.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not FeedbackItem.objects.exists()
    assert Hypothesis.objects.get(pk=hypothesis.pk).evidence_items == 0
