from django.core.management.base import BaseCommand, CommandError

from cromaturity.housekeeping import run_chores


class Command(BaseCommand):
    help = (
        "Run the hourly chores once (deleting uploads past their retention, …); "
        "the task workers run them by themselves."
    )

    def handle(self, *args, **options):
        failed = []
        for name, outcome in run_chores():
            if isinstance(outcome, Exception):
                failed.append(f"{name}: {outcome}")
            else:
                self.stdout.write(f"{name}: {outcome}")
        if failed:
            raise CommandError("; ".join(failed))
