"""Collaboration objects for the isolation walker (tests/test_isolation.py)."""

from backlog.models import Hypothesis
from collaboration.discussion import post_comment
from collaboration.models import Notification


def objects_of(organisation, people) -> dict:
    """Map URL parameter names to ids of collaboration objects of `organisation`.

    Runs after the backlog's world, whose hypothesis it comments on.
    """
    hypothesis = Hypothesis.objects.for_org(organisation).first()
    comment, _ = post_comment(
        organisation,
        author=people["contributor"],
        body=f"@{people['editor'].username} can you check the numbers?",
        hypothesis=hypothesis,
    )
    notification = Notification.objects.get(recipient=people["editor"], comment=comment)
    return {"comment_id": comment.pk, "notification_id": notification.pk}
