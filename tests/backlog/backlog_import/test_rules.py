"""The pure rules of the backlog import: columns, status words, statements,
scores, people, dates and the three-way merge."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backlog.backlog_import.columns import (
    mapping_problems,
    recognise_tool,
    suggest_mapping,
    tag_columns,
)
from backlog.backlog_import.dates import (
    detect_sheet_date_format,
    parse_sheet_dates,
)
from backlog.backlog_import.merging import merge
from backlog.backlog_import.people import Member, People
from backlog.backlog_import.reading import source_from_name
from backlog.backlog_import.sheet_scores import (
    Reading,
    agrees,
    formulas,
    mismatch,
    parse_number,
    parse_rating,
)
from backlog.backlog_import.statements import split_statement
from backlog.backlog_import.statuses import (
    choice_for,
    parse_kind,
    parse_result,
    parse_status_map,
    status_of,
    suggest_choice,
)

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            [
                "Record ID",
                "Name",
                "Hypothesis",
                "Status",
                "Owner",
                "Impact",
                "Confidence",
                "Ease",
                "ICE Score",
                "Created",
            ],
            {
                "external_id": "Record ID",
                "title": "Name",
                "hypothesis": "Hypothesis",
                "status": "Status",
                "owner": "Owner",
                "ice_impact": "Impact",
                "ice_confidence": "Confidence",
                "ice_ease": "Ease",
                "ice_total": "ICE Score",
                "created_at": "Created",
            },
        ),
        (
            [
                "Card ID",
                "Card Name",
                "Card Description",
                "Labels",
                "Members",
                "List Name",
            ],
            {
                "external_id": "Card ID",
                "title": "Card Name",
                "hypothesis": "Card Description",
                "tags": "Labels",
                "owner": "Members",
                "status": "List Name",
            },
        ),
        (
            [
                "Summary",
                "Issue key",
                "Issue id",
                "Issue Type",
                "Status",
                "Assignee",
                "Created",
                "Resolved",
                "Labels",
                "Labels (2)",
            ],
            {
                "title": "Summary",
                "external_id": "Issue key",
                "kind": "Issue Type",
                "status": "Status",
                "owner": "Assignee",
                "created_at": "Created",
                "concluded_at": "Resolved",
                "tags": "Labels",
            },
        ),
        (
            [
                "ID",
                "Title",
                "Because we saw",
                "We expect that",
                "For",
                "Will cause",
                "Measured by",
                "Potential",
                "Importance",
                "Ease",
                "Impact",
                "Confidence",
                "Score",
            ],
            {
                "external_id": "ID",
                "title": "Title",
                "observation": "Because we saw",
                "change": "We expect that",
                "audience": "For",
                "impact": "Will cause",
                "metric": "Measured by",
                "ice_impact": "Impact",
                "ice_confidence": "Confidence",
                "ice_ease": "Ease",
                "pie_potential": "Potential",
                "pie_importance": "Importance",
                "pie_ease": "Ease",
                "ice_total": "Score",
            },
        ),
        # An Impact column alone is not an ICE score; a description beside the
        # parts is not the hypothesis.
        (
            ["Name", "Impact", "Description", "Observation"],
            {"title": "Name", "observation": "Observation"},
        ),
    ],
)
def test_known_headers_of_backlog_tools_are_suggested(header, expected):
    assert suggest_mapping(header) == expected


@pytest.mark.parametrize(
    ("header", "tool"),
    [
        (["Card ID", "Card Name", "List Name"], "trello"),
        (["Summary", "Issue key", "Issue id", "Status"], "jira"),
        (["Name", "Created time", "Last edited time"], "notion"),
        (["Title", "Status"], ""),
    ],
)
def test_tools_are_recognised_by_their_headers(header, tool):
    assert recognise_tool(header) == tool


def test_jira_repeats_its_labels_column_and_all_of_them_are_tags():
    header = ["Summary", "Labels", "Labels (2)", "Labels (3)", "Labels x"]
    assert tag_columns(header, "Labels") == ["Labels", "Labels (2)", "Labels (3)"]


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({}, "title of each idea"),
        ({"title": "Nope"}, "not in the file: Nope"),
        ({"title": "Name", "owner": "Name"}, "Name is used twice"),
        ({"title": "Name", "ice_impact": "Impact"}, "ICE needs all three"),
        ({"title": "Name", "colour": "Impact"}, "not fields: colour"),
    ],
)
def test_mapping_problems_say_what_is_wrong(mapping, message):
    header = ["Name", "Impact", "Ease"]
    assert message in " ".join(mapping_problems(mapping, header))


def test_one_ease_column_may_feed_ice_and_pie():
    header = ["Name", "I", "C", "P", "Imp", "Ease"]
    mapping = {
        "title": "Name",
        "ice_impact": "I",
        "ice_confidence": "C",
        "ice_ease": "Ease",
        "pie_potential": "P",
        "pie_importance": "Imp",
        "pie_ease": "Ease",
    }
    assert mapping_problems(mapping, header) == []


@pytest.mark.parametrize(
    ("word", "choice"),
    [
        ("Idea", "idea"),
        ("Backlog", "backlog"),
        ("To do", "backlog"),
        ("TO-DO", "backlog"),
        ("Selected for Development", "backlog"),
        ("Ready", "ready"),
        ("In progress", "running"),
        ("Running", "running"),
        ("Live", "running"),
        ("Analysing", "analysing"),
        ("Analyzing", "analysing"),
        ("Done", "concluded"),
        ("Won", "concluded:won"),
        ("Lost", "concluded:lost"),
        ("Inconclusive", "concluded:inconclusive"),
        ("Done – Won", "concluded:won"),
        ("Parked", "parked"),
        ("Icebox", "parked"),
        ("Rejected", "rejected"),
        ("Won’t Do", "rejected"),
        ("Archived", "rejected"),
        ("Not started", "idea"),
        ("03 Running 🚀", "running"),
        ("", "idea"),
        ("Whatever this is", None),
    ],
)
def test_common_status_words_are_prefilled(word, choice):
    assert suggest_choice(word) == choice


@pytest.mark.parametrize(
    ("choice", "status", "result"),
    [("concluded:won", "concluded", "won"), ("ready", "ready", "")],
)
def test_a_choice_stands_for_a_status_and_a_result(choice, status, result):
    assert status_of(choice) == (status, result)


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("concluded", "concluded"),
        ("Analysing", "analysing"),
        ("won", "concluded:won"),
        ("concluded:lost", "concluded:lost"),
        ("Concluded: inconclusive", "concluded:inconclusive"),
        ("done", "concluded"),
        ("nonsense", None),
    ],
)
def test_people_may_type_a_status_a_label_or_a_result(text, choice):
    assert choice_for(text) == choice


def test_status_maps_from_the_command_line_are_keyed_by_their_word():
    assert parse_status_map(["Done=concluded", "Up Next = ready", "Yay=won"]) == {
        "done": "concluded",
        "up next": "ready",
        "yay": "concluded:won",
    }
    with pytest.raises(ValueError, match="write WORD=STATUS"):
        parse_status_map(["Done=finished-ish"])


@pytest.mark.parametrize(
    ("text", "result"),
    [
        ("Won", "won"),
        ("winner", "won"),
        ("Flat", "inconclusive"),
        ("", ""),
        ("maybe", None),
    ],
)
def test_results_are_read_from_their_words(text, result):
    assert parse_result(text) == result


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("A/B test", "test"),
        ("Experiment", "test"),
        ("Bug", "improvement"),
        ("Improvement", "improvement"),
        ("", ""),
        ("Epic", None),
    ],
)
def test_kinds_are_read_from_their_words(text, kind):
    assert parse_kind(text) == kind


@pytest.mark.parametrize(
    ("text", "parts", "matched"),
    [
        (
            "Because we saw 40% leave at shipping, we expect that showing delivery "
            "dates for mobile shoppers will cause more orders. We'll measure this "
            "by checkout completion.",
            {
                "observation": "40% leave at shipping",
                "change": "showing delivery dates",
                "audience": "mobile shoppers",
                "impact": "more orders",
                "metric": "checkout completion",
            },
            True,
        ),
        (
            "If we show a returns badge, then more shoppers buy, because surveys "
            "say returns worry them.",
            {
                "change": "show a returns badge",
                "impact": "more shoppers buy",
                "observation": "surveys say returns worry them",
            },
            True,
        ),
        (
            "We believe that free returns for first-time buyers will increase "
            "orders. We will know this is true when we see a higher first-order "
            "rate.",
            {
                "change": "free returns",
                "audience": "first-time buyers",
                "impact": "increase orders",
                "metric": "a higher first-order rate",
            },
            True,
        ),
        ("Bigger  buttons\non mobile", {"change": "Bigger buttons on mobile"}, False),
    ],
)
def test_a_whole_hypothesis_is_split_into_its_parts(text, parts, matched):
    assert split_statement(text) == (parts, matched)


@pytest.mark.parametrize(
    ("text", "value", "problem"),
    [
        ("7", 7, None),
        (" 10 ", 10, None),
        ("7.0", 7, None),
        ("", None, None),
        ("7.5", None, "Impact 7.5 is not a whole number"),
        ("11", None, "Impact 11 is not between 1 and 10"),
        ("0", None, "Impact 0 is not between 1 and 10"),
        ("high", None, "Impact “high” is not a number"),
    ],
)
def test_ratings_are_whole_numbers_from_1_to_10(text, value, problem):
    assert parse_rating(text, "Impact") == (value, problem)


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("6.3", Reading(6.3, 1)),
        ("6,33", Reading(6.33, 2)),
        ("210", Reading(210, 0)),
        ("abc", None),
        ("", None),
        ("1e5", None),
    ],
)
def test_numbers_keep_how_many_decimals_they_were_written_with(text, reading):
    assert parse_number(text) == reading


@pytest.mark.parametrize(
    ("total", "parts", "agreed"),
    [
        ("6.3", [6, 5, 8], True),  # mean 6.33, written with one decimal
        ("6", [6, 5, 8], True),  # mean rounded to a whole number
        ("6.33", [6, 5, 8], True),
        ("19", [6, 5, 8], True),  # sum
        ("240", [6, 5, 8], True),  # product
        ("6.5", [6, 5, 8], False),
        ("9", [7, 7, 4], False),
    ],
)
def test_a_sheet_total_agrees_with_its_parts_as_mean_sum_or_product(
    total, parts, agreed
):
    assert agrees(parse_number(total), parts) is agreed


def test_a_disagreeing_total_is_explained_with_the_three_formulas():
    assert mismatch(parse_number("9"), [7, 7, 4], "ICE") == (
        "the sheet's ICE score 9 is not the mean, sum or product of 7, 7, 4 "
        "(6, 18 or 196)"
    )


@given(
    st.lists(st.integers(1, 10), min_size=3, max_size=3),
    st.sampled_from(["mean", "sum", "product"]),
    st.integers(0, 4),
)
def test_any_formula_of_the_parts_written_rounded_agrees(parts, formula, decimals):
    value = formulas(parts)[formula]
    written = f"{value:.{decimals}f}"
    assert agrees(parse_number(written), parts)


@pytest.fixture
def people():
    return People(
        [
            Member(1, "carla", "carla@shop.example", "Carla Rossi"),
            Member(2, "sam", "sam@shop.example", "Sam Ray"),
            Member(3, "sam2", "other@shop.example", "Sam Ray"),
            Member(4, "lena", "lena@shop.example", "Lena Park"),
        ]
    )


@pytest.mark.parametrize(
    ("cell", "user_id", "problem"),
    [
        ("carla", 1, None),
        ("CARLA@shop.example", 1, None),
        ("  carla   rossi ", 1, None),
        ("Carla Rossi <carla@shop.example>", 1, None),
        ("Lena P. (lena)", 4, None),
        ("@lena", 4, None),
        ("Bob Stranger, Lena Park", 4, None),
        ("", None, None),
        ("Sam Ray", None, "owner “Sam Ray” could be 2 members of the same name"),
        ("sam@shop.example", 2, None),
        ("Bob Stranger", None, "owner “Bob Stranger” is not a member"),
    ],
)
def test_owners_are_found_by_username_email_or_full_name(
    people, cell, user_id, problem
):
    found = people.find(cell)
    assert (found.user_id, found.problem) == (user_id, problem)


def test_nobody_unknown_is_made_up_and_the_cell_is_kept_for_the_report(people):
    found = people.find("Bob Stranger", "scorer")
    assert found.user_id is None
    assert found.unknown == "Bob Stranger"
    assert found.problem == "scorer “Bob Stranger” is not a member"


@pytest.mark.parametrize(
    ("text", "format_key", "expected"),
    [
        ("2026-01-05 14:05", "iso", datetime(2026, 1, 5, 13, 5, tzinfo=UTC)),
        ("1/5/2026 2:05pm", "month-first", datetime(2026, 1, 5, 13, 5, tzinfo=UTC)),
        ("05.01.2026", "day-first", datetime(2026, 1, 4, 23, 0, tzinfo=UTC)),
        (
            "January 5, 2026 2:05 PM",
            "written",
            datetime(2026, 1, 5, 13, 5, tzinfo=UTC),
        ),
        ("05/Jan/26 2:05 PM", "written", datetime(2026, 1, 5, 13, 5, tzinfo=UTC)),
        ("5 January 2026", "written", datetime(2026, 1, 4, 23, 0, tzinfo=UTC)),
        ("31.02.2026", "day-first", None),
        # The hour the clocks go back comes twice: the first of the two.
        ("2025-10-26 02:30", "iso", datetime(2025, 10, 26, 0, 30, tzinfo=UTC)),
        # The hour they skip: read with the offset before the change.
        ("2026-03-29 02:30", "iso", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        # A date with its own offset keeps it.
        ("2026-01-05T14:05:00+05:00", "iso", datetime(2026, 1, 5, 9, 5, tzinfo=UTC)),
        ("2026-01-05T14:05:00Z", "iso", datetime(2026, 1, 5, 14, 5, tzinfo=UTC)),
    ],
)
def test_dates_of_backlog_tools_are_read_in_the_chosen_zone(text, format_key, expected):
    parsed = parse_sheet_dates(pd.Series([text]), format_key, BERLIN).iloc[0]
    assert (None if pd.isna(parsed) else parsed.to_pydatetime()) == expected


@pytest.mark.parametrize(
    ("samples", "format_key", "ambiguous"),
    [
        (["2026-01-05", "2026-02-01 10:00"], "iso", False),
        (["1/13/2026 2:05pm", "1/5/2026 9:00am"], "month-first", False),
        (["13.01.2026", "05.01.2026"], "day-first", False),
        (["05/01/2026", "06/02/2026"], "day-first", True),
        (["January 5, 2026", "February 1, 2026 2:05 PM"], "written", False),
    ],
)
def test_the_date_format_is_detected_from_samples(samples, format_key, ambiguous):
    assert detect_sheet_date_format(samples, BERLIN) == (format_key, ambiguous)


@pytest.mark.parametrize(
    ("base", "current", "incoming", "changes", "kept"),
    [
        # The sheet changed, the app did not: the sheet's value goes in.
        ({"metric": "A"}, {"metric": "A"}, {"metric": "B"}, {"metric": "B"}, []),
        # The app changed, the sheet did not: the app's value stays.
        ({"metric": "A"}, {"metric": "C"}, {"metric": "A"}, {}, []),
        # Both changed: the app's value stays and the report says so.
        ({"metric": "A"}, {"metric": "C"}, {"metric": "B"}, {}, ["metric"]),
        # Both changed to the same: nothing to do.
        ({"metric": "A"}, {"metric": "B"}, {"metric": "B"}, {}, []),
        # A column new to this sheet fills what is empty, never overwrites.
        ({}, {"metric": ""}, {"metric": "B"}, {"metric": "B"}, []),
        ({}, {"metric": "C"}, {"metric": "B"}, {}, ["metric"]),
        ({}, {"tags": []}, {"tags": ["a"]}, {"tags": ["a"]}, []),
    ],
)
def test_a_reimport_changes_only_what_changed_in_the_sheet(
    base, current, incoming, changes, kept
):
    result = merge(base, current, incoming)
    assert (result.changes, result.kept) == (changes, kept)


@pytest.mark.parametrize(
    ("name", "tool", "source"),
    [
        ("Growth backlog (2).csv", "", "Growth backlog"),
        ("Jira (3).csv", "Jira", "Jira"),
        ("backlog_2026-12-01.xlsx", "", "backlog"),
        ("Grid view.csv", "Airtable", "Airtable: Grid view"),
    ],
)
def test_a_sheet_is_named_after_its_file_without_copies_and_dates(name, tool, source):
    assert source_from_name(name, tool) == source
