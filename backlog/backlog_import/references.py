"""The pages and tags a sheet names: found by name, created when asked to.

Runs inside the import's transaction. A page or tag the organisation does not
have is created only when the importing person ticked that; otherwise the row
comes in without it and the report says so.
"""

from collections.abc import Iterable

from backlog.models import Page, Tag


def _key(name: str) -> str:
    return " ".join(name.casefold().split())


class Names:
    """One organisation's pages or tags by name (ignoring case)."""

    def __init__(self, model, organisation_id: int, *, create: bool):
        self.model = model
        self.organisation_id = organisation_id
        self.create = create
        self.ids: dict[str, int] = {
            _key(name): pk
            for pk, name in model.objects.filter(organisation_id=organisation_id)
            .order_by()
            .values_list("pk", "name")
        }
        self.created: set[str] = set()
        self.missing: set[str] = set()

    def prepare(self, names: Iterable[str]) -> None:
        """Create the missing ones (when asked to), each once, as first written."""
        wanted: dict[str, str] = {}
        for name in names:
            if name and _key(name) not in self.ids:
                wanted.setdefault(_key(name), name)
        if not wanted:
            return
        if not self.create:
            self.missing.update(wanted)
            return
        made = self.model.objects.bulk_create(
            [
                self.model(organisation_id=self.organisation_id, name=name)
                for name in wanted.values()
            ]
        )
        for item in made:
            self.ids[_key(item.name)] = item.pk
            self.created.add(_key(item.name))

    def id_of(self, name: str) -> int | None:
        return self.ids.get(_key(name))

    def ids_of(self, names: Iterable[str]) -> list[int]:
        """The ids of names found or created; any other name raises KeyError."""
        return [self.ids[_key(name)] for name in names]

    def was_created(self, name: str) -> bool:
        return _key(name) in self.created


def pages_of(organisation_id: int, *, create: bool) -> Names:
    return Names(Page, organisation_id, create=create)


def tags_of(organisation_id: int, *, create: bool) -> Names:
    return Names(Tag, organisation_id, create=create)


def key_of(name: str) -> str:
    """How a page or tag name is compared between imports."""
    return _key(name)
