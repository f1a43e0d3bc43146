import math
import random
import statistics

import pytest

from backlog.experiments.results_files import (
    TOOLS,
    ResultsFile,
    ResultsFileError,
    detect_tool,
    read_results,
)
from backlog.experiments.results_files.cells import CellProblem, parse_number

# GrowthBook's header as ResultsDownloadButton.tsx writes it (json2csv quotes it).
GB_HEADER = (
    '"metric","variation","riskOfChoosing","users","totalValue","perUserValue",'
    '"perUserValueStdDev","chanceToBeatControl","percentChange",'
    '"percentChangePValue","percentChangePValueAdjusted","percentChangeCILower",'
    '"percentChangeCIUpper","percentChangeCILowerAdjusted",'
    '"percentChangeCIUpperAdjusted"'
)


def values(seed: int, n: int) -> list[float]:
    rng = random.Random(seed)
    return [
        round(rng.expovariate(1 / 40), 2) if rng.random() < 0.3 else 0.0
        for _ in range(n)
    ]


def growthbook_row(metric: str, variation: str, users: int, total, mean, sd) -> str:
    sd_cell = "" if sd is None else repr(sd)
    return (
        f'"{metric}","{variation}",0,{users},{total!r},{mean!r},{sd_cell},'
        "0.5,0.01,0.2,0.3,-0.1,0.12,-0.11,0.13"
    )


def by_key(result: ResultsFile):
    return {(row.variant, row.metric): row for row in result.rows}


# --- GrowthBook ---------------------------------------------------------------


def test_growthbook_conversion_and_mean_metrics():
    control, variant = values(1, 1000), values(2, 980)
    lines = [GB_HEADER]
    for name, users, converted in (("Control", 1000, 103), ("Variant B", 980, 121)):
        p = converted / users
        lines.append(
            growthbook_row(
                "Purchase", name, users, converted, p, math.sqrt(p * (1 - p))
            )
        )
    for name, data in (("Control", control), ("Variant B", variant)):
        lines.append(
            growthbook_row(
                "Revenue per user",
                name,
                len(data),
                sum(data),
                statistics.fmean(data),
                statistics.stdev(data),
            )
        )
    result = read_results("\n".join(lines).encode(), "exp-checkout.csv")
    assert result.tool == "growthbook"
    assert result.rejected == ()
    assert result.variants == ["Control", "Variant B"]
    assert result.metrics == ["Purchase", "Revenue per user"]
    rows = by_key(result)
    assert rows["Variant B", "Purchase"].conversions == 121
    assert rows["Variant B", "Purchase"].sum is None
    for name, data in (("Control", control), ("Variant B", variant)):
        row = rows[name, "Revenue per user"]
        assert row.conversions is None
        assert row.visitors == len(data)
        assert row.sum == pytest.approx(sum(data), rel=1e-12)
        # against the sum of squares of the values themselves
        assert row.sum_squares == pytest.approx(sum(x * x for x in data), rel=1e-9)
    assert rows["Control", "Purchase"].line == 2


def test_growthbook_ratio_metric_and_blank_deviation_are_rejected():
    lines = [
        GB_HEADER,
        growthbook_row("AOV", "Control", 1000, 5000.0, 41.5, 12.0),
        growthbook_row("Revenue", "Control", 1000, 5000.0, 5.0, None),
    ]
    result = read_results("\n".join(lines).encode())
    reasons = [r.reason for r in result.rejected]
    assert "ratio or quantile metric" in reasons[0]
    assert "perUserValueStdDev is blank" in reasons[1]
    assert [r.line for r in result.rejected] == [2, 3]


def test_growthbook_dimension_breakdown_is_refused():
    header = '"Browser",' + GB_HEADER
    row = '"Chrome",' + growthbook_row("Purchase", "Control", 10, 1, 0.1, 0.3)
    with pytest.raises(ResultsFileError, match="broken down by “Browser”"):
        read_results(f"{header}\n{row}\n".encode())


# --- mean and sd derivation, numbers computed independently ------------------


def test_derivation_from_mean_and_sd_matches_the_values():
    data = values(7, 500)
    n = len(data)
    mean, sd = statistics.fmean(data), statistics.stdev(data)
    text = (
        "Goal: Revenue\n"
        "Variation,Visitors,Revenue per Visitor,Standard Deviation\n"
        f"Original,{n},{mean!r},{sd!r}\n"
    )
    result = read_results(text.encode(), tool="vwo")
    (row,) = result.rows
    assert row.metric == "Revenue"
    assert row.sum == pytest.approx(sum(data), rel=1e-12)
    assert row.sum_squares == pytest.approx(sum(x * x for x in data), rel=1e-9)
    # the textbook form, Q = (n − 1)·s² + n·x̄², with other numbers
    assert row.sum_squares == pytest.approx((n - 1) * sd**2 + n * mean**2, rel=1e-12)


def test_revenue_without_deviation_is_rejected_not_guessed():
    text = "Variation,Goal,Visitors,Revenue\nOriginal,Revenue,1000,5000\n"
    result = read_results(text.encode(), tool="convert")
    assert result.rows == ()
    assert "no standard deviation" in result.rejected[0].reason


# --- Optimizely, VWO, Convert ------------------------------------------------


def test_optimizely_export_with_preamble():
    text = (
        "Experiment Name,Checkout button\n"
        "Date range,2026-03-01 – 2026-03-28\n"
        "\n"
        "Metric Name,Variation Name,Unique Visitors,Unique Conversions,"
        "Conversion Rate,Improvement,Statistical Significance\n"
        'Checkout click,Original,"12,408",1093,8.81%,,\n'
        'Checkout click,Variation #1,"12,377",1201,9.70%,+10.1%,97%\n'
        "Add to cart,Original,12408,,4.02%,,\n"
    )
    result = read_results(text.encode())
    assert result.tool == "optimizely"
    rows = by_key(result)
    assert rows["Variation #1", "Checkout click"].visitors == 12377
    assert rows["Variation #1", "Checkout click"].conversions == 1201
    # no count column value: conversions from the rate
    assert rows["Original", "Add to cart"].conversions == round(0.0402 * 12408)
    assert rows["Original", "Checkout click"].line == 5


def test_vwo_excel_german_semicolons_decimal_commas_cp1252():
    text = (
        "Ziel: Kauf\n"
        "Variation;Visitors;Conversions (v);Conversion Rate (v);Improvement % (v)\n"
        "Control;12.408;1.093;8,81 %;\n"
        "Variation 1 – grün;12.377;1.201;9,70 %;10,1 %\n"
        "Total;24.785;2.294;9,26 %;\n"
    )
    data = text.replace("Ziel: Kauf", "Goal: Kauf").encode("cp1252")
    result = read_results(data, "vwo-report.csv")
    assert result.tool == "vwo"
    rows = by_key(result)
    assert rows["Variation 1 – grün", "Kauf"].visitors == 12377
    assert rows["Variation 1 – grün", "Kauf"].conversions == 1201
    assert [r.line for r in result.rejected] == [5]
    assert "total" in result.rejected[0].reason


def test_vwo_one_table_per_goal_utf16_tab_separated():
    text = (
        "Goal: Purchase\r\n"
        "Variation\tVisitors\tConversions (v)\tConversion Rate (v)\r\n"
        "Control\t5000\t400\t8.00%\r\n"
        "Variation 1\t5010\t451\t9.00%\r\n"
        "\r\n"
        "Goal: Newsletter\r\n"
        "Variation\tVisitors\tConversions (v)\tConversion Rate (v)\r\n"
        "Control\t5000\t120\t2.40%\r\n"
        "Variation 1\t5010\t131\t2.61%\r\n"
    )
    result = read_results(text.encode("utf-16"), "report.txt")  # Excel "Unicode text"
    assert result.tool == "vwo"
    assert result.metrics == ["Purchase", "Newsletter"]
    assert by_key(result)["Variation 1", "Newsletter"].conversions == 131
    assert by_key(result)["Variation 1", "Newsletter"].line == 9


def test_convert_report_with_bom():
    text = (
        "Goal,Variation,Visitors,Conversions,Conversion Rate,Revenue,"
        "Revenue per Visitor (RPV),Improvement,Confidence\n"
        "Purchase,Original,5000,250,5.00%,12500.00,2.50,,\n"
        "Purchase,Variation 1,5020,301,6.00%,15050.00,3.00,20%,97%\n"
    )
    result = read_results(b"\xef\xbb\xbf" + text.encode())
    assert result.tool == "convert"
    assert by_key(result)["Variation 1", "Purchase"].conversions == 301


# --- plain --------------------------------------------------------------------


def test_plain_csv():
    text = (
        "variant, metric, visitors, conversions, sum, sum_squares\n"
        "A, signup, 1000, 87, , \n"
        "B, signup, 1000, 102, , \n"
        'A, revenue, 1000, ,"12,345.5", 987654.25\n'
    )
    result = read_results(text.encode())
    assert result.tool == "plain"
    rows = by_key(result)
    assert rows["A", "revenue"].sum == 12345.5
    assert rows["A", "revenue"].conversions is None
    assert rows["B", "signup"].conversions == 102


def test_plain_rejections_with_reasons():
    text = (
        "variant,metric,visitors,conversions,sum,sum_squares\n"
        'A,signup,"12,5a",3,,\n'
        "A,m2,,3,,\n"
        "A,m3,10,11,,\n"
        "A,m4,10,3,5,9\n"
        "A,m5,10,,5,\n"
        "A,m6,10,,10,1\n"
        ",m7,10,1,,\n"
        "A,m8,10,,,\n"
    )
    result = read_results(text.encode())
    assert result.rows == ()
    reasons = {r.line: r.reason for r in result.rejected}
    assert reasons[2] == "visitors is not a whole number: “12,5a”"
    assert reasons[3] == "visitors is blank"
    assert "more than visitors" in reasons[4]
    assert "both conversions and sum" in reasons[5]
    assert reasons[6].startswith("sum_squares is blank")
    assert "no values can give" in reasons[7]
    assert reasons[8] == "variant is blank"
    assert "neither conversions" in reasons[9]


def test_duplicate_variant_and_metric_keeps_the_first():
    text = (
        "variant,metric,visitors,conversions,sum,sum_squares\n"
        "A,signup,1000,87,,\n"
        "A,signup,1000,90,,\n"
    )
    result = read_results(text.encode())
    assert [row.conversions for row in result.rows] == [87]
    assert result.rejected[0].line == 3
    assert "already on line 2" in result.rejected[0].reason


def test_unterminated_quote_is_rejected_and_the_rest_read():
    text = (
        "variant,metric,visitors,conversions,sum,sum_squares\n"
        'A,"signup,1000,87,,\n'
        "B,signup,1000,90,,\n"
    )
    result = read_results(text.encode())
    assert [row.variant for row in result.rows] == ["B"]
    assert result.rejected[0].line == 2
    assert "not closed" in result.rejected[0].reason


# --- detection ----------------------------------------------------------------


def test_detect_tool():
    assert (
        detect_tool(next(iter([GB_HEADER.replace('"', "").split(",")]))) == "growthbook"
    )
    assert (
        detect_tool(
            ["variant", "metric", "visitors", "conversions", "sum", "sum_squares"]
        )
        == "plain"
    )
    assert detect_tool(["Variation", "Visitors", "Conversions (v)"]) == "vwo"
    assert (
        detect_tool(["Metric", "Variation", "Visitors", "Unique Conversions"])
        == "optimizely"
    )
    assert (
        detect_tool(["Goal", "Variation", "Visitors", "Conversions", "Chance to Win"])
        == "convert"
    )
    # the labels every tool shares say nothing: no guess
    assert detect_tool(["Variation", "Visitors", "Conversions"]) is None
    assert detect_tool(["name", "email"]) is None
    assert set(TOOLS) == {"growthbook", "optimizely", "vwo", "convert", "plain"}


def test_unknown_file_names_the_supported_tools():
    with pytest.raises(ResultsFileError) as error:
        read_results(b"name,email\nAda,ada@example.com\n", "people.csv")
    message = str(error.value)
    assert "“people.csv”" in message
    for label in TOOLS.values():
        assert label in message


def test_ambiguous_header_can_be_read_with_the_tool_named():
    text = b"Goal,Variation,Visitors,Conversions\nBuy,A,100,5\n"
    with pytest.raises(ResultsFileError):
        read_results(text)
    assert read_results(text, tool="convert").rows[0].conversions == 5


def test_named_tool_whose_header_is_missing():
    with pytest.raises(ResultsFileError, match="no header row of a GrowthBook"):
        read_results(
            b"variant,metric,visitors,conversions,sum,sum_squares\n", tool="growthbook"
        )
    with pytest.raises(ResultsFileError, match="not a tool"):
        read_results(b"x,y\n", tool="excel")


# --- numbers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "decimal", "expected", "percent"),
    [
        ("1.234,5", ".", 1234.5, False),
        ("1,234.5", ",", 1234.5, False),
        ("1 234,5", ".", 1234.5, False),
        ("1\u00a0234,5", ".", 1234.5, False),
        ("1'234.5", ",", 1234.5, False),
        ("1,234", ".", 1234.0, False),
        ("1,234", ",", 1.234, False),
        ("1.234", ",", 1234.0, False),
        ("0,123", ".", 0.123, False),
        ("0.123", ",", 0.123, False),
        ("12,5", ".", 12.5, False),
        ("1.234.567", ".", 1234567.0, False),
        ("9,70 %", ",", 9.7, True),
        ("$5,000.00", ".", 5000.0, False),
        ("-3.5", ".", -3.5, False),
        ("1.5E+03", ".", 1500.0, False),
    ],
)
def test_parse_number(text, decimal, expected, percent):
    assert parse_number(text, decimal) == (pytest.approx(expected), percent)


@pytest.mark.parametrize("text", ["12,5a", "1.2.3,4,5", "", "abc", "12.34,5"])
def test_parse_number_refuses(text):
    with pytest.raises(CellProblem):
        parse_number(text, ".")


# --- limits and speed -----------------------------------------------------------


def test_size_limit():
    with pytest.raises(ResultsFileError, match="at most 5 MB"):
        read_results(b"variant,metric\n" + b"x" * (5 * 1024 * 1024))


def test_row_limit():
    lines = ["variant,metric,visitors,conversions,sum,sum_squares"]
    lines += [f"v{i},m,10,1,," for i in range(10_001)]
    with pytest.raises(ResultsFileError, match="more than 10,000 rows"):
        read_results("\n".join(lines).encode())


def test_ten_thousand_rows_are_allowed():
    lines = ["variant,metric,visitors,conversions,sum,sum_squares"]
    lines += [f"v{i},m,10,1,," for i in range(10_000)]
    assert len(read_results("\n".join(lines).encode()).rows) == 10_000


def test_empty_and_header_only_files():
    with pytest.raises(ResultsFileError, match="empty"):
        read_results(b"  \n")
    with pytest.raises(ResultsFileError, match="no rows of results"):
        read_results(b"variant,metric,visitors,conversions,sum,sum_squares\n")


def test_a_thousand_rows_are_read_in_both_layouts():
    # How fast: bench.experiment_stats.
    data = values(3, 50)
    mean, sd = statistics.fmean(data), statistics.stdev(data)
    lines = [GB_HEADER]
    lines += [
        growthbook_row(f"m{i}", "Control", 50, sum(data), mean, sd) for i in range(1000)
    ]
    blob = "\n".join(lines).encode()
    german = (
        "variant;metric;visitors;conversions;sum;sum_squares\n"
        + "\n".join(f"v{i};m;1.234;;15.425,5;1.000.000,25" for i in range(1000))
    ).encode("utf-16")
    for payload, visitors in ((blob, 50), (german, 1234)):
        result = read_results(payload)
        assert len(result.rows) == 1000
        assert {row.visitors for row in result.rows} == {visitors}
    header = GB_HEADER.replace('"', "").split(",")
    assert detect_tool(header) == "growthbook"


def test_a_lone_cell_is_a_title_only_above_a_header():
    text = (
        "variant,metric,visitors,conversions,sum,sum_squares\n"
        "A,signup,1000,87,,\n"
        "Exported 2026-03-28\n"
    )
    result = read_results(text.encode())
    assert len(result.rows) == 1
    assert result.rejected[0].line == 3
    assert "“Exported 2026-03-28”" in result.rejected[0].reason
