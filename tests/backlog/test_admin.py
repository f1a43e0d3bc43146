import pytest
from django.urls import reverse

from backlog.configuration import update_backlog_settings
from backlog.models import Experiment, Page, Score, Tag, Variant
from tests.backlog.conftest import give_ice

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
    from backlog.results import VariantNumbers, record_experiment

    hypothesis = make_hypothesis(page=checkout_page, tags=["trust"])
    give_ice(hypothesis, admin_user, 7)
    experiment = record_experiment(
        Experiment(hypothesis=hypothesis, name="A/B"),
        [VariantNumbers("A", 100, 10, is_control=True), VariantNumbers("B", 100, 12)],
        by=admin_user,
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
