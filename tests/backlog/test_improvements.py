"""From weakness to work: improvement items created from scorecard points."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import LevelDescriptor
from backlog.models import Hypothesis, Kind, Status
from cromaturity.models import Role
from tests.access import member_client
from tests.assessments.factories import add_response, make_assessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment(org, make_member):
    assessment = make_assessment(org, title="Spring check", period="Q2 2026")
    for level in (2, 3):
        add_response(assessment, make_member(org), levels={"S3": level})
    return assessment


def create_url(assessment, point="S3", organisation=None):
    organisation = organisation or assessment.organisation
    return (
        reverse("backlog:hypothesis-create", args=[organisation.slug])
        + f"?assessment={assessment.pk}&point={point}"
    )


def form_data(**fields):
    return {
        "title": "Sponsorship plan",
        "kind": Kind.IMPROVEMENT,
        "observation": "",
        "change": "",
        "audience": "",
        "impact": "",
        "metric": "",
        "new_tags": "",
        **fields,
    }


def test_a_point_prefills_an_improvement_item_from_its_next_level_advice(
    admin_client, assessment
):
    response = admin_client.get(create_url(assessment))
    assert response.status_code == 200
    form = response.context["form"]
    s3_level_2 = LevelDescriptor.objects.get(
        point__pillar__maturity_model=assessment.maturity_model,
        point__key="S3",
        level=2,
    )
    assert form.initial["kind"] == Kind.IMPROVEMENT
    assert form.initial["title"].startswith("S3 ")
    assert form.initial["title"].endswith(": reach level 3")
    assert "Spring check (Q2 2026) scored S3" in form.initial["observation"]
    assert "at 2.50 (Developing)" in form.initial["observation"]
    assert s3_level_2.description in form.initial["observation"]
    assert form.initial["change"] == s3_level_2.next_step
    assert form.initial["point_key"] == "S3"
    assert form.initial["source_assessment"] == assessment.pk
    assert b'name="point_key" value="S3"' in response.content


def test_saving_links_the_item_to_the_point_and_the_scorecard_lists_it(
    admin_client, assessment, org
):
    response = admin_client.post(
        create_url(assessment),
        form_data(point_key="S3", source_assessment=assessment.pk),
    )
    item = Hypothesis.objects.get()
    assert response.status_code == 302
    assert (item.kind, item.point_key, item.source_assessment) == (
        Kind.IMPROVEMENT,
        "S3",
        assessment,
    )
    assert item.status == Status.IDEA

    scorecard = admin_client.get(assessment.get_absolute_url())
    row = next(r for r in scorecard.context["scorecard"].points if r.point.key == "S3")
    assert row.improvements == [item]
    assert "Sponsorship plan" in scorecard.content.decode()

    # A later assessment of the same organisation lists it under the same point.
    later = make_assessment(org, title="Autumn check")
    again = admin_client.get(later.get_absolute_url())
    row = next(r for r in again.context["scorecard"].points if r.point.key == "S3")
    assert row.improvements == [item]

    # Editing the item keeps its link to the point.
    admin_client.post(
        reverse("backlog:hypothesis-update", args=[org.slug, item.pk]),
        form_data(
            title="Sponsorship plan v2",
            point_key="S3",
            source_assessment=assessment.pk,
            version=item.version,
        ),
    )
    item.refresh_from_db()
    assert (item.title, item.point_key) == ("Sponsorship plan v2", "S3")


def test_another_organisations_assessment_or_an_unknown_point_is_refused(
    admin_client, org, other_org, make_member
):
    theirs = make_assessment(other_org)
    response = admin_client.post(
        reverse("backlog:hypothesis-create", args=[org.slug]),
        form_data(point_key="S3", source_assessment=theirs.pk),
    )
    assert response.status_code == 400
    assert "source_assessment" in response.context["form"].errors

    ours = make_assessment(org)
    response = admin_client.post(
        reverse("backlog:hypothesis-create", args=[org.slug]),
        form_data(point_key="Z9", source_assessment=ours.pk),
    )
    assert response.status_code == 400
    assert "no maturity point “Z9”" in response.content.decode()
    assert not Hypothesis.objects.exists()

    # A link to a point of another organisation's assessment prefills nothing.
    page = admin_client.get(create_url(theirs, organisation=org))
    assert not page.context["form"].initial.get("point_key")
    assert "not found" in page.content.decode()


def test_viewers_see_the_work_but_are_not_offered_to_create_it(org, assessment):
    viewer = member_client(org, Role.VIEWER)
    page = viewer.get(assessment.get_absolute_url()).content.decode()
    assert "Improvement item" not in page
    contributor = member_client(org, Role.CONTRIBUTOR)
    page = contributor.get(assessment.get_absolute_url()).content.decode()
    assert f"?assessment={assessment.pk}&amp;point=S3" in page


def test_a_point_shows_its_newest_work_and_counts_the_rest(
    admin_client, assessment, org
):
    for n in range(7):
        Hypothesis.objects.create(
            organisation=org,
            title=f"Step {n}",
            kind=Kind.IMPROVEMENT,
            point_key="S3",
            source_assessment=assessment,
            created_at=timezone.now() + timedelta(minutes=n),
        )
    scorecard = admin_client.get(assessment.get_absolute_url())
    row = next(r for r in scorecard.context["scorecard"].points if r.point.key == "S3")
    assert [item.title for item in row.improvements] == [
        f"Step {n}" for n in (6, 5, 4, 3, 2)
    ]
    assert row.more_improvements == 2
    text = scorecard.content.decode()
    assert "Step 1" not in text
    assert "and 2 older improvement items" in text
