from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backlog.page_speed.importing import import_speed_readings
from backlog.page_speed.reports import SpeedReportError, read_speed_report
from cromaturity.models import Organisation


class Command(BaseCommand):
    help = (
        "Import page-speed reports: Lighthouse JSON reports, PageSpeed Insights API "
        "answers (lab and field data) and Chrome UX Report API records. Each "
        "reading (URL, tool, lab or field, device, period) is stored once and "
        "matched to the backlog page whose address matches its path. Prints "
        "created/updated/unchanged/unmatched counts; nothing is stored when a "
        "file cannot be read."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="The JSON reports.")
        parser.add_argument("--org", required=True, help="The organisation's slug.")

    def handle(self, *args, paths, org, **options):
        organisation = Organisation.objects.filter(slug=org).first()
        if organisation is None:
            raise CommandError(f"No organisation with the slug “{org}”.")
        readings = []
        for name in paths:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"No file at {path}.")
            try:
                readings += read_speed_report(path.read_bytes())
            except SpeedReportError as problem:
                raise CommandError(f"{path}: {problem}") from None
        summary = import_speed_readings(organisation, readings)
        for url in summary.unmatched:
            self.stderr.write(f"No page's address matches {url}.")
        self.stdout.write(summary.line())
