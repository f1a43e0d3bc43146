"""Read an assessment from the database and score it with :mod:`assessments.scoring`.

The number of queries is fixed: it does not grow with respondents, answers or
assessments. Everything shown is computed by the scoring module; this module
only gathers plain values and arranges the results for the pages.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from django.db.models import Count, Model, Q, Sum
from django.utils.safestring import SafeString, mark_safe

from assessments import charts, scoring
from assessments.models import (
    AgreedLevel,
    Answer,
    AnswerKind,
    Assessment,
    LevelDescriptor,
    Pillar,
    Point,
    Response,
    Target,
)

TREND_LENGTH = 12
# About a phone's width in CSS pixels, so the text is drawn at its own size there.
NARROW_TREND_WIDTH = 340


@dataclass
class PointRow:
    point: Point
    result: scoring.PointResult
    descriptor: LevelDescriptor | None
    target: int | None
    agreed: AgreedLevel | None
    previous: Fraction | None
    # The backlog's improvement work for the point, set by the scorecard page:
    # the backlog sits above assessments, so its model is not named here.
    improvements: Sequence[Model] = ()
    more_improvements: int = 0

    @property
    def gap(self) -> Fraction | None:
        return scoring.gap(self.target, self.result.score)

    @property
    def change(self) -> Fraction | None:
        return scoring.change(self.result.score, self.previous)

    @property
    def levels_given(self) -> str:
        """The levels given, listed when few, counted when many."""
        counts = self.result.level_counts
        if sum(counts.values()) <= 12:
            return ", ".join(
                str(level) for level, n in counts.items() for _ in range(n)
            )
        return ", ".join(f"{n} × level {level}" for level, n in counts.items())

    @property
    def team_means(self) -> list[tuple[str, Fraction]]:
        return list(self.result.team_means.items())


@dataclass
class PillarRow:
    pillar: Pillar
    result: scoring.PillarResult
    previous: Fraction | None
    team_scores: list[Fraction | None]

    @property
    def change(self) -> Fraction | None:
        return scoring.change(self.result.score, self.previous)


@dataclass
class Scorecard:
    assessment: Assessment
    result: scoring.AssessmentResult
    pillars: list[PillarRow]
    points: list[PointRow]
    teams: list[scoring.TeamResult]
    team_colours: dict[str, str]
    submitted: int
    in_progress: int
    previous: Assessment | None
    previous_overall: Fraction | None
    weights: list[tuple[str, object]] = field(default_factory=list)
    # The submitted answers the scores come from, for per-team breakdowns.
    answers: list[scoring.AnswerValue] = field(default_factory=list)

    @property
    def weakest(self) -> list[PointRow]:
        by_key = {row.point.key: row for row in self.points}
        return [by_key[p.key] for p in scoring.weakest_points(self.result)]

    @property
    def disputed(self) -> list[PointRow]:
        return [row for row in self.points if row.result.disagreement]

    @property
    def unscored(self) -> list[PointRow]:
        return [row for row in self.points if row.result.score is None]

    @property
    def overall_change(self) -> Fraction | None:
        return scoring.change(self.result.overall, self.previous_overall)

    @property
    def agreed_count(self) -> int:
        return sum(1 for row in self.points if row.agreed is not None)

    @property
    def worked_example(self) -> PointRow | None:
        """A point with several answers, to recompute by hand on the page."""
        scored = [row for row in self.points if row.result.spread]
        return max(
            scored,
            key=lambda row: row.result.spread.count if row.result.spread else 0,
            default=None,
        )

    def radar(self, chart_id: str = "radar") -> SafeString:
        axes = [row.pillar.name for row in self.pillars]
        series = [
            charts.Series(
                name=f"{team.team} ({team.respondents})",
                values=[
                    _float(team.pillars.get(row.pillar.key)) for row in self.pillars
                ],
                colour=self.team_colours[team.team],
            )
            for team in self.teams
        ]
        series.append(
            charts.Series(
                name="All teams",
                values=[_float(row.result.score) for row in self.pillars],
                colour=charts.OVERALL_COLOUR,
                dashed=True,
                emphasised=True,
            )
        )
        return mark_safe(  # noqa: S308 - charts escapes every text it draws
            charts.radar_chart(
                axes,
                series,
                title=f"Pillar scores of {self.assessment.title} by team",
                chart_id=chart_id,
            )
        )


def _float(value) -> float | None:
    return None if value is None else float(value)


def point_specs(points) -> list[scoring.PointSpec]:
    return [
        scoring.PointSpec(key=p.key, pillar=p.pillar.key, weight=p.weight)
        for p in points
    ]


def _answer_values(assessment_id: int) -> list[scoring.AnswerValue]:
    rows = Answer.objects.filter(
        response__assessment_id=assessment_id,
        response__submitted_at__isnull=False,
    ).values_list("response_id", "response__team__name", "point__key", "kind", "level")
    return [
        scoring.AnswerValue(
            respondent=response,
            team=team,
            point=key,
            kind=AnswerKind(kind),
            level=level,
        )
        for response, team, key, kind, level in rows
    ]


def previous_closed(assessment: Assessment) -> Assessment | None:
    """The latest closed assessment of the organisation before this one."""
    earlier = Q(closed_at__lt=assessment.closed_at) if assessment.closed_at else Q()
    return (
        Assessment.objects.for_org(assessment.organisation_id)
        .closed()
        .filter(earlier)
        .exclude(pk=assessment.pk)
        .select_related("organisation")
        .order_by("-closed_at", "-pk")
        .first()
    )


def build_scorecard(assessment: Assessment) -> Scorecard:
    points = list(
        Point.objects.filter(pillar__maturity_model_id=assessment.maturity_model_id)
        .select_related("pillar")
        .order_by("pillar__position", "position", "pk")
    )
    specs = point_specs(points)
    answers = _answer_values(assessment.pk)
    result = scoring.score_assessment(specs, answers)
    descriptors = {
        (d.point_id, d.level): d
        for d in LevelDescriptor.objects.filter(
            point__pillar__maturity_model_id=assessment.maturity_model_id
        )
    }
    agreed = {
        a.point_id: a
        for a in AgreedLevel.objects.filter(assessment=assessment).select_related(
            "recorded_by"
        )
    }
    targets = dict(
        Target.objects.for_org(assessment.organisation_id).values_list(
            "point_key", "level"
        )
    )
    counts = Response.objects.filter(assessment=assessment).aggregate(
        submitted=Count("pk", filter=Q(submitted_at__isnull=False)),
        started=Count("pk"),
    )

    previous = previous_closed(assessment)
    previous_result = None
    if previous is not None:
        previous_points = Point.objects.filter(
            pillar__maturity_model_id=previous.maturity_model_id
        ).select_related("pillar")
        previous_result = scoring.score_assessment(
            point_specs(previous_points), _answer_values(previous.pk)
        )

    team_colours = {
        team: charts.colour_for(n) for n, team in enumerate(sorted(result.teams))
    }
    teams = [result.teams[name] for name in sorted(result.teams)]
    pillars: list[PillarRow] = []
    for point in points:
        if not pillars or pillars[-1].pillar.pk != point.pillar_id:
            key = point.pillar.key
            pillars.append(
                PillarRow(
                    pillar=point.pillar,
                    result=result.pillars[key],
                    previous=_previous_pillar(previous_result, key),
                    team_scores=[team.pillars.get(key) for team in teams],
                )
            )
    rows = [
        PointRow(
            point=point,
            result=result.points[point.key],
            descriptor=descriptors.get((point.pk, result.points[point.key].level or 1)),
            target=targets.get(point.key),
            agreed=agreed.get(point.pk),
            previous=_previous_point(previous_result, point.key),
        )
        for point in points
    ]
    return Scorecard(
        assessment=assessment,
        result=result,
        pillars=pillars,
        points=rows,
        teams=teams,
        team_colours=team_colours,
        submitted=counts["submitted"],
        in_progress=counts["started"] - counts["submitted"],
        previous=previous,
        previous_overall=previous_result.overall if previous_result else None,
        weights=[(p.key, p.weight) for p in points if p.weight != 1],
        answers=answers,
    )


def _previous_pillar(previous_result, key: str) -> Fraction | None:
    if previous_result is None or key not in previous_result.pillars:
        return None
    return previous_result.pillars[key].score


def _previous_point(previous_result, key: str) -> Fraction | None:
    if previous_result is None or key not in previous_result.points:
        return None
    return previous_result.points[key].score


@dataclass
class ScorecardSummary:
    """Overall and pillar scores of one assessment, for lists and trends."""

    assessment: Assessment
    overall: Fraction | None
    pillars: dict[str, Fraction | None]

    @property
    def level(self) -> int | None:
        return scoring.level_of(self.overall)


def summarise(assessments: list[Assessment]) -> dict[int, ScorecardSummary]:
    """Scores of many assessments in two queries, from per-point sums."""
    ids = [a.pk for a in assessments]
    model_ids = {a.maturity_model_id for a in assessments}
    specs: dict[int, list[scoring.PointSpec]] = {m: [] for m in model_ids}
    for model_id, key, pillar_key, weight in (
        Point.objects.filter(pillar__maturity_model_id__in=model_ids)
        .order_by("pillar__position", "position", "pk")
        .values_list("pillar__maturity_model_id", "key", "pillar__key", "weight")
    ):
        specs[model_id].append(
            scoring.PointSpec(key=key, pillar=pillar_key, weight=weight)
        )
    means: dict[int, dict[str, Fraction]] = {pk: {} for pk in ids}
    for assessment_id, key, total, count in (
        Answer.objects.filter(
            response__assessment_id__in=ids,
            response__submitted_at__isnull=False,
            kind=AnswerKind.LEVEL,
        )
        .values("response__assessment_id", "point__key")
        .annotate(total=Sum("level"), count=Count("pk"))
        .values_list("response__assessment_id", "point__key", "total", "count")
    ):
        means[assessment_id][key] = Fraction(total, count)
    summaries = {}
    for assessment in assessments:
        pillars, overall = scoring.score_from_point_means(
            specs[assessment.maturity_model_id], means[assessment.pk]
        )
        summaries[assessment.pk] = ScorecardSummary(assessment, overall, pillars)
    return summaries


def trend(organisation) -> tuple[list[ScorecardSummary], SafeString | None]:
    """The latest closed assessments, oldest first, and their trend chart."""
    closed = list(
        Assessment.objects.for_org(organisation)
        .closed()
        .select_related("organisation")
        .order_by("-closed_at", "-pk")[:TREND_LENGTH]
    )[::-1]
    if not closed:
        return [], None
    summaries = summarise(closed)
    ordered = [summaries[a.pk] for a in closed]
    names = dict(
        Pillar.objects.filter(maturity_model_id=closed[-1].maturity_model_id)
        .order_by("position")
        .values_list("key", "name")
    )
    series = [
        charts.Series(
            name=name,
            values=[_float(s.pillars.get(key)) for s in ordered],
            colour=charts.colour_for(n),
        )
        for n, (key, name) in enumerate(names.items())
    ]
    series.append(
        charts.Series(
            name="Overall",
            values=[_float(s.overall) for s in ordered],
            colour=charts.OVERALL_COLOUR,
            emphasised=True,
        )
    )
    labels = [s.assessment.period for s in ordered]
    title = "Overall and pillar scores of closed assessments"
    # Drawn twice: scaled down to a phone, the wide chart's text would shrink to
    # a few pixels; the stylesheet shows the one that fits the frame.
    wide = charts.line_chart(labels, series, title=title, chart_id="trend")
    narrow = charts.line_chart(
        labels,
        series,
        title=title,
        chart_id="trend-narrow",
        width=NARROW_TREND_WIDTH,
        height=220,
        font_size=12,
    )
    svg = (
        f'<div class="chart-wide">{wide}</div><div class="chart-narrow">{narrow}</div>'
    )
    return ordered, mark_safe(svg)  # noqa: S308 - charts escapes every text it draws
