"""Writing a planned backlog import, inside the caller's one transaction.

Everything is written in bulk, a few statements per table (`bulk`), and so is
the history: one "created" or "changed" record per hypothesis and score, by the
importing member, with the file as the reason, as simple-history records a
save. So each hypothesis's history says where it came from, and the next edit
in the app is compared with what the import wrote. New hypotheses come with
their ranking fields; those of stored hypotheses whose scores changed are
recomputed once, at the end.
"""

from datetime import datetime

from backlog.backlog_import import bulk
from backlog.backlog_import.planning import Planner, Written
from backlog.backlog_import.rows import CleanRow
from backlog.backlog_import.stored import TEXTS
from backlog.models import BacklogImport, Hypothesis, Score, SheetRow
from backlog.scoring.frameworks import IceMode
from backlog.scoring.recording import refresh_scores
from cromaturity import freshness

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
SCORE_FIELDS = [
    "impact",
    "confidence",
    "potential",
    "importance",
    "ease",
    "version",
    "updated_at",
]
SHEET_ROW_FIELDS = [
    "backlog_import",
    "line",
    "imported_values",
    "sheet_scores",
    "digest",
    "updated_at",
]
INSERTED = {
    model: [f.name for f in model._meta.concrete_fields if not f.primary_key]
    for model in (Hypothesis, Score, SheetRow)
}


def write_rows(
    backlog_import: BacklogImport,
    rows: list[CleanRow],
    *,
    importer,
    now: datetime,
    ice_mode: IceMode,
) -> Written:
    """Write the clean rows of one import; the caller holds the transaction."""
    plan = Planner(backlog_import, importer=importer, now=now, ice_mode=ice_mode)
    plan.plan(rows)
    created = plan.new_hypotheses
    bulk.insert(Hypothesis, created, INSERTED[Hypothesis])
    for report, index in plan.created_reports:
        report.hypothesis_id = created[index]["id"]
    through = Hypothesis.tags.through
    through.objects.filter(hypothesis_id__in=list(plan.retagged)).delete()
    bulk.insert_plain(
        through,
        [
            {"hypothesis_id": hypothesis["id"], "tag_id": tag_id}
            for hypothesis, tag_ids in zip(created, plan.new_tags, strict=True)
            for tag_id in tag_ids
        ]
        + [
            {"hypothesis_id": pk, "tag_id": tag_id}
            for pk, tag_ids in plan.retagged.items()
            for tag_id in tag_ids
        ],
        ["hypothesis", "tag"],
    )
    for hypothesis, sheet_row in zip(created, plan.new_sheet_rows, strict=True):
        sheet_row["hypothesis_id"] = hypothesis["id"]
    bulk.insert_plain(SheetRow, plan.new_sheet_rows, INSERTED[SheetRow])
    bulk.update(SheetRow, plan.changed_sheet_rows, SHEET_ROW_FIELDS)
    bulk.update(Hypothesis, plan.changed_hypotheses, HYPOTHESIS_FIELDS)
    new_scores = []
    for new_index, score in plan.new_scores:
        if new_index is not None:
            score["hypothesis_id"] = created[new_index]["id"]
        new_scores.append(score)
    bulk.insert(Score, new_scores, INSERTED[Score])
    bulk.update(Score, plan.changed_scores, SCORE_FIELDS)
    history: bulk.HistoryStamp = {
        "user_id": plan.importer_id,
        "reason": plan.reason,
        "when": now,
    }
    for model, new, changed in (
        (Hypothesis, created, plan.changed_hypotheses),
        (Score, new_scores, plan.changed_scores),
    ):
        bulk.insert_history(model, new, changed=False, **history)
        bulk.insert_history(model, changed, changed=True, **history)
    refresh_scores(
        [h for h in plan.hypotheses.values() if h.pk in plan.scored],
        ice_mode=ice_mode,
    )
    for hypothesis in created:
        if hypothesis["owner_id"]:
            plan.written.owned.setdefault(hypothesis["owner_id"], []).append(
                hypothesis["id"]
            )
    # Bulk writes send no signals: say that the organisation's content changed.
    freshness.touch(plan.organisation_id)
    return plan.written
