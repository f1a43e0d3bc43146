"""The scoring rules of a maturity assessment, on plain values.

Everything a scorecard shows is computed here, from answers that name their
respondent, team, point and level. The rules, in the words the scorecard uses:

* point score: mean of the levels given; *Not applicable* and *Don't know* are
  left out. A point without any level answer has no score.
* pillar score: mean of its point scores weighted by each point's weight; points
  without a score are skipped (their weight drops out too).
* overall score: plain mean of the pillar scores that have one, so a pillar with
  six points weighs the same as a pillar with five.
* level: the level whose number is the score rounded down (2.9 is Developing).
* index: (score - 1) / 4 x 100, so level 1 is 0 and level 5 is 100.
* spread of a point: lowest and highest level, the population standard deviation
  (the respondents are everyone who answered, not a sample of them) and the
  number of level answers.
* disagreement: the team means of a point differ by 1.5 levels or more, or the
  highest and lowest level given differ by 3 or more.

Arithmetic is exact (fractions) so that a score of exactly 3 is never stored as
2.9999... and shown as Developing.
"""

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db.models import IntegerChoices, TextChoices

TEAM_GAP_FOR_DISAGREEMENT = Fraction(3, 2)
RANGE_FOR_DISAGREEMENT = 3
WEAKEST_COUNT = 3


class Level(IntegerChoices):
    INITIAL = 1, "Initial"
    DEVELOPING = 2, "Developing"
    DEFINED = 3, "Defined"
    MANAGED = 4, "Managed"
    OPTIMISING = 5, "Optimising"


class AnswerKind(TextChoices):
    LEVEL = "level", "A level"
    NOT_APPLICABLE = "not_applicable", "Not applicable"
    DONT_KNOW = "dont_know", "Don't know"


Number = int | float | Decimal | Fraction


@dataclass(frozen=True)
class AnswerValue:
    """One respondent's answer to one point."""

    respondent: Hashable
    team: str
    point: str
    kind: AnswerKind = AnswerKind.LEVEL
    level: int | None = None


@dataclass(frozen=True)
class PointSpec:
    key: str
    pillar: str
    weight: Number = 1


@dataclass(frozen=True)
class Spread:
    minimum: int
    maximum: int
    std: float
    count: int

    @property
    def range(self) -> int:
        return self.maximum - self.minimum


@dataclass(frozen=True)
class PointResult:
    key: str
    pillar: str
    score: Fraction | None
    spread: Spread | None
    not_applicable: int
    dont_know: int
    level_counts: dict[int, int]
    team_means: dict[str, Fraction]
    disagreement: bool
    disagreement_reasons: tuple[str, ...] = ()

    @property
    def level(self) -> int | None:
        return level_of(self.score)

    @property
    def has_score(self) -> bool:
        return self.score is not None


@dataclass(frozen=True)
class PillarResult:
    key: str
    score: Fraction | None
    scored_points: int
    total_points: int

    @property
    def level(self) -> int | None:
        return level_of(self.score)


@dataclass(frozen=True)
class TeamResult:
    team: str
    respondents: int
    pillars: dict[str, Fraction | None]
    overall: Fraction | None


@dataclass(frozen=True)
class AssessmentResult:
    points: dict[str, PointResult]
    pillars: dict[str, PillarResult]
    overall: Fraction | None
    respondents: int
    teams: dict[str, TeamResult] = field(default_factory=dict)

    @property
    def level(self) -> int | None:
        return level_of(self.overall)

    @property
    def index(self) -> float | None:
        return index_of(self.overall)

    @property
    def unscored_points(self) -> list[str]:
        return [key for key, point in self.points.items() if point.score is None]


def mean(values: Iterable[Number]) -> Fraction | None:
    """Exact mean, or None for no values."""
    fractions = [Fraction(v) for v in values]
    if not fractions:
        return None
    return sum(fractions, Fraction(0)) / len(fractions)


def point_score(levels: Iterable[int | None]) -> Fraction | None:
    """Mean of the levels; None entries (N/A, don't know) are left out."""
    return mean(level for level in levels if level is not None)


def weighted_mean(pairs: Iterable[tuple[Fraction | None, Number]]) -> Fraction | None:
    """Weighted mean of (score, weight) pairs, skipping pairs without a score."""
    scored = [(Fraction(s), Fraction(w)) for s, w in pairs if s is not None]
    total_weight = sum((w for _, w in scored), Fraction(0))
    if not scored or total_weight <= 0:
        return None
    return sum((s * w for s, w in scored), Fraction(0)) / total_weight


def overall_score(pillar_scores: Iterable[Fraction | None]) -> Fraction | None:
    return mean(score for score in pillar_scores if score is not None)


def level_of(score: Number | None) -> int | None:
    """The level whose number is the score rounded down (2.9 is level 2)."""
    if score is None:
        return None
    return max(1, min(5, math.floor(Fraction(score))))


def level_name(score: Number | None) -> str:
    level = level_of(score)
    return Level(level).label if level is not None else "No score"


def index_of(score: Number | None) -> float | None:
    """Map a score of 1–5 onto 0–100."""
    if score is None:
        return None
    return float((Fraction(score) - 1) / 4 * 100)


def spread(levels: Sequence[int]) -> Spread | None:
    """Minimum, maximum, population standard deviation and count of levels."""
    if not levels:
        return None
    centre = Fraction(sum(levels), len(levels))
    variance = sum((Fraction(v) - centre) ** 2 for v in levels) / len(levels)
    return Spread(
        minimum=min(levels),
        maximum=max(levels),
        std=math.sqrt(variance),
        count=len(levels),
    )


def disagreement_reasons(
    levels: Sequence[int], team_means: Mapping[str, Fraction]
) -> tuple[str, ...]:
    """Why a point counts as disputed; empty when it does not."""
    reasons = []
    if len(team_means) >= 2:
        high = max(team_means, key=lambda team: (team_means[team], team))
        low = min(team_means, key=lambda team: (team_means[team], team))
        gap = team_means[high] - team_means[low]
        if gap >= TEAM_GAP_FOR_DISAGREEMENT:
            reasons.append(
                f"team means differ by {float(gap):.2f} "
                f"({high} {float(team_means[high]):.2f}, "
                f"{low} {float(team_means[low]):.2f})"
            )
    if levels and max(levels) - min(levels) >= RANGE_FOR_DISAGREEMENT:
        reasons.append(f"answers range from {min(levels)} to {max(levels)}")
    return tuple(reasons)


def score_point(key: str, pillar: str, answers: Iterable[AnswerValue]) -> PointResult:
    answers = list(answers)
    levels = sorted(a.level for a in answers if a.level is not None)
    by_team: dict[str, list[int]] = defaultdict(list)
    for answer in answers:
        if answer.level is not None:
            by_team[answer.team].append(answer.level)
    team_means = {
        team: Fraction(sum(values), len(values))
        for team, values in sorted(by_team.items())
    }
    reasons = disagreement_reasons(levels, team_means)
    counts = {level: levels.count(level) for level in Level.values if level in levels}
    return PointResult(
        key=key,
        pillar=pillar,
        score=point_score(levels),
        spread=spread(levels),
        not_applicable=sum(a.kind == AnswerKind.NOT_APPLICABLE for a in answers),
        dont_know=sum(a.kind == AnswerKind.DONT_KNOW for a in answers),
        level_counts=counts,
        team_means=team_means,
        disagreement=bool(reasons),
        disagreement_reasons=reasons,
    )


def pillar_scores(
    points: Sequence[PointSpec], point_scores: Mapping[str, Fraction | None]
) -> dict[str, Fraction | None]:
    """Weighted mean of point scores per pillar, in the order pillars appear."""
    pairs: dict[str, list[tuple[Fraction | None, Number]]] = {}
    for spec in points:
        pairs.setdefault(spec.pillar, []).append(
            (point_scores.get(spec.key), spec.weight)
        )
    return {pillar: weighted_mean(values) for pillar, values in pairs.items()}


def score_assessment(
    points: Sequence[PointSpec], answers: Iterable[AnswerValue]
) -> AssessmentResult:
    """Score every point, pillar, team and the whole from the answers."""
    answers = [a for a in answers if a.kind != AnswerKind.LEVEL or a.level is not None]
    by_point: dict[str, list[AnswerValue]] = defaultdict(list)
    for answer in answers:
        by_point[answer.point].append(answer)
    point_results = {
        spec.key: score_point(spec.key, spec.pillar, by_point.get(spec.key, ()))
        for spec in points
    }
    scores = {key: result.score for key, result in point_results.items()}
    pillar_values = pillar_scores(points, scores)
    pillar_results = {
        pillar: PillarResult(
            key=pillar,
            score=score,
            scored_points=sum(
                1 for s in points if s.pillar == pillar and scores[s.key] is not None
            ),
            total_points=sum(1 for s in points if s.pillar == pillar),
        )
        for pillar, score in pillar_values.items()
    }
    return AssessmentResult(
        points=point_results,
        pillars=pillar_results,
        overall=overall_score(pillar_values.values()),
        respondents=len({a.respondent for a in answers}),
        teams=score_teams(points, answers),
    )


def score_teams(
    points: Sequence[PointSpec], answers: Iterable[AnswerValue]
) -> dict[str, TeamResult]:
    """Pillar and overall scores counting only each team's own answers."""
    by_team: dict[str, list[AnswerValue]] = defaultdict(list)
    for answer in answers:
        by_team[answer.team].append(answer)
    results = {}
    for team, team_answers in sorted(by_team.items()):
        levels: dict[str, list[int | None]] = defaultdict(list)
        for answer in team_answers:
            levels[answer.point].append(answer.level)
        scores = {spec.key: point_score(levels.get(spec.key, ())) for spec in points}
        pillars = pillar_scores(points, scores)
        results[team] = TeamResult(
            team=team,
            respondents=len({a.respondent for a in team_answers}),
            pillars=pillars,
            overall=overall_score(pillars.values()),
        )
    return results


def score_from_point_means(
    points: Sequence[PointSpec], point_means: Mapping[str, Fraction | None]
) -> tuple[dict[str, Fraction | None], Fraction | None]:
    """Pillar and overall scores from already averaged point scores."""
    pillars = pillar_scores(points, point_means)
    return pillars, overall_score(pillars.values())


def weakest_points(
    result: AssessmentResult, count: int = WEAKEST_COUNT
) -> list[PointResult]:
    """The lowest-scoring points that have a score; ties keep the model's order."""
    order = {key: n for n, key in enumerate(result.points)}
    scored = [p for p in result.points.values() if p.score is not None]
    return sorted(scored, key=lambda p: (p.score, order[p.key]))[:count]


def change(current: Number | None, previous: Number | None) -> Fraction | None:
    """Current minus previous, when both have a score."""
    if current is None or previous is None:
        return None
    return Fraction(current) - Fraction(previous)


def gap(target: int | None, score: Number | None) -> Fraction | None:
    """How far a score is below its target (negative when above it)."""
    if target is None or score is None:
        return None
    return Fraction(target) - Fraction(score)
