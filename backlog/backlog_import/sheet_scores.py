"""Scores as a sheet writes them: 1–10 ratings, and totals checked against them.

A sheet's ICE or PIE total is a formula over its parts; teams use the mean, the
sum or the product. A total agrees with its parts when one of these, rounded to
as many decimals as the total is written with, is the total. A total without
its parts is kept as the sheet said it and never split into made-up parts.
"""

import math
import re
from dataclasses import dataclass

from backlog.prioritization import RATING_MAX, RATING_MIN

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
