"""Every export cell is safe in a spreadsheet, and the original text survives."""

import csv
import io
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from cromaturity.spreadsheets import (
    FORMULA_TRIGGERS,
    Sheet,
    csv_bytes,
    csv_lines,
    download_response,
    export_filename,
    neutralise_cell,
    restore_cell,
    write_xlsx,
    xlsx_bytes,
)
from tests.spreadsheet_locales import (
    SEMICOLON_HOSTILE,
    every_field_quoted,
    live_formulas,
)

ROOT = Path(__file__).resolve().parents[2]
APP_PACKAGES = ["cromaturity", "assessments", "backlog", "collaboration"]
CSV_WRITING = re.compile(r"csv\.writer\(|DictWriter|\.to_csv\(")


@given(st.text())
def test_a_neutralised_cell_never_starts_a_formula_and_can_be_restored(text):
    cell = neutralise_cell(text)
    assert not cell.startswith(FORMULA_TRIGGERS)
    assert restore_cell(cell) == text


@pytest.mark.parametrize("value", [3, 2.5, None, date(2026, 1, 2)])
def test_non_text_values_are_left_alone(value):
    assert neutralise_cell(value) == value


def test_csv_neutralises_formulas_and_reads_back():
    hostile = '=HYPERLINK("http://x.invalid","y")'
    text = "".join(csv_lines(["text", "n"], [[hostile, 1], ["-2+3", 2], ["ok", 3]]))
    assert text.startswith("\ufeff")
    frame = pd.read_csv(io.StringIO(text.lstrip("\ufeff")))
    assert frame["text"].tolist() == ["'" + hostile, "'-2+3", "ok"]
    assert frame["text"].map(restore_cell).tolist() == [hostile, "-2+3", "ok"]
    assert frame["n"].tolist() == [1, 2, 3]


def test_csv_quotes_every_field_so_semicolon_locales_find_no_formula():
    rows = [[SEMICOLON_HOSTILE, -2.5, None], ["=1+1", 3, "a\nb"]]
    content = csv_bytes(["text", "n", "note"], rows)
    assert every_field_quoted(content)
    assert live_formulas(content) == []
    header, *read = csv.reader(io.StringIO(content.decode("utf-8-sig")))
    assert header == ["text", "n", "note"]
    assert [[restore_cell(cell) for cell in row] for row in read] == [
        [SEMICOLON_HOSTILE, "-2.5", ""],
        ["=1+1", "3", "a\nb"],
    ]


def test_every_csv_the_app_writes_goes_through_the_quoting_writer():
    writers = [
        (str(path.relative_to(ROOT)), line.strip())
        for package in APP_PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for line in path.read_text().splitlines()
        if CSV_WRITING.search(line)
    ]
    assert writers == [
        (
            "cromaturity/spreadsheets.py",
            "return csv.writer(target, quoting=csv.QUOTE_ALL)",
        )
    ]


def test_xlsx_keeps_text_as_text_and_numbers_as_numbers(tmp_path):
    hostile = '=HYPERLINK("http://x.invalid","y")'
    path = tmp_path / "out.xlsx"
    write_xlsx(
        path,
        [
            Sheet(
                "Points",
                ["text", "score", "when", "day"],
                [
                    [hostile, 3.25, datetime(2026, 5, 1, 12, 30, tzinfo=UTC), None],
                    ["@cmd", 4, None, date(2026, 5, 2)],
                ],
                widths=[40, 8],
            )
        ],
    )
    sheet = load_workbook(path)["Points"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A2"].value == "'" + hostile
    assert sheet["A2"].data_type == "s"
    assert sheet["A3"].value == "'@cmd"
    assert sheet["B2"].value == 3.25
    assert sheet["B3"].value == 4
    assert sheet["C2"].value == datetime(2026, 5, 1, 12, 30, tzinfo=UTC).replace(
        tzinfo=None
    )
    frame = pd.read_excel(path, sheet_name="Points")
    assert frame["score"].dtype.kind == "f"
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"


def test_export_filenames_are_chosen_by_the_server():
    assert (
        export_filename("acme", "Backlog list", "csv", date(2026, 11, 2))
        == "acme-backlog-list-2026-11-02.csv"
    )


@given(st.lists(st.text(), min_size=1, max_size=5))
def test_any_text_survives_a_csv_export_and_never_starts_a_formula(texts):
    content = csv_bytes(["text"], [[text] for text in texts])
    rows = list(csv.reader(io.StringIO(content.decode("utf-8").removeprefix("\ufeff"))))
    cells = [row[0] for row in rows[1:]]
    assert not [cell for cell in cells if cell.startswith(FORMULA_TRIGGERS)]
    assert [restore_cell(cell) for cell in cells] == texts


def test_xlsx_bytes_are_the_same_for_the_same_data_and_creation_time():
    sheets = [
        Sheet("Scores", ["point", "score"], [["S1", 2.5]], number_formats={1: "0.00"})
    ]
    created = datetime(2026, 5, 1, tzinfo=UTC)
    first = xlsx_bytes(sheets, created=created)
    second = xlsx_bytes(sheets, created=created)
    assert first == second
    sheet = load_workbook(io.BytesIO(first))["Scores"]
    assert sheet["B2"].value == 2.5
    assert sheet["B2"].number_format == "0.00"


def test_a_download_response_is_an_attachment():
    response = download_response(
        "acme-scorecard-2026-05-01.pdf", "application/pdf", b"%PDF"
    )
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="acme-scorecard-2026-05-01.pdf"'
    )
    assert response.content == b"%PDF"


@pytest.mark.parametrize(
    ("filename", "header"),
    [
        ("plain.csv", 'attachment; filename="plain.csv"'),
        ('a"b\\c.csv', 'attachment; filename="a_b_c.csv"'),
        (
            "größe.csv",
            "attachment; filename=\"groe.csv\"; filename*=UTF-8''gr%C3%B6%C3%9Fe.csv",
        ),
        (
            "a b;c.csv",
            'attachment; filename="a b;c.csv"',
        ),
    ],
)
def test_a_download_header_stays_ascii_and_quoted_for_any_file_name(filename, header):
    response = download_response(filename, "text/csv", b"")
    assert response["Content-Disposition"] == header


@pytest.mark.parametrize("text", ["'=", "''+1", "'hello", "=SUM(A1)", "'"])
def test_text_starting_with_quotes_comes_back_as_it_was(text):
    cell = neutralise_cell(text)
    assert not cell.startswith(FORMULA_TRIGGERS)
    assert restore_cell(cell) == text
