"""Writing a backup: every table, or one organisation's rows, and its files."""

import io
import json
import zipfile
from collections.abc import Iterator
from datetime import datetime, time
from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from cromaturity.backups.contents import (
    BATCH,
    FILE_FIELDS,
    FORMAT,
    ORGANISATION_PATHS,
    SHARED,
    BackupError,
    BackupSummary,
    applied_migrations,
    backed_up_models,
    label,
)
from cromaturity.models import Organisation, User


class _ExactEncoder(DjangoJSONEncoder):
    """Django's JSON encoder, except that times keep their microseconds."""

    def default(self, o):
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


def _rows_of(organisation: Organisation | None) -> dict[str, models.QuerySet]:
    """The rows to back up, model by model in dependency order."""
    chosen = {}
    for model in backed_up_models():
        name = label(model)
        rows = model._base_manager.order_by("pk")
        if organisation is not None and name not in SHARED:
            rows = rows.filter(**{ORGANISATION_PATHS[name]: organisation.pk})
        chosen[name] = rows
    if organisation is not None:
        models_used = chosen["assessments.assessment"].values("maturity_model")
        chosen["assessments.maturitymodel"] = chosen[
            "assessments.maturitymodel"
        ].filter(pk__in=models_used)
        chosen["assessments.pillar"] = chosen["assessments.pillar"].filter(
            maturity_model__in=models_used
        )
        chosen["assessments.point"] = chosen["assessments.point"].filter(
            pillar__maturity_model__in=models_used
        )
        chosen["assessments.leveldescriptor"] = chosen[
            "assessments.leveldescriptor"
        ].filter(point__pillar__maturity_model__in=models_used)
        chosen["cromaturity.user"] = chosen["cromaturity.user"].filter(
            pk__in=_people_of(chosen)
        )
    return chosen


def _people_of(chosen: dict[str, models.QuerySet]) -> set[int]:
    """Everyone the organisation's rows name: members, authors, scorers…"""
    people: set[int] = set()
    for name, rows in chosen.items():
        if name == "cromaturity.user":
            continue
        model = rows.model
        for fk in model._meta.concrete_fields:
            if fk.is_relation and fk.related_model is User:
                people.update(
                    rows.exclude(**{f"{fk.attname}__isnull": True}).values_list(
                        fk.attname, flat=True
                    )
                )
        for m2m in model._meta.many_to_many:
            if m2m.related_model is User:
                people.update(
                    rows.exclude(**{f"{m2m.name}__isnull": True}).values_list(
                        m2m.name, flat=True
                    )
                )
    return people


def _stored_files(rows: models.QuerySet, name: str) -> list[str]:
    files = []
    for field_name in FILE_FIELDS.get(name, ()):
        files += [f for f in rows.values_list(field_name, flat=True) if f]
    return files


def _serialised(rows: models.QuerySet, counter: list[int]) -> Iterator[models.Model]:
    for row in rows.iterator(chunk_size=BATCH):
        counter[0] += 1
        yield row


def write_backup(path: Path, organisation: Organisation | None = None) -> BackupSummary:
    """Write a backup of everything, or of `organisation`, to the ZIP at `path`."""
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} already exists; choose a new file name.")
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist.")
    part = path.with_name(path.name + ".part")
    try:
        summary = _write(part, organisation)
        part.replace(path)
    finally:
        part.unlink(missing_ok=True)
    return summary


def _write(part: Path, organisation: Organisation | None) -> BackupSummary:
    summary = BackupSummary()
    media_root = Path(settings.MEDIA_ROOT)
    outermost = not connection.in_atomic_block
    with transaction.atomic(), zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as zf:
        if outermost and connection.vendor == "postgresql":
            # Every table is read as of one moment. (SQLite's transaction holds
            # the write lock, so writers wait until the backup is written.)
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        files: list[str] = []
        for position, (name, rows) in enumerate(_rows_of(organisation).items()):
            counter = [0]
            with zf.open(f"data/{position:04d}-{name}.jsonl", "w") as raw:
                stream = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
                serializers.serialize(
                    "jsonl",
                    _serialised(rows, counter),
                    stream=stream,
                    # A person's groups and permissions by name: their ids are
                    # this database's own. Everything else keeps its ids.
                    use_natural_foreign_keys=name == "cromaturity.user",
                    cls=_ExactEncoder,
                )
                stream.flush()
                stream.detach()
            summary.rows[name] = counter[0]
            files += _stored_files(rows, name)
        present = []
        for name in sorted(set(files)):
            source = media_root / name
            if source.is_file():
                zf.write(source, f"media/{name}")
                present.append(name)
            else:
                summary.skipped += 1
        summary.files = len(present)
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "organisation": organisation.slug if organisation else None,
            "rows": summary.rows,
            "media": present,
            "migrations": applied_migrations(),
        }
        zf.writestr("manifest.json", json.dumps(manifest, indent=2))
    return summary
