"""What a backup holds: the models in dependency order, which rows belong to one
organisation, and the format."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import FieldError
from django.db import connection, models
from django.db.migrations.recorder import MigrationRecorder

from cromaturity.models import org_path

FORMAT = 1
OUR_APPS = ("cromaturity", "assessments", "backlog", "collaboration")
BATCH = 2000

# Shared by organisations: an organisation's backup holds the ones it uses.
SHARED = {
    "cromaturity.user",
    "assessments.maturitymodel",
    "assessments.pillar",
    "assessments.point",
    "assessments.leveldescriptor",
}
FILE_FIELDS = {
    "backlog.feedbackimport": ("file", "rejected_file"),
    "backlog.backlogimport": ("file", "rejected_file", "report_file"),
}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


@dataclass
class BackupSummary:
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
                if f.related_model is not None
            )
        ]
        if not ready:
            raise BackupError(f"The models refer to each other in a circle: {pending}")
        for name in sorted(ready):
            ordered.append(pending.pop(name))
    return ordered


def _organisation_path(model: type[models.Model]) -> str:
    path = org_path(model)
    try:
        model._base_manager.filter(**{path: None})
    except FieldError:
        raise BackupError(
            f"No rule says which rows of {label(model)} to back up: it has no "
            "organisation and no org_path."
        ) from None
    return path


# How each model's rows belong to one organisation (a lookup from the model to
# Organisation). Shared models are chosen by what the organisation's rows use.
ORGANISATION_PATHS = {
    label(model): _organisation_path(model)
    for model in backed_up_models()
    if label(model) not in SHARED
}


def applied_migrations() -> dict[str, list[str]]:
    applied = defaultdict(list)
    for app, name in MigrationRecorder(connection).applied_migrations():
        if app in OUR_APPS:
            applied[app].append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}
