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
