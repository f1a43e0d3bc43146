"""Scores as a sheet writes them: 1–10 ratings, and totals checked against them.

A sheet's ICE or PIE total is a formula over its parts; teams use the mean, the
sum or the product. A total agrees with its parts when one of these, rounded to
as many decimals as the total is written with, is the total. A total without
its parts is kept as the sheet said it and never split into made-up parts.
"""

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from backlog.backlog_import.report import Note
from backlog.scoring.frameworks import (
    RATING_MAX,
    RATING_MIN,
    Framework,
    IceMode,
    ice_score,
    pie_score,
    summarise,
)

NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")
# Spreadsheets keep 15 significant digits; beyond 6 decimals is float noise.
MAX_DECIMALS = 6


@dataclass(frozen=True)
class Reading:
    """A number as written in a cell: its value and how many decimals it had."""

    value: float
    decimals: int


def parse_number(text: str) -> Reading | None:
    """The number in a cell ("6.3", "6,3", " 7 "), or None when it holds none."""
    text = text.strip().replace("\u00a0", "").replace(" ", "")
    if not NUMBER.fullmatch(text):
        return None
    text = text.replace(",", ".")
    whole, _, fraction = text.partition(".")
    value = float(text)
    if not math.isfinite(value):
        return None
    return Reading(value, min(MAX_DECIMALS, len(fraction)))


def parse_rating(text: str, label: str) -> tuple[int | None, str | None]:
    """A 1–10 rating: (value, None); (None, None) for an empty cell; or (None,
    why it is not one)."""
    if not text.strip():
        return None, None
    reading = parse_number(text)
    if reading is None:
        return None, f"{label} “{text.strip()}” is not a number"
    if not reading.value.is_integer():
        return None, f"{label} {text.strip()} is not a whole number"
    value = int(reading.value)
    if not RATING_MIN <= value <= RATING_MAX:
        return None, f"{label} {value} is not between {RATING_MIN} and {RATING_MAX}"
    return value, None


def formulas(parts: list[int]) -> dict[str, float]:
    """The totals teams compute from a framework's three parts."""
    return {
        "mean": sum(parts) / len(parts),
        "sum": float(sum(parts)),
        "product": float(math.prod(parts)),
    }


def agrees(total: Reading, parts: list[int]) -> bool:
    """Whether a sheet's total is its parts' mean, sum or product as written."""
    tolerance = 0.5 * 10**-total.decimals + 1e-9
    return any(
        abs(value - total.value) <= tolerance for value in formulas(parts).values()
    )


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def mismatch(total: Reading, parts: list[int], framework: str) -> str | None:
    """Why a total disagrees with its parts, for the report; None if it agrees."""
    if agrees(total, parts):
        return None
    values = formulas(parts)
    written = ", ".join(str(part) for part in parts)
    return (
        f"the sheet's {framework} score {_number(total.value)} is not the mean, sum "
        f"or product of {written} ({_number(values['mean'])}, "
        f"{_number(values['sum'])} or {_number(values['product'])})"
    )


# Each framework's parts: the mapping's field, the score's field, the label.
FRAMEWORK_PARTS = {
    Framework.ICE: [
        ("ice_impact", "impact", "Impact"),
        ("ice_confidence", "confidence", "Confidence"),
        ("ice_ease", "ease", "Ease"),
    ],
    Framework.PIE: [
        ("pie_potential", "potential", "Potential"),
        ("pie_importance", "importance", "Importance"),
        ("pie_ease", "ease", "Ease"),
    ],
}
TOTALS = {Framework.ICE: "ice_total", Framework.PIE: "pie_total"}


@dataclass(slots=True)
class SheetScore:
    framework: str
    values: dict[str, int]


def read_scores(
    cell: Callable[[str], str | None], mapping: Mapping[str, str]
) -> tuple[list[SheetScore], dict[str, str], list[Note]]:
    """A row's scores, the totals it writes (by column, as written) and notes.

    `cell(field)` is the row's cell for a field, or None when no column feeds it.
    A framework's score needs all three parts as ratings; otherwise it is left
    out and the note says why.
    """
    scores, totals, notes = [], {}, []
    for framework, parts in FRAMEWORK_PARTS.items():
        label = Framework(framework).label
        ratings, problems, empty = {}, [], []
        for name, part, part_label in parts:
            text = cell(name)
            if text is None:
                continue
            value, problem = parse_rating(text, part_label)
            if problem:
                problems.append(problem)
            elif value is None:
                empty.append(f"{part_label} is empty")
            else:
                ratings[part] = value
        # All parts empty: the row is not scored, which needs no note.
        if problems or (ratings and empty):
            why = "; ".join(problems + empty)
            notes.append(Note("score_skipped", label, f"{label} not imported: {why}"))
        elif len(ratings) == len(parts):
            scores.append(SheetScore(framework, ratings))
        total_text = cell(TOTALS[framework]) or ""
        if not total_text:
            continue
        totals[mapping[TOTALS[framework]]] = total_text
        total = parse_number(total_text)
        if total is None:
            notes.append(
                Note(
                    "not_understood",
                    f"{label} score “{total_text}”",
                    f"the sheet's {label} score “{total_text}” is not a number",
                )
            )
        elif len(ratings) == len(parts):
            problem = mismatch(total, [ratings[part] for _, part, _ in parts], label)
            if problem:
                notes.append(Note("score_mismatch", label, problem))
    score_text = cell("score")
    if score_text:
        totals[mapping["score"]] = score_text
    return scores, totals, notes


def ranking_fields(scores: list[SheetScore], ice_mode: IceMode) -> dict:
    """A new hypothesis's ranking fields from its one scorer's scores, as
    scoring.refresh_scores computes them."""
    fields = {}
    for score in scores:
        framework = Framework(score.framework)
        values = score.values
        if framework == Framework.ICE:
            value = ice_score(
                values["impact"], values["confidence"], values["ease"], ice_mode
            )
        else:
            value = pie_score(values["potential"], values["importance"], values["ease"])
        summary = summarise([value], framework, ice_mode)
        if summary is None:  # one score always has a summary
            continue
        fields[f"{framework}_score"] = summary.mean
        fields[f"{framework}_count"] = summary.count
        fields[f"{framework}_disagreement"] = summary.disagreement
    return fields
