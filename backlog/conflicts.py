"""Refusing edits made to an outdated copy: optimistic locking by version number.

Hypotheses, feedback items and scores carry a `version` that every save through
the app increments. An edit form carries the version it was opened at; the write
compares it with the stored one inside its transaction, with the row locked, and
raises `EditConflict` when someone saved in between: nothing is written, and the
person sees the stored version beside their own. Submitting the same values
twice (a double click, a form sent again) is not a conflict: the second
submission finds nothing to change and writes nothing.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from django import forms
from django.db import models
from django.db.models.options import Options
from django.http import QueryDict
from django.utils import timezone
from django.utils.formats import date_format

NOTHING = "—"
# A history record this much older than the row's last update was not written
# by that update (bulk writes, such as imports, leave no history).
HISTORY_SLACK = timedelta(seconds=2)


@dataclass(frozen=True)
class Difference:
    """One field as it is stored now (theirs) and as submitted (yours)."""

    label: str
    theirs: str
    yours: str


def version_field() -> forms.IntegerField:
    """The version an edit form was opened at, sent back with the edit."""
    return forms.IntegerField(
        required=False, min_value=0, max_value=2**31 - 1, widget=forms.HiddenInput
    )


class Versioned(Protocol):
    """A model instance carrying the version its saves increment."""

    @property
    def _meta(self) -> Options[Any]: ...

    @property
    def version(self) -> int: ...


class EditConflict(Exception):
    """The row changed since the form was opened; nothing was written."""

    def __init__(self, current: Versioned, differences: list[Difference]):
        super().__init__(
            f"{current._meta.verbose_name} changed since the form was opened"
        )
        self.current = current
        self.differences = differences

    @property
    def version(self) -> int:
        return self.current.version

    @property
    def changed_at(self) -> datetime | None:
        return getattr(self.current, "updated_at", None)

    @property
    def changed_by(self):
        """Who saved the stored version, when its history says so."""
        history = getattr(self.current, "history", None)
        if history is None:
            return None
        record = history.order_by("-history_date", "-history_id").first()
        changed_at = self.changed_at
        if record is None or (
            changed_at is not None and record.history_date < changed_at - HISTORY_SLACK
        ):
            return None
        return record.history_user


def _normal(value: object) -> object:
    """The value as compared: empty is empty, objects by key, times to seconds."""
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime):
        return value.replace(microsecond=0)
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(sorted(str(item).lower() for item in value))
    return value


def shown(value: object) -> str:
    """The value as a person reads it in the comparison."""
    if value is None or value == "" or value == [] or value == ():
        return NOTHING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(sorted(str(item) for item in value))
    if isinstance(value, models.Model) and hasattr(value, "display_name"):
        return value.display_name
    return str(value)


def differences(rows: Iterable[tuple[str, object, object]]) -> list[Difference]:
    """The rows (label, stored value, submitted value) whose values differ."""
    return [
        Difference(label=label, theirs=shown(theirs), yours=shown(yours))
        for label, theirs, yours in rows
        if _normal(theirs) != _normal(yours)
    ]


def field_rows(
    stored: models.Model, submitted: models.Model, fields: Iterable[str]
) -> list[tuple[str, object, object]]:
    """Compare `fields` of two instances of a model, with their choice labels."""
    rows = []
    for name in fields:
        field = stored._meta.get_field(name)
        if not isinstance(field, models.Field):
            raise TypeError(f"{name!r} is the other side of a relation, not a field")
        label = str(field.verbose_name)
        label = label[:1].upper() + label[1:]
        if field.choices:
            theirs = getattr(stored, f"get_{name}_display")()
            yours = getattr(submitted, f"get_{name}_display")()
        else:
            theirs, yours = getattr(stored, name), getattr(submitted, name)
        rows.append((label, theirs, yours))
    return rows


def with_version(data: QueryDict, name: str, version: int) -> QueryDict:
    """A copy of posted form data carrying another version."""
    data = data.copy()
    data[name] = str(version)
    return data
