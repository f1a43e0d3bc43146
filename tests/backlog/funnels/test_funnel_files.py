import codecs
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from backlog.funnels.files import FunnelFileError, parse_segment, read_funnel_file
from tests.fixtures.funnel_exports import layouts
from tests.fixtures.funnel_exports.layouts import (
    DAYS,
    DEVICES,
    START,
    STEPS,
    counts,
    day_of,
    distinct_total,
    range_total,
)

END = day_of(DAYS - 1)


def by_key(funnel_file):
    return {
        (row.step, row.start, row.end, row.dimension, row.segment): row.count
        for row in funnel_file.rows
    }


def test_a_ga4_funnel_exploration_keeps_its_range_devices_and_distinct_totals():
    read = read_funnel_file(layouts.ga4_exploration_csv(), "funnel.csv")
    assert read.tool == "ga4"
    assert read.period == (START, END)
    assert read.steps == [f"{i + 1}. {step}" for i, step in enumerate(STEPS)]
    assert read.rejected == ()
    got = by_key(read)
    assert len(got) == len(STEPS) * (len(DEVICES) + 1)
    for i, step in enumerate(STEPS):
        name = f"{i + 1}. {step}"
        # GA4's Total counts each user once: it is kept, not the devices' sum.
        assert got[(name, START, END, "", "")] == distinct_total()[i]
        for device in DEVICES:
            assert got[(name, START, END, "device", device)] == range_total(device)[i]


def test_a_trended_ga4_exploration_gives_days_and_drops_the_range_totals():
    read = read_funnel_file(layouts.ga4_exploration_csv(trended=True), "trend.csv")
    got = by_key(read)
    assert ("1. Product view", START, END, "", "") not in got
    for day in range(DAYS):
        users = sum(counts(device, day)[0] for device in DEVICES)
        assert got[("1. Product view", day_of(day), day_of(day), "", "")] == users
    assert (
        got[("5. Purchase", START, END, "device", "mobile")] == range_total("mobile")[4]
    )


def test_a_ga4_exploration_without_its_preamble_is_refused_for_want_of_dates():
    text = layouts.ga4_exploration_csv().decode("utf-8-sig")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    with pytest.raises(FunnelFileError, match="which days"):
        read_funnel_file(body.encode())


def test_a_ga4_report_with_start_and_end_date_lines_is_dated_by_them():
    text = layouts.ga4_exploration_csv().decode("utf-8-sig")
    text = text.replace(
        f"# {START:%Y%m%d}-{END:%Y%m%d}", "# Start date: 20240101\n# End date: 20240107"
    )
    assert read_funnel_file(text.encode()).period == (START, END)


def test_the_ga4_data_api_report_reads_its_trended_days_and_device_breakdown():
    read = read_funnel_file(layouts.ga4_api_response(), "report.json")
    assert read.tool == "ga4-api"
    # The answer does not repeat its range; the trended days give it.
    assert read.period == (START, END)
    got = by_key(read)
    assert got[("3. Begin checkout", START, START, "", "")] == sum(
        counts(device, 0)[2] for device in DEVICES
    )
    assert (
        got[("2. Add to cart", START, END, "device", "tablet")]
        == range_total("tablet")[1]
    )
    # The breakdown's total would count the days' users twice.
    assert ("2. Add to cart", START, END, "", "") not in got


def test_a_ga4_data_api_report_that_names_no_day_is_refused():
    with pytest.raises(FunnelFileError, match="does not say which days"):
        read_funnel_file(layouts.ga4_api_response(trended=False))


def test_a_ga4_data_api_report_saved_with_its_request_is_dated_by_the_request():
    read = read_funnel_file(layouts.ga4_api_response(with_request=True, trended=False))
    assert read.period == (START, END)
    assert by_key(read)[("1. Product view", START, END, "", "")] == distinct_total()[0]


def test_a_ga4_data_api_report_can_be_dated_by_the_person_importing():
    period = (date(2024, 1, 1), date(2024, 1, 7))
    read = read_funnel_file(layouts.ga4_api_response(trended=False), period=period)
    assert read.period == period


@pytest.mark.parametrize("utf16", [True, False])
def test_a_matomo_funnel_flow_export_reads_visits_per_day_for_the_segment_given(utf16):
    data = layouts.matomo_flow_csv("mobile", utf16=utf16)
    if utf16:
        assert data.startswith(codecs.BOM_UTF16_LE)
    read = read_funnel_file(data, "flow.csv", segment=parse_segment("device:mobile"))
    assert read.tool == "matomo"
    assert read.rejected == ()
    got = by_key(read)
    assert len(got) == DAYS * len(STEPS)
    assert (
        got[("4. Add payment info", day_of(3), day_of(3), "device", "mobile")]
        == (counts("mobile", 3)[3])
    )


def test_a_matomo_export_without_a_segment_is_all_traffic():
    read = read_funnel_file(layouts.matomo_flow_json("desktop"), "flow.json")
    assert read.tool == "matomo"
    assert {row.dimension for row in read.rows} == {""}
    assert (
        by_key(read)[("1. Product view", START, START, "", "")]
        == counts("desktop", 0)[0]
    )


@pytest.mark.parametrize(
    ("label", "period"),
    [
        ("2024-03-05", (date(2024, 3, 5), date(2024, 3, 5))),
        ("2024-03-04,2024-03-10", (date(2024, 3, 4), date(2024, 3, 10))),
        ("2024-02", (date(2024, 2, 1), date(2024, 2, 29))),
        ("2023", (date(2023, 1, 1), date(2023, 12, 31))),
    ],
)
def test_matomo_period_labels_cover_their_days(label, period):
    data = (
        "date,label,step_nb_visits,metadata_step_position\n"
        f'"{label}",Cart,10,1\n"{label}",Purchase,4,2\n'
    ).encode()
    read = read_funnel_file(data)
    assert {(row.start, row.end) for row in read.rows} == {period}


def test_a_matomo_export_of_one_period_needs_its_period():
    data = b"label,step_nb_visits,metadata_step_position\nCart,10,1\nPurchase,4,2\n"
    with pytest.raises(FunnelFileError, match="give the period"):
        read_funnel_file(data)
    read = read_funnel_file(data, period=(date(2024, 5, 1), date(2024, 5, 31)))
    assert read.period == (date(2024, 5, 1), date(2024, 5, 31))


def test_the_plain_layout_reads_days_steps_and_devices():
    read = read_funnel_file(layouts.plain_csv(), "counts.csv")
    assert read.tool == "plain"
    assert read.period == (START, END)
    assert len(read.rows) == DAYS * len(DEVICES) * len(STEPS)
    assert (
        by_key(read)[("Purchase", day_of(6), day_of(6), "device", "tablet")]
        == (counts("tablet", 6)[4])
    )


def test_the_plain_layout_saved_by_german_excel_reads_the_same():
    data = layouts.plain_csv(
        delimiter=";", header=("Datum", "Schritt", "Gerät", "Anzahl")
    )
    text = data.decode().replace("2024-01-0", "0").replace(";", ";", 1)
    # 2024-01-05 → 05.01.2024, as German Excel writes dates.
    lines = text.splitlines()
    rows = [lines[0]]
    for line in lines[1:]:
        day, rest = line.split(";", 1)
        rows.append(f"{day.zfill(2)}.01.2024;{rest}")
    read = read_funnel_file("\r\n".join(rows).encode("utf-16"), "zahlen.csv")
    assert by_key(read) == by_key(read_funnel_file(layouts.plain_csv()))


def test_weekly_counts_cover_seven_days_from_their_start():
    data = b"week,step,count\n2024-W10,Cart,70\n2024-03-11,Cart,80\n"
    read = read_funnel_file(data)
    assert [(r.start, r.end) for r in read.rows] == [
        (date(2024, 3, 4), date(2024, 3, 10)),
        (date(2024, 3, 11), date(2024, 3, 17)),
    ]


def test_time_stamps_are_counted_on_their_day_in_the_funnels_zone():
    data = b"date,step,count\n2024-03-01T23:30:00Z,Cart,5\n2024-03-01 23:30,Cart,6\n"
    read = read_funnel_file(data, zone=ZoneInfo("Europe/Berlin"))
    # 23:30 UTC is 00:30 in Berlin the next day; a time without a zone is local.
    assert [r.start for r in read.rows] == [date(2024, 3, 2), date(2024, 3, 1)]


def test_slashed_dates_are_read_the_way_the_column_allows():
    day_first = b"date,step,count\n13/03/2024,Cart,1\n01/03/2024,Cart,2\n"
    assert [r.start for r in read_funnel_file(day_first).rows] == [
        date(2024, 3, 13),
        date(2024, 3, 1),
    ]
    month_first = b"date,step,count\n03/13/2024,Cart,1\n03/01/2024,Cart,2\n"
    assert [r.start for r in read_funnel_file(month_first).rows] == [
        date(2024, 3, 13),
        date(2024, 3, 1),
    ]
    either = b"date,step,count\n03/04/2024,Cart,1\n"
    with pytest.raises(FunnelFileError, match="both day-first and month-first"):
        read_funnel_file(either)


def test_bad_rows_are_rejected_with_their_line_and_the_rest_read():
    data = (
        b"date,step,segment,count\n"
        b"2024-03-01,Cart,mobile,10\n"
        b"2024-02-30,Cart,mobile,10\n"
        b"2024-03-02,,mobile,10\n"
        b"2024-03-03,Cart,mobile,-4\n"
        b"2024-03-04,Cart,mobile,1.5\n"
        b"2024-03-05,Cart,mobile\n"
    )
    read = read_funnel_file(data)
    assert len(read.rows) == 1
    assert [(r.line, r.reason) for r in read.rejected] == [
        (3, "the date does not exist: “2024-02-30”"),
        (4, "the step is empty"),
        (5, "the count is below zero: “-4”"),
        (6, "the count is not a whole number: “1.5”"),
        (7, "the row has fewer cells than the header"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (b"No data available", "holds no data"),
        (b"name,email\nAna,ana@example.org\n", "not those of a funnel export"),
        (b'{"rows": [1, 2]}', "neither a GA4 Data API funnel report nor"),
        (b'{"kind": ', "not valid JSON"),
        (b"date,step,count\nnever,Cart,x\n", "holds no counts that could be read"),
    ],
)
def test_a_file_that_cannot_be_read_gets_a_clear_message(data, message):
    with pytest.raises(FunnelFileError, match=message):
        read_funnel_file(data)


def test_a_segment_is_refused_for_a_file_that_names_its_own():
    with pytest.raises(FunnelFileError, match="names its own segments"):
        read_funnel_file(layouts.ga4_exploration_csv(), segment=("device", "mobile"))
    with pytest.raises(FunnelFileError, match="has a segment column"):
        read_funnel_file(layouts.plain_csv(), segment=("device", "mobile"))


@pytest.mark.parametrize("text", ["mobile", "device:mobile", "Device: mobile"])
def test_a_segment_is_written_as_dimension_and_name(text):
    assert parse_segment(text) == ("device", "mobile")


def test_an_unknown_dimension_is_not_a_segment():
    with pytest.raises(FunnelFileError, match="not a segment"):
        parse_segment("planet:mars")


def test_a_trended_table_counting_nth_days_is_dated_from_the_start_of_the_range():
    data = (
        b"# 20240301-20240303\n\nStep,Nth day,Active users\n"
        b"1. Cart,0000,10\n1. Cart,0002,12\n1. Cart,0005,9\n"
    )
    read = read_funnel_file(data)
    assert [(r.start, r.count) for r in read.rows] == [
        (date(2024, 3, 1), 10),
        (date(2024, 3, 3), 12),
    ]
    assert [r.reason for r in read.rejected] == [
        "06 Mar 2024 is outside the file's date range"
    ]
