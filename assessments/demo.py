"""Demo assessments: one closed last quarter, one open now, from several teams."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from assessments.models import (
    AgreedLevel,
    Answer,
    AnswerKind,
    Assessment,
    AssessmentStatus,
    MaturityModel,
    Point,
    Response,
    Target,
)

TITLE = "CRO maturity check"

# How each team tends to see the practice, per pillar (the CRO team is the most
# optimistic about its own process; customer service sees the customer side).
TEAM_VIEW = {
    "CRO": {"S": 3, "T": 3, "P": 3, "M": 3},
    "Customer Service": {"S": 3, "T": 2, "P": 3, "M": 3},
    "Marketing": {"S": 3, "T": 3, "P": 2, "M": 3},
}
DEFAULT_VIEW = {"S": 2, "T": 3, "P": 2, "M": 2}
# Points where the teams disagree clearly, so the scorecard flags them.
DISPUTED = {"S4": {"CRO": 4, "Customer Service": 1, "Marketing": 3}}
EVIDENCE = {
    "S4": {
        "CRO": "Every test in the roadmap starts from a customer problem.",
        "Customer Service": "The top three ticket reasons have not changed in a "
        "year and none of them is on the roadmap.",
    },
    "T4": {
        "Customer Service": "We tag tickets, but nobody outside our team reads "
        "the export."
    },
    "M4": {"CRO": "Sample size calculator used for every test since March."},
}
AGREED = [
    (
        "S4",
        2,
        "Customer-service themes are not yet in the roadmap; the CRO "
        "team's view covers the tests only.",
    )
]
TARGETS = {"S4": 4, "T4": 3, "M3": 4, "M4": 4, "P1": 3}


HISTORY_PER_SCALE = 0.4
MAX_RESPONDENTS = 30


def _quarter(date, back: int) -> str:
    index = date.year * 4 + (date.month - 1) // 3 - back
    return f"Q{index % 4 + 1} {index // 4}"


def _answer(rng, point_key: str, team: str, improvement: int):
    if point_key in DISPUTED:
        level = DISPUTED[point_key].get(team, 3)
    else:
        base = TEAM_VIEW.get(team, DEFAULT_VIEW)[point_key[0]] + improvement
        level = base + rng.choice((-1, 0, 0, 0, 0, 0, 0, 0, 0, 1))
    roll = rng.random()
    if roll < 0.03:
        return AnswerKind.DONT_KNOW, None
    if roll < 0.05 and point_key.startswith("T"):
        return AnswerKind.NOT_APPLICABLE, None
    return AnswerKind.LEVEL, max(1, min(5, level))


def _respondents(answering: list, rng) -> list:
    """Everyone in a small demo; a sample of 30, named people first, in a large one."""
    if len(answering) <= MAX_RESPONDENTS:
        return answering
    named = [m for m in answering if not m.user.username.startswith("member")]
    others = [m for m in answering if m.user.username.startswith("member")]
    chosen = named + rng.sample(others, MAX_RESPONDENTS - len(named))
    return sorted(chosen, key=lambda m: (m.team.name != "CRO", m.user.username))


def _fill(assessment, memberships, points, *, rng, improvement, complete_all):
    responses = Response.objects.bulk_create(
        Response(
            assessment=assessment,
            respondent=membership.user,
            team=membership.team,
            started_at=assessment.opened_at + timedelta(days=1),
            submitted_at=(
                assessment.opened_at + timedelta(days=3)
                if complete_all or n < len(memberships) - 1
                else None
            ),
        )
        for n, membership in enumerate(memberships)
    )
    answers = []
    for response, membership in zip(responses, memberships, strict=True):
        team = membership.team.name
        # The last respondent of an open assessment is still half-way through.
        answered = points if response.submitted_at else points[: len(points) // 2]
        for point in answered:
            kind, level = _answer(rng, point.key, team, improvement)
            answers.append(
                Answer(
                    response=response,
                    point=point,
                    kind=kind,
                    level=level,
                    evidence=EVIDENCE.get(point.key, {}).get(team, ""),
                )
            )
    Answer.objects.bulk_create(answers, batch_size=1000)
    return len(responses), len(answers)


@transaction.atomic
def seed(workspace, scale: int = 1) -> str | None:
    organisation = workspace.organisation
    if Assessment.objects.for_org(organisation).filter(title=TITLE).exists():
        return "Demo assessments exist; kept them."
    model = MaturityModel.objects.latest_published()
    if model is None:
        return "No published maturity model: demo assessments skipped."
    points = list(
        Point.objects.filter(pillar__maturity_model=model).select_related("pillar")
    )
    people = workspace.people
    answering = [
        m
        for m in people.values()
        if m.team is not None and m.user.username not in {"priya", "ivan"}
    ]
    answering.sort(key=lambda m: (m.team.name != "CRO", m.user.username))
    rng = random.Random(20240601)  # noqa: S311 - demo data, not security
    now = timezone.now()
    facilitator = people["demo"].user
    total_responses = total_answers = 0

    # Older closed assessments first (more of them at larger scales: about 100
    # at scale 250), so the trend has a line; then last quarter's closed one and
    # this quarter's open one. Each is answered by at most 30 people.
    history = list(range(max(2, round(scale * HISTORY_PER_SCALE)), 0, -1))
    for back in history:
        opened = now - timedelta(days=91 * back + 20)
        assessment = Assessment.objects.create(
            organisation=organisation,
            maturity_model=model,
            title=TITLE,
            period=_quarter(now, back),
            status=AssessmentStatus.CLOSED,
            created_by=facilitator,
            opened_at=opened,
            consensus_at=opened + timedelta(days=14),
            closed_at=opened + timedelta(days=21),
        )
        n, a = _fill(
            assessment,
            _respondents(answering, rng),
            points,
            rng=rng,
            improvement=-1 if back > 1 else 0,
            complete_all=True,
        )
        total_responses += n
        total_answers += a
        if back == 1:
            by_key = {p.key: p for p in points}
            AgreedLevel.objects.bulk_create(
                AgreedLevel(
                    assessment=assessment,
                    point=by_key[key],
                    level=level,
                    rationale=rationale,
                    recorded_by=facilitator,
                    recorded_at=opened + timedelta(days=16),
                )
                for key, level, rationale in AGREED
            )
    current = Assessment.objects.create(
        organisation=organisation,
        maturity_model=model,
        title=TITLE,
        period=_quarter(now, 0),
        created_by=facilitator,
        opened_at=now - timedelta(days=5),
    )
    n, a = _fill(
        current,
        _respondents(answering, rng),
        points,
        rng=rng,
        improvement=0,
        complete_all=False,
    )
    total_responses += n
    total_answers += a
    Target.objects.bulk_create(
        Target(
            organisation=organisation, point_key=key, level=level, set_by=facilitator
        )
        for key, level in TARGETS.items()
        if not Target.objects.for_org(organisation).filter(point_key=key).exists()
    )
    return (
        f"Added {len(history) + 1} assessments with {total_responses} responses and "
        f"{total_answers} answers."
    )
