"""Finding @mentions of people in comment text, on plain values.

A mention is ``@`` followed by a person's username or full name, at the start of
the text or after a character that is not part of a word (so ``sam@example.com``
mentions nobody). Matching ignores case; ``@Zoe`` also finds Zoë when no one is
called exactly Zoe. The longest name that fits wins (``@Ana Lima`` is Ana Lima,
not Ana), and the name must end where a word ends (``@samantha`` is not sam).
Each person is mentioned once however often they are named; ``@`` followed by a
name nobody has is reported back as unknown.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# A username may hold letters, digits and @.+-_ (Django's rule); an unknown
# mention is reported up to the first character outside those.
_HANDLE_TAIL = re.compile(r"[\w.+-]+")


@dataclass(frozen=True)
class Person:
    key: int  # the user's id
    username: str
    full_name: str = ""


@dataclass(frozen=True)
class Mention:
    person: Person
    start: int  # index of the "@"
    end: int  # index after the name


@dataclass(frozen=True)
class Mentions:
    found: list[Mention]
    unknown: list[str]

    @property
    def people(self) -> list[Person]:
        """Everyone mentioned, once each, in the order first mentioned."""
        seen, people = set(), []
        for mention in self.found:
            if mention.person.key not in seen:
                seen.add(mention.person.key)
                people.append(mention.person)
        return people


def fold(text: str) -> str:
    """Lower case without accents: "Zoë" and "zoe" fold alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _names(person: Person) -> list[str]:
    names = [person.username]
    full = " ".join(person.full_name.split())
    if full and full.casefold() != person.username.casefold():
        names.append(full)
    return names


def _candidates(people: Iterable[Person], text: str):
    """(name, person) pairs that could follow an "@" in `text`, longest name
    first, so the longest match wins."""
    # Only names starting with a letter that follows an "@" can match: this keeps
    # a comment in a workspace of thousands from comparing against everyone.
    starts = {
        fold(text[at + 1 : at + 2]) for at in range(len(text) - 1) if text[at] == "@"
    }
    pairs = [
        (name, person)
        for person in people
        for name in _names(person)
        if name and fold(name[:1]) in starts
    ]
    return sorted(pairs, key=lambda pair: -len(pair[0]))


def _ends_a_word(text: str, end: int) -> bool:
    """Whether a name ending at `end` is not the start of a longer word.

    "@sam." and "@sam-" end the name; "@sam.jones" and "@sam-x" go on.
    """
    if end >= len(text):
        return True
    following = text[end]
    if _is_word_char(following):
        return False
    if following in ".-+" and end + 1 < len(text):
        return not _is_word_char(text[end + 1])
    return True


def _match_at(text: str, position: int, candidates, *, folded: bool):
    for name, person in candidates:
        end = position + len(name)
        piece = text[position:end]
        if folded:
            same = fold(piece) == fold(name)
        else:
            same = piece.casefold() == name.casefold()
        if same and _ends_a_word(text, end):
            return person, end
    return None


def find_mentions(text: str, people: Iterable[Person]) -> Mentions:
    """The mentions in `text` of any of `people`, and the names nobody has.

    `text` should be in Unicode normal form C (comments are stored so), so that
    an accented letter is one character both in the text and in the names.
    """
    if "@" not in text:
        return Mentions(found=[], unknown=[])
    candidates = _candidates(people, text)
    found: list[Mention] = []
    unknown: list[str] = []
    position = 0
    while (at := text.find("@", position)) != -1:
        position = at + 1
        if at > 0 and (_is_word_char(text[at - 1]) or text[at - 1] == "@"):
            continue
        match = _match_at(text, at + 1, candidates, folded=False) or _match_at(
            text, at + 1, candidates, folded=True
        )
        if match:
            person, end = match
            found.append(Mention(person=person, start=at, end=end))
            position = end
            continue
        tail = _HANDLE_TAIL.match(text, at + 1)
        if tail:
            name = tail.group().rstrip(".-+")
            if name and name.casefold() not in {n.casefold() for n in unknown}:
                unknown.append(name)
    return Mentions(found=found, unknown=unknown)
