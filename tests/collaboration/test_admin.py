import pytest
from django.urls import reverse

from collaboration.models import Activity, Comment, Notification, Watch
from collaboration.notifying import set_preferences
from tests.collaboration.factories import make_comment

pytestmark = pytest.mark.django_db


def test_every_collaboration_model_has_a_working_admin(
    client, org, people, make_hypothesis
):
    admin = people["admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    hypothesis = make_hypothesis()
    make_comment(org, people["sam"], "@carla see", hypothesis=hypothesis)
    set_preferences(people["sam"], org, {"mention": "off"})
    objects = [
        Comment.objects.get(),
        Notification.objects.filter(kind="mention").get(),
        Activity.objects.first(),
        Watch.objects.first(),
        people["sam"].notification_preferences.get(),
    ]
    for obj in objects:
        meta = obj._meta
        listing = client.get(
            reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        )
        assert listing.status_code == 200, meta.model_name
        change = client.get(
            reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
        )
        assert change.status_code == 200, meta.model_name
