"""Charts as self-contained SVG markup, drawn on the server.

Pure functions from plain values to SVG text. Colours and strokes are
presentation attributes (no CSS, no script), so the same markup works inside a
page under a strict Content-Security-Policy and in a PDF. Every chart carries a
<title> and a <desc> that says in words what it shows, and a legend.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

# Colours with at least 3:1 contrast against white, told apart by hue.
PALETTE = ("#0f5c6e", "#c0392b", "#6a3d9a", "#8a6d00", "#2e7d32", "#1f5fbf")
OVERALL_COLOUR = "#212529"
GRID_COLOUR = "#adb5bd"
TEXT_COLOUR = "#343a40"
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    colour: str = OVERALL_COLOUR
    dashed: bool = False
    emphasised: bool = False


# Room kept free at the sides of a chart, and between two time labels.
EDGE = 2
LABEL_GAP = 10
# Average advance of a character in a sans-serif face, in ems; generous, so an
# estimate errs towards fewer labels rather than overlapping ones.
CHARACTER_WIDTH = 0.62


def text_width(text: str, font_size: float) -> float:
    """Estimated width of a line of text: SVG drawn on the server cannot measure."""
    return len(text) * font_size * CHARACTER_WIDTH


def colour_for(n: int) -> str:
    return PALETTE[n % len(PALETTE)]


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _value_text(value: float | None) -> str:
    return "no score" if value is None else f"{value:.2f}"


def _legend(series: Sequence[Series], *, top: float, width: float) -> tuple[str, float]:
    """Legend rows under a chart; returns (markup, height used)."""
    parts = []
    longest = max((len(item.name) for item in series), default=0)
    columns = max(1, int((width - 16) // (7.5 * longest + 48)))
    row_height = 22
    for n, item in enumerate(series):
        column, row = n % columns, n // columns
        x = 16 + column * ((width - 16) / columns)
        y = top + row * row_height
        dash = ' stroke-dasharray="6 4"' if item.dashed else ""
        stroke = 3 if item.emphasised else 2
        parts.append(
            f'<g data-legend="{escape(item.name)}">'
            f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x + 24:.1f}" y2="{y:.1f}" '
            f'stroke="{item.colour}" stroke-width="{stroke}"{dash}/>'
            f'<text x="{x + 30:.1f}" y="{y + 4:.1f}" font-size="13" '
            f'fill="{TEXT_COLOUR}">{escape(item.name)}</text></g>'
        )
    rows = math.ceil(len(series) / columns) if series else 0
    return "".join(parts), rows * row_height + 8


def _open_svg(chart_id: str, width: float, height: float, title: str, desc: str):
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" '
        f'height="{height:.0f}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" {FONT}>'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
    )


def _describe(axes: Sequence[str], series: Sequence[Series]) -> str:
    return " ".join(
        f"{item.name}: "
        + ", ".join(
            f"{axis} {_value_text(value)}"
            for axis, value in zip(axes, item.values, strict=True)
        )
        + "."
        for item in series
    )


def radar_chart(
    axes: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    chart_id: str = "radar",
    max_value: int = 5,
    width: int = 460,
) -> str:
    """A radar chart with one closed outline per series, scaled 0 to `max_value`.

    A value without a score is drawn at the centre and said so in the
    description.
    """
    radius = width / 2 - 105
    cx, cy = width / 2, radius + 44
    count = len(axes)

    def position(axis: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * axis / count
        r = radius * value / max_value
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    def points(values: Sequence[float]) -> str:
        return " ".join(
            "{:.1f},{:.1f}".format(*position(n, v)) for n, v in enumerate(values)
        )

    parts = []
    for ring in range(1, max_value + 1):
        ring_width = 1.5 if ring == max_value else 0.75
        parts.append(
            f'<polygon points="{points([ring] * count)}" fill="none" '
            f'stroke="{GRID_COLOUR}" stroke-width="{ring_width}"/>'
        )
        x, y = position(0, ring)
        parts.append(
            f'<text x="{x + 4:.1f}" y="{y + 4:.1f}" font-size="11" '
            f'fill="{TEXT_COLOUR}">{ring}</text>'
        )
    for n, axis in enumerate(axes):
        x, y = position(n, max_value)
        parts.append(
            f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID_COLOUR}" stroke-width="0.75"/>'
        )
        lx, ly = position(n, max_value + 0.45)
        anchor = "middle"
        if lx > cx + 1:
            anchor = "start"
        elif lx < cx - 1:
            anchor = "end"
        words = axis.split(" & ")
        lines = [words[0] + (" &" if len(words) > 1 else "")] + words[1:]
        if ly < cy - 1:
            ly -= 16 * (len(lines) - 1)
        elif abs(ly - cy) <= 1:
            ly -= 8 * (len(lines) - 1)
        tspans = "".join(
            f'<tspan x="{lx:.1f}" dy="{0 if i == 0 else 16}">{escape(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        parts.append(
            f'<text x="{lx:.1f}" y="{ly + 4:.1f}" font-size="12" font-weight="600" '
            f'text-anchor="{anchor}" fill="{TEXT_COLOUR}">{tspans}</text>'
        )
    for item in series:
        values = [0.0 if v is None else float(v) for v in item.values]
        dash = ' stroke-dasharray="6 4"' if item.dashed else ""
        stroke = 3 if item.emphasised else 2
        parts.append(
            f'<polygon data-series="{escape(item.name)}" points="{points(values)}" '
            f'fill="{item.colour}" fill-opacity="0.06" stroke="{item.colour}" '
            f'stroke-width="{stroke}" stroke-linejoin="round"{dash}/>'
        )
        for n, (axis, value) in enumerate(zip(axes, item.values, strict=True)):
            x, y = position(n, 0.0 if value is None else float(value))
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{item.colour}">'
                f"<title>{escape(item.name)}, {escape(axis)}: "
                f"{_value_text(value)}</title></circle>"
            )
    legend, legend_height = _legend(series, top=cy + radius + 56, width=width)
    height = cy + radius + 56 + legend_height
    desc = (
        f"Radar chart of {count} pillars on a scale of 0 to {max_value}. "
        + _describe(axes, series)
    )
    return (
        _open_svg(chart_id, width, height, title, desc)
        + "".join(parts)
        + legend
        + "</svg>"
    )


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    chart_id: str = "trend",
    y_min: int = 1,
    y_max: int = 5,
    width: int = 640,
    height: int = 240,
    font_size: int = 11,
) -> str:
    """Lines across labelled points in time; gaps where a value has no score.

    Time labels never overlap and never leave the chart: the last one is always
    shown, as many earlier ones as fit, and one at an edge is aligned to it.
    """
    left, right, top, bottom = 40, 20, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    count = len(labels)

    def x_of(n: int) -> float:
        return left + (plot_w / 2 if count == 1 else plot_w * n / (count - 1))

    def y_of(value: float) -> float:
        return top + plot_h * (y_max - value) / (y_max - y_min)

    parts = []
    for tick in range(y_min, y_max + 1):
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="{GRID_COLOUR}" stroke-width="0.75"/>'
            f'<text x="{left - 8}" y="{y + 4:.1f}" font-size="{font_size}" '
            f'text-anchor="end" fill="{TEXT_COLOUR}">{tick}</text>'
        )
    widest = max((text_width(label, font_size) for label in labels), default=0)
    spacing = plot_w / (count - 1) if count > 1 else plot_w
    # A label aligned to an edge moves inwards, towards its neighbour.
    shifted = max(0.0, widest / 2 - min(left, right) + EDGE)
    step = max(1, math.ceil((widest + LABEL_GAP + shifted) / spacing))
    for n, label in enumerate(labels):
        if (count - 1 - n) % step:
            continue
        x, anchor = x_of(n), "middle"
        half = text_width(label, font_size) / 2
        if x + half > width - EDGE:
            x, anchor = width - EDGE, "end"
        elif x - half < EDGE:
            x, anchor = EDGE, "start"
        parts.append(
            f'<text x="{x:.1f}" y="{height - bottom + 18}" font-size="{font_size}" '
            f'text-anchor="{anchor}" fill="{TEXT_COLOUR}">{escape(label)}</text>'
        )
    for item in series:
        dash = ' stroke-dasharray="6 4"' if item.dashed else ""
        stroke = 3 if item.emphasised else 2
        run: list[str] = []
        runs = [run]
        for n, value in enumerate(item.values):
            if value is None:
                run = []
                runs.append(run)
            else:
                run.append(f"{x_of(n):.1f},{y_of(float(value)):.1f}")
        for segment in runs:
            if len(segment) > 1:
                parts.append(
                    f'<polyline data-series="{escape(item.name)}" '
                    f'points="{" ".join(segment)}" fill="none" '
                    f'stroke="{item.colour}" stroke-width="{stroke}"{dash}/>'
                )
        for n, value in enumerate(item.values):
            if value is not None:
                parts.append(
                    f'<circle cx="{x_of(n):.1f}" cy="{y_of(float(value)):.1f}" '
                    f'r="3.5" fill="{item.colour}"><title>{escape(item.name)}, '
                    f"{escape(labels[n])}: {_fmt(float(value))}</title></circle>"
                )
    legend, legend_height = _legend(series, top=height + 4, width=width)
    desc = (
        f"Line chart of scores from {y_min} to {y_max} over "
        f"{count} assessment{'s' if count != 1 else ''}: {', '.join(labels)}. "
        + _describe(labels, series)
    )
    return (
        _open_svg(chart_id, width, height + legend_height + 4, title, desc)
        + "".join(parts)
        + legend
        + "</svg>"
    )
