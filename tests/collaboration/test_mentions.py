import pytest
from hypothesis import given
from hypothesis import strategies as st

from collaboration.mentions import Person, find_mentions, fold

SAM = Person(1, "sam", "Sam Okafor")
SAMANTHA = Person(2, "samantha", "Samantha Reed")
ZOE = Person(3, "zoë", "Zoë Müller")
JOSE = Person(4, "jose", "José Álvarez")
ANA = Person(5, "ana", "Ana")
ANA_LIMA = Person(6, "alima", "Ana Lima")
DOTTED = Person(7, "sam.jones", "")
PEOPLE = [SAM, SAMANTHA, ZOE, JOSE, ANA, ANA_LIMA, DOTTED]


def keys(text):
    return [p.key for p in find_mentions(text, PEOPLE).people]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@sam can you check?", [1]),
        ("Thanks @samantha", [2]),
        ("@Sam Okafor agreed", [1]),
        ("cc @SAM", [1]),
        ("@zoë please look", [3]),
        ("@Zoë Müller please look", [3]),
        ("@zoe without the accent", [3]),
        ("@José Álvarez and @jose", [4]),
        ("@Jose Alvarez typed plainly", [4]),
        ("@Ana Lima knows", [6]),
        ("@ana knows", [5]),
        ("@sam.jones and @sam.", [7, 1]),
        ("(@sam)", [1]),
        ("@sam, @samantha; @sam!", [1, 2]),
        ("@sam @sam @Sam Okafor", [1]),
        ("mail sam@example.com", []),
        ("@@sam", []),
        ("@samx is nobody", []),
        ("no mentions here", []),
        ("@", []),
        ("", []),
    ],
)
def test_finds_who_is_mentioned(text, expected):
    assert keys(text) == expected


def test_unknown_names_are_reported_once_each():
    result = find_mentions("@nobody and @Nobody and @ghost. and @sam", PEOPLE)
    assert result.unknown == ["nobody", "ghost"]
    assert [p.key for p in result.people] == [1]


def test_positions_cover_the_name_typed():
    text = "Hi @Zoë Müller, and @sam."
    found = find_mentions(text, PEOPLE).found
    assert [text[m.start : m.end] for m in found] == ["@Zoë Müller", "@sam"]


def test_exact_name_wins_over_an_accent_free_match():
    zoe_plain = Person(8, "zoe", "")
    result = find_mentions("@zoe", [ZOE, zoe_plain])
    assert [p.key for p in result.people] == [8]


def test_duplicates_keep_every_position_but_one_person():
    result = find_mentions("@sam @sam", PEOPLE)
    assert len(result.found) == 2
    assert result.people == [SAM]


@pytest.mark.parametrize(
    ("a", "b"), [("Zoë", "zoe"), ("JOSÉ", "jose"), ("Ærø", "ærø"), ("Ñandú", "nandu")]
)
def test_fold_ignores_case_and_accents(a, b):
    assert fold(a) == fold(b)


@given(st.text(max_size=200))
def test_mentions_lie_inside_the_text_and_start_with_an_at(text):
    result = find_mentions(text, PEOPLE)
    for mention in result.found:
        assert 0 <= mention.start < mention.end <= len(text)
        assert text[mention.start] == "@"
    assert len(result.people) == len({p.key for p in result.people})
