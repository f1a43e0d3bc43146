"""Bringing a funnel export's counts into a funnel: preview, mapping, apply.

`prepare_funnel_import` reads the file and keeps its counts with a proposed
mapping of the file's step names to the funnel's steps (by name, the tools'
"1. " numbering aside). `apply_funnel_import` writes them with the mapping the
person confirmed. The file's period replaces what the funnel holds for that
period and those segments: a count the file gives again is updated or left
unchanged, one it no longer gives is removed, so importing the same export
twice creates nothing twice. Nothing is written when the import is refused.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, tzinfo

from django.db import connection, transaction
from django.db.models import Q

from backlog.funnels.files import CountRow, FunnelFile, read_funnel_file
from backlog.funnels.measured import refresh_measured_pages
from backlog.models import (
    Funnel,
    FunnelCount,
    FunnelImport,
    FunnelImportStatus,
    FunnelStep,
)
from cromaturity.bulk_writes import bulk_insert

COLUMNS = [
    "step",
    "period_start",
    "period_end",
    "dimension",
    "segment",
    "count",
    "source",
]
_NUMBERING = re.compile(r"^\s*(?:step\s*)?\d+\s*[.:)\-–]\s*", re.IGNORECASE)

Key = tuple[int, date, date, str, str]


class FunnelImportRefused(ValueError):
    """The import cannot be applied as asked; the message is for people."""


def step_label(name: str) -> str:
    """“1. Product view” and “Step 1: product view” compare as “product view”."""
    return " ".join(_NUMBERING.sub("", name).split()).casefold()


def proposed_mapping(funnel: Funnel, file_steps: list[str]) -> dict[str, int | None]:
    """Each of the file's steps and the funnel step of the same name, if any;
    the last applied import's choices first."""
    steps = {step_label(step.name): step.pk for step in funnel.steps.all()}
    previous = (
        funnel.imports.filter(status=FunnelImportStatus.APPLIED).first()
        if funnel.pk
        else None
    )
    remembered = previous.mapping if previous else {}
    known = set(steps.values())
    mapping: dict[str, int | None] = {}
    for name in file_steps:
        if name in remembered and (
            remembered[name] is None or remembered[name] in known
        ):
            mapping[name] = remembered[name]
        else:
            mapping[name] = steps.get(step_label(name))
    return mapping


def _row_json(row: CountRow) -> list:
    return [
        row.line,
        row.start.isoformat(),
        row.end.isoformat(),
        row.step,
        row.dimension,
        row.segment,
        row.count,
    ]


def _row_from_json(values: list) -> CountRow:
    line, start, end, step, dimension, segment, count = values
    return CountRow(
        line=line,
        start=date.fromisoformat(start),
        end=date.fromisoformat(end),
        step=step,
        dimension=dimension,
        segment=segment,
        count=count,
    )


def prepare_funnel_import(
    funnel: Funnel,
    data: bytes,
    *,
    filename: str = "",
    tool: str | None = None,
    zone: tzinfo = UTC,
    period: tuple[date, date] | None = None,
    segment: tuple[str, str] | None = None,
    by=None,
) -> FunnelImport:
    """Read the file and keep its counts for the mapping; raises FunnelFileError."""
    funnel_file = read_funnel_file(
        data, filename=filename, tool=tool, zone=zone, period=period, segment=segment
    )
    return _keep(funnel, funnel_file, filename=filename, by=by)


def prepared_from_file(
    funnel: Funnel, funnel_file: FunnelFile, *, filename: str = "", by=None
) -> FunnelImport:
    """Keep counts already read (the API's, a test's) for the mapping."""
    return _keep(funnel, funnel_file, filename=filename, by=by)


def _keep(funnel, funnel_file: FunnelFile, *, filename, by) -> FunnelImport:
    period = funnel_file.period
    return FunnelImport.objects.create(
        funnel=funnel,
        tool=funnel_file.tool,
        filename=filename[:255],
        period_from=period[0] if period else None,
        period_to=period[1] if period else None,
        rows=[_row_json(row) for row in funnel_file.rows],
        mapping=proposed_mapping(funnel, funnel_file.steps),
        report={
            "rejected": [
                {"line": r.line, "reason": r.reason} for r in funnel_file.rejected
            ],
            "notes": list(funnel_file.notes),
        },
        imported_by=by,
    )


@dataclass(frozen=True)
class FunnelImportOutcome:
    funnel_import: FunnelImport
    created: int
    updated: int
    unchanged: int
    removed: int
    rejected: int
    ignored_steps: tuple[str, ...]

    def line(self) -> str:
        return (
            f"created={self.created} updated={self.updated} "
            f"unchanged={self.unchanged} removed={self.removed} "
            f"rejected={self.rejected}"
        )


def _checked_mapping(
    funnel: Funnel, mapping: Mapping[str, int | None], file_steps: list[str]
) -> dict[str, int | None]:
    steps = {step.pk: step for step in funnel.steps.all()}
    chosen: dict[str, int | None] = {}
    taken: dict[int, str] = {}
    for name in file_steps:
        target = mapping.get(name)
        if target is not None and target not in steps:
            raise FunnelImportRefused(
                f"“{name}” is mapped to a step that is not in “{funnel}”."
            )
        if target is not None and target in taken:
            raise FunnelImportRefused(
                f"“{taken[target]}” and “{name}” are both mapped to "
                f"“{steps[target].name}”: map each step of the funnel once."
            )
        if target is not None:
            taken[target] = name
        chosen[name] = target
    if not taken:
        raise FunnelImportRefused(
            "None of the file's steps is mapped to a step of the funnel: nothing "
            "would be imported."
        )
    return chosen


def apply_funnel_import(
    funnel_import: FunnelImport, mapping: Mapping[str, int | None], *, by=None
) -> FunnelImportOutcome:
    """Write the counts of a prepared import with the confirmed mapping."""
    with transaction.atomic():
        funnel = Funnel.objects.select_for_update().get(pk=funnel_import.funnel_id)
        current = FunnelImport.objects.select_for_update().get(pk=funnel_import.pk)
        if current.status != FunnelImportStatus.PREVIEW:
            raise FunnelImportRefused("This import has already been applied.")
        rows = [_row_from_json(values) for values in current.rows]
        file_steps = list(dict.fromkeys(row.step for row in rows))
        chosen = _checked_mapping(funnel, mapping, file_steps)
        rejected = list(current.report.get("rejected", []))
        wanted: dict[Key, tuple[int, CountRow]] = {}
        for row in rows:
            step_id = chosen.get(row.step)
            if step_id is None:
                continue
            key = (step_id, row.start, row.end, row.dimension, row.segment)
            if key in wanted:
                first = wanted[key][1].line
                rejected.append(
                    {
                        "line": row.line,
                        "reason": f"the same step, period and segment as line {first}",
                    }
                )
                continue
            wanted[key] = (row.count, row)
        counts = _write(funnel, current, wanted)
        ignored = tuple(name for name, target in chosen.items() if target is None)
        rejected.sort(key=lambda item: item["line"])
        current.status = FunnelImportStatus.APPLIED
        current.mapping = chosen
        current.rows = []
        current.report = {
            **current.report,
            **counts,
            "rejected": rejected,
            "ignored_steps": list(ignored),
        }
        if by is not None:
            current.imported_by = by
        current.save(
            update_fields=["status", "mapping", "rows", "report", "imported_by"]
        )
        refresh_measured_pages(funnel)
    return FunnelImportOutcome(
        funnel_import=current,
        rejected=len(rejected),
        ignored_steps=ignored,
        **counts,
    )


def _write(
    funnel: Funnel, source: FunnelImport, wanted: dict[Key, tuple[int, CountRow]]
) -> dict[str, int]:
    if not wanted:
        return {"created": 0, "updated": 0, "unchanged": 0, "removed": 0}
    first = min(key[1] for key in wanted)
    last = max(key[2] for key in wanted)
    if source.period_from and source.period_to:
        first, last = min(first, source.period_from), max(last, source.period_to)
    dimensions = {key[3] for key in wanted}
    existing = FunnelCount.objects.filter(
        step__funnel=funnel,
        step_id__in={key[0] for key in wanted},
        dimension__in=dimensions,
        period_start__lte=last,
        period_end__gte=first,
    )
    straddling = existing.filter(Q(period_start__lt=first) | Q(period_end__gt=last))
    if overlap := straddling.select_related("step").first():
        raise FunnelImportRefused(
            f"The funnel holds a count from {overlap.period_start:%d %b %Y} to "
            f"{overlap.period_end:%d %b %Y} that reaches outside the file's period "
            f"({first:%d %b %Y} – {last:%d %b %Y}). Import a file that covers all "
            "of it, or counts of the same length."
        )
    held = {
        (c.step_id, c.period_start, c.period_end, c.dimension, c.segment): c
        for c in existing
    }
    create: list[tuple] = []
    update = []
    unchanged = 0
    # SQLite stores dates as ISO text; PostgreSQL takes them as they are.
    day = date.isoformat if connection.vendor == "sqlite" else (lambda value: value)
    for key, (count, _) in wanted.items():
        found = held.pop(key, None)
        if found is None:
            step_id, start, end, dimension, segment = key
            create.append(
                (step_id, day(start), day(end), dimension, segment, count, source.pk)
            )
        elif found.count != count:
            found.count = count
            found.source = source
            update.append(found)
        else:
            unchanged += 1
    removed = len(held)
    if held:
        FunnelCount.objects.filter(pk__in=[c.pk for c in held.values()]).delete()
    FunnelCount.objects.bulk_update(update, ["count", "source"], batch_size=2000)
    bulk_insert(FunnelCount, COLUMNS, create)
    return {
        "created": len(create),
        "updated": len(update),
        "unchanged": unchanged,
        "removed": removed,
    }


def create_funnel_from_file(organisation, name: str, file_steps: list[str]) -> Funnel:
    """A new funnel whose steps are the file's, in its order, numbering aside."""
    with transaction.atomic():
        funnel = Funnel.objects.create(organisation=organisation, name=name)
        FunnelStep.objects.bulk_create(
            FunnelStep(
                funnel=funnel,
                position=position,
                name=_NUMBERING.sub("", step).strip() or step,
            )
            for position, step in enumerate(file_steps)
        )
    return funnel
