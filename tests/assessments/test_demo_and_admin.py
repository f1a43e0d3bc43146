"""Demo content and the Django admin for maturity models and assessments."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from assessments.models import (
    AgreedLevel,
    Answer,
    Assessment,
    AssessmentStatus,
    MaturityModel,
    Point,
    Response,
    Target,
)
from assessments.scorecards import build_scorecard
from tests.assessments.factories import add_response, make_assessment

pytestmark = pytest.mark.django_db


def test_demo_has_a_closed_and_an_open_assessment_with_a_visible_disagreement():
    call_command("seed_demo", stdout=None)
    counts = (
        Assessment.objects.count(),
        Response.objects.count(),
        Answer.objects.count(),
    )
    closed = Assessment.objects.filter(status=AssessmentStatus.CLOSED).latest(
        "closed_at"
    )
    current = Assessment.objects.get(status=AssessmentStatus.OPEN)
    for assessment in (closed, current):
        teams = set(
            assessment.responses.filter(submitted_at__isnull=False).values_list(
                "team__name", flat=True
            )
        )
        assert {"CRO", "Customer Service", "Marketing"} <= teams
        assert assessment.responses.filter(submitted_at__isnull=False).count() >= 3
        card = build_scorecard(assessment)
        assert "S4" in [row.point.key for row in card.disputed]
    assert Answer.objects.exclude(evidence="").exists()
    assert AgreedLevel.objects.filter(assessment=closed).exists()
    assert Target.objects.count() >= 2
    assert build_scorecard(current).previous == closed

    call_command("seed_demo", stdout=None)
    assert counts == (
        Assessment.objects.count(),
        Response.objects.count(),
        Answer.objects.count(),
    )


def test_demo_scale_adds_assessments_each_answered_by_at_most_30_people():
    call_command("seed_demo", scale=10, stdout=None)
    # 0.4 closed assessments per unit of scale: 100 at --scale 250.
    assert Assessment.objects.filter(status=AssessmentStatus.CLOSED).count() == 4
    counts = [a.responses.count() for a in Assessment.objects.all()]
    assert counts == [30] * 5
    named = Response.objects.filter(respondent__username="carla").count()
    assert named == 5


@pytest.fixture
def superuser_client(make_user):
    user = make_user(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def test_admin_lists_and_pages_of_every_assessments_model(
    superuser_client, org, make_member
):
    assessment = make_assessment(org)
    response = add_response(assessment, make_member(org), default=4)
    model = MaturityModel.objects.get()
    point = Point.objects.filter(pillar__maturity_model=model).first()
    pages = [
        reverse("admin:assessments_maturitymodel_changelist"),
        reverse("admin:assessments_maturitymodel_change", args=[model.pk]),
        reverse("admin:assessments_point_change", args=[point.pk]),
        reverse("admin:assessments_point_changelist"),
        reverse("admin:assessments_pillar_changelist"),
        reverse("admin:assessments_leveldescriptor_changelist"),
        reverse("admin:assessments_assessment_changelist"),
        reverse("admin:assessments_assessment_change", args=[assessment.pk]),
        reverse("admin:assessments_response_changelist"),
        reverse("admin:assessments_response_change", args=[response.pk]),
        reverse("admin:assessments_answer_changelist"),
        reverse("admin:assessments_agreedlevel_changelist"),
        reverse("admin:assessments_target_changelist"),
    ]
    for page in pages:
        assert superuser_client.get(page).status_code == 200, page
    listing = superuser_client.get(reverse("admin:assessments_assessment_changelist"))
    assert "4.00" in listing.text
    detail = superuser_client.get(
        reverse("admin:assessments_assessment_change", args=[assessment.pk])
    )
    assert "<th>Overall</th><th>4.00</th>" in detail.text


def test_admin_shows_published_models_read_only_and_makes_new_versions(
    superuser_client,
):
    model = MaturityModel.objects.get()
    change_url = reverse("admin:assessments_maturitymodel_change", args=[model.pk])
    page = superuser_client.get(change_url)
    assert 'name="_save"' not in page.text
    superuser_client.post(change_url, {"name": "Renamed"})
    model.refresh_from_db()
    assert model.name == "CRO maturity model"

    changelist = reverse("admin:assessments_maturitymodel_changelist")
    superuser_client.post(
        changelist,
        {"action": "make_new_version", "_selected_action": [model.pk]},
    )
    draft = MaturityModel.objects.get(version=2)
    assert not draft.is_published
    draft_page = superuser_client.get(
        reverse("admin:assessments_maturitymodel_change", args=[draft.pk])
    )
    assert 'name="_save"' in draft_page.text
    superuser_client.post(
        changelist, {"action": "publish_models", "_selected_action": [draft.pk]}
    )
    draft.refresh_from_db()
    assert draft.is_published
