"""Demo discussions for `manage.py seed_demo`: comments with mentions, a closed
loop, watches and the notifications and activity they bring."""

import random
from copy import copy
from datetime import timedelta

from django.db import transaction
from django.db.models import Q

from assessments.models import Assessment, Point
from backlog.evidence import link_feedback
from backlog.models import Evidence, FeedbackItem, Hypothesis, Status
from collaboration import events
from collaboration.discussion import post_comment
from collaboration.models import Activity, ActivityKind, Comment, Watch

BATCH = 2000

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
    scaled = _scaled(organisation, workspace.people, scale)
    return (
        f"Collaboration: added {comments} comments, closed the loop on "
        f"{looped} linked feedback items, and the notifications and activity "
        f"they bring.{scaled}"
    )


SCALED_COMMENTS = [
    "Customer service sees this every week; happy to pull more examples.",
    "Could we size the effect on mobile first? Most of this traffic is there.",
    "Tracking for this is in place since the last release.",
    "Design has a first mock-up; feedback welcome before Friday.",
    "Similar to what we tested last year, but the audience is different now.",
    "Legal needs to approve the wording before it goes live.",
]
# Comments on one hypothesis in this many (about 10 000 at --scale 250).
COMMENTED_EVERY = 2


def _scaled(organisation, people, scale: int) -> str:
    """For large demos: comments, activity and change history written in bulk,
    spread over each hypothesis's life as if people had worked on it."""
    if scale <= 1:
        return ""
    rng = random.Random(f"collaboration-{scale}")  # noqa: S311 - demo data
    members = list(people.values())
    team_of = {m.user_id: m.team for m in members}
    hypotheses = list(
        Hypothesis.objects.for_org(organisation)
        .select_related("organisation", "created_by", "status_changed_by")
        .order_by("pk")
    )
    comments, activities, created, changed = [], [], [], []
    for n, hypothesis in enumerate(hypotheses):
        url = hypothesis.get_absolute_url()
        author = hypothesis.created_by
        activities.append(
            Activity(
                organisation=organisation,
                actor=author,
                team=team_of.get(hypothesis.created_by_id),
                kind=ActivityKind.PROPOSED,
                summary=f"proposed “{hypothesis.title}”"[:300],
                url=url,
                hypothesis=hypothesis,
                created_at=hypothesis.created_at,
            )
        )
        first = copy(hypothesis)
        first.status, first.result, first.learning = Status.IDEA, "", ""
        first.concluded_at = None
        first._history_date = hypothesis.created_at
        first._history_user = author
        created.append(first)
        if hypothesis.status != Status.IDEA:
            concluded = hypothesis.status == Status.CONCLUDED
            activities.append(
                Activity(
                    organisation=organisation,
                    actor=hypothesis.status_changed_by,
                    team=team_of.get(hypothesis.status_changed_by_id),
                    kind=ActivityKind.CONCLUDED if concluded else ActivityKind.MOVED,
                    summary=(
                        f"concluded “{hypothesis.title}”: "
                        f"{hypothesis.get_result_display()}"
                        if concluded
                        else f"moved “{hypothesis.title}” from Idea to "
                        f"{hypothesis.get_status_display()}"
                    )[:300],
                    detail=hypothesis.learning if concluded else "",
                    url=url,
                    hypothesis=hypothesis,
                    created_at=hypothesis.status_changed_at,
                )
            )
            hypothesis._history_date = hypothesis.status_changed_at
            hypothesis._history_user = hypothesis.status_changed_by
            changed.append(hypothesis)
        if n % COMMENTED_EVERY == 0:
            for k in range(rng.randint(1, 2)):
                commenter = rng.choice(members)
                when = hypothesis.created_at + timedelta(days=1 + k, hours=n % 9)
                comments.append(
                    Comment(
                        organisation=organisation,
                        author=commenter.user,
                        hypothesis=hypothesis,
                        body=rng.choice(SCALED_COMMENTS),
                        created_at=when,
                    )
                )
                activities.append(
                    Activity(
                        organisation=organisation,
                        actor=commenter.user,
                        team=commenter.team,
                        kind=ActivityKind.COMMENTED,
                        summary=f"commented on “{hypothesis.title}”"[:300],
                        url=url,
                        hypothesis=hypothesis,
                        created_at=when,
                    )
                )
    Comment.objects.bulk_create(comments, batch_size=BATCH)
    Activity.objects.bulk_create(activities, batch_size=BATCH)
    history = Hypothesis.history
    history.bulk_history_create(created, batch_size=BATCH)
    history.bulk_history_create(changed, batch_size=BATCH, update=True)
    return (
        f" For the larger workspace: {len(comments)} comments, {len(activities)} "
        f"activity entries and {len(created) + len(changed)} history records."
    )
