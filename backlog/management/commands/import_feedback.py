from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from backlog.feedback_import.importing import (
    ImportRefused,
    prepare_import,
    run_import,
)
from backlog.feedback_import.mapping import FIELD_NAMES, mapping_problems
from backlog.feedback_import.reading import FileProblem
from backlog.feedback_import.stale import keep_alive
from backlog.feedback_import.values import DATE_FORMATS_BY_KEY
from backlog.models import ImportStatus
from cromaturity.models import Organisation


class Command(BaseCommand):
    help = (
        "Import customer feedback from a help-desk export (CSV, TSV or XLSX), the "
        "same way as the upload page. Prints created/updated/unchanged/rejected "
        "counts and writes rejected rows to <file>.rejected.csv."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The export file.")
        parser.add_argument("--org", required=True, help="Organisation slug.")
        parser.add_argument(
            "--source-system",
            default=None,
            help="Where the export comes from (zendesk, freshdesk, intercom…); "
            "detected from the headers when left out.",
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

    def handle(self, *args, path, org, source_system, map, dayfirst, **options):
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"No file at {source}.")
        organisation = Organisation.objects.filter(slug=org).first()
        if organisation is None:
            raise CommandError(f"No organisation with the slug “{org}”.")
        overrides = {}
        for item in map:
            field, sep, column = item.partition("=")
            if not sep or field not in FIELD_NAMES:
                raise CommandError(
                    f"--map {item!r}: write FIELD=COLUMN with FIELD one of "
                    f"{', '.join(FIELD_NAMES)}."
                )
            overrides[field] = column
        try:
            with source.open("rb") as handle:
                feedback_import = prepare_import(
                    organisation,
                    uploaded=File(handle, name=source.name),
                    original_name=source.name,
                    by=None,
                )
        except FileProblem as problem:
            raise CommandError(f"{source}: {problem}") from None
        feedback_import.mapping.update(overrides)
        problems = mapping_problems(feedback_import.mapping, feedback_import.header)
        if problems:
            raise CommandError(" ".join(problems))
        if source_system is not None:
            feedback_import.source_system = source_system.strip().lower()
        if dayfirst:
            feedback_import.date_format = "day-first"
        elif options["date_format"]:
            feedback_import.date_format = options["date_format"]
        feedback_import.status = ImportStatus.QUEUED
        feedback_import.save()
        try:
            with keep_alive(feedback_import.pk):
                summary = run_import(feedback_import)
        except (FileProblem, ImportRefused) as problem:
            raise CommandError(f"{source}: {problem}") from None
        feedback_import.refresh_from_db()
        if feedback_import.rejected_file:
            target = source.with_name(source.stem + ".rejected.csv")
            with feedback_import.rejected_file.open("rb") as rejected:
                target.write_bytes(rejected.read())
            self.stderr.write(f"Rejected rows with reasons: {target}")
        self.stdout.write(summary.line())
