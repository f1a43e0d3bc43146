"""Building assessments and answers for tests."""

from django.utils import timezone

from assessments.facilitation import create_assessment
from assessments.models import (
    Answer,
    AnswerKind,
    Assessment,
    AssessmentStatus,
    MaturityModel,
    Point,
    Response,
)
from assessments.periods import following_quarter
from cromaturity.models import Membership, Role, Team


def default_model() -> MaturityModel:
    return MaturityModel.objects.latest_published()


def points_of(assessment: Assessment) -> list[Point]:
    return list(
        Point.objects.filter(pillar__maturity_model=assessment.maturity_model)
        .select_related("pillar")
        .order_by("pillar__position", "position")
    )


def _untaken_period(organisation, title: str) -> str:
    """Q1 2026, or the first quarter after it this title has not used yet."""
    period = "Q1 2026"
    while Assessment.objects.for_org(organisation).titled(title, period).exists():
        period = following_quarter(period)
    return period


def make_assessment(organisation, *, status=AssessmentStatus.OPEN, **fields):
    creator = Membership.objects.filter(
        organisation=organisation, role=Role.ADMIN
    ).first()
    title = fields.pop("title", "Maturity check")
    period = fields.pop("period", None) or _untaken_period(organisation, title)
    assessment = create_assessment(
        organisation,
        title=title,
        period=period,
        created_by=creator.user if creator else None,
    )
    if status != AssessmentStatus.OPEN or fields:
        now = timezone.now()
        assessment.status = status
        if status != AssessmentStatus.OPEN:
            assessment.consensus_at = now
        if status == AssessmentStatus.CLOSED:
            assessment.closed_at = fields.pop("closed_at", now)
        for name, value in fields.items():
            setattr(assessment, name, value)
        assessment.save()
    return assessment


def add_response(
    assessment,
    user,
    *,
    team="CRO",
    levels=None,
    default=3,
    submitted=True,
    only=None,
):
    """A response answering every point (or the keys in `only`).

    `levels` maps point keys to a level, "na" or "dk"; other points get
    `default`.
    """
    if isinstance(team, str):
        team = Team.objects.get(organisation=assessment.organisation, name=team)
    response = Response.objects.create(
        assessment=assessment,
        respondent=user,
        team=team,
        submitted_at=timezone.now() if submitted else None,
    )
    levels = levels or {}
    answers = []
    for point in points_of(assessment):
        if only is not None and point.key not in only:
            continue
        value = levels.get(point.key, default)
        if value == "na":
            answers.append(
                Answer(response=response, point=point, kind=AnswerKind.NOT_APPLICABLE)
            )
        elif value == "dk":
            answers.append(
                Answer(response=response, point=point, kind=AnswerKind.DONT_KNOW)
            )
        else:
            answers.append(
                Answer(
                    response=response, point=point, kind=AnswerKind.LEVEL, level=value
                )
            )
    Answer.objects.bulk_create(answers)
    return response
