"""Assessment objects for the isolation walker (tests/test_isolation.py)."""

from assessments.sharing import create_share_link
from tests.assessments.factories import add_response, make_assessment


def objects_of(organisation, people) -> dict:
    """Map URL parameter names to ids of objects that belong to `organisation`."""
    assessment = make_assessment(organisation)
    add_response(assessment, people["contributor"], team="Marketing", submitted=False)
    share_link = create_share_link(assessment, by=people["editor"], days=7)
    return {
        "assessment_id": assessment.pk,
        "share_link_id": share_link.pk,
        "pillar_key": "S",
        "point_key": "S1",
    }
