"""Feedback ranked by relevance to a text, through the database's full-text index.

The index is the database's own, kept in step on every write (the migration
backlog/0011 creates it):

* PostgreSQL: the stored generated column ``search_vector`` of English and German
  stems (``to_tsvector``), with a GIN index. The ranking is Okapi BM25 computed in
  SQL, since ``ts_rank`` knows nothing of how rare a word is: a word's rarity is
  counted among the organisation's items that match any query word, and a text's
  length is its number of distinct stems.
* SQLite: an FTS5 table over the items' text (Porter stems, accents folded) kept
  by triggers, ranked by FTS5's own ``bm25()``; German words are looked up by
  their Snowball stem as a prefix.

Both give each query word a weight (the hypothesis's title counts more).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, connections, transaction

from backlog.similarity import K1, B, stemmer

FTS = "backlog_feedbackitem_fts"
# The FTS table's name is spelled out: these run as written, with no values.
TRIGGERS = {
    "backlog_feedbackitem_fts_insert": (
        "AFTER INSERT ON backlog_feedbackitem BEGIN "
        "INSERT INTO backlog_feedbackitem_fts(rowid, text) "
        "VALUES (new.id, new.text); END"
    ),
    "backlog_feedbackitem_fts_delete": (
        "AFTER DELETE ON backlog_feedbackitem BEGIN "
        "INSERT INTO backlog_feedbackitem_fts(backlog_feedbackitem_fts, rowid, text) "
        "VALUES ('delete', old.id, old.text); END"
    ),
    "backlog_feedbackitem_fts_update": (
        "AFTER UPDATE OF text ON backlog_feedbackitem BEGIN "
        "INSERT INTO backlog_feedbackitem_fts(backlog_feedbackitem_fts, rowid, text) "
        "VALUES ('delete', old.id, old.text); "
        "INSERT INTO backlog_feedbackitem_fts(rowid, text) "
        "VALUES (new.id, new.text); END"
    ),
}
VECTOR = (
    "to_tsvector('english'::regconfig, \"text\") || "
    "to_tsvector('german'::regconfig, \"text\")"
)
TERM = "(plainto_tsquery('english', %s) || plainto_tsquery('german', %s))"


def create_sqlite_index(db) -> None:
    with db.cursor() as cursor:
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(text, "
            "content='backlog_feedbackitem', content_rowid='id', "
            "tokenize='porter unicode61 remove_diacritics 2', prefix='3 4 5')"
        )
        for name, body in TRIGGERS.items():
            cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
        cursor.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")  # noqa: S608


def drop_sqlite_index(db) -> None:
    with db.cursor() as cursor:
        for name in TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute(f"DROP TABLE IF EXISTS {FTS}")


def ensure_sqlite_index(db) -> bool:
    """Put back the index's triggers where a rebuild of the items table dropped
    them (SQLite's schema editor copies a table to alter it), and re-read every
    item then. Returns whether anything had to be put back."""
    if db.vendor != "sqlite":
        return False
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') "
            "AND name LIKE %s",
            [f"{FTS}%"],
        )
        present = {name for (name,) in cursor.fetchall()}
        cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'backlog_feedbackitem'"
        )
        if cursor.fetchone() is None or {FTS, *TRIGGERS} <= present:
            return False
    create_sqlite_index(db)
    return True


def keep_sqlite_index(sender, using="default", **kwargs) -> None:
    """After migrations, the SQLite index is whole again (see ensure_sqlite_index)."""
    ensure_sqlite_index(connections[using])


def create_postgresql_index(db) -> None:
    with db.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE backlog_feedbackitem ADD COLUMN IF NOT EXISTS search_vector "
            f"tsvector GENERATED ALWAYS AS ({VECTOR}) STORED"
        )
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS backlog_feedbackitem_search ON "
            "backlog_feedbackitem USING gin (search_vector)"
        )


def drop_postgresql_index(db) -> None:
    with db.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS backlog_feedbackitem_search")
        cursor.execute(
            "ALTER TABLE backlog_feedbackitem DROP COLUMN IF EXISTS search_vector"
        )


@dataclass(frozen=True)
class Term:
    word: str
    weight: float = 1.0


def most_relevant(
    organisation_id: int,
    terms: Sequence[Term],
    *,
    language: str = "english",
    hypothesis_id: int | None = None,
    limit: int = 60,
    per_score: int = 200,
) -> list[list[int]]:
    """The organisation's items most relevant to the terms, best first, as lists
    of the ids that score the same (newest first, at most `per_score`); items
    already evidence for `hypothesis_id` are left out.

    Copies of one ticket score the same, so a complaint sent a thousand times
    takes one place among the `limit` instead of all of them.
    """
    if not terms:
        return []
    if connection.vendor == "postgresql":
        rows = _postgresql(organisation_id, terms, hypothesis_id, limit, per_score)
    else:
        rows = _sqlite(organisation_id, terms, language, hypothesis_id, limit)
    return [[int(pk) for pk in ids][:per_score] for ids in rows]


def relevant_ids(organisation_id: int, terms: Sequence[Term], **options) -> list[int]:
    """The ids of `most_relevant`, one after the other."""
    return [
        pk for ids in most_relevant(organisation_id, terms, **options) for pk in ids
    ]


def _not_linked(column: str) -> str:
    return (
        "NOT EXISTS (SELECT 1 FROM backlog_evidence e WHERE e.feedback_item_id = "  # noqa: S608
        f"{column} AND e.hypothesis_id = %s AND e.unlinked_at IS NULL)"
    )


def _fts_phrase(word: str, language: str) -> str:
    if language == "german":
        stem = stemmer("german").stemWord(word)
        if len(stem) >= 3 and word.startswith(stem):
            return f"{stem}*"
    return f'"{word}"'


# Scores are rounded before grouping so that copies of a text, which differ only
# in floating-point noise, fall together.
SCORE_DIGITS = 6


def _sqlite(organisation_id, terms, language, hypothesis_id, limit):
    # FTS5's bm25() adds up every phrase of the query, so a word twice in the
    # query counts twice: weights in halves become repetitions (1.5 and 1 as 3
    # and 2). `terms` are letters only, safe inside the quotes.
    phrases = []
    for term in terms:
        phrases += [_fts_phrase(term.word, language)] * max(1, round(term.weight * 2))
    linked = f"AND {_not_linked('i.id')}" if hypothesis_id else ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT score, group_concat(id) FROM (SELECT i.id, "  # noqa: S608
            f"round(bm25({FTS}), {SCORE_DIGITS}) AS score FROM {FTS} f "
            "JOIN backlog_feedbackitem i ON i.id = f.rowid "
            f"WHERE {FTS} MATCH %s AND i.organisation_id = %s {linked} "
            "ORDER BY i.received_at DESC, i.id DESC) "
            "GROUP BY score ORDER BY score LIMIT %s",
            [
                " OR ".join(phrases),
                organisation_id,
                *([hypothesis_id] if hypothesis_id else []),
                limit,
            ],
        )
        return [ids.split(",") for _, ids in cursor.fetchall()]


def _postgresql(organisation_id, terms, hypothesis_id, limit, per_score):
    words = [term.word for term in terms]
    pairs = [value for word in words for value in (word, word)]
    hits = ", ".join(
        f"(i.search_vector @@ {TERM})::int AS h{n}" for n in range(len(terms))
    )
    any_term = " || ".join([TERM] * len(terms))
    # BM25 with each word counted once per text (feedback rarely repeats one):
    # the sum of weight × idf over the words it has, discounted by its length.
    # Each word's weight × idf is worked out once, in double precision.
    weights = ", ".join(
        f"%s * ln(1 + (t.n - sum(h{n}) + 0.5)::float8 / (sum(h{n}) + 0.5)::float8) "
        f"AS w{n}"
        for n in range(len(terms))
    )
    relevance = " + ".join(f"m.h{n} * s.w{n}" for n in range(len(terms)))
    linked = f"AND {_not_linked('m.id')}" if hypothesis_id else ""
    sql = (
        "WITH matched AS MATERIALIZED ("  # noqa: S608
        "SELECT i.id, i.received_at, GREATEST(length(i.search_vector), 1) AS dl, "
        f"{hits} FROM backlog_feedbackitem i "
        f"WHERE i.organisation_id = %s AND i.search_vector @@ ({any_term})), "
        "t AS (SELECT count(*) AS n FROM backlog_feedbackitem "
        "WHERE organisation_id = %s), "
        f"s AS MATERIALIZED (SELECT avg(dl)::float8 AS avgdl, {weights} "
        "FROM matched, t "
        "GROUP BY t.n), "
        f"scored AS (SELECT m.id, m.received_at, round((({relevance}) / "
        f"(1 + {K1} * (1 - {B} + {B} * m.dl / s.avgdl))) * 1e{SCORE_DIGITS}) "
        f"AS score FROM matched m, s WHERE true {linked}) "
        "SELECT score, (array_agg(id ORDER BY received_at DESC, id DESC))[1:%s] "
        "FROM scored GROUP BY score ORDER BY score DESC LIMIT %s"
    )
    params = [
        *pairs,
        organisation_id,
        *pairs,
        organisation_id,
        *[term.weight for term in terms],
        *([hypothesis_id] if hypothesis_id else []),
        per_score,
        limit,
    ]
    # Compiling this long expression just in time costs more than it saves.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        return [ids for _, ids in cursor.fetchall()]
