from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backlog.experiments.results_files import TOOLS, ResultsFileError
from backlog.experiments.results_importing import (
    ResultsImportRefused,
    apply_results_import,
    prepare_results_import,
)
from backlog.models import Experiment
from cromaturity.models import Membership


class Command(BaseCommand):
    help = (
        "Import one experiment's results from a testing tool's export (GrowthBook, "
        "Optimizely, VWO, Convert or a plain CSV), the same way as the upload page: "
        "the file's variant and metric names are mapped as the last import of the "
        "experiment mapped them, then by name, and --map-variant / --map-metric "
        "say the rest. Prints applied/ignored/rejected counts and whether the "
        "results changed; rejected lines go to stderr."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The results export.")
        parser.add_argument(
            "--experiment", required=True, type=int, help="The experiment's id."
        )
        parser.add_argument(
            "--tool",
            choices=sorted(TOOLS),
            help="The tool that wrote the file; recognised from its columns when "
            "left out.",
        )
        parser.add_argument(
            "--map-variant",
            action="append",
            default=[],
            metavar="TOOL NAME=OUR NAME",
            help="Map the file's variant TOOL NAME to the experiment's variant OUR "
            "NAME (nothing after = ignores it).",
        )
        parser.add_argument(
            "--map-metric",
            action="append",
            default=[],
            metavar="TOOL NAME=KEY",
            help="Map the file's metric TOOL NAME to the registered metric with "
            "the key KEY (nothing after = ignores it).",
        )
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            help="The member importing, named in the experiment's history.",
        )

    def handle(self, *args, path, experiment, tool, map_variant, map_metric, by, **o):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No file at {file}.")
        found = (
            Experiment.objects.filter(pk=experiment)
            .select_related("hypothesis__organisation")
            .first()
        )
        if found is None:
            raise CommandError(f"No experiment with the id {experiment}.")
        user = self._member(found, by)
        try:
            results_import = prepare_results_import(
                found, file.read_bytes(), filename=file.name, tool=tool, by=user
            )
        except ResultsFileError as problem:
            raise CommandError(f"{file}: {problem}") from None
        mapping = results_import.mapping
        try:
            variants = _overridden(
                mapping["variants"], map_variant, "--map-variant", "variant"
            )
            metrics = _overridden(
                mapping["metrics"], map_metric, "--map-metric", "metric"
            )
            variants = {
                name: _our_variant(found, value) for name, value in variants.items()
            }
            outcome = apply_results_import(results_import, variants, metrics, by=user)
        except (CommandError, ResultsImportRefused) as problem:
            # Refused before anything was recorded: the preview is not kept.
            results_import.delete()
            raise CommandError(f"{file}: {problem}") from None
        report = outcome.results_import.report
        for rejected in report["rejected"]:
            self.stderr.write(f"line {rejected['line']}: {rejected['reason']}")
        options = (("variants", "--map-variant"), ("metrics", "--map-metric"))
        for what, option in options:
            if names := report[f"ignored_{what}"]:
                self.stderr.write(
                    f"Ignored {what} of the file (map them with {option}): "
                    + ", ".join(f"“{name}”" for name in names)
                )
        self.stdout.write(outcome.line())

    def _member(self, experiment, username):
        if not username:
            return None
        membership = (
            Membership.objects.filter(
                organisation=experiment.hypothesis.organisation,
                user__username=username,
            )
            .select_related("user")
            .first()
        )
        if membership is None:
            raise CommandError(
                f"“{username}” is not a member of {experiment.hypothesis.organisation}."
            )
        return membership.user


def _overridden(proposed, items, option, what):
    chosen = dict(proposed)
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise CommandError(f"{option} {item!r}: write TOOL NAME=OUR NAME.")
        if name not in chosen:
            known = ", ".join(f"“{n}”" for n in chosen) or "none"
            raise CommandError(
                f"{option} {item!r}: the file has no {what} “{name}”; it names {known}."
            )
        chosen[name] = value.strip() or None
    return chosen


def _our_variant(experiment, name):
    """The experiment's variant named `name`, whatever its case."""
    if name is None:
        return None
    for variant in experiment.variants.all():
        if variant.name.casefold() == name.casefold():
            return variant.name
    return name
