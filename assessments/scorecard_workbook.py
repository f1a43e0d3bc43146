"""A scorecard as an Excel workbook: the summary, the points, the teams, every
answer and the consensus, a sheet each, with numbers as numbers."""

from datetime import date, datetime, time

from django.utils import timezone

from assessments import scoring
from assessments.models import AgreedLevel, Answer, AnswerKind, Level
from assessments.scorecard_csv import ALL_TEAMS, cell_number, level_name
from assessments.scorecards import Scorecard
from cromaturity.spreadsheets import Sheet, xlsx_bytes

SCORE_FORMAT = "0.00"


def _summary_sheet(scorecard: Scorecard, day: date) -> Sheet:
    assessment = scorecard.assessment
    result = scorecard.result
    rows: list[list[object]] = [
        ["Organisation", assessment.organisation.name, None],
        ["Assessment", assessment.title, None],
        ["Period", assessment.period, None],
        ["Status", assessment.get_status_display(), None],
        ["Maturity model", str(assessment.maturity_model), None],
        ["Exported on", day, None],
        ["Responses counted (submitted)", scorecard.submitted, None],
        ["Teams", len(scorecard.teams), None],
        [
            "Overall score (1–5)",
            cell_number(result.overall),
            level_name(result.overall),
        ],
        ["Overall index (0–100)", cell_number(result.index, 2), None],
    ]
    if scorecard.previous is not None:
        rows.append(
            [
                f"Change since {scorecard.previous}",
                cell_number(scorecard.overall_change),
                None,
            ]
        )
    for pillar in scorecard.pillars:
        rows.append(
            [
                f"{pillar.pillar.name} score (1–5)",
                cell_number(pillar.result.score),
                level_name(pillar.result.score),
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
                cell_number(result.score),
                scoring.level_of(result.score),
                level_name(result.score),
                spread.count if spread else 0,
                result.not_applicable,
                result.dont_know,
                spread.minimum if spread else None,
                spread.maximum if spread else None,
                cell_number(spread.std) if spread else None,
                "yes" if result.disagreement else "no",
                "; ".join(result.disagreement_reasons),
                "; ".join(
                    f"{team} {float(value):.2f}" for team, value in row.team_means
                ),
                row.agreed.level if row.agreed else None,
                row.target,
                cell_number(row.gap),
                cell_number(row.change),
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
            *[
                cell_number(team.pillars.get(row.pillar.key))
                for row in scorecard.pillars
            ],
            cell_number(team.overall),
            level_name(team.overall),
        ]
        for team in scorecard.teams
    ]
    rows.append(
        [
            ALL_TEAMS,
            scorecard.result.respondents,
            *[cell_number(row.result.score) for row in scorecard.pillars],
            cell_number(scorecard.result.overall),
            level_name(scorecard.result.overall),
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
                Level(answer.level).label
                if answer.kind == AnswerKind.LEVEL and answer.level is not None
                else AnswerKind(answer.kind).label,
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
                cell_number(row.result.score),
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
