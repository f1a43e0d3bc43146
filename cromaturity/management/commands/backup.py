from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cromaturity.backups import BackupError, write_backup
from cromaturity.models import Organisation


class Command(BaseCommand):
    help = (
        "Write a backup of every organisation (or of one, with --org) and of its "
        "uploaded files to a new ZIP file. Restore it with manage.py restore."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The ZIP file to write.")
        parser.add_argument(
            "--org", metavar="SLUG", help="Back up only this organisation."
        )

    def handle(self, *args, path: Path, org: str | None, **options):
        organisation = None
        if org:
            organisation = Organisation.objects.filter(slug=org).first()
            if organisation is None:
                raise CommandError(f"There is no organisation with the address {org}.")
        try:
            summary = write_backup(path, organisation)
        except BackupError as error:
            raise CommandError(str(error)) from error
        what = f"organisation “{organisation.slug}”" if organisation else "everything"
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {what} to {path}: {summary.total} rows, "
                f"{summary.files} uploaded files."
            )
        )
        if summary.skipped:
            self.stderr.write(
                f"{summary.skipped} uploaded files were missing from the media "
                "folder and are not in the backup."
            )
