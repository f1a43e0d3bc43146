import pytest

from assessments.progress import progress_of
from tests.assessments.factories import add_response, make_assessment, points_of

pytestmark = pytest.mark.django_db


def test_progress_counts_answered_points_per_pillar(org, admin_user):
    assessment = make_assessment(org)
    points = points_of(assessment)
    first, second = points[0].pillar, points[-1].pillar
    response = add_response(
        assessment, admin_user, only=[points[0].key, points[-1].key], submitted=False
    )

    progress = progress_of(assessment, response)

    assert (progress.answered, progress.total) == (2, 21)
    assert not progress.complete
    by_key = {step.pillar.key: step.answered for step in progress.pillars}
    assert by_key[first.key] == 1
    assert by_key[second.key] == 1
    assert progress.first_open().pillar == first
    assert progress.before(first.key) is None
    assert progress.after(second.key) is None
    assert progress.after(first.key) == progress.pillars[1]


def test_progress_without_a_response_has_nothing_answered(org):
    progress = progress_of(make_assessment(org), None)
    assert (progress.answered, progress.total) == (0, 21)
    assert [step.answered for step in progress.pillars] == [0, 0, 0, 0]


def test_a_fully_answered_response_is_complete(org, admin_user):
    assessment = make_assessment(org)
    response = add_response(assessment, admin_user, submitted=False)
    progress = progress_of(assessment, response)
    assert progress.complete
    assert progress.first_open() == progress.pillars[0]
