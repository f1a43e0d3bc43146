"""A challenger's confidence interval as a small SVG bar, drawn on the server.

Like ``assessments.charts``: plain values in, SVG text out, colours and
strokes as presentation attributes (no style, no script), so it stands under
the strict Content-Security-Policy. All bars of one metric share a scale
(:func:`scale_for`), so their widths and positions compare; each bar draws the
zero line, the interval, the point estimate and, for a guardrail, the margin.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from assessments.charts import FONT, GRID_COLOUR, TEXT_COLOUR

WIDTH = 240
HEIGHT = 34
PAD = 8  # room at each end, so a bar on the scale's edge keeps its end cap
BAR_Y = 17
GOOD, BAD, NEUTRAL = "#2e7d32", "#c0392b", "#6c757d"
MARGIN_COLOUR = "#8a6d00"


@dataclass(frozen=True)
class Scale:
    low: float
    high: float

    def x(self, value: float) -> float:
        """The horizontal position of `value` in a bar's drawing."""
        span = self.high - self.low
        return PAD + (value - self.low) / span * (WIDTH - 2 * PAD)


def scale_for(values: Iterable[float | None]) -> Scale:
    """A scale that holds zero and every value, with a little room on each side."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    low = min([0.0, *finite])
    high = max([0.0, *finite])
    if high - low == 0:
        return Scale(-1.0, 1.0)
    room = (high - low) * 0.08
    return Scale(low - room, high + room)


def colour_for(*, significant: bool, good: bool | None) -> str:
    """Green for a significant change for the better, red for the worse, grey
    for a change the numbers cannot yet tell from none."""
    if not significant or good is None:
        return NEUTRAL
    return GOOD if good else BAD


def interval_bar(
    *,
    low: float | None,
    high: float | None,
    estimate: float | None,
    scale: Scale,
    colour: str,
    title: str,
    description: str,
    chart_id: str,
    margin: float | None = None,
) -> str:
    """One interval on `scale`: the zero line, the bar from `low` to `high`, the
    estimate as a dot, and a guardrail's `margin` as a dashed line."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ci-bar" id="{chart_id}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" {FONT}>'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
    ]
    zero = scale.x(0.0)
    parts.append(
        f'<line data-part="zero" x1="{zero:.1f}" y1="3" x2="{zero:.1f}" '
        f'y2="{HEIGHT - 3}" stroke="{GRID_COLOUR}" stroke-width="1.5"/>'
    )
    if margin is not None and math.isfinite(margin):
        x = scale.x(margin)
        parts.append(
            f'<line data-part="margin" x1="{x:.1f}" y1="3" x2="{x:.1f}" '
            f'y2="{HEIGHT - 3}" stroke="{MARGIN_COLOUR}" stroke-width="1.5" '
            'stroke-dasharray="3 3"/>'
        )
    if low is not None and high is not None:
        x1, x2 = scale.x(low), scale.x(high)
        parts.append(
            f'<line data-part="interval" x1="{x1:.1f}" y1="{BAR_Y}" x2="{x2:.1f}" '
            f'y2="{BAR_Y}" stroke="{colour}" stroke-width="6" '
            'stroke-linecap="butt"/>'
        )
        for x in (x1, x2):
            parts.append(
                f'<line x1="{x:.1f}" y1="{BAR_Y - 7}" x2="{x:.1f}" '
                f'y2="{BAR_Y + 7}" stroke="{colour}" stroke-width="2"/>'
            )
    if estimate is not None and math.isfinite(estimate):
        parts.append(
            f'<circle data-part="estimate" cx="{scale.x(estimate):.1f}" '
            f'cy="{BAR_Y}" r="4.5" fill="#ffffff" stroke="{TEXT_COLOUR}" '
            'stroke-width="2"/>'
        )
    parts.append("</svg>")
    return "".join(parts)
