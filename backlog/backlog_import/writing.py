"""Writing clean sheet rows as hypotheses and scores, inside one transaction.

New rows become hypotheses; rows imported before update their hypothesis where
the sheet changed and the app did not (`merging`). Each hypothesis stands at
the nearest status its facts allow (`pipeline.nearest_status`). Scores become
the importing member's (or the named scorer's), marked imported; a score people
gave in the app is never overwritten.

Everything is written in bulk, a few statements per table, and the history is
written the same way (simple-history's bulk_history_create): one "created" or
"changed" record per hypothesis and score, by the importing member, with the
import as the reason, so that each hypothesis's history reads right and the
next edit in the app is compared with what the import wrote. The ranking fields
of the hypotheses whose scores changed are recomputed once, at the end.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from backlog.backlog_import.merging import merge
from backlog.backlog_import.references import key_of, pages_of, tags_of
from backlog.backlog_import.report import Note, RowReport, Summary
from backlog.backlog_import.rows import STRUCTURED, CleanRow, SheetScore
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
from backlog.prioritization import Framework, IceMode
from backlog.scoring import refresh_scores
from cromaturity import freshness

BATCH = 500
TEXTS = ["title", *STRUCTURED, "learning"]
PLAIN = [*TEXTS, "kind", "owner_id", "team_id"]
HYPOTHESIS_FIELDS = [
    *TEXTS,
    "kind",
    "owner",
    "team",
    "page",
    "created_at",
    "status",
    "result",
    "concluded_at",
    "status_changed_at",
    "status_changed_by",
    "version",
    "updated_at",
]
SCORE_FIELDS = ["impact", "confidence", "potential", "importance", "ease"]
SHEET_ROW_FIELDS = [
    "backlog_import",
    "line",
    "imported_values",
    "sheet_scores",
    "digest",
    "updated_at",
]
LABELS = {
    name: str(Hypothesis._meta.get_field(name).verbose_name) for name in TEXTS
} | {
    "kind": "kind",
    "owner_id": "owner",
    "team_id": "team",
    "page": "page",
    "tags": "tags",
    "created_at": "created date",
    "status": "status",
    "result": "result",
}


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


@dataclass
class Written:
    summary: Summary = field(default_factory=Summary)
    reports: list[RowReport] = field(default_factory=list)
    # Hypotheses that got an owner (new ones, or a new owner), by owner.
    owned: dict[int, list[int]] = field(default_factory=dict)
    # Hypotheses with linked feedback that the sheet concluded.
    newly_concluded: list[Hypothesis] = field(default_factory=list)


class BacklogWriter:
    """Plans every row against what is stored, then writes it all in bulk."""

    def __init__(self, backlog_import: BacklogImport, *, importer, now: datetime):
        self.backlog_import = backlog_import
        self.organisation_id = backlog_import.organisation_id
        self.importer = importer
        self.importer_id = importer.pk if importer else None
        self.now = now
        self.reason = f"imported from {backlog_import.original_name}"[:100]
        self.pages = pages_of(
            self.organisation_id, create=backlog_import.create_missing_pages
        )
        self.tags = tags_of(
            self.organisation_id, create=backlog_import.create_missing_tags
        )
        self.written = Written()
        self.new_hypotheses: list[Hypothesis] = []
        self.new_tags: list[list[int]] = []
        self.new_sheet_rows: list[SheetRow] = []
        self.changed_hypotheses: list[Hypothesis] = []
        self.retagged: dict[int, list[int]] = {}
        self.changed_sheet_rows: list[SheetRow] = []
        self.new_scores: list[tuple[int, Score]] = []
        self.changed_scores: list[Score] = []
        self.scored: set[int] = set()
        self.created_reports: list[tuple[RowReport, int]] = []

    # Reading what is stored --------------------------------------------------

    def _load(self, rows: list[CleanRow]) -> None:
        source = self.backlog_import.source
        self.sheet_rows = {
            sheet_row.key: sheet_row
            for sheet_row in SheetRow.objects.filter(
                organisation_id=self.organisation_id, source=source
            ).order_by()
        }
        ids = [
            self.sheet_rows[row.key].hypothesis_id
            for row in rows
            if row.key in self.sheet_rows
        ]
        self.hypotheses = {
            h.pk: h
            for h in Hypothesis.objects.select_for_update(of=("self",))
            .filter(organisation_id=self.organisation_id, pk__in=ids)
            .select_related("page")
            .order_by()
        }
        self.tag_names: dict[int, list[str]] = {h: [] for h in self.hypotheses}
        for hypothesis_id, name in (
            Hypothesis.tags.through.objects.filter(hypothesis_id__in=ids)
            .order_by()
            .values_list("hypothesis_id", "tag__name")
        ):
            self.tag_names[hypothesis_id].append(name)
        self.scores = {
            (s.hypothesis_id, s.scorer_id, s.framework): s
            for s in Score.objects.filter(
                hypothesis_id__in=ids, framework__in=[Framework.ICE, Framework.PIE]
            ).order_by()
        }
        self.pages.prepare(row.page for row in rows if row.page)
        self.tags.prepare(name for row in rows for name in row.tags or [])

    def _state(self, hypothesis: Hypothesis) -> dict:
        """A hypothesis's importable fields in the form imports compare."""
        state = {name: getattr(hypothesis, name) for name in PLAIN}
        state["page"] = key_of(hypothesis.page.name) if hypothesis.page else ""
        state["tags"] = sorted(key_of(n) for n in self.tag_names.get(hypothesis.pk, []))
        state["created_at"] = _iso(hypothesis.created_at)
        state["status"] = hypothesis.status
        state["result"] = hypothesis.result
        return state

    # One row ---------------------------------------------------------------

    def _incoming(self, row: CleanRow, notes: list[Note]) -> dict:
        """What the sheet says, in the compared form, leaving out what cannot
        be set (a page or tag that does not exist)."""
        incoming = {name: row.values[name] for name in PLAIN if name in row.values}
        if "created_at" in row.values:
            incoming["created_at"] = _iso(row.values["created_at"])
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
        if hypothesis is None:
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
        hypothesis = Hypothesis(
            organisation_id=self.organisation_id,
            **values,
            kind=row.values.get("kind") or Kind.TEST,
            owner_id=row.values.get("owner_id"),
            team_id=row.values.get("team_id"),
            page_id=self.pages.id_of(row.page) if row.page else None,
            status=status,
            result=result,
            concluded_at=(
                row.values.get("concluded_at") or self.now
                if status == Status.CONCLUDED
                else None
            ),
            # A sheet without a date gives none: the hypothesis is dated by the
            # moment it entered the app, which is what the import knows.
            created_at=row.values.get("created_at") or self.now,
            created_by_id=self.importer_id,
            status_changed_at=self.now,
            status_changed_by_id=self.importer_id,
            updated_at=self.now,
        )
        self.new_hypotheses.append(hypothesis)
        self.new_tags.append([self.tags.id_of(n) for n in incoming.get("tags", [])])
        base = {**incoming, "status": status, "result": result}
        self.new_sheet_rows.append(self._sheet_row(row, base))
        index = len(self.new_hypotheses) - 1
        for score in scores:
            self.new_scores.append((index, self._score(None, scorer_id, score)))
        self._report(row, "created", None, notes, index=index)

    def _update(self, row, sheet_row, hypothesis, notes) -> None:
        current = self._state(hypothesis)
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
            self.retagged[hypothesis.pk] = [self.tags.id_of(n) for n in final["tags"]]
        hypothesis.version += 1
        hypothesis.updated_at = self.now
        self.changed_hypotheses.append(hypothesis)

    def _score(self, hypothesis_id, scorer_id, score: SheetScore) -> Score:
        return Score(
            hypothesis_id=hypothesis_id,
            scorer_id=scorer_id,
            framework=score.framework,
            imported=True,
            created_at=self.now,
            updated_at=self.now,
            **score.values,
        )

    def _rescore(self, row, hypothesis, scorer_id, notes) -> list[tuple[str, Score]]:
        if not scorer_id:
            return []
        changes = []
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

    def _sheet_row(self, row: CleanRow, base: dict) -> SheetRow:
        return SheetRow(
            organisation_id=self.organisation_id,
            source=self.backlog_import.source,
            key=row.key,
            backlog_import_id=self.backlog_import.pk,
            line=row.line,
            imported_values=base,
            sheet_scores=row.sheet_scores,
            digest=row.digest,
            created_at=self.now,
            updated_at=self.now,
        )

    def _report(self, row, outcome, hypothesis_id, notes, index=None) -> None:
        report = RowReport(row.line, row.key, row.title, outcome, hypothesis_id, notes)
        if index is not None:
            self.created_reports.append((report, index))
        self.written.reports.append(report)
        self.written.summary.count(outcome, notes)

    # Writing ---------------------------------------------------------------

    def write(self, rows: list[CleanRow], ice_mode: IceMode) -> Written:
        self._load(rows)
        for row in rows:
            self.add(row)
        created = Hypothesis.objects.bulk_create(self.new_hypotheses, batch_size=BATCH)
        for report, index in self.created_reports:
            report.hypothesis_id = created[index].pk
        through = Hypothesis.tags.through
        through.objects.filter(hypothesis_id__in=list(self.retagged)).delete()
        through.objects.bulk_create(
            [
                through(hypothesis_id=hypothesis.pk, tag_id=tag_id)
                for hypothesis, tag_ids in zip(created, self.new_tags, strict=True)
                for tag_id in tag_ids
            ]
            + [
                through(hypothesis_id=pk, tag_id=tag_id)
                for pk, tag_ids in self.retagged.items()
                for tag_id in tag_ids
            ],
            batch_size=BATCH,
        )
        for hypothesis, sheet_row in zip(created, self.new_sheet_rows, strict=True):
            sheet_row.hypothesis_id = hypothesis.pk
        SheetRow.objects.bulk_create(self.new_sheet_rows, batch_size=BATCH)
        SheetRow.objects.bulk_update(
            self.changed_sheet_rows, SHEET_ROW_FIELDS, batch_size=BATCH
        )
        Hypothesis.objects.bulk_update(
            self.changed_hypotheses, HYPOTHESIS_FIELDS, batch_size=BATCH
        )
        new_scores = []
        for index, score in self.new_scores:
            if index is not None:
                score.hypothesis_id = created[index].pk
                self.scored.add(score.hypothesis_id)
            new_scores.append(score)
        Score.objects.bulk_create(new_scores, batch_size=BATCH)
        Score.objects.bulk_update(
            self.changed_scores,
            [*SCORE_FIELDS, "version", "updated_at"],
            batch_size=BATCH,
        )
        self._history(created, new_scores)
        rescored = [h for h in created if h.pk in self.scored] + [
            h for h in self.hypotheses.values() if h.pk in self.scored
        ]
        refresh_scores(rescored, ice_mode=ice_mode)
        for hypothesis in created:
            if hypothesis.owner_id:
                self.written.owned.setdefault(hypothesis.owner_id, []).append(
                    hypothesis.pk
                )
        # Bulk writes send no signals: say that the organisation's content changed.
        freshness.touch(self.organisation_id)
        return self.written

    def _history(self, created, new_scores) -> None:
        common = {
            "default_user": self.importer,
            "default_change_reason": self.reason,
            "default_date": self.now,
        }
        for model, new, changed in (
            (Hypothesis, created, self.changed_hypotheses),
            (Score, new_scores, self.changed_scores),
        ):
            model.history.bulk_history_create(new, batch_size=BATCH, **common)
            model.history.bulk_history_create(
                changed, batch_size=BATCH, update=True, **common
            )


def _allowed(state: dict) -> bool:
    """Whether a hypothesis may be stored so (the database's own checks)."""
    status = state["status"]
    if status in FROM_READY_ON and not state["metric"].strip():
        return False
    if status == Status.CONCLUDED:
        return bool(state["result"]) and bool(state["learning"].strip())
    return not state["result"]


def write_rows(
    backlog_import: BacklogImport,
    rows: list[CleanRow],
    *,
    importer,
    now: datetime,
    ice_mode: IceMode,
) -> Written:
    """Write the clean rows of one import; the caller holds the transaction."""
    writer = BacklogWriter(backlog_import, importer=importer, now=now)
    return writer.write(rows, ice_mode)
