from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backlog.feedback.importing.zones import zone
from backlog.funnels.files import (
    FORMATS,
    FunnelFileError,
    parse_segment,
    read_funnel_file,
)
from backlog.funnels.importing import (
    FunnelImportRefused,
    apply_funnel_import,
    create_funnel_from_file,
    prepared_from_file,
)
from backlog.models import Funnel
from cromaturity.models import Membership, Organisation


class Command(BaseCommand):
    help = (
        "Import a funnel's counts from an analytics export (GA4's funnel "
        "exploration CSV, the GA4 Data API's funnel report JSON, Matomo's Funnels "
        "export, or a plain CSV date,step,segment,count), the same way as the "
        "upload page. A funnel that does not exist yet is created with the file's "
        "steps; an existing one has the file's steps mapped to its own as the last "
        "import mapped them, then by name, and --map says the rest. The file's "
        "period replaces what the funnel holds for it. Prints created/updated/"
        "unchanged/removed/rejected counts; rejected lines go to stderr."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The funnel export.")
        parser.add_argument("--org", required=True, help="The organisation's slug.")
        parser.add_argument("--funnel", required=True, help="The funnel's name.")
        parser.add_argument(
            "--format",
            choices=sorted(FORMATS),
            help="The layout of the file; recognised from its content when left out.",
        )
        parser.add_argument(
            "--timezone",
            default="UTC",
            help="The time zone the funnel's days are counted in (e.g. Europe/Berlin): "
            "time stamps with an offset are counted on their day there.",
        )
        parser.add_argument(
            "--from",
            dest="period_from",
            type=date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="The first day of an export that does not name its days (a Matomo "
            "export of one period, a GA4 Data API answer without its request).",
        )
        parser.add_argument(
            "--to", dest="period_to", type=date.fromisoformat, metavar="YYYY-MM-DD"
        )
        parser.add_argument(
            "--segment",
            metavar="DIMENSION:NAME",
            help="The segment an export of one segment holds, e.g. device:mobile "
            "(Matomo writes its segment filter into the request, not the file).",
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FILE STEP=OUR STEP",
            help="Map the file's step FILE STEP to the funnel's step OUR STEP "
            "(nothing after = leave it out).",
        )
        parser.add_argument(
            "--by", metavar="USERNAME", help="The member importing, kept with it."
        )

    def handle(self, *args, path, org, funnel, by, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No file at {file}.")
        organisation = Organisation.objects.filter(slug=org).first()
        if organisation is None:
            raise CommandError(f"No organisation with the slug “{org}”.")
        user = self._member(organisation, by)
        period = self._period(options["period_from"], options["period_to"])
        try:
            funnel_file = read_funnel_file(
                file.read_bytes(),
                filename=file.name,
                tool=options["format"],
                zone=zone(options["timezone"]),
                period=period,
                segment=parse_segment(options["segment"])
                if options["segment"]
                else None,
            )
        except (FunnelFileError, ValueError) as problem:
            raise CommandError(f"{file}: {problem}") from None
        found = Funnel.objects.for_org(organisation).filter(name__iexact=funnel).first()
        if found is None:
            found = create_funnel_from_file(organisation, funnel, funnel_file.steps)
            self.stderr.write(
                f"Created the funnel “{found}” with the file's "
                f"{len(funnel_file.steps)} steps."
            )
        prepared = prepared_from_file(found, funnel_file, filename=file.name, by=user)
        try:
            mapping = self._mapping(found, prepared.mapping, options["map"])
            unmapped = [name for name, step in mapping.items() if step is None]
            unnamed = [n for n in unmapped if not _left_out(n, options["map"])]
            if unnamed:
                steps = ", ".join(f"“{s.name}”" for s in found.steps.all())
                raise CommandError(
                    "No step of the funnel matches "
                    + ", ".join(f"“{name}”" for name in unnamed)
                    + f"; its steps are {steps}. Map them with --map "
                    '"FILE STEP=OUR STEP" (nothing after = to leave one out).'
                )
            outcome = apply_funnel_import(prepared, mapping, by=user)
        except (CommandError, FunnelImportRefused) as problem:
            prepared.delete()
            raise CommandError(f"{file}: {problem}") from None
        for rejected in outcome.funnel_import.report["rejected"]:
            self.stderr.write(f"line {rejected['line']}: {rejected['reason']}")
        for note in outcome.funnel_import.report.get("notes", []):
            self.stderr.write(note)
        self.stdout.write(outcome.line())

    def _period(self, first, last):
        if (first is None) != (last is None):
            raise CommandError("Give both --from and --to, or neither.")
        if first is not None and last < first:
            raise CommandError("--to is before --from.")
        return (first, last) if first is not None else None

    def _mapping(self, funnel, proposed, items):
        steps = {step.name.casefold(): step.pk for step in funnel.steps.all()}
        chosen = dict(proposed)
        for item in items:
            name, sep, ours = item.partition("=")
            name = name.strip()
            if not sep or not name:
                raise CommandError(f"--map {item!r}: write FILE STEP=OUR STEP.")
            if name not in chosen:
                known = ", ".join(f"“{n}”" for n in chosen)
                raise CommandError(
                    f"--map {item!r}: the file has no step “{name}”; it names {known}."
                )
            ours = ours.strip()
            if ours and ours.casefold() not in steps:
                raise CommandError(
                    f"--map {item!r}: the funnel “{funnel}” has no step “{ours}”."
                )
            chosen[name] = steps[ours.casefold()] if ours else None
        return chosen

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


def _left_out(name: str, items: list[str]) -> bool:
    return any(
        item.partition("=")[0].strip() == name and not item.partition("=")[2].strip()
        for item in items
    )
