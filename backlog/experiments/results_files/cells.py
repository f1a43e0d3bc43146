"""Reading the cells of a results export: labels, numbers, counts and rates.

Numbers come as the tool or a spreadsheet wrote them: "1,234.5" (English),
"1.234,5" (German Excel), "1 234,5" (French, with a space or a no-break space),
"1'234.5" (Swiss), with a currency sign or a percent sign, or in scientific
notation ("1.5E+03"). When a cell has both a dot and a comma, the one written
last is the decimal separator. A cell with one separator followed by exactly
three digits ("1,234", "1.234") reads either way; there the file decides: its
decimal separator is the one its unambiguous cells use most, and failing those
a comma when the file is separated by semicolons (as Excel saves in locales
that write decimal commas), else a dot.
"""

import math
import re
from collections.abc import Iterable

_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009'\u2019")
_CURRENCY = "$€£¥₹"
_NUMBER = re.compile(r"[+-]?(?:\d[\d.,]*|[.,]\d+)(?:[eE][+-]?\d+)?")
_EXPONENT = re.compile(r"[eE][+-]?\d+$")
_GROUPED = re.compile(r"\d{1,3}(?:[.,]\d{3})+")
_INTEGER = re.compile(r"[+-]?\d+")
_SIMPLE = {mark: re.compile(rf"[+-]?\d*\{mark}\d+") for mark in ".,"}
_GROUPED_IN = {
    ".": re.compile(r"[+-]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?"),
    ",": re.compile(r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?"),
}
VOTES = 25  # cells that show the decimal separator, enough to decide


class CellProblem(ValueError):
    """A cell does not hold what its column needs; the message is for people."""


def normalize_label(label: str) -> str:
    """A header cell compared without case, BOM or runs of spaces."""
    return " ".join(label.replace("\ufeff", "").split()).casefold()


def quoted(text: str) -> str:
    return f"“{text}”"


def _mantissa(text: str) -> str:
    return _EXPONENT.sub("", text)


def _decimal_vote(text: str) -> str | None:
    """The decimal separator a cell shows beyond doubt, if it shows one."""
    body = _mantissa(_clean(text)[0]).lstrip("+-")
    dot, comma = body.rfind("."), body.rfind(",")
    if dot >= 0 and comma >= 0:
        return "." if dot > comma else ","
    for mark in ".,":
        if body.count(mark) == 1:
            whole, fraction = body.split(mark)
            if len(fraction) != 3 or not whole or whole == "0":
                return mark
    return None


def file_decimal(cells: Iterable[str], delimiter: str) -> str:
    """The decimal separator of a file, from the cells that show it."""
    votes = {".": 0, ",": 0}
    for cell in cells:
        if _INTEGER.fullmatch(cell.strip()):
            continue
        mark = _decimal_vote(cell)
        if mark:
            votes[mark] += 1
            if votes[mark] >= VOTES:
                break
    if votes["."] != votes[","]:
        return "." if votes["."] > votes[","] else ","
    return "," if delimiter == ";" else "."


def _clean(text: str) -> tuple[str, bool]:
    """The cell without spaces, currency signs and percent sign; and whether it
    had a percent sign."""
    body = text.strip().translate(_SPACES)
    percent = body.endswith("%")
    if percent:
        body = body[:-1]
    body = body.strip(_CURRENCY)
    if len(body) > 1 and body[0] in "+-" and body[1] in _CURRENCY:
        body = body[0] + body[2:]
    return body, percent


def parse_number(text: str, decimal: str) -> tuple[float, bool]:
    """The number a cell holds, and whether it was written as a percentage.

    Raises CellProblem (message without the column's name) when it holds none.
    """
    simple = text.strip()
    if _INTEGER.fullmatch(simple):
        return float(simple), False
    if _SIMPLE[decimal].fullmatch(simple):
        # one separator, the file's decimal one: read as it, as below
        return float(simple.replace(",", ".")), False
    if _GROUPED_IN[decimal].fullmatch(simple):
        grouping = "," if decimal == "." else "."
        return float(simple.replace(grouping, "").replace(",", ".")), False
    body, percent = _clean(text)
    if not _NUMBER.fullmatch(body):
        raise CellProblem(quoted(text.strip()))
    exponent = _EXPONENT.search(body)
    mantissa = _mantissa(body)
    sign = ""
    if mantissa[:1] in "+-":
        sign, mantissa = mantissa[0], mantissa[1:]
    dots, commas = mantissa.count("."), mantissa.count(",")
    if dots and commas:
        mark = "." if mantissa.rfind(".") > mantissa.rfind(",") else ","
    elif dots + commas == 0:
        mark = decimal
    elif dots > 1 or commas > 1:
        mark = "," if dots else "."  # the repeated one groups thousands
    else:
        only = "." if dots else ","
        whole, fraction = mantissa.split(only)
        ambiguous = len(fraction) == 3 and whole not in ("", "0")
        mark = decimal if ambiguous else only
    grouping = "," if mark == "." else "."
    if grouping in mantissa:
        whole = mantissa.split(mark)[0]
        if not _GROUPED.fullmatch(whole) or mark in whole:
            raise CellProblem(quoted(text.strip()))
    if mantissa.count(mark) > 1:
        raise CellProblem(quoted(text.strip()))
    plain = mantissa.replace(grouping, "").replace(mark, ".")
    value = float(sign + plain + (exponent.group(0) if exponent else ""))
    if not math.isfinite(value):
        raise CellProblem(quoted(text.strip()))
    return value, percent


def whole_number(text: str, decimal: str, name: str) -> int:
    """A count: a whole number, zero or more."""
    try:
        value, percent = parse_number(text, decimal)
    except CellProblem:
        raise CellProblem(
            f"{name} is not a whole number: {quoted(text.strip())}"
        ) from None
    if percent or value != round(value) or abs(value) >= 2**53:
        raise CellProblem(f"{name} is not a whole number: {quoted(text.strip())}")
    if value < 0:
        raise CellProblem(f"{name} is below zero: {quoted(text.strip())}")
    return int(value)


def number(text: str, decimal: str, name: str) -> float:
    """Any number; a percent sign is kept as written (not divided)."""
    try:
        value, _ = parse_number(text, decimal)
    except CellProblem:
        raise CellProblem(f"{name} is not a number: {quoted(text.strip())}") from None
    return value


def rate(text: str, decimal: str, name: str) -> float:
    """A share between 0 and 1, written as a fraction ("0.05") or a percentage
    ("5 %", "5,00%"). A number above 1 without a percent sign is refused: it
    cannot be told apart from a fraction written wrongly."""
    try:
        value, percent = parse_number(text, decimal)
    except CellProblem:
        raise CellProblem(f"{name} is not a number: {quoted(text.strip())}") from None
    if percent:
        value /= 100
    elif value > 1:
        raise CellProblem(
            f"{name} is above 1 and has no % sign, so it is neither a share nor "
            f"a percentage: {quoted(text.strip())}"
        )
    if not 0 <= value <= 1:
        raise CellProblem(f"{name} is not between 0 and 100 %: {quoted(text.strip())}")
    return value
