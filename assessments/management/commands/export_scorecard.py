from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.exports import ExportFormat, export_scorecard
from assessments.models import Assessment
from assessments.scorecard_pdf import PdfUnavailable
from assessments.scorecards import build_scorecard
from cromaturity.audit import record_event
from cromaturity.models import AuditAction, Organisation


class Command(BaseCommand):
    help = (
        "Write an assessment's scorecard as CSV, XLSX or PDF: the same file the "
        "scorecard page downloads."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="The organisation's slug.")
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--assessment", type=int, help="The assessment's id.")
        which.add_argument(
            "--latest",
            action="store_true",
            help="The organisation's most recently opened assessment.",
        )
        parser.add_argument(
            "--format", required=True, choices=ExportFormat.values, dest="fmt"
        )
        parser.add_argument(
            "--output",
            required=True,
            type=Path,
            help="Where to write the file.",
        )

    def handle(self, *args, org, assessment, latest, fmt, output, **options):
        organisation = Organisation.objects.filter(slug=org).first()
        if organisation is None:
            raise CommandError(f"There is no organisation with the slug “{org}”.")
        assessments = Assessment.objects.for_org(organisation).select_related(
            "organisation", "maturity_model"
        )
        if latest:
            chosen = assessments.order_by("-opened_at", "-pk").first()
            if chosen is None:
                raise CommandError(f"{organisation} has no assessments yet.")
        else:
            chosen = assessments.filter(pk=assessment).first()
            if chosen is None:
                raise CommandError(
                    f"{organisation} has no assessment with the id {assessment}."
                )
        try:
            export_file = export_scorecard(build_scorecard(chosen), fmt)
        except PdfUnavailable as error:
            raise CommandError(str(error)) from error
        if not output.parent.is_dir():
            raise CommandError(f"The folder {output.parent} does not exist.")
        # Written beside the target and renamed, so a failed write never leaves
        # half a file under the requested name.
        partial = output.with_name(f".{output.name}.partial")
        try:
            partial.write_bytes(export_file.content)
            partial.replace(output)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise CommandError(f"Could not write {output}: {error}") from error
        record_event(
            AuditAction.EXPORTED,
            f"Scorecard “{chosen}” as {ExportFormat(fmt).label} from the command line",
            actor_name="manage.py",
            organisation=organisation,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {output} ({len(export_file.content):,} bytes), the file the "
                f"scorecard page downloads as {export_file.filename}."
            )
        )
