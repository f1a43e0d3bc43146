"""Reading the shapes exports come in: JSON and NDJSON, headers over several rows,
HTML bodies, broken quotes, and files that claim more than they hold."""

import io
import json
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from backlog.feedback.importing.cells import html_to_text, looks_like_html
from backlog.feedback.importing.headers import count_header_rows, read_header
from backlog.feedback.importing.json_files import flatten
from backlog.feedback.importing.mapping import suggest
from backlog.feedback.importing.problems import BrokenRecord, FileProblem
from backlog.feedback.importing.reading import open_table
from backlog.feedback.importing.workbooks import count_rows


def write(tmp_path: Path, name: str, content) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def test_nested_records_flatten_into_columns_by_path():
    record = {
        "id": 35436,
        "via": {"channel": "web", "source": {"from": {"address": None}}},
        "tags": ["delivery", "mobile"],
        "satisfaction_rating": {"score": "good"},
        "comments": [
            {"plain_body": "Where is my parcel?", "public": True},
            {"plain_body": "It arrived, thanks.", "public": False},
        ],
        "price": 12.0,
    }
    assert flatten(record) == {
        "id": "35436",
        "via.channel": "web",
        "via.source.from.address": "",
        "tags": "delivery, mobile",
        "satisfaction_rating.score": "good",
        "comments[0].plain_body": "Where is my parcel?",
        "comments[0].public": "true",
        "comments[].plain_body": "Where is my parcel?, It arrived, thanks.",
        "comments[].public": "true, false",
        "price": "12",
    }


def test_an_ndjson_export_reads_one_record_per_line(tmp_path):
    lines = [
        {"id": 1, "description": "Late parcel", "created_at": "2026-03-29T01:30:00Z"},
        {"id": 2, "description": "Wrong size", "via": {"channel": "email"}},
    ]
    path = write(tmp_path, "t.json", "\n".join(json.dumps(x) for x in lines) + "\n")
    table = open_table(path)
    assert table.layout.kind == "ndjson"
    assert table.header == ["id", "description", "created_at", "via.channel"]
    assert list(table.records) == [
        (1, ["1", "Late parcel", "2026-03-29T01:30:00Z", ""]),
        (2, ["2", "Wrong size", "", "email"]),
    ]


def test_a_json_document_reads_the_records_of_its_list(tmp_path):
    document = {
        "type": "conversation.list",
        "pages": {"page": 1},
        "conversations": [
            {"id": "7", "source": {"body": "<p>Hi</p>"}, "created_at": 1774747800},
            {"id": "8", "source": {"body": "<p>Yo</p>"}, "created_at": 1774747801},
        ],
    }
    path = write(tmp_path, "c.json", json.dumps(document, indent=2))
    table = open_table(path)
    assert table.layout.kind == "json"
    assert table.layout.records_prefix == "conversations.item"
    assert [cells[0] for _, cells in table.records] == ["7", "8"]


def test_a_line_that_is_not_json_is_a_rejected_row_not_the_end(tmp_path):
    path = write(
        tmp_path,
        "t.json",
        '{"id": 1, "text": "a"}\n{"id": 2,\n{"id": 3, "text": "c"}\n',
    )
    records = list(open_table(path).records)
    assert [line for line, _ in records] == [1, 2, 3]
    assert isinstance(records[1][1], BrokenRecord)
    assert "line 2 is not JSON" in records[1][1].problem


def test_invalid_json_is_refused_with_a_message(tmp_path):
    path = write(tmp_path, "t.json", '[{"id": 1, "text": "a"}, {"id": ')
    with pytest.raises(FileProblem, match="not valid JSON"):
        list(open_table(path).records)


def test_surveymonkeys_second_header_row_names_the_choices():
    rows = [
        ["Respondent ID", "Start Date", "Which colours?", "", "What else?"],
        ["", "", "Red", "Blue", "Open-Ended Response"],
        ["11", "03/29/2026 03:30:15 AM", "Red", "", "More sizes"],
    ]
    assert count_header_rows(rows, 0) == 2
    header = read_header(rows[:2])
    assert header.names == [
        "Respondent ID",
        "Start Date",
        "Which colours? – Red",
        "Which colours? – Blue",
        "What else?",
    ]
    assert header.aliases[4] == ["What else?", "Open-Ended Response"]


def test_qualtrics_three_header_rows_give_labels_and_zones():
    rows = [
        ["StartDate", "ResponseId", "Q1"],
        ["Start Date", "Response ID", "What should we improve?"],
        [
            '{"ImportId":"startDate","timeZone":"America/Denver"}',
            '{"ImportId":"_recordId"}',
            '{"ImportId":"QID1_TEXT"}',
        ],
        ["2026-03-29 03:30:00", "R_abc", "Faster pages"],
    ]
    assert count_header_rows(rows, 0) == 3
    header = read_header(rows[:3])
    assert header.names == ["Start Date", "Response ID", "What should we improve?"]
    assert header.zones == {"Start Date": "America/Denver"}
    assert header.aliases[1][0] == "ResponseId"


def test_one_header_row_stays_one():
    rows = [["Id", "Description"], ["1", "Hello"], ["2", "There"]]
    assert count_header_rows(rows, 0) == 1


def test_survey_questions_are_proposed_as_text_and_attributes():
    header = [
        "#",
        "How was it?",
        "What could we do better?",
        "Which device?",
        "Submit Date (UTC)",
    ]
    samples = [
        [
            "a1",
            "4",
            "The size guide was hard to find on mobile",
            "Phone",
            "2026-01-01 10:00:00",
        ],
        [
            "a2",
            "2",
            "Delivery took two weeks and nobody answered",
            "Desktop",
            "2026-01-02 10:00:00",
        ],
        ["a3", "5", "", "Phone", "2026-01-03 10:00:00"],
    ]
    suggestion = suggest(header, [[c] for c in header], samples)
    assert suggestion.tool.key == "typeform"
    assert suggestion.mapping["text"] == "What could we do better?"
    assert suggestion.mapping["external_id"] == "#"
    assert suggestion.mapping["received_at"] == "Submit Date (UTC)"
    assert suggestion.attribute_columns == ["How was it?", "Which device?"]


@pytest.mark.parametrize(
    ("html", "text"),
    [
        (
            '<div dir="ltr">Hallo,<br>ich m&ouml;chte zur&uuml;ckgeben.</div>',
            "Hallo,\nich möchte zurückgeben.",
        ),
        ("<p>First</p><p>Second</p>", "First\n\nSecond"),
        ("<div>One</div><div><br></div><div>Two</div>", "One\n\nTwo"),
        ("Tom &amp; Jerry &euro;5 &#39;quoted&#39;", "Tom & Jerry €5 'quoted'"),
        ("<script>alert(1)</script><p>Visible</p>", "Visible"),
        ("plain text, a < b", "plain text, a < b"),
    ],
)
def test_html_bodies_become_the_text_a_person_reads(html, text):
    assert html_to_text(html) == text


def test_a_column_is_html_when_its_values_carry_markup():
    assert looks_like_html(["<div>Hi</div>", "plain", "plain", "<br>x"])
    assert not looks_like_html(["I <3 it", "a < b", "5 > 3", "plain"])


def test_an_unclosed_quote_is_its_own_rejected_row_and_reading_goes_on(tmp_path):
    path = write(
        tmp_path,
        "t.csv",
        'Id,Description,Created\n1,Fine,2026-01-01\n2,"Never closed,2026-01-02\n'
        '3,Still here,2026-01-03\n4,"Multi\nline",2026-01-04\n',
    )
    records = list(open_table(path).records)
    assert [
        (line, cells) for line, cells in records if not isinstance(cells, BrokenRecord)
    ] == [
        (2, ["1", "Fine", "2026-01-01"]),
        (4, ["3", "Still here", "2026-01-03"]),
        (5, ["4", "Multi\nline", "2026-01-04"]),
    ]
    broken = [
        (line, cells) for line, cells in records if isinstance(cells, BrokenRecord)
    ]
    assert [line for line, _ in broken] == [3]
    assert "line 3 opens a quote" in broken[0][1].problem


def _claiming_workbook(tmp_path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["Id", "Description", "Created at"])
    sheet.append([1, "Hello", "2026-01-01 10:00"])
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b'<dimension ref="A1:C2"/>', b'<dimension ref="A1:XFD1048576"/>'
                )
                assert b"XFD1048576" in data
            out.writestr(member, data)
    return write(tmp_path, "claims.xlsx", target.getvalue())


def test_a_workbook_is_read_by_the_rows_it_holds_not_the_range_it_claims(tmp_path):
    # How long it takes, against the same rows honestly sized: bench.import_hostile.
    path = _claiming_workbook(tmp_path)
    table = open_table(path)
    records = list(table.records)
    assert table.header == ["Id", "Description", "Created at"]
    assert records == [(2, ["1", "Hello", "2026-01-01 10:00"])]
    assert count_rows(path, None) == 2


def test_a_header_of_a_hundred_thousand_columns_is_refused(tmp_path):
    path = write(
        tmp_path,
        "wide.csv",
        ",".join(f"c{i}" for i in range(100_000))
        + "\n"
        + ",".join("x" * 100_000)
        + "\n",
    )
    with pytest.raises(FileProblem, match="100,000 columns"):
        open_table(path)


def test_reading_stops_past_the_cell_budget(tmp_path, settings):
    settings.IMPORT_MAX_CELLS = 2_500
    rows = "\n".join(f"{n},text {n}" for n in range(3_000))
    path = write(tmp_path, "many.csv", "Id,Description\n" + rows + "\n")
    with pytest.raises(FileProblem, match="more than 2,500 cells"):
        list(open_table(path).records)


def test_reading_stops_past_the_time_budget(tmp_path, settings):
    settings.IMPORT_MAX_SECONDS = -1
    rows = "\n".join(f"{n},text {n}" for n in range(1_500))
    path = write(tmp_path, "slow.csv", "Id,Description\n" + rows + "\n")
    with pytest.raises(FileProblem, match="took longer than -1 seconds"):
        list(open_table(path).records)
