"""Charts are SVG text built from plain values."""

import itertools
import re

import pytest

from assessments import charts
from assessments.charts import Series

AXES = ["Strategy & Culture", "Tools & Tech", "People & Skills", "Process"]


def test_radar_has_one_outline_per_series_with_title_desc_and_legend():
    svg = charts.radar_chart(
        AXES,
        [
            Series("CRO", [3, 4, 2, 3], colour=charts.colour_for(0)),
            Series("Customer <Service>", [2, None, 2, 1], colour=charts.colour_for(1)),
            Series("All teams", [2.5, 4, 2, 2], dashed=True),
        ],
        title="Pillars by team",
        chart_id="radar-1",
    )
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert 'role="img" aria-labelledby="radar-1-title radar-1-desc"' in svg
    assert re.findall(r'data-series="([^"]+)"', svg) == [
        "CRO",
        "Customer &lt;Service&gt;",
        "All teams",
    ]
    assert svg.count("data-legend=") == 3
    assert "<Service>" not in svg
    assert "Tools &amp; Tech no score" in svg
    assert "style=" not in svg
    assert "<script" not in svg


def test_radar_points_are_scaled_from_the_centre():
    svg = charts.radar_chart(
        ["A", "B", "C", "D"], [Series("X", [5, 5, 5, 5])], title="t"
    )
    outline = re.search(r'data-series="X" points="([^"]+)"', svg).group(1)
    first = [float(v) for v in outline.split()[0].split(",")]
    outer_ring = re.search(r'<polygon points="([^"]+)"[^>]*stroke-width="1.5"', svg)
    assert outline.split()[0] == outer_ring.group(1).split()[0]
    assert first[0] == 230.0


def test_line_chart_leaves_gaps_where_a_value_is_missing():
    svg = charts.line_chart(
        ["Q1", "Q2", "Q3", "Q4"],
        [Series("Overall", [2, 2.5, None, 3]), Series("Tools", [1, 2, 3, 4])],
        title="Trend",
    )
    assert svg.count('data-series="Overall"') == 1  # Q1–Q2; Q4 stands alone
    assert svg.count('data-series="Tools"') == 1
    assert svg.count("<circle") == 7
    assert "Overall: Q1 2.00, Q2 2.50, Q3 no score, Q4 3.00." in svg


def test_line_chart_with_one_assessment_draws_its_points():
    svg = charts.line_chart(["Q1"], [Series("Overall", [3])], title="Trend")
    assert svg.count("<circle") == 1
    assert "1 assessment:" in svg


def time_labels(svg: str, height: int = 240) -> list[tuple[float, str, str]]:
    """(x, text-anchor, text) of each time label under the plot."""
    return [
        (float(x), anchor, text)
        for x, anchor, text in re.findall(
            rf'<text x="([\d.]+)" y="{height - 40 + 18}" font-size="\d+" '
            r'text-anchor="(\w+)"[^>]*>([^<]*)</text>',
            svg,
        )
    ]


def extent(x: float, anchor: str, text: str, font_size: int) -> tuple[float, float]:
    width = charts.text_width(text, font_size)
    start = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return start, start + width


def test_the_last_time_label_ends_inside_the_chart():
    svg = charts.line_chart(
        ["Q2 2026", "Q3 2026"], [Series("Overall", [2, 3])], title="Trend"
    )
    labels = time_labels(svg)
    assert [text for _, _, text in labels] == ["Q2 2026", "Q3 2026"]
    for x, anchor, text in labels:
        start, end = extent(x, anchor, text, 11)
        assert 0 <= start
        assert end <= 640
    assert labels[-1][:2] == (638.0, "end")


@pytest.mark.parametrize("width", [340, 640])
@pytest.mark.parametrize("count", range(1, 13))
def test_time_labels_never_overlap_and_the_latest_is_always_shown(width, count):
    labels = [f"Q{n % 4 + 1} {2020 + n // 4}" for n in range(count)]
    svg = charts.line_chart(
        labels, [Series("Overall", [3] * count)], title="Trend", width=width
    )
    drawn = time_labels(svg)
    assert drawn[-1][2] == labels[-1]
    extents = [extent(x, anchor, text, 11) for x, anchor, text in drawn]
    for (_, end), (start, _) in itertools.pairwise(extents):
        assert end + charts.LABEL_GAP / 2 <= start
    assert all(0 <= start and end <= width for start, end in extents)


def test_line_chart_text_is_drawn_at_the_size_asked_for():
    svg = charts.line_chart(
        ["Q1", "Q2"], [Series("Overall", [2, 3])], title="Trend", font_size=12
    )
    sizes = set(re.findall(r'<text [^>]*font-size="(\d+)"', svg))
    assert sizes == {"12", "13"}  # axes at the size asked for; the legend at 13
