"""Themes: feedback per theme and week, and the themes no hypothesis addresses."""

from datetime import datetime, time, timedelta

from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone

from backlog.models import FeedbackItem, Theme
from cromaturity.scoping import OrgRequest, member_required

THEME_WEEKS = 12


@member_required()
def theme_list(request: OrgRequest):
    """Feedback per theme and week over the last weeks."""
    organisation = request.organisation
    today = timezone.localdate()
    first_week = today - timedelta(days=today.weekday() + 7 * (THEME_WEEKS - 1))
    weeks = [first_week + timedelta(weeks=n) for n in range(THEME_WEEKS)]
    # One count per week as a filtered aggregate over a range of received_at
    # (which its index serves), instead of truncating every item's date.
    starts = [
        timezone.make_aware(datetime.combine(week, time.min)) for week in weeks
    ] + [timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min))]
    counts = (
        FeedbackItem.themes.through.objects.filter(
            item__organisation=organisation,
            theme__organisation=organisation,
            item__received_at__gte=starts[0],
            item__received_at__lt=starts[-1],
        )
        .values("theme__name")
        .annotate(
            **{
                f"week{n}": Count(
                    "pk",
                    filter=Q(
                        item__received_at__gte=starts[n],
                        item__received_at__lt=starts[n + 1],
                    ),
                )
                for n in range(THEME_WEEKS)
            }
        )
        .order_by()
    )
    table: dict[str, list[int]] = {
        row["theme__name"]: [row[f"week{n}"] for n in range(THEME_WEEKS)]
        for row in counts
    }
    themes = list(Theme.objects.for_org(organisation).with_feedback_counts())
    totals = {theme.name: theme.total for theme in themes}
    unaddressed = sorted(
        (theme for theme in themes if not theme.linked),
        key=lambda t: (-t.total, t.name),
    )
    rows = sorted(
        (
            {
                "name": name,
                "weeks": table.get(name, [0] * THEME_WEEKS),
                "recent": sum(table.get(name, [])),
                "total": total,
            }
            for name, total in totals.items()
            if total
        ),
        key=lambda r: (-r["recent"], -r["total"], r["name"]),
    )
    peak = max((max(r["weeks"]) for r in rows), default=0)
    for row in rows:
        # Bars of a small chart per theme, scaled to the busiest theme-week.
        heights = [2 + (round(22 * c / peak) if peak else 0) for c in row["weeks"]]
        row["bars"] = [
            (n * 10, 26 - height, height, count)
            for n, (height, count) in enumerate(zip(heights, row["weeks"], strict=True))
        ]
    return render(
        request,
        "backlog/feedback/theme_list.html",
        {"rows": rows, "weeks": weeks, "peak": peak, "unaddressed": unaddressed},
    )
