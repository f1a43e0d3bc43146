"""Cleaning single values: dates, channels, ratings, tags, personal details."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backlog.feedback.importing.cells import (
    parse_sentiment,
    parse_source,
    rating_scale,
    split_themes,
)
from backlog.feedback.importing.dates import detect_date_format, parse_dates
from backlog.feedback.importing.rows import CleanOptions, clean_records
from backlog.feedback.privacy import EMAIL, mask_contact_details, pseudonymise

UTC_ZONE = ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("samples", "expected"),
    [
        (["2026-08-28 19:28:00", "2026-07-18T05:08:00Z"], ("iso", False)),
        (["19.09.2026 07:24", "03.07.2026 04:06"], ("day-first", False)),
        (["31/12/2026", "01/02/2026"], ("day-first", False)),
        (["12/31/2026 2:05 PM", "01/02/2026 9:00 AM"], ("month-first", False)),
        (["01/02/2026", "03/04/2026"], ("day-first", True)),
        ([], ("iso", False)),
    ],
)
def test_date_format_detection(samples, expected):
    assert detect_date_format(samples, UTC_ZONE) == expected


@pytest.mark.parametrize(
    ("value", "fmt", "expected"),
    [
        ("2026-07-18T05:08:00Z", "iso", datetime(2026, 7, 18, 5, 8, tzinfo=UTC)),
        ("2026-07-18 07:08:00+02:00", "iso", datetime(2026, 7, 18, 5, 8, tzinfo=UTC)),
        ("31.12.2026 14:05", "day-first", datetime(2026, 12, 31, 14, 5, tzinfo=UTC)),
        ("31/12/26", "day-first", datetime(2026, 12, 31, tzinfo=UTC)),
        (
            "12/31/2026 2:05 PM",
            "month-first",
            datetime(2026, 12, 31, 14, 5, tzinfo=UTC),
        ),
    ],
)
def test_dates_are_parsed_to_utc(value, fmt, expected):
    parsed = parse_dates(pd.Series([value], dtype=object), fmt, UTC_ZONE)
    assert parsed.iloc[0].to_pydatetime() == expected


@pytest.mark.parametrize(
    ("value", "fmt"),
    [("31.02.2026", "day-first"), ("2026-13-01", "iso"), ("yesterday", "iso")],
)
def test_impossible_dates_become_missing(value, fmt):
    parsed = parse_dates(pd.Series([value], dtype=object), fmt, UTC_ZONE)
    assert pd.isna(parsed.iloc[0])


def test_naive_dates_are_read_in_the_chosen_time_zone():
    parsed = parse_dates(
        pd.Series(["15.01.2026 10:00"], dtype=object),
        "day-first",
        ZoneInfo("Europe/Berlin"),
    )
    assert parsed.iloc[0].to_pydatetime() == datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "default", "expected"),
    [
        ("E-Mail", "ticket", "email"),
        ("WhatsApp", "ticket", "chat"),
        ("Telefon", "ticket", "call"),
        ("Portal", "chat", "ticket"),
        ("carrier pigeon", "chat", "chat"),
        ("", "survey", "survey"),
    ],
)
def test_channels(value, default, expected):
    assert parse_source(value, default) == expected


@pytest.mark.parametrize(
    ("value", "scale", "expected"),
    [
        ("1", 5, "negative"),
        ("3", 5, "neutral"),
        ("4", 5, "positive"),
        ("6", 10, "negative"),
        ("8", 10, "neutral"),
        ("9", 10, "positive"),
        ("Good", 5, "positive"),
        ("Bad", 5, "negative"),
        ("Offered", 5, ""),
        ("", 5, ""),
    ],
)
def test_sentiment(value, scale, expected):
    assert parse_sentiment(value, scale) == expected


def test_rating_scale_is_detected_from_the_values():
    assert rating_scale(["1", "4", ""]) == 5
    assert rating_scale(["0", "10", "7"]) == 10


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("mobile, new-customer", ["mobile", "new-customer"]),
        ("praise web", ["praise", "web"]),
        ("Checkout; Payment Options", ["checkout", "payment-options"]),
        ("#Sizing | sizing", ["sizing"]),
        ("", []),
    ],
)
def test_themes(value, expected):
    assert split_themes(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call me on +44 7126 781098 please", "call me on [phone] please"),
        ("mail jo.doe+x@shop.co.uk now", "mail [email] now"),
        ("(555) 123-4567", "[phone]"),
        ("Tel. 030/12345678", "Tel. [phone]"),
        (
            "Order #619501 on 2026-08-28 19:28:00",
            "Order #619501 on 2026-08-28 19:28:00",
        ),
        ("price 0.99 EUR, size 42", "price 0.99 EUR, size 42"),
    ],
)
def test_contact_details_are_masked(text, expected):
    assert mask_contact_details(text) == expected


@given(st.emails())
def test_no_email_survives_masking(email):
    assert not EMAIL.search(mask_contact_details(f"write to {email} today"))


def test_pseudonyms_are_stable_keyed_and_case_insensitive():
    a = pseudonymise("Ann@Example.com ", b"k1")
    assert a == pseudonymise("ann@example.com", b"k1")
    assert a != pseudonymise("ann@example.com", b"k2")
    assert "ann" not in a
    assert pseudonymise("  ", b"k1") == ""


cells = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30)


@given(st.lists(st.lists(cells, min_size=0, max_size=6), max_size=20))
def test_every_record_is_either_kept_or_rejected(rows):
    header = ["Id", "Description", "Created at"]
    records = [(n + 2, row) for n, row in enumerate(rows)]
    options = CleanOptions(
        mapping={
            "external_id": "Id",
            "text": "Description",
            "received_at": "Created at",
        },
        date_format="iso",
        tz=UTC_ZONE,
        now=datetime(2026, 11, 22, tzinfo=UTC),
        default_source="ticket",
        pseudonym_key=b"k",
    )
    clean, rejected = clean_records(header, records, options)
    assert sorted([r.line for r in clean] + [r.line for r in rejected]) == [
        line for line, _ in records
    ]
    assert all(r.reason for r in rejected)
    assert all(r.text and r.received_at for r in clean)
