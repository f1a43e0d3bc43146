import importlib

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from cromaturity.demo import DEMO_PASSWORD, DEMO_PEOPLE, seed_workspace


class Command(BaseCommand):
    help = (
        "Fill the demo organisation with teams, people and content. Safe to run "
        "again: existing data is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help="Multiply the volume of demo data (for benchmarks). Default 1.",
        )

    def handle(self, *args, scale: int, **options):
        if scale < 1:
            raise CommandError("--scale must be 1 or more.")
        workspace = seed_workspace(scale=scale)
        organisation = workspace.organisation
        if workspace.created:
            self.stdout.write(f"Created the demo organisation “{organisation}”.")
        else:
            self.stdout.write(
                f"The demo organisation “{organisation}” exists; kept its data."
            )
        # Each app that has demo content provides `<app>.demo.seed(workspace, scale)`.
        for config in apps.get_app_configs():
            if config.name == "cromaturity":
                continue
            try:
                module = importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError as error:
                if not f"{config.name}.demo".startswith(error.name or "-"):
                    raise
                continue
            summary = module.seed(workspace, scale=scale)
            if summary:
                self.stdout.write(summary)
        if scale > 1:
            # Tens of thousands of rows arrived at once: refresh the planner's
            # statistics now rather than whenever autovacuum gets to them (on
            # PostgreSQL, VACUUM also lets counts be answered from indexes alone).
            vacuum = (
                "VACUUM "
                if connection.vendor == "postgresql" and not connection.in_atomic_block
                else ""
            )
            with connection.cursor() as cursor:
                cursor.execute(f"{vacuum}ANALYZE")
        others = ", ".join(username for username, *_ in DEMO_PEOPLE[1:])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo login: username “{DEMO_PEOPLE[0][0]}”, password "
                f"“{DEMO_PASSWORD}” (admin). Colleagues with the same password: "
                f"{others}."
            )
        )
