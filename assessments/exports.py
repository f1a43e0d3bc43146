"""A scorecard as a file: CSV, XLSX or PDF.

The browser, the command line (``manage.py export_scorecard``) and share links
all call :func:`export_scorecard`, so they hand out the same bytes for the same
assessment on the same day. Every number comes from :mod:`assessments.scoring`
through the scorecard; cells are written by :mod:`cromaturity.spreadsheets`,
which neutralises anything a spreadsheet could take for a formula.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from fractions import Fraction

from django.db.models import TextChoices
from django.utils import timezone

from assessments import scoring
from assessments.models import AgreedLevel, Answer, AnswerKind, Level
from assessments.scorecards import Scorecard
from cromaturity.spreadsheets import (
    XLSX_CONTENT_TYPE,
    Sheet,
    csv_bytes,
    export_filename,
    xlsx_bytes,
)

ALL_TEAMS = "All teams"
SCORE_FORMAT = "0.00"


class ExportFormat(TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel workbook"
    PDF = "pdf", "PDF"


CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: XLSX_CONTENT_TYPE,
    ExportFormat.PDF: "application/pdf",
}


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str
    content: bytes


def export_scorecard(
    scorecard: Scorecard, export_format: ExportFormat | str, *, day: date | None = None
) -> ExportFile:
    """The scorecard as a file named `<org-slug>-scorecard-<YYYY-MM-DD>.<ext>`."""
    export_format = ExportFormat(export_format)
    day = day or timezone.localdate()
    if export_format == ExportFormat.CSV:
        content = scorecard_csv(scorecard)
    elif export_format == ExportFormat.XLSX:
        content = scorecard_xlsx(scorecard, day=day)
    else:
        from assessments.scorecard_pdf import scorecard_pdf

        content = scorecard_pdf(scorecard, day=day)
    slug = scorecard.assessment.organisation.slug
    return ExportFile(
        filename=export_filename(slug, "scorecard", export_format.value, day),
        content_type=CONTENT_TYPES[export_format],
        content=content,
    )


def _number(value: Fraction | float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def _level_name(score) -> str:
    return Level(scoring.level_of(score)).label if score is not None else ""


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
            _number(score),
            spread.minimum if spread else None,
            spread.maximum if spread else None,
            _number(spread.std) if spread else None,
            scoring.level_of(score),
            _level_name(score),
            _number(scoring.index_of(score), 2),
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
                _number(row.gap),
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
                    _number(scoring.gap(row.target, own.score)),
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


def _summary_sheet(scorecard: Scorecard, day: date) -> Sheet:
    assessment = scorecard.assessment
    result = scorecard.result
    rows = [
        ["Organisation", assessment.organisation.name, None],
        ["Assessment", assessment.title, None],
        ["Period", assessment.period, None],
        ["Status", assessment.get_status_display(), None],
        ["Maturity model", str(assessment.maturity_model), None],
        ["Exported on", day, None],
        ["Responses counted (submitted)", scorecard.submitted, None],
        ["Teams", len(scorecard.teams), None],
        ["Overall score (1–5)", _number(result.overall), _level_name(result.overall)],
        ["Overall index (0–100)", _number(result.index, 2), None],
    ]
    if scorecard.previous is not None:
        rows.append(
            [
                f"Change since {scorecard.previous}",
                _number(scorecard.overall_change),
                None,
            ]
        )
    for pillar in scorecard.pillars:
        rows.append(
            [
                f"{pillar.pillar.name} score (1–5)",
                _number(pillar.result.score),
                _level_name(pillar.result.score),
            ]
        )
    rows.append(["Points showing disagreement", len(scorecard.disputed), None])
    rows.append(["Points with an agreed level", scorecard.agreed_count, None])
    return Sheet(
        "Summary",
        ["Item", "Value", "Level"],
        rows,
        widths=[36, 44, 16],
    )


def _points_sheet(scorecard: Scorecard) -> Sheet:
    rows = []
    for row in scorecard.points:
        result = row.result
        spread = result.spread
        rows.append(
            [
                row.point.pillar.name,
                row.point.key,
                row.point.title,
                _number(result.score),
                scoring.level_of(result.score),
                _level_name(result.score),
                spread.count if spread else 0,
                result.not_applicable,
                result.dont_know,
                spread.minimum if spread else None,
                spread.maximum if spread else None,
                _number(spread.std) if spread else None,
                "yes" if result.disagreement else "no",
                "; ".join(result.disagreement_reasons),
                "; ".join(
                    f"{team} {float(value):.2f}" for team, value in row.team_means
                ),
                row.agreed.level if row.agreed else None,
                row.target,
                _number(row.gap),
                _number(row.change),
                row.descriptor.next_step if row.descriptor else "",
            ]
        )
    return Sheet(
        "Points",
        [
            "Pillar",
            "Point",
            "Title",
            "Score",
            "Level",
            "Level name",
            "Responses",
            "Not applicable",
            "Don't know",
            "Min",
            "Max",
            "Std",
            "Disagreement",
            "Why",
            "Team means",
            "Agreed level",
            "Target",
            "Gap",
            "Change",
            "Advice for the next level",
        ],
        rows,
        widths=[22, 7, 44, 8, 7, 12, 10, 9, 9, 6, 6, 7, 12, 40, 40, 10, 8, 8, 8, 70],
        number_formats={
            3: SCORE_FORMAT,
            11: SCORE_FORMAT,
            17: SCORE_FORMAT,
            18: SCORE_FORMAT,
        },
    )


def _teams_sheet(scorecard: Scorecard) -> Sheet:
    pillar_names = [row.pillar.name for row in scorecard.pillars]
    rows = [
        [
            team.team,
            team.respondents,
            *[_number(team.pillars.get(row.pillar.key)) for row in scorecard.pillars],
            _number(team.overall),
            _level_name(team.overall),
        ]
        for team in scorecard.teams
    ]
    rows.append(
        [
            ALL_TEAMS,
            scorecard.result.respondents,
            *[_number(row.result.score) for row in scorecard.pillars],
            _number(scorecard.result.overall),
            _level_name(scorecard.result.overall),
        ]
    )
    last = len(pillar_names) + 2
    return Sheet(
        "Teams",
        ["Team", "Respondents", *pillar_names, "Overall", "Level"],
        rows,
        widths=[22, 12, *[20] * len(pillar_names), 10, 12],
        number_formats={column: SCORE_FORMAT for column in range(2, last + 1)},
    )


def _answers_sheet(scorecard: Scorecard) -> Sheet:
    """Every submitted answer; respondents are numbered, not named, as on the page."""
    answers = (
        Answer.objects.filter(
            response__assessment=scorecard.assessment,
            response__submitted_at__isnull=False,
        )
        .select_related("point__pillar", "response__team")
        .order_by(
            "response__started_at",
            "response_id",
            "point__pillar__position",
            "point__position",
        )
    )
    numbers: dict[int, int] = {}
    rows = []
    for answer in answers:
        number = numbers.setdefault(answer.response_id, len(numbers) + 1)
        rows.append(
            [
                f"Respondent {number}",
                answer.response.team.name,
                answer.point.pillar.name,
                answer.point.key,
                answer.point.title,
                answer.level,
                AnswerKind(answer.kind).label
                if answer.kind != AnswerKind.LEVEL
                else Level(answer.level).label,
                answer.evidence,
            ]
        )
    return Sheet(
        "Answers",
        [
            "Respondent",
            "Team",
            "Pillar",
            "Point",
            "Title",
            "Level",
            "Answer",
            "Evidence",
        ],
        rows,
        widths=[14, 20, 22, 7, 44, 7, 16, 80],
    )


def _consensus_sheet(scorecard: Scorecard) -> Sheet:
    agreed = AgreedLevel.objects.filter(assessment=scorecard.assessment).select_related(
        "point", "recorded_by"
    )
    by_point = {a.point_id: a for a in agreed}
    rows = []
    for row in scorecard.points:
        agreement = by_point.get(row.point.pk)
        if agreement is None:
            continue
        rows.append(
            [
                row.point.key,
                row.point.title,
                _number(row.result.score),
                agreement.level,
                Level(agreement.level).label,
                agreement.rationale,
                agreement.recorded_by.display_name if agreement.recorded_by else "",
                timezone.localtime(agreement.recorded_at).replace(tzinfo=None),
            ]
        )
    return Sheet(
        "Consensus",
        [
            "Point",
            "Title",
            "Averaged score",
            "Agreed level",
            "Level name",
            "Rationale",
            "Recorded by",
            "Recorded at",
        ],
        rows,
        widths=[7, 44, 14, 12, 12, 80, 20, 18],
        number_formats={2: SCORE_FORMAT},
    )


def scorecard_sheets(scorecard: Scorecard, *, day: date) -> list[Sheet]:
    return [
        _summary_sheet(scorecard, day),
        _points_sheet(scorecard),
        _teams_sheet(scorecard),
        _answers_sheet(scorecard),
        _consensus_sheet(scorecard),
    ]


def scorecard_xlsx(scorecard: Scorecard, *, day: date) -> bytes:
    return xlsx_bytes(
        scorecard_sheets(scorecard, day=day), created=datetime.combine(day, time())
    )
