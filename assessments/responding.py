"""What a respondent does: start a response, answer points, submit."""

from django.db import transaction
from django.utils import timezone

from assessments.models import (
    Answer,
    AnswerKind,
    Assessment,
    AssessmentStatus,
    Point,
    Response,
)
from cromaturity.models import Team


class AssessmentError(Exception):
    """A change the assessment's rules refuse; the message is for people."""


class IncompleteResponse(AssessmentError):
    def __init__(self, missing: list[Point]):
        self.missing = missing
        keys = ", ".join(point.key for point in missing)
        count = len(missing)
        super().__init__(
            f"{count} point{'s are' if count != 1 else ' is'} still unanswered: {keys}."
        )


def points_of(assessment: Assessment):
    return Point.objects.filter(
        pillar__maturity_model_id=assessment.maturity_model_id
    ).select_related("pillar")


def _require_open(assessment: Assessment) -> None:
    status = (
        Assessment.objects.filter(pk=assessment.pk)
        .values_list("status", flat=True)
        .get()
    )
    if status != AssessmentStatus.OPEN:
        raise AssessmentError(
            f"“{assessment.title}” is no longer open for answers "
            f"(status: {AssessmentStatus(status).label.lower()}); "
            "answers can no longer change."
        )


@transaction.atomic
def start_response(assessment: Assessment, *, user, team: Team) -> Response:
    """Start answering as a member of `team`, or change the team of a response."""
    _require_open(assessment)
    if team.organisation_id != assessment.organisation_id:
        raise AssessmentError("That team belongs to another organisation.")
    response, _ = Response.objects.update_or_create(
        assessment=assessment, respondent=user, defaults={"team": team}
    )
    return response


@transaction.atomic
def save_answer(
    response: Response,
    *,
    point: Point,
    kind: AnswerKind,
    level: int | None = None,
    evidence: str = "",
) -> Answer:
    """Store the answer to one point; saving the same answer twice is harmless."""
    _require_open(response.assessment)
    if point.pillar.maturity_model_id != response.assessment.maturity_model_id:
        raise AssessmentError(f"{point.key} is not part of this assessment.")
    kind = AnswerKind(kind)
    if kind == AnswerKind.LEVEL:
        if level not in (1, 2, 3, 4, 5):
            raise AssessmentError("Choose a level from 1 to 5.")
    else:
        level = None
    answer, _ = Answer.objects.update_or_create(
        response=response,
        point=point,
        defaults={"kind": kind, "level": level, "evidence": evidence.strip()},
    )
    return answer


@transaction.atomic
def save_answers(response: Response, answers: list[tuple[Point, dict]]) -> None:
    """Save several answers at once: all of them or, on a refusal, none."""
    for point, fields in answers:
        save_answer(response, point=point, **fields)


def missing_points(response: Response) -> list[Point]:
    answered = Answer.objects.filter(response=response).values("point_id")
    return list(points_of(response.assessment).exclude(pk__in=answered))


@transaction.atomic
def submit_response(response: Response) -> Response:
    """Count a complete response in the scores; every point needs an answer."""
    _require_open(response.assessment)
    missing = missing_points(response)
    if missing:
        raise IncompleteResponse(missing)
    if response.submitted_at is None:
        response.submitted_at = timezone.now()
        response.save(update_fields=["submitted_at"])
    return response
