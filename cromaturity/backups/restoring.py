"""Restoring a backup: everything with its ids into an empty database, or one
organisation with new ids beside the others, in one transaction."""

import io
import json
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.db import IntegrityError, connection, models, transaction

from cromaturity import freshness
from cromaturity.backups.contents import (
    BATCH,
    FORMAT,
    BackupError,
    BackupSummary,
    applied_migrations,
    backed_up_models,
    label,
)
from cromaturity.models import Organisation, User


def read_manifest(archive: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(archive.read("manifest.json"))
    except (KeyError, ValueError):
        raise BackupError("This is not a cromaturity backup (no manifest).") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"This backup has format {manifest.get('format')}; this version of "
            f"cromaturity reads format {FORMAT}."
        )
    return manifest


def _records(archive: zipfile.ZipFile, name: str) -> Iterator[dict]:
    members = [m for m in archive.namelist() if m.endswith(f"-{name}.jsonl")]
    for member in members:
        with archive.open(member) as raw:
            for line in io.TextIOWrapper(raw, encoding="utf-8"):
                if line.strip():
                    yield json.loads(line)


def _batches(items: Iterable, size: int = BATCH) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _media_target(name: str) -> Path:
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise BackupError(f"The backup holds a file with an unsafe name: {name!r}.")
    return Path(settings.MEDIA_ROOT, *relative.parts)


class _Restore:
    """One restore: the mapping of the archive's ids to this database's."""

    def __init__(self, archive: zipfile.ZipFile, manifest: dict, keep_ids: bool):
        self.archive = archive
        self.manifest = manifest
        self.keep_ids = keep_ids
        self.ids: dict[str, dict] = defaultdict(dict)
        self.matched: dict[str, set] = defaultdict(set)
        self.summary = BackupSummary()
        self.written: list[Path] = []
        self.known = {label(model) for model in backed_up_models()}

    def run(self) -> BackupSummary:
        try:
            with transaction.atomic():
                if self.keep_ids:
                    # What the migrations loaded (the default maturity model) is
                    # replaced by the backup's own rows, ids included.
                    for model in reversed(backed_up_models()):
                        model._base_manager.all().delete()
                for model in backed_up_models():
                    self._restore_model(model)
                self._restore_files()
                if self.keep_ids:
                    self._reset_sequences()
                # Rows were written in bulk, without model signals.
                freshness.touch(*Organisation.objects.values_list("pk", flat=True))
        except BaseException:
            for path in self.written:
                path.unlink(missing_ok=True)
            raise
        return self.summary

    def _restore_model(self, model: type[models.Model]) -> None:
        name = label(model)
        count = 0
        for batch in _batches(_records(self.archive, name)):
            count += self._insert(model, [r for r in map(self._remap, batch) if r])
        self.summary.rows[name] = count

    def _insert(self, model: type[models.Model], records: list[dict]) -> int:
        name = label(model)
        fresh, old_ids = [], []
        for record in records:
            existing = None if self.keep_ids else self._existing(name, record)
            if existing is not None:
                self.ids[name][record["pk"]] = existing
                self.matched[name].add(record["pk"])
                continue
            old_ids.append(record["pk"])
            if not self.keep_ids:
                record = {**record, "pk": None}
            fresh.append(record)
        objects = list(
            serializers.deserialize("python", fresh, handle_forward_references=False)
        )
        # Creating rows stamps auto_now fields with the time of the restore; the
        # backup's times are put back after.
        stamped = [
            f.attname
            for f in model._meta.concrete_fields
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        times = [{f: getattr(o.object, f) for f in stamped} for o in objects]
        created = model._base_manager.bulk_create([o.object for o in objects])
        if stamped and created:
            for row, stamps in zip(created, times, strict=True):
                for attname, value in stamps.items():
                    setattr(row, attname, value)
            model._base_manager.bulk_update(created, stamped, batch_size=500)
        many_to_many = {f.name: f for f in model._meta.many_to_many}
        links: defaultdict[type[models.Model], list[models.Model]] = defaultdict(list)
        for old, new, deserialized in zip(old_ids, created, objects, strict=True):
            self.ids[name][old] = new.pk
            for field_name, values in (deserialized.m2m_data or {}).items():
                m2m = many_to_many[field_name]
                through = m2m.remote_field.through
                # Django sets it (an auto-created model when the field names
                # none) while the apps load; the stubs keep the declaration's None.
                if through is None:
                    raise BackupError(f"{name}.{field_name} has no table of links.")
                source, target = m2m.m2m_field_name(), m2m.m2m_reverse_field_name()
                links[through] += [
                    through(**{f"{source}_id": new.pk, f"{target}_id": value})
                    for value in values
                ]
        for through, rows in links.items():
            through._base_manager.bulk_create(rows, batch_size=BATCH)
        return len(created)

    def _existing(self, name: str, record: dict):
        """The id of a shared row this database already has, if any."""
        fields = record["fields"]
        if name == "cromaturity.user":
            return _matching_person(fields["username"], fields["email"])
        if name == "assessments.maturitymodel":
            return (
                apps.get_model(name)
                ._base_manager.filter(name=fields["name"], version=fields["version"])
                .values_list("pk", flat=True)
                .first()
            )
        parents = {
            "assessments.pillar": ("maturity_model", "assessments.maturitymodel"),
            "assessments.point": ("pillar", "assessments.pillar"),
            "assessments.leveldescriptor": ("point", "assessments.point"),
        }
        if name not in parents:
            return None
        parent_field, parent = parents[name]
        old_parent = record["fields"][parent_field]
        if old_parent not in self.matched[parent]:
            return None
        key = "level" if name == "assessments.leveldescriptor" else "key"
        match = (
            apps.get_model(name)
            ._base_manager.filter(
                **{parent_field: self.ids[parent][old_parent], key: fields[key]}
            )
            .values_list("pk", flat=True)
            .first()
        )
        if match is None:
            raise BackupError(
                f"This database's maturity model differs from the backup's: it has "
                f"no {name.split('.')[1]} “{fields[key]}”."
            )
        return match

    def _remap(self, record: dict) -> dict | None:
        """The record with this database's ids; None to leave it out."""
        if self.keep_ids:
            return record
        model = apps.get_model(record["model"])
        fields = dict(record["fields"])
        tracked = getattr(model, "instance_type", None)
        if tracked is not None:
            # A history record: its `id` is the id of the object it describes.
            new_id = self.ids[label(tracked)].get(fields["id"])
            if new_id is None:
                self.summary.skipped += 1
                return None
            fields["id"] = new_id
        for fk in model._meta.concrete_fields:
            if not fk.is_relation or label(fk.related_model) not in self.known:
                continue
            old = fields.get(fk.name)
            if old is None:
                continue
            new = self.ids[label(fk.related_model)].get(old)
            if new is None:
                if fk.null:
                    new = None
                elif tracked is not None or not fk.db_constraint:
                    self.summary.skipped += 1
                    return None
                else:
                    raise BackupError(
                        f"The backup is inconsistent: {record['model']} "
                        f"{record['pk']} refers to a missing "
                        f"{label(fk.related_model)} {old}."
                    )
            fields[fk.name] = new
        for m2m in model._meta.many_to_many:
            if label(m2m.related_model) not in self.known or m2m.name not in fields:
                continue
            mapping = self.ids[label(m2m.related_model)]
            fields[m2m.name] = [mapping[v] for v in fields[m2m.name] if v in mapping]
        return {**record, "fields": fields}

    def _restore_files(self) -> None:
        for name in self.manifest.get("media", []):
            target = _media_target(name)
            content = self.archive.read(f"media/{name}")
            if target.exists():
                if target.read_bytes() == content:
                    continue
                raise BackupError(
                    f"The uploaded file {name} already exists here with other "
                    "content; move it away and restore again."
                )
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            self.written.append(target)
            self.summary.files += 1

    def _reset_sequences(self) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), backed_up_models())
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _matching_person(username: str, email: str) -> int | None:
    person = User.objects.filter(username=username).first()
    if person is not None:
        if person.email.lower() != email.lower():
            raise BackupError(
                f"This database has another person called “{username}” (with "
                f"another email address); rename one of them and restore again."
            )
        return person.pk
    if User.objects.filter(email__iexact=email).exists():
        raise BackupError(
            f"This database has another person with the email address {email}; "
            "restore again once that is settled."
        )
    return None


def restore_backup(path: Path, organisation_slug: str | None = None) -> BackupSummary:
    """Restore the backup at `path`; see the module's description for where."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"There is no backup file at {path}.")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise BackupError(f"{path} is not a ZIP file.") from None
    with archive:
        manifest = read_manifest(archive)
        if manifest["migrations"] != applied_migrations():
            raise BackupError(
                "The backup was made by another version of cromaturity (its "
                "database migrations differ). Restore it with the version that "
                "made it, then upgrade."
            )
        slug = manifest["organisation"]
        if organisation_slug and slug is None:
            raise BackupError(
                "This backup holds every organisation; restore it whole into a new "
                "database, without --org."
            )
        if organisation_slug and organisation_slug != slug:
            raise BackupError(
                f"This backup holds the organisation “{slug}”, not "
                f"“{organisation_slug}”."
            )
        if slug is None:
            _require_empty_database()
        elif Organisation.objects.filter(slug=slug).exists():
            raise BackupError(
                f"An organisation with the address “{slug}” already exists here. "
                "Restore it into a database without it (delete or rename the "
                "existing one first)."
            )
        try:
            return _Restore(archive, manifest, keep_ids=slug is None).run()
        except IntegrityError as error:
            raise BackupError(
                f"The backup clashes with what this database holds: {error}."
            ) from error


def _require_empty_database() -> None:
    organisations, people = Organisation.objects.count(), User.objects.count()
    if organisations or people:
        raise BackupError(
            f"This database already has {organisations} organisation(s) and "
            f"{people} account(s). A whole backup is restored into a new database "
            "(after manage.py migrate); restore single organisations with --org."
        )
