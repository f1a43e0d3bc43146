"""Planning what a backlog import writes, row by row, against what is stored.

New rows become hypotheses; rows imported before update their hypothesis where
the sheet changed and the app did not (`merging`). Each hypothesis stands at
the nearest status its facts allow (`pipeline.nearest_status`). Scores become
the importing member's (or the named scorer's), marked imported; a score people
gave in the app is never overwritten. New rows are planned as plain column
values, which the bulk writes take as they are (`writing`).
"""

from dataclasses import dataclass, field
from datetime import datetime

from backlog.backlog_import.merging import merge
from backlog.backlog_import.references import key_of, pages_of, tags_of
from backlog.backlog_import.report import BacklogImportSummary, Note, RowReport
from backlog.backlog_import.rows import LABELS as TEXT_LABELS
from backlog.backlog_import.rows import CleanRow
from backlog.backlog_import.sheet_scores import SheetScore, ranking_fields
from backlog.backlog_import.stored import PLAIN, TEXTS, iso, read_stored, state_of
from backlog.models import (
    BacklogImport,
    Hypothesis,
    Kind,
    Score,
    SheetRow,
    Status,
)
from backlog.models.hypotheses import FROM_READY_ON
from backlog.pipeline import nearest_status
from backlog.scoring.frameworks import (
    Framework,
    IceMode,
)

LABELS = TEXT_LABELS | {
    "kind": "kind",
    "owner_id": "owner",
    "team_id": "team",
    "page": "page",
    "tags": "tags",
    "created_at": "created date",
    "status": "status",
    "result": "result",
}


def _defaults(model) -> dict:
    """A new row's column values before the import sets its own."""
    return {
        f.attname: f.get_default()
        for f in model._meta.concrete_fields
        if not f.primary_key
    }


@dataclass
class Written:
    summary: BacklogImportSummary = field(default_factory=BacklogImportSummary)
    reports: list[RowReport] = field(default_factory=list)
    # Hypotheses that got an owner (new ones, or a new owner), by owner.
    owned: dict[int, list[int]] = field(default_factory=dict)
    # Hypotheses with linked feedback that the sheet concluded.
    newly_concluded: list[Hypothesis] = field(default_factory=list)


class Planner:
    """Plans every row of an import against what is stored."""

    def __init__(
        self, backlog_import: BacklogImport, *, importer, now: datetime, ice_mode
    ):
        self.backlog_import = backlog_import
        self.organisation_id = backlog_import.organisation_id
        self.importer = importer
        self.importer_id = importer.pk if importer else None
        self.now = now
        self.ice_mode = IceMode(ice_mode)
        self.defaults = {
            model: _defaults(model) for model in (Hypothesis, Score, SheetRow)
        }
        self.reason = f"imported from {backlog_import.original_name}"[:100]
        self.pages = pages_of(
            self.organisation_id, create=backlog_import.create_missing_pages
        )
        self.tags = tags_of(
            self.organisation_id, create=backlog_import.create_missing_tags
        )
        self.written = Written()
        # New rows as their columns' values, by attribute name.
        self.new_hypotheses: list[dict] = []
        self.new_tags: list[list[int]] = []
        self.new_sheet_rows: list[dict] = []
        self.changed_hypotheses: list[Hypothesis] = []
        self.retagged: dict[int, list[int]] = {}
        self.changed_sheet_rows: list[SheetRow] = []
        # With the index of their new hypothesis, or None for a stored one.
        self.new_scores: list[tuple[int | None, dict]] = []
        self.changed_scores: list[Score] = []
        self.scored: set[int] = set()
        self.created_reports: list[tuple[RowReport, int]] = []

    def plan(self, rows: list[CleanRow]) -> None:
        stored = read_stored(
            self.organisation_id, self.backlog_import.source, [r.key for r in rows]
        )
        self.sheet_rows = stored.sheet_rows
        self.hypotheses = stored.hypotheses
        self.tag_names = stored.tag_names
        self.scores = stored.scores
        self.pages.prepare(row.page for row in rows if row.page)
        self.tags.prepare(name for row in rows for name in row.tags or [])
        for row in rows:
            self.add(row)

    # One row ---------------------------------------------------------------

    def _incoming(self, row: CleanRow, notes: list[Note]) -> dict:
        """What the sheet says, in the compared form, leaving out what cannot
        be set (a page or tag that does not exist)."""
        incoming = {name: row.values[name] for name in PLAIN if name in row.values}
        created_at = row.values.get("created_at")
        if isinstance(created_at, datetime):
            incoming["created_at"] = iso(created_at)
        if row.page is not None:
            if not row.page or self.pages.id_of(row.page):
                incoming["page"] = key_of(row.page)
                if row.page and self.pages.was_created(row.page):
                    notes.append(
                        Note("created_page", row.page, f"page “{row.page}” created")
                    )
            else:
                notes.append(
                    Note(
                        "missing_page",
                        row.page,
                        f"page “{row.page}” does not exist: left out (tick “create "
                        "missing pages” to create it)",
                    )
                )
        if row.tags is not None:
            known = []
            for name in row.tags:
                if self.tags.id_of(name):
                    known.append(key_of(name))
                    if self.tags.was_created(name):
                        notes.append(Note("created_tag", name, f"tag “{name}” created"))
                else:
                    notes.append(
                        Note(
                            "missing_tag",
                            name,
                            f"tag “{name}” does not exist: left out (tick “create "
                            "missing tags” to create it)",
                        )
                    )
            incoming["tags"] = sorted(set(known))
        return incoming

    def _status(self, row, values, score_count, notes) -> tuple[str, str]:
        status, reason = nearest_status(
            row.status,
            metric=values.get("metric", ""),
            score_count=score_count,
            result=row.result,
            learning=values.get("learning", ""),
        )
        if reason:
            notes.append(
                Note(
                    "status_lowered",
                    f"{Status(row.status).label} → {status.label}",
                    f"came in as {status.label}, not {Status(row.status).label}: "
                    f"{reason}",
                )
            )
        result = row.result if status == Status.CONCLUDED else ""
        if row.result and not result:
            notes.append(
                Note(
                    "result_not_kept",
                    "not concluded",
                    f"the result ({row.result}) is not kept: only a concluded "
                    "hypothesis has one",
                )
            )
        return status, result

    def _scorer(self, row: CleanRow, notes: list[Note]) -> int | None:
        scorer_id = row.scorer_id or self.importer_id
        if row.scores and scorer_id is None:
            notes.append(
                Note(
                    "score_skipped",
                    "no scorer",
                    "scores not imported: there is no member to give them (name "
                    "one with --by or map a scorer column)",
                )
            )
        return scorer_id

    def add(self, row: CleanRow) -> None:
        notes = list(row.notes)
        sheet_row = self.sheet_rows.get(row.key)
        hypothesis = self.hypotheses.get(sheet_row.hypothesis_id) if sheet_row else None
        if sheet_row is None or hypothesis is None:
            self._create(row, notes)
        elif sheet_row.digest == row.digest:
            self._report(row, "unchanged", hypothesis.pk, notes)
        else:
            self._update(row, sheet_row, hypothesis, notes)

    def _create(self, row: CleanRow, notes: list[Note]) -> None:
        incoming = self._incoming(row, notes)
        scorer_id = self._scorer(row, notes)
        scores = row.scores if scorer_id else []
        values = {name: row.values.get(name, "") for name in TEXTS}
        status, result = self._status(row, values, len(scores), notes)
        hypothesis = {
            **self.defaults[Hypothesis],
            **values,
            "organisation_id": self.organisation_id,
            "kind": row.values.get("kind") or Kind.TEST,
            "owner_id": row.values.get("owner_id"),
            "team_id": row.values.get("team_id"),
            "page_id": self.pages.id_of(row.page) if row.page else None,
            "status": status,
            "result": result,
            "concluded_at": (
                row.values.get("concluded_at") or self.now
                if status == Status.CONCLUDED
                else None
            ),
            # A sheet without a date gives none: the hypothesis is dated by the
            # moment it entered the app, which is what the import knows.
            "created_at": row.values.get("created_at") or self.now,
            "created_by_id": self.importer_id,
            "status_changed_at": self.now,
            "status_changed_by_id": self.importer_id,
            "updated_at": self.now,
            **ranking_fields(scores, self.ice_mode),
        }
        self.new_hypotheses.append(hypothesis)
        self.new_tags.append(self.tags.ids_of(incoming.get("tags", [])))
        base = {**incoming, "status": status, "result": result}
        self.new_sheet_rows.append(self._sheet_row(row, base))
        index = len(self.new_hypotheses) - 1
        for score in scores:
            self.new_scores.append((index, self._score(None, scorer_id, score)))
        self._report(row, "created", None, notes, index=index)

    def _update(self, row, sheet_row, hypothesis, notes) -> None:
        current = state_of(hypothesis, self.tag_names)
        base = sheet_row.imported_values
        incoming = self._incoming(row, notes)
        plain = merge(base, current, incoming)
        final = {**current, **plain.changes}
        scorer_id = self._scorer(row, notes)
        score_changes = self._rescore(row, hypothesis, scorer_id, notes)
        score_count = hypothesis.score_total + sum(
            1 for kind, _ in score_changes if kind == "new"
        )
        status, result = self._status(row, final, score_count, notes)
        incoming_status = {"status": status, "result": result}
        decided = merge(base, current, incoming_status)
        final.update(decided.changes)
        kept = plain.kept + decided.kept
        if not _allowed(final):
            # The sheet changed a fact the status kept in the app needs: keep
            # the app's status and outcome as a whole.
            for name in ("status", "result", "metric", "learning"):
                if final[name] != current[name]:
                    final[name] = current[name]
                    kept.append(name)
        for name in kept:
            notes.append(
                Note(
                    "kept_in_app",
                    LABELS[name],
                    f"kept the {LABELS[name]} as changed in the app since the last "
                    "import",
                )
            )
        changed = {name for name in final if final[name] != current[name]}
        if changed:
            self._apply(hypothesis, final, changed, row)
        new_base = {**base, **incoming, **incoming_status}
        sheet_row.imported_values = new_base
        sheet_row.sheet_scores = row.sheet_scores
        sheet_row.digest = row.digest
        sheet_row.line = row.line
        sheet_row.backlog_import_id = self.backlog_import.pk
        sheet_row.updated_at = self.now
        self.changed_sheet_rows.append(sheet_row)
        outcome = "updated" if changed or score_changes else "unchanged"
        self._report(row, outcome, hypothesis.pk, notes)

    def _apply(self, hypothesis: Hypothesis, final: dict, changed: set, row) -> None:
        for name in changed & set(PLAIN):
            setattr(hypothesis, name, final[name])
        if "page" in changed:
            hypothesis.page_id = (
                self.pages.id_of(final["page"]) if final["page"] else None
            )
        if "created_at" in changed:
            hypothesis.created_at = datetime.fromisoformat(final["created_at"])
        if "owner_id" in changed and hypothesis.owner_id:
            self.written.owned.setdefault(hypothesis.owner_id, []).append(hypothesis.pk)
        if "status" in changed:
            was_concluded = hypothesis.status == Status.CONCLUDED
            hypothesis.status = final["status"]
            hypothesis.status_changed_at = self.now
            hypothesis.status_changed_by_id = self.importer_id
            if hypothesis.status == Status.CONCLUDED:
                hypothesis.concluded_at = row.values.get("concluded_at") or self.now
                if hypothesis.evidence_items:
                    self.written.newly_concluded.append(hypothesis)
            elif was_concluded:
                hypothesis.concluded_at = None
        if "result" in changed or "status" in changed:
            hypothesis.result = final["result"]
        if "tags" in changed:
            self.retagged[hypothesis.pk] = self.tags.ids_of(final["tags"])
        hypothesis.version += 1
        hypothesis.updated_at = self.now
        self.changed_hypotheses.append(hypothesis)

    def _score(self, hypothesis_id, scorer_id, score: SheetScore) -> dict:
        return {
            **self.defaults[Score],
            "hypothesis_id": hypothesis_id,
            "scorer_id": scorer_id,
            "framework": score.framework,
            "imported": True,
            "created_at": self.now,
            "updated_at": self.now,
            **score.values,
        }

    def _rescore(self, row, hypothesis, scorer_id, notes) -> list[tuple[str, object]]:
        if not scorer_id:
            return []
        changes: list[tuple[str, object]] = []
        for wanted in row.scores:
            stored = self.scores.get((hypothesis.pk, scorer_id, wanted.framework))
            if stored is None:
                score = self._score(hypothesis.pk, scorer_id, wanted)
                self.new_scores.append((None, score))
                changes.append(("new", score))
                continue
            values = {name: getattr(stored, name) for name in wanted.values}
            if values == wanted.values:
                continue
            label = Framework(wanted.framework).label
            if not stored.imported:
                parts = ", ".join(str(v) for v in wanted.values.values())
                notes.append(
                    Note(
                        "kept_in_app",
                        f"{label} score",
                        f"kept the {label} score given in the app (the sheet says "
                        f"{parts})",
                    )
                )
                continue
            for name, value in wanted.values.items():
                setattr(stored, name, value)
            stored.version += 1
            stored.updated_at = self.now
            self.changed_scores.append(stored)
            changes.append(("changed", stored))
        if changes:
            self.scored.add(hypothesis.pk)
        return changes

    def _sheet_row(self, row: CleanRow, base: dict) -> dict:
        return {
            **self.defaults[SheetRow],
            "organisation_id": self.organisation_id,
            "source": self.backlog_import.source,
            "key": row.key,
            "backlog_import_id": self.backlog_import.pk,
            "line": row.line,
            "imported_values": base,
            "sheet_scores": row.sheet_scores,
            "digest": row.digest,
            "created_at": self.now,
            "updated_at": self.now,
        }

    def _report(self, row, outcome, hypothesis_id, notes, index=None) -> None:
        report = RowReport(row.line, row.key, row.title, outcome, hypothesis_id, notes)
        if index is not None:
            self.created_reports.append((report, index))
        self.written.reports.append(report)
        self.written.summary.count(outcome, notes)


def _allowed(state: dict) -> bool:
    """Whether a hypothesis may be stored so (the database's own checks)."""
    status = state["status"]
    if status in FROM_READY_ON and not state["metric"].strip():
        return False
    if status == Status.CONCLUDED:
        return bool(state["result"]) and bool(state["learning"].strip())
    return not state["result"]
