"""What facilitators do: create assessments, move them on, agree levels, set targets."""

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from assessments.models import (
    AgreedLevel,
    Assessment,
    AssessmentStatus,
    MaturityModel,
    Point,
    Response,
    Target,
)
from assessments.periods import next_free_period
from assessments.responding import AssessmentError
from collaboration import events
from cromaturity.invitations import create_invitation_link
from cromaturity.models import Invitation, Organisation, Role

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from assessments.models.assessment import AnswerCount


@transaction.atomic
def create_assessment(
    organisation: Organisation,
    *,
    title: str,
    period: str,
    created_by,
    maturity_model: MaturityModel | None = None,
) -> Assessment:
    """Open a new assessment on the given (default: latest published) model."""
    maturity_model = maturity_model or MaturityModel.objects.latest_published()
    if maturity_model is None or not maturity_model.is_published:
        raise AssessmentError(
            "There is no published maturity model to assess against. An "
            "administrator can load one with `manage.py load_maturity_model`."
        )
    title, period = title.strip(), period.strip()
    _refuse_duplicate(organisation, title, period)
    try:
        with transaction.atomic():
            assessment = Assessment.objects.create(
                organisation=organisation,
                maturity_model=maturity_model,
                title=title,
                period=period,
                created_by=created_by,
            )
    except IntegrityError:
        # Someone created the same one a moment ago.
        _refuse_duplicate(organisation, title, period)
        raise
    events.assessment_status_changed(assessment, by=created_by)
    return assessment


class DuplicateAssessment(AssessmentError):
    """The organisation already has an assessment with this title and period."""


def _refuse_duplicate(organisation: Organisation, title: str, period: str) -> None:
    existing = Assessment.objects.for_org(organisation).titled(title, period).first()
    if existing is not None:
        raise DuplicateAssessment(
            f"“{existing.title}” for {existing.period} already exists "
            f"({existing.get_status_display().lower()}). Choose another period, "
            f"such as {free_period(organisation)}, or another title."
        )


def free_period(organisation: Organisation) -> str:
    """The first quarter from the current one that no assessment describes yet."""
    taken = Assessment.objects.for_org(organisation).values_list("period", flat=True)
    return next_free_period(set(taken), timezone.localdate())


@transaction.atomic
def advance_status(assessment: Assessment, *, from_status: str, by=None) -> Assessment:
    """Move open → consensus → closed.

    `from_status` is the status the person saw, so a repeated click does not
    move the assessment two steps.
    """
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.status != from_status:
        raise AssessmentError(
            f"“{assessment.title}” is already "
            f"{assessment.get_status_display().lower()}; nothing was changed."
        )
    following = assessment.next_status
    if following is None:
        raise AssessmentError(f"“{assessment.title}” is closed; it stays closed.")
    now = timezone.now()
    assessment.status = following
    if following == AssessmentStatus.CONSENSUS:
        assessment.consensus_at = now
    else:
        assessment.closed_at = now
    assessment.save(update_fields=["status", "consensus_at", "closed_at"])
    events.assessment_status_changed(assessment, by=by)
    return assessment


def unsubmitted_responses(
    assessment: Assessment,
) -> "list[WithAnnotations[Response, AnswerCount]]":
    """Who started answering and has not submitted, with how many answers."""
    return list(
        Response.objects.filter(assessment=assessment)
        .unsubmitted()
        .with_answer_count()
        .select_related("respondent", "team")
        .order_by("started_at", "pk")
    )


@transaction.atomic
def remind_to_submit(assessment: Assessment, *, by) -> int:
    """Ask everyone with unsubmitted answers to submit; return how many were told.

    Each is notified in the app and by email (as they have chosen for
    assessment news) with how far they got.
    """
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not assessment.is_open:
        raise AssessmentError(
            f"“{assessment.title}” is {assessment.get_status_display().lower()}: "
            "answers can no longer be submitted, so there is nobody to remind."
        )
    responses = [r for r in unsubmitted_responses(assessment) if r.respondent_id]
    if not responses:
        raise AssessmentError(
            "Everyone who started answering has submitted: there is nobody to remind."
        )
    points = Point.objects.filter(
        pillar__maturity_model_id=assessment.maturity_model_id
    ).count()
    return events.submission_reminded(assessment, responses, points=points, by=by)


@transaction.atomic
def record_agreed_level(
    assessment: Assessment,
    *,
    point: Point,
    level: int | None,
    rationale: str,
    recorded_by,
) -> AgreedLevel | None:
    """Record (or with `level` None, withdraw) the agreed level of one point."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not assessment.in_consensus:
        raise AssessmentError(
            "Agreed levels are recorded while the assessment is in consensus; "
            f"this one is {assessment.get_status_display().lower()}."
        )
    if point.pillar.maturity_model_id != assessment.maturity_model_id:
        raise AssessmentError(f"{point.key} is not part of this assessment.")
    if level is None:
        AgreedLevel.objects.filter(assessment=assessment, point=point).delete()
        return None
    agreed, _ = AgreedLevel.objects.update_or_create(
        assessment=assessment,
        point=point,
        defaults={
            "level": level,
            "rationale": rationale.strip(),
            "recorded_by": recorded_by,
            "recorded_at": timezone.now(),
        },
    )
    return agreed


@transaction.atomic
def set_targets(
    organisation: Organisation, levels: dict[str, int | None], *, set_by
) -> int:
    """Set or clear the target level of each point key; return how many changed."""
    current = {
        t.point_key: t for t in Target.objects.for_org(organisation).select_for_update()
    }
    changed = 0
    for key, level in levels.items():
        target = current.get(key)
        if level is None:
            if target is not None:
                target.delete()
                changed += 1
        elif target is None:
            Target.objects.create(
                organisation=organisation, point_key=key, level=level, set_by=set_by
            )
            changed += 1
        elif target.level != level:
            target.level = level
            target.set_by = set_by
            target.save(update_fields=["level", "set_by", "updated_at"])
            changed += 1
    return changed


def questionnaire_path(assessment: Assessment) -> str:
    return reverse(
        "assessments:response-start", args=[assessment.organisation.slug, assessment.pk]
    )


def invite_to_assessment(
    assessment: Assessment, *, created_by, days: int | None = None
) -> Invitation:
    """A link that lets colleagues join as contributors and lands them here."""
    if not assessment.is_open:
        raise AssessmentError(
            "Invite links are for open assessments; this one no longer takes answers."
        )
    return create_invitation_link(
        assessment.organisation,
        created_by=created_by,
        role=Role.CONTRIBUTOR,
        days=days,
        next_path=questionnaire_path(assessment),
    )


def assessment_invitations(assessment: Assessment):
    return (
        Invitation.objects.for_org(assessment.organisation)
        .usable()
        .filter(next_path=questionnaire_path(assessment))
        .select_related("created_by")
    )
