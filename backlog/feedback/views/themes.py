"""Themes: feedback per theme and week, and the themes no hypothesis addresses."""

from django.shortcuts import render
from django.utils import timezone

from backlog.feedback.trends import recent_weeks, theme_weeks
from backlog.models import Theme
from cromaturity.scoping import OrgRequest, member_required

THEME_WEEKS = 12


def chart_bars(weeks: list[int], peak: int) -> list[tuple[int, int, int, int]]:
    """A small bar chart's bars (x, y, height, count), scaled to the busiest
    theme-week."""
    heights = [2 + (round(22 * c / peak) if peak else 0) for c in weeks]
    return [
        (n * 10, 26 - height, height, count)
        for n, (height, count) in enumerate(zip(heights, weeks, strict=True))
    ]


@member_required()
def theme_list(request: OrgRequest):
    """Feedback per theme and week over the last weeks."""
    today = timezone.localdate()
    weeks = recent_weeks(today, THEME_WEEKS)
    rows = theme_weeks(request.organisation, weeks, today)
    peak = max((max(row["weeks"]) for row in rows), default=0)
    return render(
        request,
        "backlog/feedback/theme_list.html",
        {
            "rows": [row | {"bars": chart_bars(row["weeks"], peak)} for row in rows],
            "weeks": weeks,
            "peak": peak,
            "unaddressed": Theme.objects.for_org(request.organisation).unaddressed(),
        },
    )
