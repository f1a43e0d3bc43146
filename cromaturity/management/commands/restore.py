from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cromaturity.backups import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup written by manage.py backup: a whole backup into a new "
        "database (after migrate), or one organisation into a database where no "
        "organisation has its address. All of it is restored, or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The backup's ZIP file.")
        parser.add_argument(
            "--org",
            metavar="SLUG",
            help="The organisation the backup holds (a check that it is the one "
            "you mean).",
        )

    def handle(self, *args, path: Path, org: str | None, **options):
        try:
            summary = restore_backup(path, org)
        except BackupError as error:
            raise CommandError(f"Nothing was restored. {error}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {path}: {summary.total} rows, {summary.files} uploaded "
                "files."
            )
        )
        if summary.skipped:
            self.stdout.write(
                f"{summary.skipped} history records of things deleted before the "
                "backup were left out."
            )
