"""What a re-import may change on a hypothesis it imported before.

Three versions of each field are compared (a three-way merge, as version control
does): what the last import wrote (the base), what the hypothesis holds now, and
what the sheet says now. A field the sheet changed is updated only if nobody
changed it in the app since; a field changed in the app is kept, and when the
sheet changed it too, the report says which value was kept. Values are compared
in a plain form (text, ids, ISO dates, sorted tag names).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

MISSING = object()


@dataclass
class Merge:
    changes: dict[str, object] = field(default_factory=dict)
    # Fields changed both in the app and in the sheet: the app's value is kept.
    kept: list[str] = field(default_factory=list)


def _empty(value) -> bool:
    return value is None or value == "" or value == []


def merge(
    base: Mapping[str, object],
    current: Mapping[str, object],
    incoming: Mapping[str, object],
) -> Merge:
    """The changes to write and the fields kept as changed in the app."""
    result = Merge()
    for name, new in incoming.items():
        now = current.get(name)
        if new == now:
            continue
        before = base.get(name, MISSING)
        if before is MISSING:
            # A column this sheet's rows never brought before: it fills what is
            # empty, and does not overwrite what people wrote in the app.
            if _empty(now):
                result.changes[name] = new
            else:
                result.kept.append(name)
        elif before == now:
            result.changes[name] = new
        elif new != before:
            result.kept.append(name)
    return result
