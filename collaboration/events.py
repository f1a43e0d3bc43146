"""What the backlog, the feedback import and the assessments report when
something happens, and what follows from it here.

Each function is one small call from the place that performs the action, inside
that action's transaction: it records the activity, signs people up to watch,
and notifies those concerned. A failure to *email* never reaches the caller:
emails are queued after the commit and sent by the task worker.
"""

from typing import TYPE_CHECKING

from django.urls import reverse

from assessments.models import Assessment, AssessmentStatus, Response
from backlog.models import (
    BacklogImport,
    Evidence,
    FeedbackImport,
    Hypothesis,
    Score,
    Status,
)
from collaboration.models import Activity, ActivityKind, NotificationKind, Watch
from collaboration.notifying import notify
from collaboration.watching import watch_automatically, watcher_ids
from cromaturity.models import Membership, Organisation, Role

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from assessments.models.assessment import AnswerCount

DETAIL_LENGTH = 1000


def _team_id(organisation: Organisation, user) -> int | None:
    if user is None:
        return None
    return (
        Membership.objects.filter(organisation=organisation, user=user)
        .values_list("team_id", flat=True)
        .first()
    )


def record_activity(
    organisation: Organisation,
    *,
    actor,
    kind: ActivityKind,
    summary: str,
    detail: str = "",
    url: str = "",
    **subjects,
) -> Activity:
    """Add an entry to the feed; `subjects` are hypothesis, feedback_item,
    feedback_import or assessment."""
    return Activity.objects.create(
        organisation=organisation,
        actor=actor,
        team_id=_team_id(organisation, actor),
        kind=kind,
        summary=summary[:300],
        detail=detail[:DETAIL_LENGTH],
        url=url,
        **subjects,
    )


def hypothesis_saved(
    hypothesis: Hypothesis, *, by, created: bool, previous_owner_id: int | None
) -> None:
    organisation = hypothesis.organisation
    if created:
        record_activity(
            organisation,
            actor=by,
            kind=ActivityKind.PROPOSED,
            summary=f"proposed “{hypothesis.title}”",
            url=hypothesis.get_absolute_url(),
            hypothesis=hypothesis,
        )
    watch_automatically(
        hypothesis, [hypothesis.owner_id, hypothesis.created_by_id if created else None]
    )
    if hypothesis.owner_id and hypothesis.owner_id != previous_owner_id:
        notify(
            organisation,
            [hypothesis.owner_id],
            kind=NotificationKind.ASSIGNED,
            actor=by,
            title=f"{_name(by)} made you owner of “{hypothesis.title}”",
            url=hypothesis.get_absolute_url(),
            hypothesis=hypothesis,
        )


def hypothesis_moved(hypothesis: Hypothesis, *, from_status: Status, by) -> None:
    organisation = hypothesis.organisation
    before, after = Status(from_status), Status(hypothesis.status)
    url = hypothesis.get_absolute_url()
    concluded = after == Status.CONCLUDED
    if concluded:
        summary = f"concluded “{hypothesis.title}”: {hypothesis.get_result_display()}"
    else:
        summary = f"moved “{hypothesis.title}” from {before.label} to {after.label}"
    record_activity(
        organisation,
        actor=by,
        kind=ActivityKind.CONCLUDED if concluded else ActivityKind.MOVED,
        summary=summary,
        detail=hypothesis.learning if concluded else "",
        url=url,
        hypothesis=hypothesis,
    )
    told = close_the_loop(hypothesis, by=by) if concluded else set()
    notify(
        organisation,
        watcher_ids(hypothesis) - told,
        kind=NotificationKind.STATUS,
        actor=by,
        title=f"“{hypothesis.title}” moved from {before.label} to {after.label}",
        body=_outcome(hypothesis) if concluded else "",
        url=url,
        hypothesis=hypothesis,
    )


def _outcome(hypothesis: Hypothesis) -> str:
    return (
        f"Result: {hypothesis.get_result_display()}.\nLearning: {hypothesis.learning}"
    )


def close_the_loop(hypothesis: Hypothesis, *, by) -> set[int]:
    """Tell everyone who linked feedback to a concluded test, or filed or
    imported that feedback, how it turned out. Returns who was concerned."""
    concerned: set[int] = set()
    for row in (
        Evidence.objects.active()
        .filter(hypothesis=hypothesis)
        .values_list(
            "linked_by_id",
            "feedback_item__submitted_by_id",
            "feedback_item__feedback_import__uploaded_by_id",
        )
    ):
        concerned.update(pk for pk in row if pk is not None)
    notify(
        hypothesis.organisation,
        concerned,
        kind=NotificationKind.LOOP_CLOSED,
        actor=by,
        title=f"The test your feedback supported has concluded: "
        f"“{hypothesis.title}” {hypothesis.get_result_display().lower()}",
        body=_outcome(hypothesis),
        url=hypothesis.get_absolute_url(),
        hypothesis=hypothesis,
    )
    return concerned


def hypothesis_scored(score: Score, *, by) -> None:
    hypothesis = score.hypothesis
    record_activity(
        hypothesis.organisation,
        actor=by,
        kind=ActivityKind.SCORED,
        summary=f"scored “{hypothesis.title}” in {score.get_framework_display()}",
        url=f"{hypothesis.get_absolute_url()}#scores",
        hypothesis=hypothesis,
    )
    watch_automatically(hypothesis, [getattr(by, "pk", None)])


def feedback_linked(evidence: Evidence, *, by) -> None:
    hypothesis = evidence.hypothesis
    record_activity(
        hypothesis.organisation,
        actor=by,
        kind=ActivityKind.LINKED,
        summary=f"linked {evidence.feedback_item.get_source_display().lower()} "
        f"feedback to “{hypothesis.title}”",
        detail=evidence.snippet,
        url=f"{hypothesis.get_absolute_url()}#evidence",
        hypothesis=hypothesis,
        feedback_item=evidence.feedback_item,
    )
    watch_automatically(hypothesis, [getattr(by, "pk", None)])


def feedback_unlinked(evidence: Evidence, *, by) -> None:
    hypothesis = evidence.hypothesis
    record_activity(
        hypothesis.organisation,
        actor=by,
        kind=ActivityKind.UNLINKED,
        summary=f"unlinked feedback from “{hypothesis.title}”",
        url=f"{hypothesis.get_absolute_url()}#evidence",
        hypothesis=hypothesis,
        feedback_item=evidence.feedback_item,
    )


def feedback_imported(feedback_import: FeedbackImport) -> None:
    """An import finished; its rows were written in bulk, without history."""
    record_activity(
        feedback_import.organisation,
        actor=feedback_import.uploaded_by,
        kind=ActivityKind.IMPORTED,
        summary=f"imported {feedback_import.original_name}: "
        f"{feedback_import.created} new, {feedback_import.updated} updated, "
        f"{feedback_import.rejected} rejected",
        url=feedback_import.get_absolute_url(),
        feedback_import=feedback_import,
    )


def backlog_imported(
    backlog_import: BacklogImport,
    *,
    owned: dict[int, list[int]],
    newly_concluded: list[Hypothesis],
) -> None:
    """A spreadsheet's hypotheses came in, written in bulk.

    One entry in the feed for the whole import; owners follow the hypotheses
    they own, as when made owner in the app, and are told once for all of them;
    feedback behind a test the sheet concluded closes its loop.
    """
    organisation = backlog_import.organisation
    by = backlog_import.uploaded_by
    url = backlog_import.get_absolute_url()
    record_activity(
        organisation,
        actor=by,
        kind=ActivityKind.BACKLOG_IMPORTED,
        summary=f"imported {backlog_import.original_name}: "
        f"{backlog_import.created} new, {backlog_import.updated} updated, "
        f"{backlog_import.rejected} rejected",
        url=url,
    )
    Watch.objects.bulk_create(
        [
            Watch(user_id=owner_id, hypothesis_id=pk)
            for owner_id, ids in owned.items()
            for pk in ids
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    for owner_id, ids in sorted(owned.items()):
        count = len(ids)
        notify(
            organisation,
            [owner_id],
            kind=NotificationKind.ASSIGNED,
            actor=by,
            title=f"{_name(by)} imported {count} hypothes"
            f"{'is' if count == 1 else 'es'} you own from "
            f"{backlog_import.original_name}",
            url=reverse("backlog:hypothesis-list", args=[organisation.slug])
            + f"?owner={owner_id}",
        )
    for hypothesis in newly_concluded:
        hypothesis.organisation = organisation
        close_the_loop(hypothesis, by=by)


ASSESSMENT_NEWS = {
    AssessmentStatus.OPEN: ("opened “{}” for answers", "“{}” is open for answers"),
    AssessmentStatus.CONSENSUS: (
        "moved “{}” to consensus",
        "“{}” moved to consensus: answers are frozen",
    ),
    AssessmentStatus.CLOSED: (
        "closed “{}”",
        "“{}” is closed: its scorecard is final",
    ),
}


def assessment_status_changed(assessment: Assessment, *, by) -> None:
    """An assessment opened, moved to consensus or closed."""
    organisation = assessment.organisation
    activity, news = ASSESSMENT_NEWS[AssessmentStatus(assessment.status)]
    url = assessment.get_absolute_url()
    record_activity(
        organisation,
        actor=by,
        kind=ActivityKind.ASSESSMENT,
        summary=activity.format(assessment.title),
        url=url,
        assessment=assessment,
    )
    notify(
        organisation,
        assessment_audience(assessment),
        kind=NotificationKind.ASSESSMENT,
        actor=by,
        title=news.format(assessment.title),
        url=url,
    )


def submission_reminded(
    assessment: Assessment,
    responses: "list[WithAnnotations[Response, AnswerCount]]",
    *,
    points: int,
    by,
) -> int:
    """A facilitator asked those with unsubmitted answers to submit them.

    Each person hears how far they got; returns how many were told.
    """
    organisation = assessment.organisation
    url = reverse(
        "assessments:response-submit", args=[organisation.slug, assessment.pk]
    )
    told = 0
    for response in responses:
        told += len(
            notify(
                organisation,
                [response.respondent_id],
                kind=NotificationKind.ASSESSMENT,
                actor=by,
                title=f"{_name(by)} asks you to submit your answers to "
                f"“{assessment.title}”",
                body=f"You have answered {response.answer_count} of {points} points. "
                "Answers count in the scorecard once you submit them; answers "
                "not submitted when it moves to consensus are kept but not "
                "counted.",
                url=url,
            )
        )
    if told:
        record_activity(
            organisation,
            actor=by,
            kind=ActivityKind.ASSESSMENT,
            summary=f"reminded {told} colleague{'s' if told != 1 else ''} to "
            f"submit their answers to “{assessment.title}”",
            url=assessment.get_absolute_url(),
            assessment=assessment,
        )
    return told


def assessment_audience(assessment: Assessment) -> set[int]:
    """Who is invited to an assessment: every member who may answer it
    (contributors and up, which includes those who joined through its invite
    link), and everyone who has started answering."""
    answering = set(
        Membership.objects.filter(
            organisation=assessment.organisation,
            role__in=[Role.CONTRIBUTOR, Role.EDITOR, Role.ADMIN],
        ).values_list("user_id", flat=True)
    )
    answering.update(
        Response.objects.filter(assessment=assessment).values_list(
            "respondent_id", flat=True
        )
    )
    answering.discard(None)
    return answering


def _name(user) -> str:
    return user.display_name if user is not None else "Someone"
