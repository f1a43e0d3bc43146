import io
from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from backlog.models import Hypothesis, Score, Status
from backlog.pipeline import FORWARD
from collaboration.history import of_hypothesis
from collaboration.models import (
    Activity,
    ActivityKind,
    Comment,
    Notification,
    NotificationKind,
)

pytestmark = pytest.mark.django_db


def _counts():
    return (
        Comment.objects.count(),
        Notification.objects.count(),
        Activity.objects.count(),
    )


def test_seed_demo_adds_discussions_notifications_and_activity_once(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())
    first = _counts()
    assert first[0] >= 5
    loop = Notification.objects.filter(kind=NotificationKind.LOOP_CLOSED)
    assert sorted(loop.values_list("recipient__username", flat=True)) == ["lena", "sam"]
    assert Notification.objects.filter(recipient__username="carla").exists()
    assert Comment.objects.filter(point__key="S5").exists()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "the demo discussions exist; kept them" in out.getvalue()
    assert _counts() == first


def _moves(status) -> int:
    """How many moves the demo makes to bring a hypothesis to `status`."""
    return FORWARD.index(status) if status in FORWARD else 2


def test_a_larger_demo_has_comments_activity_and_readable_history_in_bulk(
    client,
):
    call_command("seed_demo", "--scale", "3", stdout=io.StringIO())
    hypotheses = Hypothesis.objects.count()
    assert Comment.objects.count() >= hypotheses // 2
    assert Activity.objects.filter(kind="proposed").count() == hypotheses
    moves = sum(
        _moves(status) for status in Hypothesis.objects.values_list("status", flat=True)
    )
    assert Hypothesis.history.filter(history_type="~").count() == moves

    concluded = Hypothesis.objects.filter(status=Status.CONCLUDED).first()
    assert any(
        field.label.lower() == "status" and field.new == "Concluded"
        for change in of_hypothesis(concluded)
        for field in change.fields
    )
    client.force_login(concluded.created_by)
    assert client.get(concluded.get_absolute_url()).status_code == 200


def test_demo_activity_is_spread_over_the_demo_months():
    call_command("seed_demo", stdout=io.StringIO())
    now = timezone.now()
    for model in (Activity, Comment, Notification):
        dates = list(model.objects.values_list("created_at", flat=True))
        assert max(dates) <= now, model
        days = Counter(when.date() for when in dates)
        # Not written in the minute the demo was seeded: on many days.
        assert len(days) >= min(len(dates), 4), model
        assert max(days.values()) <= max(3, len(dates) // 5), model
    activity = Activity.objects.values_list("created_at", flat=True)
    months = {(when.year, when.month) for when in activity}
    assert len(months) >= 6
    assert max(activity) - min(activity) >= timedelta(days=180)


def test_every_demo_hypothesis_past_idea_has_timeline_entries_for_its_moves_and_scores(
    client,
):
    call_command("seed_demo", stdout=io.StringIO())
    for hypothesis in Hypothesis.objects.all():
        entries = Activity.objects.filter(hypothesis=hypothesis)
        kinds = Counter(entries.values_list("kind", flat=True))
        scores = Score.objects.filter(hypothesis=hypothesis)
        assert kinds[ActivityKind.PROPOSED] == 1, hypothesis
        assert kinds[ActivityKind.SCORED] == scores.count(), hypothesis
        moves = kinds[ActivityKind.MOVED] + kinds[ActivityKind.CONCLUDED]
        assert moves == _moves(hypothesis.status), hypothesis
        status_changes = [
            field.new
            for change in of_hypothesis(hypothesis)
            for field in change.fields
            if field.label.lower() == "status"
        ]
        assert len(status_changes) == moves, hypothesis
        if moves:
            assert status_changes[0] == hypothesis.get_status_display(), hypothesis
            latest = entries.exclude(kind__in=["scored", "linked", "commented"])
            assert latest.first().created_at == hypothesis.status_changed_at
        proposed = entries.get(kind=ActivityKind.PROPOSED).created_at
        assert all(proposed <= e.created_at for e in entries), hypothesis

    concluded = Hypothesis.objects.filter(status=Status.CONCLUDED).first()
    client.force_login(concluded.created_by)
    page = client.get(concluded.get_absolute_url()).text
    assert "moved it from Running to Analysing" in page
    assert "scored it in" in page
    assert f"concluded it: {concluded.get_result_display()}" in page
