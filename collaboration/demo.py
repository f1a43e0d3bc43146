"""Demo discussions for `manage.py seed_demo`: every hypothesis's timeline
(proposed, scored, moved) and change history, comments with mentions, a closed
loop, watches and the notifications they bring, dated over the demo's months."""

import random
from contextlib import contextmanager
from copy import copy
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from assessments.models import Assessment, Point
from backlog.evidence import link_feedback
from backlog.models import (
    Evidence,
    FeedbackImport,
    FeedbackItem,
    Hypothesis,
    Score,
    Status,
)
from backlog.pipeline import FORWARD
from collaboration import events
from collaboration.discussion import post_comment
from collaboration.models import Activity, ActivityKind, Comment, Notification, Watch
from collaboration.models.history import history_of

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
    stock = _hypothesis(organisation, "Stock level message on product pages")
    announced = {stock.pk} if stock and stock.status == Status.RUNNING else set()
    timelines = _timelines(organisation, workspace.people, announced)
    _date_links(organisation)
    _date_imports(organisation)
    comments = 0

    def comment(author, body, when, **subject):
        nonlocal comments
        with _written_at(organisation, when):
            post_comment(organisation, author=user[author], body=body, **subject)
        comments += 1

    express = _hypothesis(organisation, "Express checkout with wallet payments")
    if express:
        comment(
            "sam",
            "@carla about ten chats a week come from people whose card is declined "
            "at checkout and who then give up. I can pull examples if that helps.",
            _during(express, 0.5),
            hypothesis=express,
        )
        comment(
            "carla",
            "Thanks @sam, yes please: link them as evidence. The numbers are in and "
            "I am analysing them now. Notes: https://wiki.example.com/cro/express",
            _after(express, hours=3),
            hypothesis=express,
        )
        comment(
            "ivan",
            "The wallet buttons need the domain verification file on the CDN before "
            "a roll-out. @Carla Jensen and @demo, let me know when you decide.",
            _after(express, hours=26),
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
        # Agents link what came in lately to the concluded test, and its
        # outcome goes back to them.
        linked_at = timezone.now()
        for n, (item, agent) in enumerate(
            zip(items, ("sam", "lena"), strict=False), start=1
        ):
            linked_at = min(timezone.now(), item.received_at + timedelta(hours=n))
            with _written_at(organisation, linked_at):
                link_feedback(delivery, item, by=user[agent], importance=2)
        if items:
            with _written_at(organisation, linked_at):
                events.close_the_loop(delivery, by=user["carla"])
            looped = len(items)
            comment(
                "lena",
                "@sam this one came back three times this month. Good to see the "
                "delivery date won.",
                min(timezone.now(), linked_at + timedelta(hours=20)),
                feedback_item=items[0],
            )

    if announced:
        with _written_at(organisation, stock.status_changed_at):
            events.hypothesis_moved(stock, from_status=Status.READY, by=user["demo"])
        comment(
            "marco",
            "Could we mention the stock message in the newsletter once it wins? "
            "@lena do customers ask about restocks?",
            _after(stock, hours=50),
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
            min(timezone.now(), assessment.closed_at - timedelta(days=4)),
            assessment=assessment,
            point=point,
        )
    scaled = _scaled(organisation, workspace.people, scale)
    return (
        f"Collaboration: added {comments} comments, closed the loop on "
        f"{looped} linked feedback items, {timelines} timeline entries, and the "
        f"notifications and activity they bring.{scaled}"
    )


def _during(hypothesis, fraction: float) -> datetime:
    """A moment that far through the hypothesis's life up to its latest move."""
    life = hypothesis.status_changed_at - hypothesis.created_at
    return hypothesis.created_at + life * fraction


def _after(hypothesis, *, hours: int) -> datetime:
    """Some hours after its latest move, but never in the future."""
    return min(timezone.now(), hypothesis.status_changed_at + timedelta(hours=hours))


@contextmanager
def _written_at(organisation, when: datetime):
    """Date what the block writes (comments, activity, notifications, links) at
    `when`: the demo's conversations happened over its months, not in the
    minute the demo was seeded."""
    since = timezone.now()
    yield
    for model, field in (
        (Comment, "created_at"),
        (Activity, "created_at"),
        (Notification, "created_at"),
        (Evidence, "linked_at"),
    ):
        model.objects.for_org(organisation).filter(**{f"{field}__gte": since}).update(
            **{field: when}
        )
    history_of(Evidence).filter(
        hypothesis__organisation=organisation, history_date__gte=since
    ).update(history_date=when)


def _path(status: Status) -> list[Status]:
    """The statuses a demo hypothesis went through to stand where it stands."""
    if status in FORWARD:
        return list(FORWARD[: FORWARD.index(status) + 1])
    return [Status.IDEA, Status.BACKLOG, Status(status)]


def _timelines(organisation, people, announced: set[int]) -> int:
    """Every demo hypothesis's life, written in bulk: proposed, scored, each move
    through the pipeline, and the change history of its moves (not of each score:
    at large scales that would be most of the seeding time). The last move of
    those in `announced` is left to the demo to announce as it happens."""
    team_of = {m.user_id: m.team for m in people.values()}
    hypotheses = list(
        Hypothesis.objects.for_org(organisation)
        .select_related("organisation", "created_by", "status_changed_by")
        .order_by("pk")
    )
    scores = list(
        Score.objects.filter(hypothesis__organisation=organisation)
        .select_related("scorer")
        .order_by("created_at", "pk")
    )
    activities: list[Activity] = []
    created: list[Hypothesis] = []
    changed: list[Hypothesis] = []
    for hypothesis in hypotheses:
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
        path = _path(hypothesis.status)
        steps = len(path) - 1
        mover = hypothesis.status_changed_by
        for n, status in enumerate(path):
            last = n == steps
            when = _during(hypothesis, n / steps) if steps else hypothesis.created_at
            record = hypothesis if last else copy(hypothesis)
            if not last:
                record.status, record.result, record.learning = status, "", ""
                record.concluded_at = None
            record._history_date = when
            record._history_user = author if n == 0 else mover
            (changed if n else created).append(record)
            if n == 0 or (last and hypothesis.pk in announced):
                continue
            concluded = status == Status.CONCLUDED
            activities.append(
                Activity(
                    organisation=organisation,
                    actor=mover,
                    team=team_of.get(hypothesis.status_changed_by_id),
                    kind=ActivityKind.CONCLUDED if concluded else ActivityKind.MOVED,
                    summary=(
                        f"concluded “{hypothesis.title}”: "
                        f"{hypothesis.get_result_display()}"
                        if concluded
                        else f"moved “{hypothesis.title}” from "
                        f"{path[n - 1].label} to {status.label}"
                    )[:300],
                    detail=hypothesis.learning if concluded else "",
                    url=url,
                    hypothesis=hypothesis,
                    created_at=when,
                )
            )
    titles = {h.pk: h.title for h in hypotheses}
    urls = {h.pk: h.get_absolute_url() for h in hypotheses}
    for score in scores:
        activities.append(
            Activity(
                organisation=organisation,
                actor=score.scorer,
                team=team_of.get(score.scorer_id),
                kind=ActivityKind.SCORED,
                summary=f"scored “{titles[score.hypothesis_id]}” in "
                f"{score.get_framework_display()}"[:300],
                url=f"{urls[score.hypothesis_id]}#scores",
                hypothesis_id=score.hypothesis_id,
                created_at=score.created_at,
            )
        )
    Activity.objects.bulk_create(activities, batch_size=BATCH)
    history_of(Hypothesis).bulk_history_create(created, batch_size=BATCH)
    history_of(Hypothesis).bulk_history_create(changed, batch_size=BATCH, update=True)
    return len(activities)


def _date_links(organisation) -> None:
    """The demo's evidence links made one by one (to the exports' items; those
    of larger demos are written in bulk already dated), dated a little after
    both the item and the hypothesis existed."""
    now = timezone.now()
    links = list(
        Evidence.objects.for_org(organisation)
        .exclude(feedback_item__source_system="demo")
        .select_related("hypothesis", "feedback_item")
    )
    linked_at = {}
    for evidence in links:
        first = max(evidence.feedback_item.received_at, evidence.hypothesis.created_at)
        evidence.linked_at = min(now, first + timedelta(hours=2 + evidence.pk % 70))
        linked_at[(evidence.hypothesis_id, evidence.feedback_item_id)] = (
            evidence.linked_at
        )
    Evidence.objects.bulk_update(links, ["linked_at"], batch_size=BATCH)
    entries = list(
        Activity.objects.for_org(organisation).filter(kind=ActivityKind.LINKED)
    )
    for entry in entries:
        entry.created_at = linked_at.get(
            (entry.hypothesis_id, entry.feedback_item_id), entry.created_at
        )
    Activity.objects.bulk_update(entries, ["created_at"], batch_size=BATCH)
    records = list(
        history_of(Evidence).filter(
            hypothesis__organisation=organisation, history_type="+"
        )
    )
    for record in records:
        record.history_date = linked_at.get(
            (record.hypothesis_id, record.feedback_item_id), record.history_date
        )
    history_of(Evidence).bulk_update(records, ["history_date"], batch_size=BATCH)


def _date_imports(organisation) -> None:
    """Each demo export imported the day after its newest item."""
    for feedback_import in FeedbackImport.objects.for_org(organisation):
        newest = FeedbackItem.objects.filter(feedback_import=feedback_import).aggregate(
            newest=Max("received_at")
        )["newest"]
        if newest is None:
            continue
        when = min(timezone.now(), newest + timedelta(days=1))
        FeedbackImport.objects.filter(pk=feedback_import.pk).update(
            created_at=when, started_at=when, finished_at=when
        )
        Activity.objects.filter(feedback_import=feedback_import).update(created_at=when)


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
    """For large demos: comments written in bulk, spread over each hypothesis's
    life as if people had worked on it."""
    if scale <= 1:
        return ""
    rng = random.Random(f"collaboration-{scale}")  # noqa: S311 - demo data
    members = list(people.values())
    hypotheses = list(Hypothesis.objects.for_org(organisation).order_by("pk"))
    comments, activities = [], []
    for n, hypothesis in enumerate(hypotheses):
        if n % COMMENTED_EVERY:
            continue
        url = hypothesis.get_absolute_url()
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
    return f" For the larger workspace: {len(comments)} comments in bulk."
