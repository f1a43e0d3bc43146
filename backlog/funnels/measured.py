"""Page traffic measured instead of typed: from the funnel steps that count a page.

A page counted by a funnel step takes its daily visitors and its conversion
rate from the funnel's last 28 days with counts (all traffic): visitors a day
are the step's count over the days the period covers, and the conversion rate
is the share of them that reached the funnel's last step, its conversion. The
typed numbers stay for pages without counts. Refreshed whenever a funnel's
counts or steps change.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from backlog.funnels.reports import DEFAULT_DAYS, default_period, read_period
from backlog.models import Funnel, FunnelStep, Page

RATE_PLACES = Decimal("0.001")


def measured_numbers(
    reached: int, converted: int, start: date, end: date
) -> tuple[int | None, Decimal | None]:
    """Visitors a day and the conversion rate in percent, or None where the
    counts do not give one (nobody reached the step; everyone or nobody
    converted, which no test can be sized from)."""
    days = (end - start).days + 1
    daily = round(reached / days) if reached and days > 0 else None
    rate = None
    if reached and 0 < converted < reached:
        rate = (Decimal(converted) * 100 / Decimal(reached)).quantize(
            RATE_PLACES, rounding=ROUND_HALF_UP
        )
        if not Decimal("0.001") <= rate <= Decimal("99.999"):
            rate = None
    return (daily or None), rate


FORGET = {
    "measured_daily_visitors": None,
    "measured_conversion_rate": None,
    "measured_from": None,
    "measured_to": None,
    "measured_funnel": None,
}


def forget_measured_pages(funnel: Funnel) -> None:
    """The pages this funnel measured go back to their typed numbers."""
    Page.objects.filter(measured_funnel=funnel).update(**FORGET)


def refresh_measured_pages(funnel: Funnel) -> None:
    """Give the pages this funnel counts their measured traffic, and take it
    back from pages it no longer counts."""
    # The first step that counts a page speaks for it.
    counted: dict[int, FunnelStep] = {}
    for step in funnel.steps.exclude(page=None).order_by("-position"):
        if step.page_id is not None:
            counted[step.page_id] = step
    Page.objects.filter(measured_funnel=funnel).exclude(pk__in=counted).update(**FORGET)
    period = default_period(funnel, DEFAULT_DAYS)
    if not counted:
        return
    if period is None:
        forget_measured_pages(funnel)
        return
    start, end = period
    steps = read_period(funnel, start, end).steps
    last = steps[-1].count if steps else 0
    order = [step.pk for step in funnel.steps.all()]
    for page_id, step in counted.items():
        reading = steps[order.index(step.pk)]
        daily, rate = measured_numbers(reading.count, last, start, end)
        if daily is None:
            continue
        Page.objects.filter(pk=page_id).update(
            measured_daily_visitors=daily,
            measured_conversion_rate=rate,
            measured_from=start,
            measured_to=end,
            measured_funnel=funnel,
        )
