"""Demo discussions for `manage.py seed_demo`: comments with mentions, a closed
loop, watches and the notifications and activity they bring."""

from django.db import transaction
from django.db.models import Q

from assessments.models import Assessment, Point
from backlog.evidence import link_feedback
from backlog.models import Evidence, FeedbackItem, Hypothesis, Status
from collaboration import events
from collaboration.discussion import post_comment
from collaboration.models import Comment, Watch

PEOPLE = ("demo", "carla", "sam", "lena", "marco", "ivan")


def _hypothesis(organisation, title):
    return Hypothesis.objects.for_org(organisation).filter(title=title).first()


@transaction.atomic
def seed(workspace, scale: int = 1) -> str | None:
    """Add the demo discussions once; a second run adds nothing."""
    organisation = workspace.organisation
    if Comment.objects.for_org(organisation).exists():
        return "Collaboration: the demo discussions exist; kept them."
    if any(name not in workspace.people for name in PEOPLE):
        return None
    user = {name: workspace.people[name].user for name in PEOPLE}
    owners = Hypothesis.objects.for_org(organisation).exclude(owner=None)
    Watch.objects.bulk_create(
        [Watch(user_id=h.owner_id, hypothesis=h) for h in owners.only("owner_id")],
        ignore_conflicts=True,
    )
    comments = 0

    def comment(author, body, **subject):
        nonlocal comments
        post_comment(organisation, author=user[author], body=body, **subject)
        comments += 1

    express = _hypothesis(organisation, "Express checkout with wallet payments")
    if express:
        comment(
            "sam",
            "@carla about ten chats a week come from people whose card is declined "
            "at checkout and who then give up. I can pull examples if that helps.",
            hypothesis=express,
        )
        comment(
            "carla",
            "Thanks @sam, yes please: link them as evidence. The numbers are in and "
            "I am analysing them now. Notes: https://wiki.example.com/cro/express",
            hypothesis=express,
        )
        comment(
            "ivan",
            "The wallet buttons need the domain verification file on the CDN before "
            "a roll-out. @Carla Jensen and @demo, let me know when you decide.",
            hypothesis=express,
        )

    delivery = _hypothesis(organisation, "Show delivery date on product pages")
    looped = 0
    if delivery and delivery.status == Status.CONCLUDED:
        linked = Evidence.objects.active().filter(hypothesis=delivery)
        items = list(
            FeedbackItem.objects.for_org(organisation)
            .filter(Q(text__icontains="arrive") | Q(text__icontains="delivery"))
            .exclude(pk__in=linked.values("feedback_item"))
            .order_by("-received_at")[:2]
        )
        for item, agent in zip(items, ("sam", "lena"), strict=False):
            link_feedback(delivery, item, by=user[agent], importance=2)
        if items:
            events.close_the_loop(delivery, by=user["carla"])
            looped = len(items)
            comment(
                "lena",
                "@sam this one came back three times this month. Good to see the "
                "delivery date won.",
                feedback_item=items[0],
            )

    stock = _hypothesis(organisation, "Stock level message on product pages")
    if stock and stock.status == Status.RUNNING:
        events.hypothesis_moved(stock, from_status=Status.READY, by=user["demo"])
        comment(
            "marco",
            "Could we mention the stock message in the newsletter once it wins? "
            "@lena do customers ask about restocks?",
            hypothesis=stock,
        )

    assessment = (
        Assessment.objects.for_org(organisation).closed().order_by("-closed_at").first()
    )
    point = (
        Point.objects.filter(
            pillar__maturity_model_id=assessment.maturity_model_id, key="S5"
        ).first()
        if assessment
        else None
    )
    if point:
        comment(
            "marco",
            "Marketing hears about checkout problems weeks after customer service "
            "does. A shared channel with @sam and @lena would fix much of this.",
            assessment=assessment,
            point=point,
        )
    return (
        f"Collaboration: added {comments} comments, closed the loop on "
        f"{looped} linked feedback items, and the notifications and activity "
        "they bring."
    )
