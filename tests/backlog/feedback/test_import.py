"""Importing exports into the database: counts, re-imports, rejects, atomicity."""

import csv
import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from backlog.feedback.importing import cleaning, preparing, running
from backlog.feedback.importing.reading import FileProblem
from backlog.feedback.importing.run import (
    ImportRefused,
    confirm_import,
    prepare_import,
    retry_import,
    run_import,
)
from backlog.models import FeedbackImport, FeedbackItem, ImportMapping, ImportStatus
from tests.spreadsheet_locales import (
    SEMICOLON_HOSTILE,
    every_field_quoted,
    live_formulas,
)

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "samples"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(org, name, content: bytes, **kwargs) -> FeedbackImport:
    return prepare_import(
        org, uploaded=ContentFile(content, name=name), original_name=name, by=None
    )


def run(feedback_import, **changes):
    for field, value in changes.items():
        setattr(feedback_import, field, value)
    feedback_import.status = ImportStatus.QUEUED
    feedback_import.save()
    return run_import(feedback_import)


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


@pytest.mark.parametrize(
    ("name", "count", "tool", "source"),
    [
        ("zendesk_tickets.csv", 400, "zendesk", "Zendesk"),
        ("intercom_conversations.csv", 250, "intercom", "Intercom"),
        ("freshdesk_tickets_de.csv", 150, "freshdesk", "Freshdesk"),
    ],
)
def test_each_sample_imports_once_and_reimports_as_unchanged(
    org, name, count, tool, source
):
    first = upload(org, name, sample(name))
    assert (first.tool, first.source_system) == (tool, source)
    assert run(first).line() == f"created={count} updated=0 unchanged=0 rejected=0"
    second = upload(org, name, sample(name))
    assert run(second).line() == f"created=0 updated=0 unchanged={count} rejected=0"
    assert FeedbackItem.objects.for_org(org).count() == count
    first.refresh_from_db()
    assert (first.status, first.created, first.rows_read) == (
        ImportStatus.SUCCEEDED,
        count,
        count,
    )


def test_text_accents_emoji_and_themes_survive_the_database(org):
    run(upload(org, "conv.csv", sample("intercom_conversations.csv")))
    item = FeedbackItem.objects.get(external_id="21508891869609")
    assert item.text.endswith("Sent from my iPhone  😡")
    assert sorted(item.themes.values_list("name", flat=True)) == [
        "mobile",
        "new-customer",
    ]
    assert item.customer_ref.startswith("cust-")
    assert item.source == "chat"
    freshdesk = upload(org, "fd.csv", sample("freshdesk_tickets_de.csv"))
    run(freshdesk)
    assert FeedbackItem.objects.get(external_id="FD-5011").text == (
        "Price on the category page was €39 but €45 in the basket."
    )


def test_a_changed_row_updates_its_item_and_its_themes(org):
    header = "Id,Description,Created at,Tags\n"
    run(
        upload(
            org, "a.csv", (header + "1,Slow checkout,2026-08-01,checkout\n").encode()
        )
    )
    summary = run(
        upload(
            org, "b.csv", (header + "1,Very slow checkout,2026-08-01,speed\n").encode()
        )
    )
    assert summary.line() == "created=0 updated=1 unchanged=0 rejected=0"
    item = FeedbackItem.objects.get(external_id="1")
    assert item.text == "Very slow checkout"
    assert list(item.themes.values_list("name", flat=True)) == ["speed"]
    # A changed item gets a new version, so an edit form opened before the
    # import cannot overwrite the new text; an unchanged one keeps its version.
    assert item.version == 2
    run(
        upload(
            org, "c.csv", (header + "1,Very slow checkout,2026-08-01,speed\n").encode()
        )
    )
    item.refresh_from_db()
    assert item.version == 2


def test_a_row_with_more_than_thirty_themes_is_rejected_with_its_reason(org):
    many = ", ".join(f"t{n}" for n in range(500))
    content = (
        "Id,Description,Created at,Tags\n"
        f'1,Slow checkout,2026-08-01,"{many}"\n'
        f'2,Fast search,2026-08-01,"{", ".join(f"t{n}" for n in range(30))}"\n'
    ).encode()
    feedback_import = upload(org, "themes.csv", content)
    assert run(feedback_import).line() == "created=1 updated=0 unchanged=0 rejected=1"
    feedback_import.refresh_from_db()
    (rejected,) = csv.DictReader(
        io.StringIO(feedback_import.rejected_file.read().decode("utf-8-sig"))
    )
    assert (rejected["Id"], rejected["Tags"]) == ("1", many)
    assert rejected["reason"] == (
        "500 themes, more than the 30 one item may have (themes are separated by "
        "commas, semicolons or bars) in column “Tags”"
    )
    assert FeedbackItem.objects.get(external_id="2").themes.count() == 30


def test_the_same_ids_from_another_tool_are_other_items(org):
    content = b"Id,Description,Created at\n1,Hello,2026-08-01\n"
    run(upload(org, "a.csv", content), source_system="zendesk")
    run(upload(org, "b.csv", content), source_system="freshdesk")
    assert FeedbackItem.objects.filter(external_id="1").count() == 2


def test_rejected_rows_are_kept_with_their_reason(org):
    content = (
        b"Id,Description,Created at\r\n"
        b"1,Fine,2026-08-01 10:00\r\n"
        b"\r\n"
        b"2,,2026-08-01 10:00\r\n"
        b"3,Bad date,31.02.2026\r\n"
        b"1,Fine,2026-08-01 10:00\r\n"
        b'4,"=HYPERLINK(""http://x.invalid"",""y"")",2026-08-02 10:00\r\n'
    )
    feedback_import = upload(org, "bad.csv", content)
    assert run(feedback_import).line() == "created=2 updated=0 unchanged=0 rejected=3"
    feedback_import.refresh_from_db()
    rows = list(
        csv.DictReader(
            io.StringIO(feedback_import.rejected_file.read().decode("utf-8-sig"))
        )
    )
    assert [(r["line"], r["Id"], r["reason"]) for r in rows] == [
        ("4", "2", "no text"),
        ("5", "3", "impossible date “31.02.2026” in column “Created at”"),
        ("6", "1", "repeats line 2 (duplicate row)"),
    ]
    assert FeedbackItem.objects.get(external_id="4").text.startswith("=HYPERLINK")


def test_a_failure_midway_leaves_nothing_and_can_be_retried(org, monkeypatch):
    monkeypatch.setattr(cleaning, "CHUNK_ROWS", 100)
    feedback_import = upload(org, "z.csv", sample("zendesk_tickets.csv"))
    real_finish = running._finish

    def failing_finish(*args):
        # The items are written by now: they must all go with the transaction.
        assert FeedbackItem.objects.count() == 400
        raise RuntimeError("disk full")

    monkeypatch.setattr(running, "_finish", failing_finish)
    with pytest.raises(RuntimeError):
        run(feedback_import)
    feedback_import.refresh_from_db()
    assert feedback_import.status == ImportStatus.FAILED
    assert "nothing was saved" in feedback_import.error
    assert FeedbackItem.objects.count() == 0
    assert Path(feedback_import.file.path).exists()

    monkeypatch.setattr(running, "_finish", real_finish)
    retry_import(feedback_import)
    feedback_import.refresh_from_db()
    assert feedback_import.status == ImportStatus.QUEUED
    run_import(feedback_import)
    feedback_import.refresh_from_db()
    assert (feedback_import.status, feedback_import.created) == (
        ImportStatus.SUCCEEDED,
        400,
    )
    assert feedback_import.attempts == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"\x00\x01\x02\x03" * 100, "binary data"),
    ],
)
def test_unreadable_uploads_are_refused_and_not_kept(org, content, message, settings):
    with pytest.raises(FileProblem, match=message):
        upload(org, "x.csv", content)
    assert not FeedbackImport.objects.exists()
    media = Path(settings.MEDIA_ROOT) / "imports"
    assert not any(p.is_file() for p in media.rglob("*")) if media.exists() else True


def _workbook(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "suffix"),
    [
        ("tickets.csv", "workbook", ".xlsx"),
        ("tickets", "workbook", ".xlsx"),
        ("tickets.xlsx", "csv", ".csv"),
        ("tickets.html", "csv", ".csv"),
    ],
)
def test_the_content_not_the_name_says_what_a_file_is(org, name, content, suffix):
    rows = [["Id", "Description"], ["1", "Parcel late"], ["2", "Size too small"]]
    data = (
        _workbook(rows)
        if content == "workbook"
        else "\n".join(",".join(r) for r in rows).encode()
    )
    feedback_import = upload(org, name, data)
    assert feedback_import.file.name.endswith(suffix)
    assert feedback_import.original_name == name
    assert run(feedback_import).line() == "created=2 updated=0 unchanged=0 rejected=0"


def test_a_damaged_workbook_is_refused_clearly_and_not_kept(org, settings):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types>")
        archive.writestr("xl/workbook.xml", "<not-quite-xml")
    with pytest.raises(FileProblem, match="The XLSX file is damaged"):
        upload(org, "broken.xlsx", buffer.getvalue())
    assert not FeedbackImport.objects.exists()
    media = Path(settings.MEDIA_ROOT) / "imports"
    assert not any(p.is_file() for p in media.rglob("*"))


def test_nul_characters_anywhere_in_a_file_are_dropped(org):
    # A few stray NULs in an otherwise ordinary export (many would be binary).
    words = "The checkout page takes far too long to load on my phone. " * 3
    content = (
        "Id,Descrip\x00tion,Product area,Tags\n"
        f"1,Slow\x00 checkout. {words},Pay\x00ment,check\x00out\n"
    ).encode()
    feedback_import = upload(org, "nul.csv", content)
    assert feedback_import.header == ["Id", "Description", "Product area", "Tags"]
    assert run(feedback_import).line() == "created=1 updated=0 unchanged=0 rejected=0"
    item = FeedbackItem.objects.get()
    assert (item.text, item.product_area) == (
        f"Slow checkout. {words}".strip(),
        "Payment",
    )
    assert list(item.themes.values_list("name", flat=True)) == ["checkout"]


def test_an_upload_that_fails_unexpectedly_keeps_no_file(org, settings, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(preparing, "estimate_rows", broken)
    with pytest.raises(RuntimeError):
        upload(org, "x.csv", b"Id,Description\n1,Hello\n")
    assert not FeedbackImport.objects.exists()
    media = Path(settings.MEDIA_ROOT) / "imports"
    assert not any(p.is_file() for p in media.rglob("*"))


def test_confirming_checks_the_mapping_and_saves_it_for_next_time(
    org, admin_user, django_capture_on_commit_callbacks
):
    feedback_import = upload(org, "z.csv", sample("zendesk_tickets.csv"))
    with pytest.raises(ImportRefused, match="text of the feedback"):
        confirm_import(
            feedback_import, mapping={}, source_system="zendesk", date_format="iso"
        )
    mapping = dict(feedback_import.mapping)
    with django_capture_on_commit_callbacks(execute=True):
        confirm_import(
            feedback_import,
            mapping=mapping,
            source_system="Zendesk",
            date_format="iso",
            save_as="Zendesk tickets",
            by=admin_user,
        )
    feedback_import.refresh_from_db()
    assert feedback_import.status == ImportStatus.SUCCEEDED
    assert (feedback_import.source_system, feedback_import.tool) == (
        "Zendesk",
        "zendesk",
    )
    saved = ImportMapping.objects.get(organisation=org)
    assert saved.mapping == mapping
    mapping_without_subject = {k: v for k, v in mapping.items() if k != "subject"}
    saved.mapping = mapping_without_subject
    saved.save()
    again = upload(org, "z2.csv", sample("zendesk_tickets.csv"))
    assert again.mapping == mapping_without_subject


def test_an_import_cannot_be_confirmed_twice(org, django_capture_on_commit_callbacks):
    feedback_import = upload(org, "z.csv", sample("intercom_conversations.csv"))
    with django_capture_on_commit_callbacks(execute=True):
        confirm_import(
            feedback_import,
            mapping=feedback_import.mapping,
            source_system="intercom",
            date_format="iso",
        )
    with pytest.raises(ImportRefused, match="already been started"):
        confirm_import(
            feedback_import,
            mapping=feedback_import.mapping,
            source_system="intercom",
            date_format="iso",
        )


def _large_csv(rows: int) -> bytes:
    lines = ["Id,Description,Created at,Tags"]
    lines += [f"{n},Feedback number {n},2026-08-01 10:00,t{n % 7}" for n in range(rows)]
    lines.append(",missing id,2026-08-01 10:00,")
    return ("\n".join(lines) + "\n").encode()


def test_a_large_file_is_read_in_chunks_with_every_row_accounted_for(org):
    feedback_import = upload(org, "big.csv", _large_csv(21_000))
    assert feedback_import.rows_total > 4 * cleaning.CHUNK_ROWS
    assert run(feedback_import).line() == (
        "created=21000 updated=0 unchanged=0 rejected=1"
    )
    assert FeedbackItem.objects.filter(themes__name="t3").count() == 3000


def test_a_row_cap_stops_the_import_with_a_message_and_saves_nothing(org, settings):
    settings.IMPORT_MAX_ROWS = 20_500
    feedback_import = upload(org, "big.csv", _large_csv(21_000))
    with pytest.raises(ImportRefused, match="more than 20,500 rows"):
        run(feedback_import)
    feedback_import.refresh_from_db()
    assert feedback_import.status == ImportStatus.FAILED
    assert "split it into smaller files" in feedback_import.error
    assert not FeedbackItem.objects.exists()


def test_rejected_rows_quote_every_field_keep_formulas_out_and_import_again(
    org, admin_client
):
    content = (
        "Id,Description,Created at\r\n"
        "1,Fine,2026-08-01 10:00\r\n"
        f'"{SEMICOLON_HOSTILE}",,2026-08-01 10:00\r\n'
        "3,=1+1,31.02.2026\r\n"
    ).encode()
    feedback_import = upload(org, "bad.csv", content)
    assert run(feedback_import).line() == "created=1 updated=0 unchanged=0 rejected=2"
    feedback_import.refresh_from_db()
    rejected = feedback_import.rejected_file.read()
    assert every_field_quoted(rejected)
    assert live_formulas(rejected) == []
    rows = list(csv.DictReader(io.StringIO(rejected.decode("utf-8-sig"))))
    assert [(r["Id"], r["Description"]) for r in rows] == [
        (SEMICOLON_HOSTILE, ""),
        ("3", "'=1+1"),
    ]
    page = admin_client.get(feedback_import.get_absolute_url()).text
    assert "3 | =1+1 | 31.02.2026" in page

    fixed = (
        rejected.decode("utf-8-sig")
        .replace('"",', '"Now with text",', 1)
        .replace("31.02.2026", "2026-02-27 10:00")
    )
    again = upload(org, "bad.rejected.csv", fixed.encode())
    assert run(again).line() == "created=2 updated=0 unchanged=0 rejected=0"
    assert FeedbackItem.objects.get(external_id="3").text == "=1+1"
    assert FeedbackItem.objects.get(external_id=SEMICOLON_HOSTILE).text == (
        "Now with text"
    )


def test_command_prints_the_summary_and_writes_rejected_rows(org, tmp_path, capsys):
    source = tmp_path / "export.csv"
    source.write_bytes(b"Id,Description,Erstellt am\n1,Hallo,31.12.2025 10:00\n2,,\n")
    call_command("import_feedback", str(source), org="acme", dayfirst=True)
    out, err = capsys.readouterr()
    assert out.strip() == "created=1 updated=0 unchanged=0 rejected=1"
    rejected = (tmp_path / "export.rejected.csv").read_text(encoding="utf-8-sig")
    assert rejected.splitlines()[1] == '"3","2","","","no text"'
    call_command("import_feedback", str(source), org="acme", dayfirst=True)
    assert "unchanged=1" in capsys.readouterr().out


def test_command_mapping_and_source_system_options(org, tmp_path, capsys):
    source = tmp_path / "survey.csv"
    source.write_text("Q1,When\nLove the new filters,2026-09-01\n", encoding="utf-8")
    call_command(
        "import_feedback",
        str(source),
        org="acme",
        map=["text=Q1", "received_at=When"],
        source_system="typeform",
    )
    item = FeedbackItem.objects.get()
    assert (item.text, item.source, item.source_system) == (
        "Love the new filters",
        "survey",
        "typeform",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/nonexistent.csv", "--org", "acme"], "No file at"),
        (["{sample}", "--org", "nope"], "No organisation with the slug"),
        (["{sample}", "--org", "acme", "--map", "colour=Id"], "write FIELD=COLUMN"),
        (["{binary}", "--org", "acme"], "binary data"),
    ],
)
def test_command_refuses_bad_input_clearly(org, tmp_path, args, message):
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(300))
    args = [
        a.format(sample=SAMPLES / "zendesk_tickets.csv", binary=binary) for a in args
    ]
    with pytest.raises(CommandError, match=message):
        call_command("import_feedback", *args)
    assert not FeedbackItem.objects.exists()


def test_a_row_whose_quote_is_never_closed_is_reported_under_the_header(org):
    content = (
        b"Id,Description,Created at\n"
        b"1,Fine,2026-08-01\n"
        b'2,"Never closed,2026-08-01\n'
        b"3,After it,2026-08-02\n"
    )
    feedback_import = upload(org, "q.csv", content)
    assert run(feedback_import).line() == "created=2 updated=0 unchanged=0 rejected=1"
    feedback_import.refresh_from_db()
    with feedback_import.rejected_file.open("rb") as handle:
        (row,) = csv.DictReader(io.StringIO(handle.read().decode("utf-8-sig")))
    assert row["line"] == "3"
    assert row["Id"] == '2,"Never closed,2026-08-01'
    assert row["reason"].startswith("line 3 opens a quote")
    assert FeedbackItem.objects.get(external_id="3").text == "After it"
