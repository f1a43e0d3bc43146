"""The change history of hypotheses, scores, feedback items and evidence links,
read from django-simple-history's tables as a readable diff: who, when, and for
each field the old and the new value.

Rows written in bulk (feedback imports, recomputed aggregates) leave no
history; an imported feedback item says so with one "imported" entry. A
backlog import writes its records in bulk, with the file as the reason, and the
demo writes the history of its hypotheses and scores the same way.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.timezone import localtime

from backlog.models import Evidence, FeedbackItem, Hypothesis, Score
from backlog.models.hypotheses import DESCRIPTION_FIELDS, OUTCOME_FIELDS
from backlog.models.scores import PXL_FIELDS, RATING_FIELDS
from collaboration.models.history import history_of

SHOWN = 40
# Newest records read per kind of history; a page shows the newest SHOWN changes.
READ = 400
VALUE_LENGTH = 160
NOTHING = "—"

SCORE_FIELDS = [*RATING_FIELDS, *PXL_FIELDS, "note"]
ITEM_FIELDS = [
    "source",
    "received_at",
    "text",
    "page",
    "product_area",
    "customer_ref",
    "sentiment",
    "team",
]
EVIDENCE_FIELDS = ["snippet", "importance"]


def _in_declared_order(model: type[models.Model], names: list[str]) -> list[str]:
    return [field.name for field in model._meta.fields if field.name in names]


# What people change on a hypothesis, by its form or by moving it through the
# pipeline, in the order the model declares them.
HYPOTHESIS_FIELDS = _in_declared_order(
    Hypothesis, [*DESCRIPTION_FIELDS, "status", *OUTCOME_FIELDS, "result_reason"]
)


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class Change:
    when: datetime
    who: str
    what: str
    action: str
    fields: list[FieldChange] = field(default_factory=list)


class _Names:
    """Display names of the people, pages and teams that records point at,
    looked up in one query per kind."""

    def __init__(self, records, fields_by_model):
        wanted = defaultdict(set)
        for record in records:
            for name in fields_by_model:
                target = _related_model(record, name)
                if target is not None:
                    value = getattr(record, f"{name}_id", None)
                    if value is not None:
                        wanted[target].add(value)
        self.names = {}
        user_model = get_user_model()
        for target, ids in wanted.items():
            if target is user_model:
                rows = {
                    u.pk: u.display_name for u in user_model.objects.filter(pk__in=ids)
                }
            else:
                rows = {o.pk: str(o) for o in target.objects.filter(pk__in=ids)}
            self.names[target] = rows

    def of(self, target, pk) -> str:
        if pk is None:
            return NOTHING
        return self.names.get(target, {}).get(pk, f"#{pk} (deleted)")


def _related_model(record, name):
    model_field = record.instance_type._meta.get_field(name)
    if isinstance(model_field, models.ForeignKey):
        return model_field.related_model
    return None


def _shown(record, name: str, names: _Names) -> str:
    model_field = record.instance_type._meta.get_field(name)
    if isinstance(model_field, models.ForeignKey):
        return names.of(model_field.related_model, getattr(record, f"{name}_id"))
    value = getattr(record, name)
    if value is None or value == "":
        return NOTHING
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return date_format(localtime(value), "j M Y H:i")
    return Truncator(" ".join(str(value).split())).chars(VALUE_LENGTH)


def _label(record, name: str) -> str:
    return str(record.instance_type._meta.get_field(name).verbose_name)


def _raw(record, name: str):
    model_field = record.instance_type._meta.get_field(name)
    return getattr(record, model_field.attname)


def _who(record, names: _Names, before=None) -> str:
    """Who made the change: the signed-in user, or else the person the row
    itself names (who unlinked, linked or scored), for changes made outside a
    request such as the demo."""
    if record.history_user is not None:
        return record.history_user.display_name
    user_model = get_user_model()
    candidates = ["linked_by", "scorer"]
    if before is not None and getattr(before, "unlinked_at", False) is None:
        candidates.insert(0, "unlinked_by")
    for name in candidates:
        pk = getattr(record, f"{name}_id", None)
        if pk is not None:
            return names.of(user_model, pk)
    return "the system"


def _changes(records, field_names, describe, names) -> list[Change]:
    """Changes between each record and the one before it of the same object."""
    # History records are simple_history's generated models, which have no types.
    previous: dict[int, Any] = {}
    changes = []
    for record in records:
        before = previous.get(record.id)
        previous[record.id] = record
        what, action = describe(record, before)
        # Rows written in bulk with a record of their own (a backlog import)
        # say where they came from.
        action = action or record.history_change_reason or ""
        who = _who(record, names, before)
        if record.history_type == "+":
            change = Change(record.history_date, who, what, action or "created")
        elif record.history_type == "-":
            change = Change(record.history_date, who, what, "deleted")
        elif before is None:
            # The row was written in bulk (an import, the demo): no earlier values.
            change = Change(
                record.history_date,
                who,
                what,
                action or "changed; its earlier values were not recorded",
            )
        else:
            diffs = [
                FieldChange(
                    _label(record, name),
                    _shown(before, name, names),
                    _shown(record, name, names),
                )
                for name in field_names
                if _raw(before, name) != _raw(record, name)
            ]
            if not diffs and not action:
                continue
            change = Change(record.history_date, who, what, action or "changed", diffs)
        changes.append(change)
    return changes


def _read(manager, *related, **condition) -> list:
    records = list(
        manager.filter(**condition)
        .select_related("history_user", *related)
        .order_by("-history_date", "-history_id")[:READ]
    )
    return records[::-1]


def _newest(changes: list[Change]) -> list[Change]:
    return sorted(changes, key=lambda c: c.when, reverse=True)[:SHOWN]


def _evidence_action(record, before) -> str:
    if before is not None and before.unlinked_at is None and record.unlinked_at:
        return "unlinked"
    if record.history_type == "+":
        return "linked"
    return ""


def _quote(text: str) -> str:
    return Truncator(" ".join(text.split())).chars(70)


def of_hypothesis(hypothesis: Hypothesis) -> list[Change]:
    own = _read(history_of(Hypothesis), id=hypothesis.pk)
    scores = _read(history_of(Score), hypothesis_id=hypothesis.pk)
    links = _read(history_of(Evidence), "feedback_item", hypothesis_id=hypothesis.pk)
    names = _Names(own, HYPOTHESIS_FIELDS)
    score_names = _Names(scores, ["scorer"])
    link_names = _Names(links, ["linked_by", "unlinked_by"])
    user_model = get_user_model()
    changes = _changes(own, HYPOTHESIS_FIELDS, lambda r, b: ("Hypothesis", ""), names)
    changes += _changes(
        scores,
        SCORE_FIELDS,
        lambda r, b: (
            f"{score_names.of(user_model, r.scorer_id)}’s "
            f"{r.get_framework_display()} score",
            "",
        ),
        score_names,
    )
    changes += _changes(
        links,
        EVIDENCE_FIELDS,
        lambda r, b: (
            f"Evidence “{_quote(r.feedback_item.text)}”"
            if r.feedback_item
            else "Evidence from deleted feedback",
            _evidence_action(r, b),
        ),
        link_names,
    )
    return _newest(changes)


def of_feedback_item(item: FeedbackItem) -> list[Change]:
    own = _read(history_of(FeedbackItem), id=item.pk)
    links = _read(history_of(Evidence), "hypothesis", feedback_item_id=item.pk)
    names = _Names(own, ITEM_FIELDS)
    link_names = _Names(links, ["linked_by", "unlinked_by"])
    changes = _changes(own, ITEM_FIELDS, lambda r, b: ("Feedback", ""), names)
    changes += _changes(
        links,
        EVIDENCE_FIELDS,
        lambda r, b: (
            f"Evidence for “{r.hypothesis.title}”"
            if r.hypothesis
            else "Evidence for a deleted hypothesis",
            _evidence_action(r, b),
        ),
        link_names,
    )
    feedback_import = item.feedback_import if item.feedback_import_id else None
    if feedback_import and not any(r.history_type == "+" for r in own):
        changes.append(
            Change(
                feedback_import.finished_at or item.created_at,
                feedback_import.uploaded_by.display_name
                if feedback_import.uploaded_by
                else "the system",
                "Feedback",
                f"imported from {feedback_import.original_name} (imports are not "
                "itemised field by field)",
            )
        )
    return _newest(changes)
