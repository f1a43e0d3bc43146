import io

import pytest
from django.core.management import call_command

from collaboration.models import Activity, Comment, Notification, NotificationKind

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


def test_a_larger_demo_has_comments_activity_and_readable_history_in_bulk(
    client,
):
    from backlog.models import Hypothesis, Status
    from collaboration.history import of_hypothesis

    call_command("seed_demo", "--scale", "3", stdout=io.StringIO())
    hypotheses = Hypothesis.objects.count()
    assert Comment.objects.count() >= hypotheses // 2
    assert Activity.objects.filter(kind="proposed").count() == hypotheses
    moved = Hypothesis.objects.exclude(status=Status.IDEA)
    assert Hypothesis.history.filter(history_type="~").count() == moved.count()

    concluded = moved.filter(status=Status.CONCLUDED).first()
    assert any(
        field.label.lower() == "status" and field.new == "Concluded"
        for change in of_hypothesis(concluded)
        for field in change.fields
    )
    client.force_login(concluded.created_by)
    assert client.get(concluded.get_absolute_url()).status_code == 200
