"""Reading help-desk exports: encodings, delimiters, layouts, and files that are not."""

import csv
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from backlog.feedback.importing.dates import detect_date_format
from backlog.feedback.importing.mapping import (
    mapping_problems,
    suggest,
    suggest_mapping,
)
from backlog.feedback.importing.reading import (
    FileProblem,
    Layout,
    detect_delimiter,
    detect_encoding,
    find_header_row,
    open_table,
)
from backlog.feedback.importing.rows import CleanOptions, clean_records

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "samples"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def clean_file(path: Path, layout: Layout | None = None, tz="UTC", **overrides):
    table = open_table(path, layout)
    mapping = overrides.pop("mapping", None) or suggest_mapping(table.header)
    records = list(table.records)
    date_format = "iso"
    if "received_at" in mapping:
        position = table.header.index(mapping["received_at"])
        date_format, _ = detect_date_format(
            [cells[position] for _, cells in records[:200] if len(cells) > position],
            ZoneInfo(tz),
        )
    options = CleanOptions(
        mapping=mapping,
        date_format=overrides.pop("date_format", date_format),
        tz=ZoneInfo(tz),
        now=NOW,
        default_source="ticket",
        pseudonym_key=b"test-key",
        **overrides,
    )
    clean, rejected = clean_records(table.header, records, options)
    return table, clean, rejected


@pytest.mark.parametrize(
    ("name", "encoding", "delimiter", "system", "rows"),
    [
        ("zendesk_tickets.csv", "utf-8-sig", ",", "zendesk", 400),
        ("intercom_conversations.csv", "utf-8-sig", ",", "intercom", 250),
        ("freshdesk_tickets_de.csv", "cp1252", ";", "freshdesk", 150),
    ],
)
def test_every_sample_is_read_whole(name, encoding, delimiter, system, rows):
    table, clean, rejected = clean_file(SAMPLES / name)
    assert (table.layout.encoding, table.layout.delimiter) == (encoding, delimiter)
    assert suggest(table.header, table.aliases, []).tool.key == system
    assert (len(clean), rejected) == (rows, [])
    assert len({row.external_id for row in clean}) == rows


def test_intercom_text_keeps_line_breaks_accents_and_emoji():
    _, clean, _ = clean_file(SAMPLES / "intercom_conversations.csv")
    first = next(row for row in clean if row.external_id == "21508891869609")
    assert first.text.startswith("The menu on my Android phone covers the whole")
    assert first.text.endswith("Sent from my iPhone  😡")
    assert "\n" in first.text
    assert first.page == "https://shop.example.com/size-guide"
    assert first.themes == ["mobile", "new-customer"]
    assert first.sentiment == "negative"
    assert first.source == "chat"
    assert first.received_at == datetime(2026, 7, 18, 5, 8, tzinfo=UTC)


def test_freshdesk_german_excel_export_reads_day_first_dates_and_euro_signs():
    _, clean, _ = clean_file(SAMPLES / "freshdesk_tickets_de.csv", tz="Europe/Berlin")
    by_id = {row.external_id: row for row in clean}
    assert by_id["FD-5011"].text == (
        "Price on the category page was €39 but €45 in the basket."
    )
    # 12.07.2026 01:20 in Berlin (summer time) is 23:20 UTC the day before.
    assert by_id["FD-5011"].received_at == datetime(2026, 7, 11, 23, 20, tzinfo=UTC)
    assert by_id["FD-5003"].source == "call"
    assert by_id["FD-5003"].product_area == "search"


def test_zendesk_emails_and_phone_numbers_are_masked_and_customers_pseudonymised():
    _, clean, _ = clean_file(SAMPLES / "zendesk_tickets.csv")
    by_id = {row.external_id: row for row in clean}
    assert by_id["10001"].text.endswith("or call me on [phone]")
    assert "+44" not in "".join(row.text for row in clean)
    assert all("@" not in row.customer for row in clean)
    assert by_id["10001"].customer.startswith("cust-")


def test_masking_can_be_switched_off():
    _, clean, _ = clean_file(SAMPLES / "zendesk_tickets.csv", mask_contacts=False)
    by_id = {row.external_id: row for row in clean}
    assert by_id["10001"].text.endswith("or call me on +44 7126 781098")


def _rewrite(source: Path, target: Path, encoding: str, delimiter: str, src_enc):
    with source.open(encoding=src_enc, newline="") as handle:
        records = list(
            csv.reader(handle, delimiter="," if "zendesk" in source.name else ";")
        )
    with target.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter, lineterminator="\r\n").writerows(
            records
        )
    return records


def test_utf16_tab_separated_unicode_text_export(tmp_path):
    target = tmp_path / "export.txt"
    _rewrite(SAMPLES / "zendesk_tickets.csv", target, "utf-16", "\t", "utf-8-sig")
    table, clean, rejected = clean_file(target)
    assert (table.layout.encoding, table.layout.delimiter) == ("utf-16", "\t")
    assert (len(clean), rejected) == (400, [])
    _, original, _ = clean_file(SAMPLES / "zendesk_tickets.csv")
    assert [r.text for r in clean] == [r.text for r in original]


def test_xlsx_export(tmp_path):
    with (SAMPLES / "intercom_conversations.csv").open(encoding="utf-8-sig") as f:
        records = list(csv.reader(f))
    workbook = Workbook()
    sheet = workbook.active
    for record in records:
        sheet.append(record)
    path = tmp_path / "conversations.xlsx"
    workbook.save(path)
    table, clean, rejected = clean_file(path)
    assert table.layout.kind == "xlsx"
    assert (len(clean), rejected) == (250, [])
    assert any(row.text.endswith("😡") for row in clean)


def test_bad_rows_are_rejected_with_reasons_and_nothing_is_lost(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "Id,Description,Created at\r\n"
        "1,Fine text,2026-08-01 10:00\r\n"
        "\r\n"
        ",No id here,2026-08-01 10:00\r\n"
        "3,,2026-08-01 10:00\r\n"
        "4,Impossible,2026-02-31 10:00\r\n"
        "5,Future,2031-01-01 10:00\r\n"
        '6,"=HYPERLINK(""http://x.invalid"",""y"")",2026-08-02 10:00\r\n'
        "7,Too,many,cells\r\n"
        "8,No date,\r\n",
        encoding="utf-8",
    )
    _, clean, rejected = clean_file(path)
    assert [(r.line, r.reason) for r in rejected] == [
        (4, "no id in column “Id”"),
        (5, "no text"),
        (6, "impossible date “2026-02-31 10:00” in column “Created at”"),
        (7, "date “2031-01-01 10:00” is in the future in column “Created at”"),
        (9, "4 cells where the header has 3 (a delimiter inside unquoted text?)"),
        (10, "no date in column “Created at”"),
    ]
    assert [r.external_id for r in clean] == ["1", "6"]
    assert clean[1].text == '=HYPERLINK("http://x.invalid","y")'


def test_rows_without_an_id_column_get_a_stable_content_id(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text("Comment,Submitted at\nLove it,2026-08-01\n", encoding="utf-8")
    _, first, _ = clean_file(path)
    _, second, _ = clean_file(path)
    assert first[0].external_id.startswith("fp-")
    assert first[0].external_id == second[0].external_id


def test_a_title_line_above_the_header_is_skipped(tmp_path):
    path = tmp_path / "report.csv"
    path.write_text(
        "Tickets report generated 2026-11-01\n"
        "Ticket ID,Subject,Description,Created\n"
        "A-1,Hi,Where is my parcel?,2026-10-01\n",
        encoding="utf-8",
    )
    table, clean, _ = clean_file(path)
    assert table.header == ["Ticket ID", "Subject", "Description", "Created"]
    assert clean[0].text == "Where is my parcel?"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary data"),
        (b"PK\x03\x04garbage", "damaged"),
    ],
)
def test_files_that_are_not_exports_get_a_clear_message(tmp_path, content, message):
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    with pytest.raises(FileProblem, match=message):
        open_table(path)


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "renamed.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "hello")
    with pytest.raises(FileProblem, match="not an Excel workbook"):
        list(open_table(path).records)


def test_a_zip_bomb_is_refused(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", "0" * (50 * 1024 * 1024))
    with pytest.raises(FileProblem, match="expands to far more"):
        list(open_table(path).records)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xef\xbb\xbfId,Text\n", "utf-8-sig"),
        (b"\xff\xfeI\x00d\x00", "utf-16"),
        ("Id\tText\n".encode("utf-16-le"), "utf-16-le"),
        ("Straße;Grüße\n".encode("cp1252"), "cp1252"),
        ("Straße;Grüße\n".encode(), "utf-8"),
    ],
)
def test_encoding_detection(head, expected):
    assert detect_encoding(head) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a;b;c\n1;2,5;3\n", ";"),
        ("a\tb\n1\t2\n", "\t"),
        ('id,text\n1,"hello; world"\n2,"x; y"\n', ","),
        ("a|b|c\n1|2|3\n", "|"),
    ],
)
def test_delimiter_detection(text, expected):
    assert detect_delimiter(text) == expected


def test_header_row_detection_skips_numbers_and_titles():
    rows = [["Export"], ["Id", "Text", "Date"], ["1", "hi", "2026-01-01"]]
    assert find_header_row(rows) == 1


def test_suggested_mapping_for_each_help_desk():
    with (SAMPLES / "freshdesk_tickets_de.csv").open(encoding="cp1252") as f:
        header = next(csv.reader(io.StringIO(f.readline()), delimiter=";"))
    assert suggest_mapping(header) == {
        "text": "Beschreibung",
        "subject": "Betreff",
        "external_id": "Ticket-ID",
        "received_at": "Erstellt am",
        "source": "Quelle",
        "customer": "Kunde",
        "product_area": "Typ",
        "themes": "Tags",
    }


def test_mapping_problems_are_explained():
    header = ["A", "B"]
    assert mapping_problems({"text": "A"}, header) == []
    assert mapping_problems({}, header) == [
        "Choose the column that holds the text of the feedback."
    ]
    assert "not in the file: C" in mapping_problems({"text": "C"}, header)[0]
    assert "used twice" in mapping_problems({"text": "A", "page": "A"}, header)[0]
