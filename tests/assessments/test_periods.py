"""Periods: the quarter of a day, the one after it, the next one not taken."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.periods import (
    following_quarter,
    next_free_period,
    quarter_of,
)


@pytest.mark.parametrize(
    ("day", "quarter"),
    [
        (date(2026, 1, 1), "Q1 2026"),
        (date(2026, 3, 31), "Q1 2026"),
        (date(2026, 4, 1), "Q2 2026"),
        (date(2026, 12, 31), "Q4 2026"),
    ],
)
def test_a_day_falls_in_its_quarter(day, quarter):
    assert quarter_of(day) == quarter


@pytest.mark.parametrize(
    ("period", "following"),
    [
        ("Q1 2026", "Q2 2026"),
        ("Q3 2026", "Q4 2026"),
        ("Q4 2026", "Q1 2027"),
        (" Q2 2026 ", "Q3 2026"),
        ("H1 2026", None),
        ("Spring", None),
        ("Q5 2026", None),
    ],
)
def test_the_quarter_after_a_quarter_and_none_after_other_text(period, following):
    assert following_quarter(period) == following


@pytest.mark.parametrize(
    ("taken", "free"),
    [
        (set(), "Q4 2026"),
        ({"Q3 2026"}, "Q4 2026"),
        ({"Q4 2026"}, "Q1 2027"),
        ({"q4 2026 ", "Q1 2027", "Q3 2027"}, "Q2 2027"),
        ({"H2 2026"}, "Q4 2026"),
    ],
)
def test_the_next_free_period_skips_every_quarter_taken(taken, free):
    assert next_free_period(taken, date(2026, 12, 2)) == free


@given(
    st.sets(st.sampled_from([f"Q{q} {y}" for y in (2026, 2027) for q in (1, 2, 3, 4)]))
)
def test_the_next_free_period_is_never_one_taken(taken):
    free = next_free_period(taken, date(2026, 1, 15))
    assert free.casefold() not in {period.casefold() for period in taken}
    assert free.startswith("Q")
