from datetime import date

import pytest
from django.utils import timezone

from backlog.feedback.trends import recent_weeks, theme_weeks

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("today", "first", "last"),
    [
        (date(2026, 12, 2), date(2026, 11, 9), date(2026, 11, 30)),
        (date(2026, 11, 30), date(2026, 11, 9), date(2026, 11, 30)),
        (date(2026, 12, 6), date(2026, 11, 9), date(2026, 11, 30)),
    ],
)
def test_recent_weeks_are_mondays_ending_with_this_week(today, first, last):
    weeks = recent_weeks(today, 4)
    assert (weeks[0], weeks[-1], len(weeks)) == (first, last, 4)
    assert {week.weekday() for week in weeks} == {0}


def test_theme_weeks_counts_each_week_and_puts_the_recently_raised_first(
    org, make_feedback
):
    make_feedback(themes="sizing", days_ago=400)
    make_feedback(themes="sizing", days_ago=400)
    make_feedback(themes="delivery")
    today = timezone.localdate()
    weeks = recent_weeks(today, 12)

    rows = theme_weeks(org, weeks, today)

    assert [(r["name"], r["recent"], r["total"]) for r in rows] == [
        ("delivery", 1, 1),
        ("sizing", 0, 2),
    ]
    assert rows[0]["weeks"] == [0] * 11 + [1]
    assert rows[1]["weeks"] == [0] * 12
