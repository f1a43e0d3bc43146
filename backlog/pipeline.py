"""The one place that decides how a hypothesis moves through the pipeline.

Forward: idea → backlog → ready → running → analysing → concluded.
Aside: *parked* or *rejected* from any status before concluded.
Back: backlog → idea (needs more thought), ready → backlog (not ready after all),
running → ready (stopped before launch or relaunch), analysing → running (needs
more data), concluded → analysing (reopen to correct the result), parked and
rejected → idea or backlog (reconsidered), and parked ↔ rejected.

A concluded hypothesis is the record of a test, so it cannot be parked or
rejected; reopen it first. Checks on entering a status:

* *ready* needs a primary metric ("measured by") and at least one score;
* *concluded* needs a result (won, lost, inconclusive) and a learning, and a
  written reason when the result goes against the recommendation of the
  latest experiment's pre-registered rules (backlog/experiments/conclusions.py).

A hypothesis brought in at a later status (from a spreadsheet) stands at the
nearest status on the way forward whose checks its facts pass.
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.text import get_text_list

from backlog.experiments.conclusions import ConclusionEvidence
from backlog.experiments.report_tables import report_of
from backlog.experiments.reports import with_analysis_data
from backlog.models import Hypothesis, Result, Status
from collaboration import events
from cromaturity.models import User

S = Status
TRANSITIONS: dict[Status, tuple[Status, ...]] = {
    S.IDEA: (S.BACKLOG, S.PARKED, S.REJECTED),
    S.BACKLOG: (S.READY, S.IDEA, S.PARKED, S.REJECTED),
    S.READY: (S.RUNNING, S.BACKLOG, S.PARKED, S.REJECTED),
    S.RUNNING: (S.ANALYSING, S.READY, S.PARKED, S.REJECTED),
    S.ANALYSING: (S.CONCLUDED, S.RUNNING, S.PARKED, S.REJECTED),
    S.CONCLUDED: (S.ANALYSING,),
    S.PARKED: (S.IDEA, S.BACKLOG, S.REJECTED),
    S.REJECTED: (S.IDEA, S.BACKLOG, S.PARKED),
}


# The way forward, for a hypothesis that enters the pipeline at a later status
# (brought in from a spreadsheet) and has to stand where its facts allow.
FORWARD = (S.IDEA, S.BACKLOG, S.READY, S.RUNNING, S.ANALYSING, S.CONCLUDED)
READY_ON_THE_WAY = (S.READY, S.RUNNING, S.ANALYSING)


class MoveRefused(Exception):
    """A move the pipeline does not allow; the message says why, for people."""


def allowed_moves(status: Status | str) -> tuple[Status, ...]:
    return TRANSITIONS[Status(status)]


def _names(statuses: Iterable[Status | str]) -> str:
    return get_text_list([Status(s).label for s in statuses], "or")


def conclusion_needs(result: str, learning: str) -> list[str]:
    """What concluding still needs besides the move itself, for people.

    A result that goes against the recommendation of the latest experiment
    also needs a written reason (backlog/experiments/conclusions.py).
    """
    missing = []
    if result not in Result.values:
        missing.append("a result (won, lost or inconclusive)")
    if not learning.strip():
        missing.append("a learning")
    return missing


def hypothesis_move_refusal(hypothesis: Hypothesis, to_status: Status) -> str | None:
    """Why moving `hypothesis` to `to_status` is refused on what it has now.

    Leaves out what concluding asks for (`conclusion_needs`): the conclude form
    asks for it when that move is chosen.
    """
    return _move_refusal(
        Status(hypothesis.status),
        Status(to_status),
        metric=hypothesis.metric,
        score_count=hypothesis.score_total,
    )


def move_refusal(
    status: Status,
    to_status: Status,
    *,
    metric: str,
    score_count: int,
    result: str = "",
    learning: str = "",
) -> str | None:
    """Why the move from `status` to `to_status` is refused, or None if allowed."""
    status, to_status = Status(status), Status(to_status)
    if reason := _move_refusal(
        status, to_status, metric=metric, score_count=score_count
    ):
        return reason
    if to_status == Status.CONCLUDED:
        if missing := conclusion_needs(result, learning):
            return f"Concluding needs {' and '.join(missing)}."
    return None


def _move_refusal(
    status: Status, to_status: Status, *, metric: str, score_count: int
) -> str | None:
    if status == to_status:
        return f"It is already {status.label.lower()}."
    if to_status not in TRANSITIONS[status]:
        if status == Status.CONCLUDED:
            return (
                "A concluded hypothesis is the record of its test: reopen it "
                "(move it to Analysing) before anything else."
            )
        return (
            f"A hypothesis cannot go from {status.label} to {to_status.label}; "
            f"from {status.label} it can go to {_names(TRANSITIONS[status])}."
        )
    if to_status == Status.READY:
        missing = []
        if not metric.strip():
            missing.append("a primary metric (“measured by”)")
        if score_count < 1:
            missing.append("at least one score")
        if missing:
            return f"It cannot be ready yet: it needs {' and '.join(missing)}."
    return None


def standing_problem(
    status: Status,
    *,
    metric: str,
    score_count: int,
    result: str = "",
    learning: str = "",
) -> str | None:
    """Why a hypothesis with these facts cannot stand at `status`, or None.

    For a hypothesis that enters the pipeline there directly: ready, running and
    analysing need what becoming ready needs; concluded needs what concluding
    needs, and a metric like every status from ready on. A concluded test does
    not need a score: the score ranks what is still to be tested.
    """
    status = Status(status)
    missing = []
    if status in READY_ON_THE_WAY or status == Status.CONCLUDED:
        if not metric.strip():
            missing.append("a primary metric (“measured by”)")
    if status in READY_ON_THE_WAY and score_count < 1:
        missing.append("at least one score")
    if status == Status.CONCLUDED:
        missing += conclusion_needs(result, learning)
    if missing:
        return f"{status.label} needs {get_text_list(missing, 'and')}."
    return None


def nearest_status(
    status: Status,
    *,
    metric: str,
    score_count: int,
    result: str = "",
    learning: str = "",
) -> tuple[Status, str | None]:
    """`status` when the facts allow it, or else the nearest earlier status on
    the way forward that they allow, with the reason it is not `status`."""
    status = Status(status)

    def problem(at: Status) -> str | None:
        return standing_problem(
            at,
            metric=metric,
            score_count=score_count,
            result=result,
            learning=learning,
        )

    reason = problem(status)
    if reason is None:
        return status, None
    for earlier in reversed(FORWARD[: FORWARD.index(status)]):
        if problem(earlier) is None:
            return earlier, reason
    return Status.IDEA, reason


def conclusion_evidence(hypothesis: Hypothesis) -> ConclusionEvidence:
    """The report of the latest experiment, whose recommendation the result follows."""
    experiment = (
        with_analysis_data(hypothesis.experiments.all())
        .order_by("-created_at", "-pk")
        .first()
    )
    if experiment is None:
        return ConclusionEvidence(report=None)
    return ConclusionEvidence(report=report_of(experiment), experiment=experiment)


@transaction.atomic
def move_hypothesis(
    hypothesis: Hypothesis,
    to_status: Status,
    *,
    by: User,
    result: str = "",
    learning: str | None = None,
    result_reason: str = "",
) -> Hypothesis:
    """Move the hypothesis or raise MoveRefused with the reason.

    Concluding records the result and the learning given (or the learning the
    hypothesis already has), and the reason the result stands when it goes
    against the recommendation. Reopening a concluded hypothesis clears its
    result and that reason but keeps the learning.
    """
    to_status = Status(to_status)
    current = Hypothesis.objects.select_for_update().get(pk=hypothesis.pk)
    learning = current.learning if learning is None else learning.strip()
    reason = move_refusal(
        Status(current.status),
        to_status,
        metric=current.metric,
        score_count=current.score_total,
        result=result,
        learning=learning,
    )
    if reason:
        raise MoveRefused(reason)
    result_reason = result_reason.strip()
    if to_status == Status.CONCLUDED and not result_reason:
        doubts = conclusion_evidence(current).doubts(result)
        if doubts:
            raise MoveRefused(
                f"“{Result(result).label}” goes against the recommendation: "
                f"{' '.join(doubts)} Write why the result stands."
            )
    now = timezone.now()
    hypothesis.status = to_status
    hypothesis.status_changed_at = now
    hypothesis.status_changed_by = by
    hypothesis.version = current.version + 1
    fields = [
        "status",
        "status_changed_at",
        "status_changed_by",
        "version",
        "updated_at",
    ]
    if to_status == Status.CONCLUDED:
        hypothesis.result = result
        hypothesis.learning = learning
        hypothesis.result_reason = result_reason
        hypothesis.concluded_at = now
        fields += ["result", "learning", "result_reason", "concluded_at"]
    elif current.status == Status.CONCLUDED:
        hypothesis.result = ""
        hypothesis.result_reason = ""
        hypothesis.concluded_at = None
        fields += ["result", "result_reason", "concluded_at"]
    hypothesis.save(update_fields=fields)
    events.hypothesis_moved(hypothesis, from_status=Status(current.status), by=by)
    return hypothesis
