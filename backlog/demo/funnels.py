"""The demo shop's checkout funnel: 26 weeks of daily counts by device.

The story the counts tell, and the demo's tickets explain: on mobile, payment
started to lose far more customers than on desktop ten weeks ago (the "Apple Pay
button spins forever" conversations), while the steps before it differ little
between devices.
"""

import random
from datetime import date, timedelta

from backlog.funnels.definition import save_funnel
from backlog.funnels.files import CountRow, FunnelFile
from backlog.funnels.importing import apply_funnel_import, prepared_from_file
from backlog.models import Funnel, Metric, Page

NAME = "Checkout"
WEEKS = 26
# (step, page name or None, metric key or None)
STEPS = [
    ("Product view", "Product page", None),
    ("Add to cart", "Cart", None),
    ("Checkout start", "Checkout: shipping", None),
    ("Payment", "Checkout: payment", None),
    ("Purchase", None, "purchase"),
]
# Product views a day, and each step's conversion from the one before.
DEVICES = {
    "mobile": (5700, [0.205, 0.55, 0.78]),
    "desktop": (3000, [0.21, 0.60, 0.82]),
    "tablet": (760, [0.20, 0.57, 0.80]),
}
PAYMENT = {"mobile": (0.76, 0.62), "desktop": (0.91, 0.91), "tablet": (0.86, 0.86)}
LEAK_WEEKS = 10


def _counts(today: date) -> list[CountRow]:
    # Seeded so that every demo looks the same; not for secrets.
    rng = random.Random("demo-funnel")  # noqa: S311
    last = today - timedelta(days=1)
    first = last - timedelta(weeks=WEEKS) + timedelta(days=1)
    leak_from = last - timedelta(weeks=LEAK_WEEKS)
    rows = []
    line = 0
    day = first
    while day <= last:
        weekend = day.weekday() >= 5
        for device, (views, rates) in DEVICES.items():
            lift = 1.15 if weekend and device == "mobile" else 1.0
            count = views * lift * rng.uniform(0.9, 1.1)
            before, after = PAYMENT[device]
            steps = [*rates, after if day >= leak_from else before]
            values = [round(count)]
            for rate in steps:
                count *= rate * rng.uniform(0.97, 1.03)
                values.append(round(count))
            for (name, _, _), value in zip(STEPS, values, strict=True):
                line += 1
                rows.append(CountRow(line, day, day, name, "device", device, value))
        day += timedelta(days=1)
    return rows


def seed_funnels(organisation, today: date) -> str:
    if Funnel.objects.for_org(organisation).filter(name=NAME).exists():
        return "Funnels: the demo funnel exists; kept it."
    funnel = save_funnel(
        Funnel(
            organisation=organisation,
            name=NAME,
            description="From a product page to the order, counted by GA4.",
        ),
        [name for name, _, _ in STEPS],
    )
    pages = {p.name: p for p in Page.objects.for_org(organisation)}
    metrics = {m.key: m for m in Metric.objects.for_org(organisation)}
    for step, (_, page, metric) in zip(funnel.steps.all(), STEPS, strict=True):
        step.page = pages.get(page) if page else None
        step.metric = metrics.get(metric) if metric else None
        step.save(update_fields=["page", "metric"])
    rows = _counts(today)
    funnel_file = FunnelFile(
        tool="plain",
        rows=tuple(rows),
        rejected=(),
        period=(rows[0].start, rows[-1].end),
    )
    prepared = prepared_from_file(
        funnel, funnel_file, filename="ga4-checkout-funnel.csv"
    )
    outcome = apply_funnel_import(prepared, prepared.mapping)
    return (
        f"Funnels: added “{NAME}” with {outcome.created:,} daily counts by device "
        f"over {WEEKS} weeks."
    )
