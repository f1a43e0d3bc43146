"""Building pages, hypotheses, scores, experiments and feedback for tests."""

from datetime import timedelta

from django.utils import timezone

from backlog.authoring import save_hypothesis
from backlog.experiments.recording import VariantNumbers, record_experiment
from backlog.experiments.registration import (
    PlannedVariant,
    PlanSettings,
    RegisteredMetric,
    ResultInput,
    record_results,
    register_experiment,
)
from backlog.feedback.capture import FeedbackInput, record_feedback
from backlog.models import Experiment, Hypothesis, Metric, MetricKind, Page, Status
from backlog.scoring.frameworks import Framework
from backlog.scoring.recording import score_hypothesis


def make_page(
    organisation,
    name="Checkout",
    *,
    url="/checkout",
    daily_visitors=2000,
    baseline_conversion_rate="40.0",
):
    return Page.objects.create(
        organisation=organisation,
        name=name,
        url=url,
        daily_visitors=daily_visitors,
        baseline_conversion_rate=baseline_conversion_rate,
    )


def make_hypothesis(organisation, title="Show delivery dates", *, by, **fields):
    """A hypothesis saved as its form saves it; a concluded one gets a result."""
    fields.setdefault("metric", "Orders")
    if fields.get("status") == Status.CONCLUDED:
        fields.setdefault("result", "won")
        fields.setdefault("learning", "Dates sell.")
        fields.setdefault("concluded_at", timezone.now())
    tags = fields.pop("tags", [])
    return save_hypothesis(
        Hypothesis(organisation=organisation, title=title, **fields),
        by=by,
        new_tag_names=tags,
    )


def give_ice(hypothesis, user, impact, confidence=None, ease=None):
    """`user`'s ICE score; confidence and ease default to the impact."""
    confidence = impact if confidence is None else confidence
    ease = impact if ease is None else ease
    return score_hypothesis(
        hypothesis,
        scorer=user,
        framework=Framework.ICE,
        values={"impact": impact, "confidence": confidence, "ease": ease},
    )


def make_experiment(hypothesis, *arms, by, name="Dates A/B"):
    """An experiment whose arms are (name, visitors, conversions), control first."""
    return record_experiment(
        Experiment(hypothesis=hypothesis, name=name),
        [
            VariantNumbers(arm, visitors, conversions, is_control=index == 0)
            for index, (arm, visitors, conversions) in enumerate(arms)
        ],
        by=by,
    )


def make_metric(organisation, key, name=None, *, kind=MetricKind.CONVERSION, **fields):
    """A metric of `organisation`: a conversion goal unless `kind` says otherwise."""
    return Metric.objects.create(
        organisation=organisation,
        key=key,
        name=name or key.replace("_", " ").capitalize(),
        kind=kind,
        **fields,
    )


def make_registered_experiment(
    hypothesis,
    *,
    by,
    metrics,
    results=(),
    variants=("Control", "Dates"),
    name="Dates A/B",
    started_on=None,
    **plan,
):
    """A pre-registered experiment: `metrics` are (metric, role, margin or None),
    `results` (variant, metric key, visitors, conversions or (sum, sum of
    squares)); the first variant is the control."""
    experiment = register_experiment(
        hypothesis,
        name=name,
        variants=[
            PlannedVariant(variant, is_control=index == 0)
            for index, variant in enumerate(variants)
        ],
        metrics=[RegisteredMetric(m, role, margin) for m, role, margin in metrics],
        settings=PlanSettings(**plan),
        by=by,
        started_on=started_on,
    )
    if results:
        inputs = []
        for variant, key, visitors, numbers in results:
            if isinstance(numbers, tuple):
                inputs.append(
                    ResultInput(
                        variant, key, visitors, sum=numbers[0], sum_squares=numbers[1]
                    )
                )
            else:
                inputs.append(ResultInput(variant, key, visitors, conversions=numbers))
        record_results(experiment, inputs, by=by, source="a test")
    return experiment


def make_feedback(
    organisation,
    text="Delivery costs appear too late in checkout",
    *,
    by,
    source="chat",
    days_ago=None,
    team=None,
    mask_contacts=False,
    pseudonym_key=b"test",
    **fields,
):
    """A feedback item captured by `by`, received `days_ago` days ago or now."""
    if days_ago is not None:
        fields["received_at"] = timezone.now() - timedelta(days=days_ago)
    return record_feedback(
        organisation,
        FeedbackInput(text=text, source=source, **fields),
        by=by,
        team=team,
        mask_contacts=mask_contacts,
        pseudonym_key=pseudonym_key,
    )
