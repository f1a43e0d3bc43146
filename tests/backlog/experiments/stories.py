"""The outdoor shop's test that won on add to cart but failed its support
contacts guardrail, and its harmless twin, for the experiment pages' tests."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from backlog.models import Metric, MetricKind, MetricRole
from tests.backlog.factories import make_metric, make_registered_experiment


def story_metrics(org):
    """The outdoor shop's test: add to cart up, revenue per visitor, and support
    contacts (down is good) as a guardrail with a 2 % margin."""
    existing = {m.key: m for m in Metric.objects.filter(organisation=org)}
    if existing:
        return [
            (existing["add_to_cart"], MetricRole.PRIMARY, None),
            (existing["revenue"], MetricRole.SECONDARY, None),
            (existing["support_contacts"], MetricRole.GUARDRAIL, Decimal("2")),
        ]
    return [
        (make_metric(org, "add_to_cart", "Add to cart"), MetricRole.PRIMARY, None),
        (
            make_metric(org, "revenue", "Revenue per visitor", kind=MetricKind.MEAN),
            MetricRole.SECONDARY,
            None,
        ),
        (
            make_metric(
                org,
                "support_contacts",
                "Support contacts",
                kind=MetricKind.COUNT,
                direction="down",
            ),
            MetricRole.GUARDRAIL,
            Decimal("2"),
        ),
    ]


WON_BUT_HARMFUL = [
    ("Control", "add_to_cart", 10_000, 1_200),
    ("Dates", "add_to_cart", 10_000, 1_400),
    ("Control", "revenue", 10_000, (15_000.0, 900_000.0)),
    ("Dates", "revenue", 10_000, (16_500.0, 990_000.0)),
    ("Control", "support_contacts", 10_000, (800.0, 1_000.0)),
    ("Dates", "support_contacts", 10_000, (1_000.0, 1_300.0)),
]
HARMLESS = [
    row if row[1] != "support_contacts" else (*row[:3], (800.0, 1_000.0))
    for row in WON_BUT_HARMFUL
]


def register_story(hypothesis, org, by, results=WON_BUT_HARMFUL, **plan):
    plan = {
        "significance": Decimal("5"),
        "planned_visitors_per_variant": 9_000,
        "minimum_weeks": 1,
        "maximum_weeks": 8,
        **plan,
    }
    return make_registered_experiment(
        hypothesis,
        by=by,
        metrics=story_metrics(org),
        results=results,
        started_on=timezone.localdate() - timedelta(days=20),
        **plan,
    )
