"""A scorecard as tidy CSV rows: every point, pillar and the whole, for all
teams and for each team, one row each."""

from collections import defaultdict
from collections.abc import Iterator
from fractions import Fraction

from assessments import scoring
from assessments.models import Level
from assessments.scorecards import Scorecard
from cromaturity.spreadsheets import csv_bytes

ALL_TEAMS = "All teams"


def cell_number(value: Fraction | float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def level_name(score: scoring.Number | None) -> str:
    level = scoring.level_of(score)
    return Level(level).label if level is not None else ""


CSV_HEADER = [
    "organisation",
    "assessment",
    "period",
    "model version",
    "scope",
    "pillar",
    "point key",
    "point title",
    "team",
    "responses",
    "not applicable",
    "don't know",
    "mean",
    "min",
    "max",
    "std",
    "level",
    "level name",
    "index",
    "agreed level",
    "target",
    "gap",
    "disagreement",
]


def _team_point_results(
    scorecard: Scorecard,
) -> dict[tuple[str, str], scoring.PointResult]:
    """Each team's own result on each point, by the same rules as the whole."""
    by_team_point: dict[tuple[str, str], list[scoring.AnswerValue]] = defaultdict(list)
    for answer in scorecard.answers:
        by_team_point[(answer.team, answer.point)].append(answer)
    return {
        (team.team, row.point.key): scoring.score_point(
            row.point.key,
            row.point.pillar.key,
            by_team_point.get((team.team, row.point.key), ()),
        )
        for team in scorecard.teams
        for row in scorecard.points
    }


def csv_rows(scorecard: Scorecard) -> Iterator[list]:
    """Tidy rows: every point, pillar and the whole, for all teams and each team."""
    assessment = scorecard.assessment
    lead = [
        assessment.organisation.name,
        assessment.title,
        assessment.period,
        str(assessment.maturity_model),
    ]
    team_results = _team_point_results(scorecard)

    def score_cells(score, count, *, spread=None, na=None, dk=None):
        return [
            count,
            na,
            dk,
            cell_number(score),
            spread.minimum if spread else None,
            spread.maximum if spread else None,
            cell_number(spread.std) if spread else None,
            scoring.level_of(score),
            level_name(score),
            cell_number(scoring.index_of(score), 2),
        ]

    for pillar in scorecard.pillars:
        for row in (
            r for r in scorecard.points if r.point.pillar_id == pillar.pillar.pk
        ):
            point = row.point
            result = row.result
            yield [
                *lead,
                "point",
                pillar.pillar.name,
                point.key,
                point.title,
                ALL_TEAMS,
                *score_cells(
                    result.score,
                    result.spread.count if result.spread else 0,
                    spread=result.spread,
                    na=result.not_applicable,
                    dk=result.dont_know,
                ),
                row.agreed.level if row.agreed else None,
                row.target,
                cell_number(row.gap),
                "yes" if result.disagreement else "no",
            ]
            for team in scorecard.teams:
                own = team_results[(team.team, point.key)]
                yield [
                    *lead,
                    "point",
                    pillar.pillar.name,
                    point.key,
                    point.title,
                    team.team,
                    *score_cells(
                        own.score,
                        own.spread.count if own.spread else 0,
                        spread=own.spread,
                        na=own.not_applicable,
                        dk=own.dont_know,
                    ),
                    None,
                    row.target,
                    cell_number(scoring.gap(row.target, own.score)),
                    None,
                ]
        key = pillar.pillar.key
        yield [
            *lead,
            "pillar",
            pillar.pillar.name,
            None,
            None,
            ALL_TEAMS,
            *score_cells(pillar.result.score, scorecard.result.respondents),
            None,
            None,
            None,
            None,
        ]
        for team in scorecard.teams:
            yield [
                *lead,
                "pillar",
                pillar.pillar.name,
                None,
                None,
                team.team,
                *score_cells(team.pillars.get(key), team.respondents),
                None,
                None,
                None,
                None,
            ]
    yield [
        *lead,
        "overall",
        None,
        None,
        None,
        ALL_TEAMS,
        *score_cells(scorecard.result.overall, scorecard.result.respondents),
        None,
        None,
        None,
        None,
    ]
    for team in scorecard.teams:
        yield [
            *lead,
            "overall",
            None,
            None,
            None,
            team.team,
            *score_cells(team.overall, team.respondents),
            None,
            None,
            None,
            None,
        ]


def scorecard_csv(scorecard: Scorecard) -> bytes:
    return csv_bytes(CSV_HEADER, csv_rows(scorecard))
