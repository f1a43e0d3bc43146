"""Exports as the tools write them come in faithfully through `import_feedback`.

Every file is imported the way a person would run the command: no --map, and
--timezone only where the file's times are naive and the file does not say their
zone. The organisation itself reads naive times in Asia/Tokyo, a zone none of the
files uses, so a zone that is invented or ignored shows in the instants.
"""

import csv
import io
import re
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from backlog.models import BacklogSettings, FeedbackItem
from tests.fixtures.vendor_exports import (
    TOOLS,
    VendorExport,
    build,
    huge_range_workbook,
    unterminated_quote_csv,
    wide_csv,
)
from tests.fixtures.vendor_exports.hostile import (
    HUGE_RANGE_ROWS,
    UNTERMINATED_GOOD_AFTER,
    UNTERMINATED_GOOD_BEFORE,
)

pytestmark = pytest.mark.django_db
ORGANISATION_ZONE = "Asia/Tokyo"
SUMMARY = re.compile(r"created=\d+ updated=\d+ unchanged=\d+ rejected=\d+")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _organisation_zone(org):
    BacklogSettings.objects.update_or_create(
        organisation=org, defaults={"time_zone": ORGANISATION_ZONE}
    )


def import_file(tmp_path, org, name: str, content: bytes, **options) -> str:
    """Run the command on the file; its summary line."""
    path = tmp_path / name
    path.write_bytes(content)
    out, err = StringIO(), StringIO()
    call_command(
        "import_feedback", str(path), org=org.slug, stdout=out, stderr=err, **options
    )
    found = SUMMARY.findall(out.getvalue())
    assert found, f"no summary in {out.getvalue()!r}"
    return found[-1]


def import_export(tmp_path, org, export: VendorExport, **options) -> str:
    if not export.zone_in_file:
        options.setdefault("timezone", export.time_zone)
    return import_file(tmp_path, org, export.filename, export.content, **options)


def first_import(export: VendorExport) -> str:
    created, rejected = len(export.expected), len(export.duplicate_lines)
    return f"created={created} updated=0 unchanged=0 rejected={rejected}"


def assert_stored(items, export: VendorExport) -> None:
    """`items` are exactly the export's: ids, texts, instants, survey answers."""
    items = list(items)
    assert len(items) == len(export.expected)
    if export.id_column is None:
        stored = sorted(
            (i.received_at, i.text, sorted(i.attributes.items())) for i in items
        )
        wanted = sorted(
            (e.received_at, e.text, sorted(e.attributes.items()))
            for e in export.expected
        )
        assert stored == wanted
    else:
        stored = {i.external_id: (i.text, i.received_at, i.attributes) for i in items}
        wanted = {
            e.external_id: (e.text, e.received_at, e.attributes)
            for e in export.expected
        }
        assert stored == wanted
    customers = {e.customer for e in export.expected if e.customer}
    assert not customers & {i.customer_ref for i in items}
    assert not any("@" in i.customer_ref for i in items)


def rejected_lines(tmp_path, export_name: str) -> list[str]:
    report = tmp_path / (export_name.rsplit(".", 1)[0] + ".rejected.csv")
    if not report.exists():
        return []
    rows = csv.DictReader(io.StringIO(report.read_text("utf-8-sig")))
    return [row["line"] for row in rows]


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


EXPORTS = [(tool, {}) for tool in TOOLS] + [("hotjar", {"xlsx": True})]


@pytest.mark.parametrize(
    ("tool", "variant"),
    EXPORTS,
    ids=[tool + ("-xlsx" if variant else "") for tool, variant in EXPORTS],
)
def test_an_export_imports_every_item_faithfully_and_again_as_unchanged(
    tmp_path, org, tool, variant
):
    export = build(tool, **variant)
    assert import_export(tmp_path, org, export) == first_import(export)
    assert_stored(FeedbackItem.objects.for_org(org), export)
    again = import_export(tmp_path, org, export)
    assert again.startswith(f"created=0 updated=0 unchanged={len(export.expected)} ")
    assert FeedbackItem.objects.for_org(org).count() == len(export.expected)


def test_typeform_keeps_identical_answers_apart_and_rejects_the_repeated_row(
    tmp_path, org
):
    export = build("typeform")
    same = [e for e in export.expected if e.text == "Nothing, it was all easy."]
    assert len(same) >= 4
    assert export.duplicate_lines
    assert import_export(tmp_path, org, export) == first_import(export)
    stored = FeedbackItem.objects.filter(text="Nothing, it was all easy.")
    assert sorted(stored.values_list("external_id", flat=True)) == sorted(
        e.external_id for e in same
    )
    assert rejected_lines(tmp_path, export.filename) == [
        str(line) for line in export.duplicate_lines
    ]


def test_google_forms_answers_without_ids_are_items_of_their_own(tmp_path, org):
    export = build("google-forms")
    same = [e for e in export.expected if e.text == "Sizes run small."]
    assert len({e.customer for e in same}) >= 3
    assert import_export(tmp_path, org, export) == first_import(export)
    assert FeedbackItem.objects.filter(text="Sizes run small.").count() == len(same)


@pytest.mark.parametrize(
    ("tool", "instants"),
    [
        # Berlin: 29.03.2026 02:30 never happened (read at +01:00), 25.10.2026
        # 02:30 happened twice (the first, at +02:00).
        ("freshdesk", [utc(2026, 3, 29, 1, 30), utc(2026, 10, 25, 0, 30)]),
        # New York: 2026-03-08 02:30 skipped (-05:00), 2026-11-01 01:30 twice (-04:00).
        ("hubspot", [utc(2026, 3, 8, 7, 30), utc(2026, 11, 1, 5, 30)]),
        ("google-forms", [utc(2026, 3, 8, 7, 30), utc(2026, 11, 1, 5, 30)]),
        # Denver, named by the file itself: -07:00 for the skipped hour, -06:00.
        ("qualtrics", [utc(2026, 3, 8, 9, 30), utc(2026, 11, 1, 7, 30)]),
    ],
)
def test_times_in_the_hour_the_clocks_skip_or_repeat_follow_the_one_rule(
    tmp_path, org, tool, instants
):
    export = build(tool)
    assert set(instants) <= {e.received_at for e in export.expected}
    import_export(tmp_path, org, export)
    stored = set(FeedbackItem.objects.values_list("received_at", flat=True))
    assert set(instants) <= stored


def test_qualtrics_times_are_read_in_the_zone_its_header_names(tmp_path, org):
    export = build("qualtrics")
    assert 'timeZone"":""America/Denver' in export.content.decode("utf-8-sig")
    assert import_file(tmp_path, org, export.filename, export.content) == (
        first_import(export)
    )
    assert_stored(FeedbackItem.objects.for_org(org), export)


@pytest.mark.parametrize(
    ("tool", "labels"),
    [
        ("surveymonkey", ["Response", "Open-Ended Response"]),
        ("qualtrics", ["What is the one thing we should improve?", "Response ID"]),
    ],
)
def test_the_label_rows_of_a_survey_are_headers_not_data(tmp_path, org, tool, labels):
    export = build(tool)
    assert import_export(tmp_path, org, export).endswith(" rejected=0")
    assert rejected_lines(tmp_path, export.filename) == []
    assert not FeedbackItem.objects.filter(text__in=labels).exists()
    assert not FeedbackItem.objects.filter(text__startswith='{"ImportId"').exists()


def test_two_hotjar_surveys_numbered_alike_are_two_sources(tmp_path, org):
    exits = build("hotjar", survey="checkout-exit")
    purchases = build("hotjar", survey="post-purchase")
    assert [e.external_id for e in exits.expected] == [
        e.external_id for e in purchases.expected
    ]
    assert import_export(tmp_path, org, exits) == first_import(exits)
    assert import_export(tmp_path, org, purchases) == first_import(purchases)
    items = FeedbackItem.objects.for_org(org)
    assert items.count() == 2 * len(exits.expected)
    sources = set(items.values_list("source_system", flat=True))
    assert len(sources) == 2
    first = items.get(
        external_id=exits.expected[0].external_id, text=exits.expected[0].text
    ).source_system
    (second,) = sources - {first}
    assert_stored(items.filter(source_system=first), exits)
    assert_stored(items.filter(source_system=second), purchases)


def test_a_named_source_is_the_only_one_a_reimport_updates(tmp_path, org):
    exits = build("hotjar", survey="checkout-exit")
    purchases = build("hotjar", survey="post-purchase")
    named = "Hotjar: exit survey"
    assert import_export(tmp_path, org, exits, source=named) == first_import(exits)
    assert import_export(tmp_path, org, purchases) == first_import(purchases)
    revised = build("hotjar", survey="checkout-exit", revised=5)
    unchanged = len(revised.expected) - 5
    assert import_export(tmp_path, org, revised, source=named) == (
        f"created=0 updated=5 unchanged={unchanged} rejected=0"
    )
    items = FeedbackItem.objects.for_org(org)
    assert_stored(items.filter(source_system=named), revised)
    others = items.exclude(source_system=named)
    assert_stored(others, purchases)
    assert set(others.values_list("version", flat=True)) == {1}


def test_an_export_without_a_date_column_is_refused_unless_confirmed(tmp_path, org):
    export = build("gorgias", dates=False)
    assert export.date_column is None
    with pytest.raises(CommandError, match="(?i)date"):
        import_export(tmp_path, org, export)
    assert not FeedbackItem.objects.exists()
    assert import_export(tmp_path, org, export, no_date=True) == first_import(export)
    stored = dict(FeedbackItem.objects.values_list("external_id", "text"))
    assert stored == {e.external_id: e.text for e in export.expected}


# How long these two take, against honest files of the same rows:
# bench.import_hostile.


def test_a_workbook_claiming_every_cell_imports_its_three_rows(tmp_path, org):
    summary = import_file(tmp_path, org, "tickets.xlsx", huge_range_workbook())
    assert summary == "created=3 updated=0 unchanged=0 rejected=0"
    stored = dict(FeedbackItem.objects.values_list("external_id", "text"))
    assert stored == {ticket: text for ticket, text, _ in HUGE_RANGE_ROWS}


def test_a_csv_with_a_hundred_thousand_columns_is_refused(tmp_path, org):
    with pytest.raises(CommandError, match="(?i)column") as refusal:
        import_file(tmp_path, org, "wide.csv", wide_csv(), timezone="UTC")
    assert "Traceback" not in str(refusal.value)
    assert not FeedbackItem.objects.exists()


def test_a_quote_that_never_closes_is_named_by_its_line_and_swallows_nothing(
    tmp_path, org
):
    content, bad_line = unterminated_quote_csv()
    name = "export-2026-12-01-0931-unterminated.csv"
    refusal = None
    try:
        import_file(tmp_path, org, name, content, timezone="UTC")
    except CommandError as problem:
        refusal = str(problem)
    if refusal is not None:
        # Refusing the whole file is fine if it says where, and stores nothing.
        assert re.search(rf"\b{bad_line}\b", refusal), refusal
        assert not FeedbackItem.objects.exists()
        return
    assert str(bad_line) in rejected_lines(tmp_path, name)
    stored = dict(FeedbackItem.objects.values_list("external_id", "text"))
    good = UNTERMINATED_GOOD_BEFORE + UNTERMINATED_GOOD_AFTER
    assert {ticket: subject for ticket, subject, _ in good}.items() <= stored.items()
    for ticket, subject, _ in UNTERMINATED_GOOD_AFTER:
        holders = [other for other, text in stored.items() if subject in text]
        assert holders == [ticket], f"“{subject}” is in {holders}"
