"""Backing up and restoring all organisations, or one, with their uploaded files.

A backup is one ZIP file:

* ``manifest.json``: the format, what it holds (everything, or one
  organisation), the row count of each model, the uploaded files, and the
  migrations of the code that wrote it;
* ``data/NNNN-app.model.jsonl``: Django's JSON Lines serialisation of each
  model's rows, parents before children;
* ``media/...``: the uploaded files the rows refer to (feedback imports and
  their rejected rows), under their stored names.

A whole backup is restored, with its ids, into a database that has no
organisations or people yet (fresh from ``migrate``). One organisation is
restored into any database where no organisation has its address: its rows get
new ids, people are matched by username (and must have the same email), and a
maturity model that is already there is used instead of a copy. A restore is one
transaction: when anything is refused or fails, nothing is kept, files included.
"""

import io
import json
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from cromaturity import freshness
from cromaturity.models import Organisation, User

FORMAT = 1
OUR_APPS = ("cromaturity", "assessments", "backlog", "collaboration")
BATCH = 2000

# How each model's rows belong to one organisation (a lookup from the model to
# Organisation). Shared models are chosen by what the organisation's rows use.
ORGANISATION_PATHS = {
    "cromaturity.organisation": "pk",
    "cromaturity.team": "organisation",
    "cromaturity.membership": "organisation",
    "cromaturity.invitation": "organisation",
    "cromaturity.auditevent": "organisation",
    "cromaturity.apikey": "organisation",
    "assessments.assessment": "organisation",
    "assessments.response": "assessment__organisation",
    "assessments.answer": "response__assessment__organisation",
    "assessments.agreedlevel": "assessment__organisation",
    "assessments.target": "organisation",
    "assessments.sharelink": "assessment__organisation",
    "backlog.backlogsettings": "organisation",
    "backlog.theme": "organisation",
    "backlog.feedbackitem": "organisation",
    "backlog.feedbacktheme": "item__organisation",
    "backlog.feedbackimport": "organisation",
    "backlog.importmapping": "organisation",
    "backlog.page": "organisation",
    "backlog.tag": "organisation",
    "backlog.hypothesis": "organisation",
    "backlog.evidence": "hypothesis__organisation",
    "backlog.experiment": "hypothesis__organisation",
    "backlog.variant": "experiment__hypothesis__organisation",
    "backlog.score": "hypothesis__organisation",
    "collaboration.historicalhypothesis": "organisation",
    "collaboration.historicalscore": "hypothesis__organisation",
    "collaboration.historicalfeedbackitem": "organisation",
    "collaboration.historicalevidence": "hypothesis__organisation",
    "collaboration.comment": "organisation",
    "collaboration.watch": "hypothesis__organisation",
    "collaboration.notification": "organisation",
    "collaboration.notificationpreference": "organisation",
    "collaboration.activity": "organisation",
}
# Shared by organisations: an organisation's backup holds the ones it uses.
SHARED = {
    "cromaturity.user",
    "assessments.maturitymodel",
    "assessments.pillar",
    "assessments.point",
    "assessments.leveldescriptor",
}
FILE_FIELDS = {"backlog.feedbackimport": ("file", "rejected_file")}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


class _ExactEncoder(DjangoJSONEncoder):
    """Django's JSON encoder, except that times keep their microseconds."""

    def default(self, o):
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


@dataclass
class Summary:
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    skipped: int = 0

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def backed_up_models() -> list[type[models.Model]]:
    """The project's models, each after the models its rows point to."""
    pending = {
        label(model): model
        for app in OUR_APPS
        for model in apps.get_app_config(app).get_models()
    }
    ordered: list[type[models.Model]] = []
    while pending:
        ready = [
            name
            for name, model in pending.items()
            if not any(
                label(f.related_model) in pending and f.related_model is not model
                for f in model._meta.concrete_fields
                if f.is_relation
            )
        ]
        if not ready:
            raise BackupError(f"The models refer to each other in a circle: {pending}")
        for name in sorted(ready):
            ordered.append(pending.pop(name))
    return ordered


def _applied_migrations() -> dict[str, list[str]]:
    applied = defaultdict(list)
    for app, name in MigrationRecorder(connection).applied_migrations():
        if app in OUR_APPS:
            applied[app].append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


# Backing up ------------------------------------------------------------------


def _rows_of(organisation: Organisation | None) -> dict[str, models.QuerySet]:
    """The rows to back up, model by model in dependency order."""
    chosen = {}
    for model in backed_up_models():
        name = label(model)
        rows = model._base_manager.order_by("pk")
        if organisation is not None and name not in SHARED:
            path = ORGANISATION_PATHS.get(name)
            if path is None:
                raise BackupError(f"No rule says which rows of {name} to back up.")
            rows = rows.filter(**{path: organisation.pk})
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


def write_backup(path: Path, organisation: Organisation | None = None) -> Summary:
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


def _write(part: Path, organisation: Organisation | None) -> Summary:
    summary = Summary()
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
            "migrations": _applied_migrations(),
        }
        zf.writestr("manifest.json", json.dumps(manifest, indent=2))
    return summary


# Restoring -------------------------------------------------------------------


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
        self.summary = Summary()
        self.written: list[Path] = []
        self.known = {label(model) for model in backed_up_models()}

    def run(self) -> Summary:
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
        links = defaultdict(list)
        for old, new, deserialized in zip(old_ids, created, objects, strict=True):
            self.ids[name][old] = new.pk
            for field_name, values in (deserialized.m2m_data or {}).items():
                m2m = model._meta.get_field(field_name)
                through = m2m.remote_field.through
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


def restore_backup(path: Path, organisation_slug: str | None = None) -> Summary:
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
        if manifest["migrations"] != _applied_migrations():
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
