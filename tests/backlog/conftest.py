import pytest
from django.utils import timezone

from backlog.authoring import save_hypothesis
from backlog.models import Hypothesis, Page, Status
from backlog.scoring.frameworks import Framework
from backlog.scoring.recording import score_hypothesis


@pytest.fixture
def checkout_page(org):
    return Page.objects.create(
        organisation=org,
        name="Checkout",
        url="/checkout",
        daily_visitors=2000,
        baseline_conversion_rate="40.0",
    )


@pytest.fixture
def make_hypothesis(org, admin_user):
    def make(title="Show delivery dates", organisation=None, by=None, **fields):
        fields.setdefault("metric", "Orders")
        if fields.get("status") == Status.CONCLUDED:
            fields.setdefault("result", "won")
            fields.setdefault("learning", "Dates sell.")
            fields.setdefault("concluded_at", timezone.now())
        tags = fields.pop("tags", [])
        return save_hypothesis(
            Hypothesis(organisation=organisation or org, title=title, **fields),
            by=by or admin_user,
            new_tag_names=tags,
        )

    return make


def give_ice(hypothesis, user, impact, confidence=None, ease=None):
    confidence = impact if confidence is None else confidence
    ease = impact if ease is None else ease
    return score_hypothesis(
        hypothesis,
        scorer=user,
        framework=Framework.ICE,
        values={"impact": impact, "confidence": confidence, "ease": ease},
    )


@pytest.fixture
def make_feedback(org, admin_user):
    from datetime import timedelta

    from backlog.feedback.capture import FeedbackInput, record_feedback

    def make(text="Delivery costs appear too late in checkout", **fields):
        organisation = fields.pop("organisation", org)
        days_ago = fields.pop("days_ago", 0)
        fields.setdefault("source", "chat")
        return record_feedback(
            organisation,
            FeedbackInput(
                text=text,
                received_at=timezone.now() - timedelta(days=days_ago),
                **fields,
            ),
            by=admin_user,
            team=None,
            mask_contacts=False,
            pseudonym_key=b"test",
        )

    return make
