"""Formatting of scores the same way on every page."""

from django import template

from assessments import scoring

register = template.Library()

NO_SCORE = "—"


@register.filter
def score(value) -> str:
    """A score to two decimals, or a dash when there is none."""
    return NO_SCORE if value is None else f"{float(value):.2f}"


@register.filter
def signed(value) -> str:
    """A change or gap with its sign (+0.50, −0.25, 0.00)."""
    if value is None:
        return NO_SCORE
    number = float(value)
    if round(number, 2) == 0:
        return "0.00"
    return f"+{number:.2f}" if number > 0 else f"−{abs(number):.2f}"


@register.filter
def index(value) -> str:
    """The 0–100 index of a score, rounded to a whole number."""
    result = scoring.index_of(value)
    return NO_SCORE if result is None else f"{result:.0f}"


@register.filter
def level_number(value) -> str:
    level = scoring.level_of(value)
    return NO_SCORE if level is None else str(level)


@register.filter
def level_name(value) -> str:
    return scoring.level_name(value)


@register.filter
def named_level(level) -> str:
    """“3 Defined” for a level number."""
    if level in (None, ""):
        return NO_SCORE
    return f"{level} {scoring.Level(int(level)).label}"


@register.filter
def trend_class(value) -> str:
    if value is None or round(float(value), 2) == 0:
        return "text-body-secondary"
    return "text-success" if value > 0 else "text-danger"
