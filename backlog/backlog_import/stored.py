"""What an organisation already holds of a sheet, read once for a whole import:
its rows, their hypotheses (locked for the write), tags and scores."""

from dataclasses import dataclass
from datetime import UTC, datetime

from backlog.backlog_import.references import key_of
from backlog.backlog_import.rows import STRUCTURED
from backlog.models import Hypothesis, Score, SheetRow
from backlog.scoring.frameworks import Framework

TEXTS = ["title", *STRUCTURED, "learning"]
# The fields compared as they are stored; page, tags, dates and the status are
# compared in a form of their own (state_of).
PLAIN = [*TEXTS, "kind", "owner_id", "team_id"]


def iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


@dataclass
class Stored:
    sheet_rows: dict[str, SheetRow]
    hypotheses: dict[int, Hypothesis]
    tag_names: dict[int, list[str]]
    scores: dict[tuple[int, int, str], Score]


def read_stored(organisation_id: int, source: str, keys: list[str]) -> Stored:
    sheet_rows = {
        sheet_row.key: sheet_row
        for sheet_row in SheetRow.objects.filter(
            organisation_id=organisation_id, source=source
        ).order_by()
    }
    ids = [sheet_rows[key].hypothesis_id for key in keys if key in sheet_rows]
    hypotheses = {
        h.pk: h
        for h in Hypothesis.objects.select_for_update(of=("self",))
        .filter(organisation_id=organisation_id, pk__in=ids)
        .select_related("page")
        .order_by()
    }
    tag_names: dict[int, list[str]] = {pk: [] for pk in hypotheses}
    for hypothesis_id, name in (
        Hypothesis.tags.through.objects.filter(hypothesis_id__in=ids)
        .order_by()
        .values_list("hypothesis_id", "tag__name")
    ):
        tag_names[hypothesis_id].append(name)
    scores = {
        (s.hypothesis_id, s.scorer_id, s.framework): s
        for s in Score.objects.filter(
            hypothesis_id__in=ids, framework__in=[Framework.ICE, Framework.PIE]
        ).order_by()
    }
    return Stored(sheet_rows, hypotheses, tag_names, scores)


def state_of(hypothesis: Hypothesis, tag_names: dict[int, list[str]]) -> dict:
    """A hypothesis's importable fields in the form imports compare."""
    state = {name: getattr(hypothesis, name) for name in PLAIN}
    state["page"] = key_of(hypothesis.page.name) if hypothesis.page else ""
    state["tags"] = sorted(key_of(n) for n in tag_names.get(hypothesis.pk, []))
    state["created_at"] = iso(hypothesis.created_at)
    state["status"] = hypothesis.status
    state["result"] = hypothesis.result
    return state
