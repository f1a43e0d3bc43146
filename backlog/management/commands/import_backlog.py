from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from backlog.backlog_import.columns import FIELD_NAMES, ICE_PARTS, PIE_PARTS
from backlog.backlog_import.dates import FORMAT_KEYS
from backlog.backlog_import.importing import (
    confirm_columns,
    prepare_import,
    status_map_problems,
    status_table,
)
from backlog.backlog_import.running import run_import
from backlog.backlog_import.statuses import CHOICES, parse_status_map
from backlog.feedback.importing.problems import ImportRefused
from backlog.feedback.importing.reading import FileProblem
from backlog.models import BacklogImportStatus
from cromaturity.models import Membership, Organisation

CHOICE_LABELS = dict(CHOICES)


class Command(BaseCommand):
    help = (
        "Import hypotheses from a backlog sheet (CSV, TSV or XLSX from Airtable, "
        "Google Sheets, Excel, Notion, Trello or Jira), the same way as the upload "
        "page. Prints created/updated/unchanged/rejected counts and writes "
        "rejected rows to <file>.rejected.csv."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The sheet.")
        parser.add_argument("--org", required=True, help="Organisation slug.")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=COLUMN",
            help=f"Use COLUMN for FIELD (FIELD= leaves it out); fields: "
            f"{', '.join(FIELD_NAMES)}.",
        )
        parser.add_argument(
            "--status-map",
            action="append",
            default=[],
            metavar="WORD=STATUS",
            help="Put rows whose status is WORD at STATUS (idea, backlog, ready, "
            "running, analysing, concluded, won, lost, inconclusive, parked, "
            "rejected); common words are recognised without it.",
        )
        parser.add_argument(
            "--timezone",
            help="Time zone of dates without one; the organisation's by default.",
        )
        parser.add_argument(
            "--date-format",
            choices=FORMAT_KEYS,
            help="How dates are written; detected when left out.",
        )
        parser.add_argument(
            "--source",
            help="Name of the sheet; rows are matched by id within it. Taken from "
            "the last import of the same columns, or the file's name.",
        )
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            help="The member importing: owner of the scores the sheet gives "
            "(marked imported) and of the history entries.",
        )
        parser.add_argument(
            "--create-pages",
            action="store_true",
            help="Create the pages the sheet names that do not exist.",
        )
        parser.add_argument(
            "--create-tags",
            action="store_true",
            help="Create the tags the sheet names that do not exist.",
        )

    def handle(self, *args, path, org, **options):
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"No file at {source}.")
        organisation = Organisation.objects.filter(slug=org).first()
        if organisation is None:
            raise CommandError(f"No organisation with the slug “{org}”.")
        by = self._member(organisation, options["by"])
        overrides = self._overrides(options["map"])
        try:
            status_map = parse_status_map(options["status_map"])
        except ValueError as problem:
            raise CommandError(str(problem)) from None
        try:
            with source.open("rb") as handle:
                backlog_import = prepare_import(
                    organisation,
                    uploaded=File(handle, name=source.name),
                    original_name=source.name,
                    by=by,
                )
        except FileProblem as problem:
            raise CommandError(f"{source}: {problem}") from None
        try:
            summary = self._run(backlog_import, overrides, status_map, by, options)
        except (FileProblem, ImportRefused) as problem:
            backlog_import.refresh_from_db(fields=["status"])
            if backlog_import.status != BacklogImportStatus.FAILED:
                # Refused before it ran: nothing of it is kept.
                backlog_import.file.delete(save=False)
                backlog_import.delete()
            raise CommandError(f"{source}: {problem}") from None
        backlog_import.refresh_from_db()
        if backlog_import.rejected_file:
            target = source.with_name(source.stem + ".rejected.csv")
            with backlog_import.rejected_file.open("rb") as rejected:
                target.write_bytes(rejected.read())
            self.stderr.write(f"Rejected rows with reasons: {target}")
        if backlog_import.noted:
            self.stderr.write(
                f"{backlog_import.noted} rows came in with remarks: see "
                f"{backlog_import.get_absolute_url()}"
            )
        self.stdout.write(summary.line())

    def _member(self, organisation, username):
        if not username:
            return None
        membership = (
            Membership.objects.filter(
                organisation=organisation, user__username=username
            )
            .select_related("user")
            .first()
        )
        if membership is None:
            raise CommandError(f"“{username}” is not a member of {organisation}.")
        return membership.user

    def _overrides(self, items) -> dict[str, str]:
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

    def _run(self, backlog_import, overrides, status_map, by, options):
        mapping = {**backlog_import.mapping, **overrides}
        scored = any(mapping.get(part) for part in ICE_PARTS + PIE_PARTS)
        if scored and by is None and not mapping.get("scorer"):
            raise ImportRefused(
                "The sheet has ICE or PIE scores: say whose they are with --by "
                "USERNAME, or map a scorer column."
            )
        backlog_import = confirm_columns(
            backlog_import,
            mapping=mapping,
            source=options["source"] or backlog_import.source,
            date_format=options["date_format"] or backlog_import.date_format,
            time_zone=options["timezone"] or backlog_import.time_zone,
            create_missing_pages=options["create_pages"],
            create_missing_tags=options["create_tags"],
        )
        problems = status_map_problems(backlog_import, status_map)
        if problems:
            raise ImportRefused(" ".join(problems))
        for row in status_table(backlog_import):
            if row["word"] and not row["recognised"] and row["key"] not in status_map:
                rows = f"{row['count']} row{'s' if row['count'] != 1 else ''}"
                self.stderr.write(
                    f"Status “{row['word']}” ({rows}) is not a known "
                    f"word: imported as {CHOICE_LABELS[row['choice']]}; choose with "
                    f'--status-map "{row["word"]}=STATUS".'
                )
        backlog_import.status_map = {**backlog_import.status_map, **status_map}
        backlog_import.status = BacklogImportStatus.QUEUED
        backlog_import.save(update_fields=["status_map", "status"])
        return run_import(backlog_import)
