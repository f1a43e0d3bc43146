"""How alike two texts are, for suggesting links between feedback and hypotheses.

Plain word statistics, no model to download: texts become bags of meaningful
words (stop words dropped, simple plurals folded), and two bags are compared with
the cosine of their word counts weighted by how rare each word is among the
candidates. Suggestions are offered to people, never applied on their own.
"""

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because
    been before being below between both but by can cannot could did do does doing
    don down during each even every few for from further get got had has have having
    he her here hers him his how i if in into is it its itself just like me more most
    my no nor not now of off on once only or other our out over own please same she
    should so some still such than that the their them then there these they this
    those through to too under until up us very was we were what when where which
    while who whom why will with would you your yours yes also really thanks thank
    hi hello dear regards best order customer customers one two
    aber alle als am an auch auf aus bei bin bis da das dass dem den der des die ein
    eine einen einer es für hat haben ich ihr im in ist ja kann mein mit nach nicht
    noch nur oder sie sind so und uns von war was wie wir zu zum zur
    """.split()
)
WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)


def words(text: str) -> list[str]:
    """Meaningful lower-case words, with simple English plurals folded."""
    found = []
    for word in WORD.findall(text.lower()):
        if word in STOP_WORDS:
            continue
        if len(word) > 4 and word.endswith("ies"):
            word = word[:-3] + "y"
        elif len(word) > 4 and word.endswith(("xes", "ches", "shes", "sses")):
            word = word[:-2]
        elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        found.append(word)
    return found


def keywords(text: str, limit: int = 8) -> list[str]:
    """The longest distinct words of a text, to find candidates in the database."""
    distinct = dict.fromkeys(words(text))
    return sorted(distinct, key=lambda w: (-len(w), w))[:limit]


def rank(
    query: str, candidates: Sequence[tuple[object, str]], limit: int = 5
) -> list[tuple[object, float]]:
    """The candidates most like `query`, best first, with a score in 0–1.

    Candidates sharing no word with the query are left out.
    """
    query_counts = Counter(words(query))
    if not query_counts or not candidates:
        return []
    bags = [(key, Counter(words(text))) for key, text in candidates]
    document_frequency: Counter = Counter()
    for _, bag in bags:
        document_frequency.update(bag.keys())
    total = len(bags) + 1

    def weight(word: str) -> float:
        return math.log(total / (1 + document_frequency[word])) + 1

    query_vector = {w: c * weight(w) for w, c in query_counts.items()}
    query_norm = _norm(query_vector.values())
    scored = []
    for key, bag in bags:
        shared = query_vector.keys() & bag.keys()
        if not shared:
            continue
        vector = {w: c * weight(w) for w, c in bag.items()}
        dot = sum(query_vector[w] * vector[w] for w in shared)
        score = dot / (query_norm * _norm(vector.values()))
        scored.append((key, round(score, 4)))
    scored.sort(key=lambda pair: -pair[1])
    return scored[:limit]


def _norm(values: Iterable[float]) -> float:
    return math.sqrt(sum(v * v for v in values)) or 1.0
