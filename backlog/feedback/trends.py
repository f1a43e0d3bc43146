"""Feedback per theme and week: what customers raise, and how that moves."""

from datetime import date, datetime, time, timedelta
from typing import TypedDict

from django.db.models import Count, Q
from django.utils import timezone

from backlog.models import FeedbackTheme, Theme
from cromaturity.models import Organisation


class ThemeWeeks(TypedDict):
    name: str
    weeks: list[int]
    recent: int
    total: int


def recent_weeks(today: date, count: int) -> list[date]:
    """The Mondays of the last `count` weeks, the current week last."""
    first = today - timedelta(days=today.weekday() + 7 * (count - 1))
    return [first + timedelta(weeks=n) for n in range(count)]


def theme_weeks(
    organisation: Organisation, weeks: list[date], today: date
) -> list[ThemeWeeks]:
    """Each used theme's feedback per week from `weeks[0]` to `today`, and of all
    time; the themes most raised recently first."""
    starts = [timezone.make_aware(datetime.combine(week, time.min)) for week in weeks]
    starts.append(
        timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min))
    )
    names = [f"week{n}" for n in range(len(weeks))]
    # One count per week as a filtered aggregate over a range of received_at
    # (which its index serves), instead of truncating every item's date.
    counts = (
        FeedbackTheme.objects.filter(
            item__organisation=organisation,
            theme__organisation=organisation,
            item__received_at__gte=starts[0],
            item__received_at__lt=starts[-1],
        )
        .values("theme__name")
        .annotate(
            **{
                name: Count(
                    "pk",
                    filter=Q(
                        item__received_at__gte=starts[n],
                        item__received_at__lt=starts[n + 1],
                    ),
                )
                for n, name in enumerate(names)
            }
        )
        .values_list("theme__name", *names)
        .order_by()
    )
    per_week = {theme: list(in_weeks) for theme, *in_weeks in counts}
    rows = [
        ThemeWeeks(
            name=theme.name,
            weeks=per_week.get(theme.name, [0] * len(weeks)),
            recent=sum(per_week.get(theme.name, [])),
            total=theme.total,
        )
        for theme in Theme.objects.for_org(organisation).with_feedback_totals()
    ]
    return sorted(rows, key=lambda r: (-r["recent"], -r["total"], r["name"]))
