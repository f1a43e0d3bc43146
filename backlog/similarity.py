"""How relevant one text is to another, for suggesting links between feedback and
hypotheses, and which texts say the same thing.

Texts become stems: lower-case words of three letters or more, the stop words of
English and German left out, each reduced by the Snowball stemmer of the text's
language (German when it has more German than English stop words). Relevance is
Okapi BM25 over those stems (Robertson & Zaragoza, "The Probabilistic Relevance
Framework: BM25 and Beyond", 2009), the same measure SQLite's FTS5 ranks with.
Suggestions are offered to people, never applied on their own.
"""

import math
import re
from collections import Counter
from collections.abc import Hashable, Sequence
from functools import lru_cache

import snowballstemmer

ENGLISH_STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because
    been before being below between both but by can cannot could did do does doing
    don down during each even every few for from further get got had has have having
    he her here hers him his how i if in into is it its itself just like me more most
    my no nor not now of off on once only or other our out over own please same she
    should so some still such than that the their them then there these they this
    those through to too under until up us very was we were what when where which
    while who whom why will with would you your yours yes also really thanks thank
    hi hello dear regards best order customer customers one two can't don't i'm
    ask asks asked asking say says said saying show shows showed shown showing see
    sees seen saw make makes made take takes took want wants wanted know knew need
    needs look looks use uses used using offer offers offered offering give gives
    keep keeps find found tell told try tried come came goes went way thing things
    whether never doesn didn isn wasn couldn wouldn shouldn aren haven won
    """.split()
)
GERMAN_STOP_WORDS = frozenset(
    """
    aber alle als am an auch auf aus bei bin bis da das dass dem den der des die ein
    eine einen einer es für hat haben ich ihr im in ist ja kann mein mit nach nicht
    noch nur oder sie sind so und uns von war was wie wir zu zum zur immer habe
    """.split()
)
STOP_WORDS = ENGLISH_STOP_WORDS | GERMAN_STOP_WORDS
WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
ANY_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)

# BM25's usual constants: how fast a repeated word stops adding, and how much a
# long text is discounted.
K1 = 1.2
B = 0.75


@lru_cache(maxsize=4)
def stemmer(language: str):
    return snowballstemmer.stemmer(language)


def language(text: str) -> str:
    """ "german" or "english", by which language's stop words the text uses more."""
    found = ANY_WORD.findall(text.lower())
    german = sum(word in GERMAN_STOP_WORDS for word in found)
    english = sum(word in ENGLISH_STOP_WORDS for word in found)
    return "german" if german > english else "english"


def terms(text: str) -> list[str]:
    """The meaningful lower-case words of a text, in order, stop words left out."""
    return [word for word in WORD.findall(text.lower()) if word not in STOP_WORDS]


def words(text: str) -> list[str]:
    """The stems of a text's meaningful words, in order."""
    return stemmer(language(text)).stemWords(terms(text))


def rank[K: Hashable](
    query: str, candidates: Sequence[tuple[K, str]], limit: int = 5
) -> list[tuple[K, float]]:
    """The candidates most relevant to `query` by BM25, best first, with their score.

    Candidates sharing no stem with the query are left out; equal scores keep the
    candidates' order.
    """
    query_stems = Counter(words(query))
    if not query_stems or not candidates:
        return []
    bags = [(key, Counter(words(text))) for key, text in candidates]
    document_frequency: Counter = Counter()
    for _, bag in bags:
        document_frequency.update(bag.keys())
    total = len(bags)
    average = sum(sum(bag.values()) for _, bag in bags) / total or 1.0

    def idf(stem: str) -> float:
        n = document_frequency[stem]
        return math.log(1 + (total - n + 0.5) / (n + 0.5))

    scored = []
    for position, (key, bag) in enumerate(bags):
        shared = query_stems.keys() & bag.keys()
        if not shared:
            continue
        length = sum(bag.values())
        norm = K1 * (1 - B + B * length / average)
        score = sum(
            query_stems[stem] * idf(stem) * bag[stem] * (K1 + 1) / (bag[stem] + norm)
            for stem in shared
        )
        scored.append((-round(score, 4), position, key))
    scored.sort(key=lambda entry: entry[:2])
    return [(key, -negative) for negative, _, key in scored[:limit]]


def shared_words(query: str, text: str) -> list[str]:
    """The words of `text` whose stems are also the query's, as written in it
    (the first form of each stem)."""
    query_stems = set(words(query))
    stem = stemmer(language(text)).stemWord
    found: dict[str, str] = {}
    for word in terms(text):
        stemmed = stem(word)
        if stemmed in query_stems:
            found.setdefault(stemmed, word)
    return list(found.values())


DIGITS = re.compile(r"\d+")
MASKED = re.compile(r"\[[^\]]{1,40}\]")


def gist(text: str) -> frozenset[str]:
    """What a text says, for finding texts that say the same: its stems, without
    numbers (order numbers, prices) and masked contact details ("[email]")."""
    return frozenset(words(MASKED.sub(" ", text)))


SAME_SHARE = 0.75
SAME_CONTAINED = 0.9
SAME_CONTAINED_MIN = 4
SAME_MOSTLY = 0.75
SAME_MOSTLY_MIN = 6


def says_the_same(one: frozenset[str], other: frozenset[str]) -> bool:
    """Whether two gists are near-identical texts.

    Alike when most stems are shared; when a text of four stems or more is all
    but contained in the other (the same ticket with a signature or a "please
    reply to" line added); or when texts of six stems or more share three
    quarters of the shorter one's (the same ticket with different signatures).
    """
    if one == other:
        return True
    if not one or not other:
        return False
    shared = len(one & other)
    if shared / len(one | other) >= SAME_SHARE:
        return True
    smaller = min(len(one), len(other))
    if smaller >= SAME_CONTAINED_MIN and shared / smaller >= SAME_CONTAINED:
        return True
    return smaller >= SAME_MOSTLY_MIN and shared / smaller >= SAME_MOSTLY


def group_alike[K: Hashable](entries: Sequence[tuple[K, str]]) -> list[list[K]]:
    """The keys grouped by near-identical texts, each group in the entries' order,
    the groups in the order of their first entry.

    A text joins the first group with a member saying the same.
    """
    groups: list[tuple[list[frozenset[str]], list[K]]] = []
    known: dict[frozenset[str], int] = {}
    # Copies differ in their numbers at most: each distinct text is stemmed once.
    gists: dict[str, frozenset[str]] = {}
    for key, text in entries:
        bare = DIGITS.sub("", text)
        found = gists.get(bare)
        if found is None:
            found = gists[bare] = gist(bare)
        index = known.get(found)
        if index is None:
            index = next(
                (
                    n
                    for n, (gists, _) in enumerate(groups)
                    if any(says_the_same(member, found) for member in gists)
                ),
                None,
            )
        if index is None:
            index = len(groups)
            groups.append(([], []))
        if found not in known:
            known[found] = index
            groups[index][0].append(found)
        groups[index][1].append(key)
    return [keys for _, keys in groups]
