"""Assessment objects for the isolation walker (tests/test_isolation.py)."""

from tests.assessments.factories import add_response, make_assessment


def objects_of(organisation, people) -> dict:
    """Map URL parameter names to ids of objects that belong to `organisation`."""
    assessment = make_assessment(organisation)
    add_response(assessment, people["contributor"], team="Marketing", submitted=False)
    return {
        "assessment_id": assessment.pk,
        "pillar_key": "S",
        "point_key": "S1",
    }
