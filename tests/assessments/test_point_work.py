"""The work planned per point, which the backlog provides to the scorecard."""

import pytest

from assessments import point_work
from backlog.improvements import items_by_point
from backlog.models import Hypothesis, Kind

pytestmark = pytest.mark.django_db


def test_the_backlog_provides_its_improvement_items_per_point(org):
    item = Hypothesis.objects.create(
        organisation=org,
        title="Sponsorship plan",
        kind=Kind.IMPROVEMENT,
        point_key="S3",
    )
    assert point_work._provider is items_by_point
    assert point_work.work_by_point(org) == {"S3": [item]}


def test_without_a_provider_no_point_has_work(org, monkeypatch):
    Hypothesis.objects.create(
        organisation=org,
        title="Sponsorship plan",
        kind=Kind.IMPROVEMENT,
        point_key="S3",
    )
    monkeypatch.setattr(point_work, "_provider", None)
    assert point_work.work_by_point(org) == {}
