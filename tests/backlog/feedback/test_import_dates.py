"""Dates of imports as the moments they are: offsets, Z, UTC headers, local times
in several zones, the hours daylight saving skips or repeats, timestamps."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backlog.feedback.importing.dates import (
    carries_zone,
    header_says_utc,
    parse_dates,
)
from backlog.feedback.importing.zones import local_time_kind, time_zone_names, zone


def read(value: str, date_format: str, zone_name: str) -> datetime | None:
    parsed = parse_dates(pd.Series([value], dtype=object), date_format, zone(zone_name))
    moment = parsed.iloc[0]
    return None if pd.isna(moment) else moment.to_pydatetime()


def wall(text: str) -> datetime:
    """A local time without a zone, as a file writes it."""
    return datetime.fromisoformat(text)


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "date_format", "zone_name", "expected"),
    [
        # An offset or Z says the moment, whatever the import's zone.
        ("2026-03-29T01:30:00Z", "iso", "Europe/Berlin", utc(2026, 3, 29, 1, 30)),
        ("2026-03-29T03:30:00+02:00", "iso", "Asia/Tokyo", utc(2026, 3, 29, 1, 30)),
        ("2026-03-29 03:30:00 +0200", "iso", "UTC", utc(2026, 3, 29, 1, 30)),
        ("2026-03-28T20:30:00-05:00", "iso", "Europe/Berlin", utc(2026, 3, 29, 1, 30)),
        ("2026-03-29T01:30:00.250Z", "iso", "UTC", utc(2026, 3, 29, 1, 30, 0, 250000)),
        ("29.03.2026 03:30 +02:00", "day-first", "UTC", utc(2026, 3, 29, 1, 30)),
        (
            "03/29/2026 3:30 AM GMT",
            "month-first",
            "America/Denver",
            utc(2026, 3, 29, 3, 30),
        ),
        ("2026-03-29 01:30 UTC", "iso", "Asia/Tokyo", utc(2026, 3, 29, 1, 30)),
        # Local times are read in the import's zone.
        ("2026-07-12 01:20", "iso", "Europe/Berlin", utc(2026, 7, 11, 23, 20)),
        ("12.07.2026 01:20", "day-first", "Europe/Berlin", utc(2026, 7, 11, 23, 20)),
        ("2026-07-12 01:20", "iso", "America/New_York", utc(2026, 7, 12, 5, 20)),
        ("2026-07-12 01:20", "iso", "Asia/Kolkata", utc(2026, 7, 11, 19, 50)),
        ("2026-07-12 01:20", "iso", "Australia/Sydney", utc(2026, 7, 11, 15, 20)),
        ("3/29/2026 15:30", "month-first", "America/Chicago", utc(2026, 3, 29, 20, 30)),
        (
            "03/29/2026 03:30:15 AM",
            "month-first",
            "America/Los_Angeles",
            utc(2026, 3, 29, 10, 30, 15),
        ),
        ("2026-01-15", "iso", "Europe/London", utc(2026, 1, 15)),
        # The hour the clocks skip: the offset in force before the change.
        ("29.03.2026 02:30", "day-first", "Europe/Berlin", utc(2026, 3, 29, 1, 30)),
        ("2026-03-08 02:30", "iso", "America/New_York", utc(2026, 3, 8, 7, 30)),
        ("2026-03-29 01:15", "iso", "Europe/London", utc(2026, 3, 29, 1, 15)),
        ("2026-10-04 02:30", "iso", "Australia/Sydney", utc(2026, 10, 3, 16, 30)),
        # The hour that occurs twice: the first of the two.
        ("25.10.2026 02:30", "day-first", "Europe/Berlin", utc(2026, 10, 25, 0, 30)),
        ("2026-11-01 01:30", "iso", "America/New_York", utc(2026, 11, 1, 5, 30)),
        ("2026-10-25 01:30", "iso", "Europe/London", utc(2026, 10, 25, 0, 30)),
        ("2026-04-05 02:30", "iso", "Australia/Sydney", utc(2026, 4, 4, 15, 30)),
        # Unix timestamps are moments.
        ("1774747800", "day-first", "Europe/Berlin", utc(2026, 3, 29, 1, 30)),
        ("1774747800123", "iso", "Asia/Tokyo", utc(2026, 3, 29, 1, 30, 0, 123000)),
        # What cannot be read is not guessed.
        ("31.02.2026 10:00", "day-first", "Europe/Berlin", None),
        ("yesterday", "iso", "UTC", None),
        ("", "iso", "UTC", None),
    ],
)
def test_a_date_is_read_as_the_moment_it_means(value, date_format, zone_name, expected):
    assert read(value, date_format, zone_name) == expected


def test_a_column_mixing_offsets_and_local_times_reads_each_as_it_says():
    values = pd.Series(
        ["2026-03-29T01:30:00Z", "2026-03-29 03:30", "2026-03-29T03:30:00+02:00"]
    )
    parsed = parse_dates(values, "iso", ZoneInfo("Europe/Berlin"))
    assert [m.to_pydatetime() for m in parsed] == [utc(2026, 3, 29, 1, 30)] * 3


@pytest.mark.parametrize(
    ("header", "says_utc"),
    [
        ("Submit Date (UTC)", True),
        ("Review Created (UTC)", True),
        ("Created at UTC", True),
        ("Date (GMT)", True),
        ("Created at", False),
        ("Erstellt am", False),
        ("Zutaten", False),
        ("Customer utcoming", False),
    ],
)
def test_a_header_that_says_utc_is_believed(header, says_utc):
    assert header_says_utc(header) is says_utc


@pytest.mark.parametrize(
    ("value", "carries"),
    [
        ("2026-03-29T01:30:00Z", True),
        ("2026-03-29 03:30:00+02:00", True),
        ("2026-03-29 03:30", False),
        ("2026-03-29", False),
        ("29.03.2026 03:30", False),
        ("1774747800", True),
    ],
)
def test_a_value_that_names_its_zone_is_told_apart(value, carries):
    assert carries_zone(value) is carries


@pytest.mark.parametrize(
    ("local", "zone_name", "kind"),
    [
        (wall("2026-03-29T02:30"), "Europe/Berlin", "gap"),
        (wall("2026-10-25T02:30"), "Europe/Berlin", "overlap"),
        (wall("2026-07-01T12:00"), "Europe/Berlin", ""),
        (wall("2026-03-08T02:30"), "America/New_York", "gap"),
        (wall("2026-11-01T01:30"), "America/New_York", "overlap"),
        (wall("2026-11-01T01:30"), "UTC", ""),
    ],
)
def test_local_times_the_clocks_skip_or_repeat_are_recognised(local, zone_name, kind):
    assert local_time_kind(local, ZoneInfo(zone_name)) == kind


def test_an_unknown_zone_gets_a_message_for_people():
    with pytest.raises(ValueError, match="Europe/Berlin"):
        zone("Mars/Olympus")
    assert "Europe/Berlin" in time_zone_names()
    assert "UTC" in time_zone_names()


@given(
    st.datetimes(
        min_value=wall("1995-01-01T00:00"), max_value=wall("2100-01-01T00:00")
    ),
    st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC"]),
)
def test_every_local_time_becomes_exactly_the_pep495_fold0_moment(local, zone_name):
    local = local.replace(microsecond=0)
    tz = ZoneInfo(zone_name)
    expected = local.replace(tzinfo=tz, fold=0).astimezone(UTC)
    assert read(local.strftime("%Y-%m-%d %H:%M:%S"), "iso", zone_name) == expected
