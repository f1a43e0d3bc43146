from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.versioning import (
    DEFAULT_MODEL_FILE,
    ModelFileError,
    load_model_data,
    read_model_file,
)


class Command(BaseCommand):
    help = (
        "Load and publish a maturity model from a JSON file (the default model "
        "when no file is given). Loading the same file again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_MODEL_FILE)

    def handle(self, *args, path: Path, **options):
        try:
            model, created = load_model_data(read_model_file(path))
        except ModelFileError as error:
            raise CommandError(str(error)) from error
        if created:
            self.stdout.write(self.style.SUCCESS(f"Loaded and published {model}."))
        else:
            self.stdout.write(f"{model} is already loaded with this content.")
