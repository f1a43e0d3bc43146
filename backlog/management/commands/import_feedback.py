from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from backlog.feedback.importing.dates import DATE_FORMATS_BY_KEY
from backlog.feedback.importing.mapping import FIELD_NAMES
from backlog.feedback.importing.run import (
    FileProblem,
    ImportRefused,
    prepare_import,
    run_import,
    save_choices,
)
from backlog.feedback.privacy import masks_contacts
from backlog.models import FeedbackImport, ImportStatus
from cromaturity.models import Organisation


class Command(BaseCommand):
    help = (
        "Import customer feedback from a help-desk or survey export (CSV, TSV, "
        "XLSX, JSON or NDJSON), the same way as the upload page. Prints "
        "created/updated/unchanged/rejected counts and writes rejected rows to "
        "<file>.rejected.csv."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The export file.")
        parser.add_argument("--org", required=True, help="Organisation slug.")
        parser.add_argument(
            "--source",
            default=None,
            metavar="NAME",
            help="The feed the items belong to (“Zendesk”, “Hotjar: exit "
            "survey”); ids are unique within it, so importing the same feed "
            "again updates its items. Proposed from the file when left out.",
        )
        parser.add_argument(
            "--source-system",
            default=None,
            metavar="NAME",
            help="The same as --source.",
        )
        parser.add_argument(
            "--timezone",
            default=None,
            metavar="ZONE",
            help="The zone of times written without one (Europe/Berlin); the "
            "organisation's setting when left out. Times with an offset, columns "
            "whose header says UTC and zones named by the file are kept.",
        )
        parser.add_argument(
            "--no-date",
            action="store_true",
            help="Confirm that the file has no date: items are dated by the import.",
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=COLUMN",
            help=f"Use COLUMN for FIELD; fields: {', '.join(FIELD_NAMES)}.",
        )
        dates = parser.add_mutually_exclusive_group()
        dates.add_argument(
            "--dayfirst", action="store_true", help="Dates are day first (31.12.2026)."
        )
        dates.add_argument(
            "--date-format",
            choices=sorted(DATE_FORMATS_BY_KEY),
            help="How dates are written; detected when left out.",
        )

    def handle(self, *args, path, org, timezone, no_date, map, **options):
        source = options["source"] or options["source_system"]
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No file at {file}.")
        organisation = Organisation.objects.filter(slug=org).first()
        if organisation is None:
            raise CommandError(f"No organisation with the slug “{org}”.")
        overrides = _mapping_overrides(map)
        try:
            with file.open("rb") as handle:
                feedback_import = prepare_import(
                    organisation,
                    uploaded=File(handle, name=file.name),
                    original_name=file.name,
                    by=None,
                    mask_contacts=masks_contacts(organisation),
                )
        except FileProblem as problem:
            raise CommandError(f"{file}: {problem}") from None
        mapping = {**feedback_import.mapping, **overrides}
        date_format = feedback_import.date_format
        if options["dayfirst"]:
            date_format = "day-first"
        elif options["date_format"]:
            date_format = options["date_format"]
        if not mapping.get("received_at") and not no_date:
            _discard(feedback_import)
            raise CommandError(
                f"{file}: no column with the date of the feedback was recognised. "
                "Name it with --map received_at=COLUMN, or pass --no-date to date "
                "every item by this import."
            )
        try:
            feedback_import = save_choices(
                feedback_import,
                mapping=mapping,
                source_system=source or feedback_import.source_system,
                date_format=date_format,
                time_zone=timezone or feedback_import.time_zone,
                no_date=no_date,
                attribute_columns=_kept(feedback_import.attribute_columns, overrides),
                html_columns=feedback_import.html_columns,
            )
        except ImportRefused as problem:
            _discard(feedback_import)
            raise CommandError(f"{file}: {problem}") from None
        FeedbackImport.objects.filter(pk=feedback_import.pk).update(
            status=ImportStatus.QUEUED
        )
        feedback_import.refresh_from_db()
        try:
            summary = run_import(feedback_import)
        except (FileProblem, ImportRefused) as problem:
            raise CommandError(f"{file}: {problem}") from None
        feedback_import.refresh_from_db()
        if feedback_import.rejected_file:
            target = file.with_name(file.stem + ".rejected.csv")
            with feedback_import.rejected_file.open("rb") as rejected:
                target.write_bytes(rejected.read())
            self.stderr.write(f"Rejected rows with reasons: {target}")
        self.stdout.write(summary.line())


def _discard(feedback_import: FeedbackImport) -> None:
    feedback_import.file.delete(save=False)
    feedback_import.delete()


def _mapping_overrides(items: list[str]) -> dict[str, str]:
    overrides = {}
    for item in items:
        field, sep, column = item.partition("=")
        if not sep or field not in FIELD_NAMES:
            raise CommandError(
                f"--map {item!r}: write FIELD=COLUMN with FIELD one of "
                f"{', '.join(FIELD_NAMES)}."
            )
        overrides[field] = column
    return overrides


def _kept(attribute_columns: list[str], overrides: dict[str, str]) -> list[str]:
    """The proposed attributes, less the columns now mapped to a field."""
    mapped = set(overrides.values())
    return [column for column in attribute_columns if column not in mapped]
