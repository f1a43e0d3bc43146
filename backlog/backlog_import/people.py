"""Finding the members a sheet names as owners or scorers.

A cell is matched to a member of the organisation by username, email address or
full name, ignoring case and spacing. Exports write people in several ways:
"Ann Bell", "ann@shop.example", "Ann Bell <ann@shop.example>", "Ann Bell
(annbell)", "@annbell", or several people at once ("Ann Bell, Sam Ray"), of whom
the first found is taken. Someone who is not a member is never made up: the cell
is reported and the field left empty.
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

ANGLE_EMAIL = re.compile(r"<\s*([^<>\s]+@[^<>\s]+)\s*>")
IN_PARENS = re.compile(r"\(\s*@?([^()]+?)\s*\)\s*$")
SEPARATORS = re.compile(r"\s*[,;\n|]\s*")


@dataclass(frozen=True)
class Member:
    user_id: int
    username: str
    email: str
    full_name: str


@dataclass(frozen=True)
class Found:
    user_id: int | None
    problem: str | None = None
    # The cell as written when nobody was found, for the report's list of people.
    unknown: str = ""


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


class People:
    """The members of one organisation, looked up by what a sheet writes."""

    def __init__(self, members: Iterable[Member]):
        self.index: dict[str, set[int]] = defaultdict(set)
        for member in members:
            for name in (member.username, member.email, member.full_name):
                if name.strip():
                    self.index[_key(name)].add(member.user_id)

    def _lookup(self, text: str) -> set[int]:
        text = text.strip()
        candidates = []
        if match := ANGLE_EMAIL.search(text):
            candidates.append(match.group(1))
            candidates.append(ANGLE_EMAIL.sub("", text))
        if match := IN_PARENS.search(text):
            candidates.append(match.group(1))
            candidates.append(IN_PARENS.sub("", text))
        candidates.append(text.lstrip("@"))
        for candidate in candidates:
            ids = self.index.get(_key(candidate))
            if ids:
                return ids
        return set()

    def find(self, cell: str, role: str = "owner") -> Found:
        """The member a cell names, or why there is none (None for an empty
        cell, with no problem)."""
        cell = cell.strip()
        if not cell:
            return Found(None)
        ids = self._lookup(cell)
        names = [cell]
        if not ids:
            names = [part for part in SEPARATORS.split(cell) if part]
            for name in names:
                ids = self._lookup(name)
                if ids:
                    break
        if len(ids) == 1:
            (user_id,) = ids
            return Found(user_id)
        if ids:
            return Found(
                None,
                f"{role} “{cell}” could be {len(ids)} members of the same name",
                unknown=cell,
            )
        return Found(None, f"{role} “{cell}” is not a member", unknown=cell)
