"""Collaboration objects for the isolation walker (tests/test_isolation.py)."""

from backlog.models import Hypothesis
from collaboration.models import Notification
from tests.collaboration.factories import make_comment


def objects_of(organisation, people) -> dict:
    """Map URL parameter names to ids of collaboration objects of `organisation`.

    Runs after the backlog's world, whose hypothesis it comments on.
    """
    hypothesis = Hypothesis.objects.for_org(organisation).first()
    comment = make_comment(
        organisation,
        people["contributor"],
        f"@{people['editor'].username} can you check the numbers?",
        hypothesis=hypothesis,
    )
    notification = Notification.objects.get(recipient=people["editor"], comment=comment)
    return {"comment_id": comment.pk, "notification_id": notification.pk}
