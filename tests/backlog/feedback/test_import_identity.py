"""Identity that cannot clash: named sources, fingerprints of rows without an
id, duplicates only when a row repeats whole; and imports that never read a file
inside the write transaction."""

import csv
import io
from datetime import UTC, datetime
from importlib import import_module

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection

from backlog.feedback.importing import cleaning, running
from backlog.feedback.importing.rows import CleanRow, fingerprint
from backlog.feedback.importing.run import (
    FileProblem,
    ImportRefused,
    prepare_import,
    run_import,
    save_choices,
)
from backlog.feedback.importing.sources import canonical_source, propose_source
from backlog.feedback.importing.tools import TOOLS_BY_KEY
from backlog.models import BacklogSettings, FeedbackImport, FeedbackItem, ImportStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(org, name: str, content: bytes) -> FeedbackImport:
    return prepare_import(
        org, uploaded=ContentFile(content, name=name), original_name=name, by=None
    )


def run(feedback_import, **choices):
    if choices:
        current = {
            "mapping": feedback_import.mapping,
            "source_system": feedback_import.source_system,
            "date_format": feedback_import.date_format,
            "time_zone": feedback_import.time_zone,
            "no_date": feedback_import.no_date,
            "attribute_columns": feedback_import.attribute_columns,
            "html_columns": feedback_import.html_columns,
        }
        feedback_import = save_choices(feedback_import, **(current | choices))
    FeedbackImport.objects.filter(pk=feedback_import.pk).update(
        status=ImportStatus.QUEUED
    )
    feedback_import.refresh_from_db()
    return run_import(feedback_import).line()


SURVEY = (
    "What could we improve?,Submitted,Respondent\n"
    "Faster delivery please,2026-08-01 10:00,ann@example.org\n"
    "Faster delivery please,2026-08-01 10:00,bob@example.org\n"
    "Faster delivery please,2026-08-01 10:00,ann@example.org\n"
    "Faster delivery please,2026-08-02 10:00,ann@example.org\n"
)


def test_two_people_writing_the_same_words_are_two_items(org):
    feedback_import = upload(org, "survey.csv", SURVEY.encode())
    assert "external_id" not in feedback_import.mapping
    assert run(feedback_import) == "created=3 updated=0 unchanged=0 rejected=1"
    ids = list(FeedbackItem.objects.values_list("external_id", flat=True))
    assert len(set(ids)) == 3
    assert all(i.startswith("fp-") for i in ids)
    again = upload(org, "survey.csv", SURVEY.encode())
    assert run(again) == "created=0 updated=0 unchanged=3 rejected=1"


def test_only_a_row_repeated_whole_is_a_duplicate(org):
    content = (
        "Comment,Date,Rating\n"
        "Great tent,2026-08-01,5\n"
        "Great tent,2026-08-01,4\n"
        "Great tent,2026-08-01,5\n"
    )
    feedback_import = upload(org, "s.csv", content.encode())
    assert run(feedback_import, mapping={"text": "Comment", "received_at": "Date"}) == (
        "created=2 updated=0 unchanged=0 rejected=1"
    )
    ids = sorted(FeedbackItem.objects.values_list("external_id", flat=True))
    assert ids[1] == ids[0] + "-2"


def test_the_same_id_with_other_content_in_one_file_is_named_as_a_clash(org):
    content = "Id,Description,Created at\n1,Hello,2026-08-01\n1,Other,2026-08-01\n"
    feedback_import = upload(org, "t.csv", content.encode())
    assert run(feedback_import) == "created=1 updated=0 unchanged=0 rejected=1"
    feedback_import.refresh_from_db()
    rejected = feedback_import.rejected_file.read().decode("utf-8-sig")
    assert "same id “1” as line 2, with other content" in rejected


def test_files_of_unknown_tools_do_not_share_one_namespace(org):
    first = (
        "Id,Description,Created at\n1,Parcel late,2026-08-01\n2,Size small,2026-08-01\n"
    )
    second = "Ref,Comment,When\n1,Love the app,2026-08-03\n2,Slow pages,2026-08-03\n"
    assert run(upload(org, "returns.csv", first.encode())) == (
        "created=2 updated=0 unchanged=0 rejected=0"
    )
    other = upload(org, "app-reviews.csv", second.encode())
    returns = FeedbackImport.objects.get(original_name="returns.csv")
    assert other.source_system != returns.source_system
    assert run(other) == "created=2 updated=0 unchanged=0 rejected=0"
    assert FeedbackItem.objects.count() == 4


def test_a_reimport_of_the_same_columns_finds_the_same_source(org):
    content = "Ref,Comment,When\n1,Love the app,2026-08-03\n"
    first = upload(org, "app-reviews-march.csv", content.encode())
    run(first, source_system="App reviews")
    again = upload(org, "app-reviews-april.csv", content.encode())
    assert again.source_system == "App reviews"
    assert run(again) == "created=0 updated=0 unchanged=1 rejected=0"


def test_a_help_desk_source_is_the_tools_name_and_a_survey_tool_the_files(org):
    header = ["Number", "Date Submitted", "What stopped you?"]
    hotjar = TOOLS_BY_KEY["hotjar"]
    zendesk = TOOLS_BY_KEY["zendesk"]
    assert propose_source(org, zendesk, "export-2026-12-01.csv", header) == "Zendesk"
    assert (
        propose_source(org, hotjar, "Checkout exit survey - responses.csv", header)
        == "Hotjar: Checkout exit survey"
    )
    FeedbackItem.objects.create(
        organisation=org,
        source_system="Hotjar: Checkout exit survey",
        external_id="1",
        text="x",
    )
    assert (
        propose_source(org, hotjar, "Checkout exit survey - responses.csv", ["Other"])
        == "Hotjar: Checkout exit survey (2)"
    )


def test_a_source_is_matched_whatever_its_case(org):
    FeedbackItem.objects.create(
        organisation=org, source_system="Zendesk", external_id="9", text="x"
    )
    assert canonical_source(org, "  zendesk ") == "Zendesk"
    assert canonical_source(org, "Intercom") == "Intercom"
    content = "Id,Description,Created at\n9,x,2026-08-01\n"
    feedback_import = upload(org, "z.csv", content.encode())
    run(feedback_import, source_system="ZENDESK")
    assert FeedbackItem.objects.count() == 1


def test_a_source_needs_a_name(org):
    feedback_import = upload(
        org, "z.csv", b"Id,Description,Created at\n1,x,2026-08-01\n"
    )
    with pytest.raises(ImportRefused, match="Name the source"):
        run(feedback_import, source_system="   ")


def test_without_a_date_column_the_import_asks_for_a_confirmation(org):
    feedback_import = upload(org, "n.csv", b"Id,Description\n1,No date here\n")
    with pytest.raises(ImportRefused, match="confirm that the file has no date"):
        run(feedback_import, no_date=False)
    before = datetime.now(UTC)
    assert run(feedback_import, no_date=True) == (
        "created=1 updated=0 unchanged=0 rejected=0"
    )
    item = FeedbackItem.objects.get()
    assert item.received_at >= before.replace(microsecond=0)
    assert item.feedback_import.no_date


def test_the_command_refuses_a_file_without_a_date_unless_told(org, tmp_path, capsys):
    path = tmp_path / "n.csv"
    path.write_bytes(b"Id,Description\n1,No date here\n")
    with pytest.raises(CommandError, match="--no-date"):
        call_command("import_feedback", str(path), org="acme")
    assert not FeedbackImport.objects.exists()
    call_command("import_feedback", str(path), org="acme", no_date=True)
    assert "created=1" in capsys.readouterr().out


def test_the_command_takes_a_time_zone_and_a_named_source(org, tmp_path, capsys):
    path = tmp_path / "fd.csv"
    path.write_bytes(b"Ticket ID;Description;Created time\n1;Hallo;29.03.2026 03:30\n")
    call_command(
        "import_feedback",
        str(path),
        org="acme",
        timezone="Europe/Berlin",
        source="Freshdesk DE",
    )
    item = FeedbackItem.objects.get()
    assert item.received_at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert item.source_system == "Freshdesk DE"
    with pytest.raises(CommandError, match="not a time zone"):
        call_command("import_feedback", str(path), org="acme", timezone="Berlin")


def test_the_command_still_takes_source_system_for_the_source(org, tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"Id,Description,Created at\n1,x,2026-08-01\n")
    call_command("import_feedback", str(path), org="acme", source_system="legacy")
    assert FeedbackItem.objects.get().source_system == "legacy"


def test_the_organisations_zone_reads_naive_times(org):
    BacklogSettings.objects.create(organisation=org, time_zone="America/New_York")
    feedback_import = upload(
        org, "t.csv", b"Id,Description,Created at\n1,x,2026-07-01 09:00\n"
    )
    assert feedback_import.time_zone == "America/New_York"
    run(feedback_import)
    assert FeedbackItem.objects.get().received_at == datetime(
        2026, 7, 1, 13, 0, tzinfo=UTC
    )


def test_a_file_is_read_and_cleaned_outside_the_write_transaction(org, monkeypatch):
    seen = []
    original = cleaning.clean_records

    def watching(*args, **kwargs):
        seen.append(connection.in_atomic_block)
        return original(*args, **kwargs)

    monkeypatch.setattr(cleaning, "clean_records", watching)
    run(upload(org, "t.csv", b"Id,Description,Created at\n1,x,2026-08-01\n"))
    # pytest-django wraps each test in a transaction of its own: inside it, the
    # import's own transaction would be a second, nested atomic block.
    assert seen == [connection.in_atomic_block]
    assert len(connection.savepoint_ids) == 0


def test_unidentified_items_of_earlier_imports_keep_matching_after_the_upgrade(org):
    migration = import_module(
        "backlog.migrations.0009_feedback_sources_zones_attributes"
    )
    received = datetime(2026, 8, 1, 10, 0, tzinfo=UTC)
    FeedbackItem.objects.create(
        organisation=org,
        source_system="survey",
        external_id="auto-0123456789abcdef",
        text="Love it",
        received_at=received,
        customer_ref="cust-1",
    )
    migration.fingerprint_ids_of_unidentified_items(apps, None)
    row = CleanRow(1, "", received, "Love it", "survey", "cust-1", "", "")
    assert FeedbackItem.objects.get().external_id == fingerprint("survey", row)


def test_columns_about_the_customer_are_never_kept_as_answers(org):
    content = (
        "What could we improve?,First Name,Email Address,Submitted\n"
        "Faster delivery please,Ann,ann@example.org,2026-08-01 10:00\n"
    )
    feedback_import = upload(org, "s.csv", content.encode())
    assert "First Name" not in feedback_import.attribute_columns
    with pytest.raises(ImportRefused, match="never kept as answers.*First Name"):
        run(feedback_import, attribute_columns=["First Name"])


def test_a_large_file_cleaned_by_several_processes_comes_in_as_one_would(
    org, monkeypatch
):
    monkeypatch.setattr(cleaning, "CHUNK_ROWS", 1000)
    lines = ["Comment,Date,Customer,Rating"]
    lines += [f"Feedback {n},2026-08-01 10:00,c{n % 50},5" for n in range(6000)]
    # Repeated whole in a chunk another process cleans: a duplicate.
    lines.insert(4500, "Feedback 10,2026-08-01 10:00,c10,5")
    # Same words, date and person with another rating: a second item.
    lines.insert(5200, "Feedback 11,2026-08-01 10:00,c11,1")
    content = ("\n".join(lines) + "\n").encode()
    stored = {}
    for processes in (1, 2):
        monkeypatch.setattr(running, "PARALLEL_FROM_ROWS", 0)
        monkeypatch.setattr(running, "CLEANING_PROCESSES", processes)
        FeedbackItem.objects.all().delete()
        feedback_import = upload(org, f"big-{processes}.csv", content)
        assert run(feedback_import, source_system="Big") == (
            "created=6001 updated=0 unchanged=0 rejected=1"
        )
        feedback_import.refresh_from_db()
        with feedback_import.rejected_file.open("rb") as handle:
            rejected = list(csv.reader(io.StringIO(handle.read().decode("utf-8-sig"))))
        assert rejected[1][:2] == ["4501", "Feedback 10"]
        assert rejected[1][-1] == "repeats line 12 (duplicate row)"
        twins = FeedbackItem.objects.filter(text="Feedback 11")
        first, second = sorted(twins.values_list("external_id", flat=True))
        assert second == first + "-2"
        stored[processes] = sorted(
            FeedbackItem.objects.values_list("external_id", "text", "sentiment")
        )
    assert stored[1] == stored[2]


def test_a_problem_found_by_a_cleaning_process_stops_the_import(
    org, monkeypatch, settings
):
    monkeypatch.setattr(cleaning, "CHUNK_ROWS", 1000)
    monkeypatch.setattr(running, "PARALLEL_FROM_ROWS", 0)
    lines = ["Id,Description,Created at"]
    lines += [f"{n},Feedback {n},2026-08-01 10:00" for n in range(5000)]
    feedback_import = upload(org, "big.csv", ("\n".join(lines) + "\n").encode())
    settings.IMPORT_MAX_CELLS = 9_000
    with pytest.raises(FileProblem, match="more than 9,000 cells"):
        run(feedback_import)
    feedback_import.refresh_from_db()
    assert feedback_import.status == ImportStatus.FAILED
    assert not FeedbackItem.objects.exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL plans by its statistics"
)
def test_a_large_first_import_refreshes_the_items_statistics_before_linking_themes(
    org, monkeypatch
):
    monkeypatch.setattr("backlog.feedback.importing.saving.ANALYZE_FROM_ROWS", 50)
    rows = "".join(f"{n},Text {n},2026-08-01 10:00,shipping\n" for n in range(60))
    feedback_import = upload(org, "t.csv", ("Id,Text,Date,Tags\n" + rows).encode())
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        assert run(feedback_import).startswith("created=60 ")
    analysed = statements.index("ANALYZE backlog_feedbackitem")
    linked = next(
        i
        for i, sql in enumerate(statements)
        if "INSERT INTO backlog_feedbacktheme" in sql
    )
    assert analysed < linked
