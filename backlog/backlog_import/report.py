"""What an import did with each row, counted and explained.

Every row ends up created, updated, unchanged or rejected. Rows that came in
with a remark (a person who is not a member, a status lowered to one the row's
facts allow, a score that disagrees with its parts, …) carry notes; the notes
are also counted by kind and subject, so the report page can say "3 rows: owner
“Bob” is not a member" instead of listing 3 rows.
"""

import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from backlog.feedback.importing.rows import padded
from cromaturity.spreadsheets import csv_writer, neutralise_cell

# The kinds of notes, in the order the report lists them, and their headings.
NOTE_KINDS = {
    "unknown_person": "People the sheet names who are not members",
    "status_lowered": "Rows that came in at an earlier status",
    "unknown_team": "Teams that do not exist",
    "missing_page": "Pages that do not exist (not created)",
    "missing_tag": "Tags that do not exist (not created)",
    "created_page": "Pages created",
    "created_tag": "Tags created",
    "score_mismatch": "Sheet scores that disagree with their parts",
    "score_skipped": "Scores not imported",
    "kept_in_app": "Changes made in the app since the last import, kept",
    "result_not_kept": "Results not kept",
    "not_understood": "Words not understood",
    "kept_whole": "Hypotheses kept whole in “we expect that”",
}
OUTCOMES = ("created", "updated", "unchanged", "rejected")


@dataclass(frozen=True)
class Note:
    kind: str
    subject: str
    text: str


@dataclass
class RejectedRow:
    line: int
    cells: list[str]
    reason: str


@dataclass
class BacklogImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    noted: int = 0
    notes: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    # How many rows have a note of each kind (a row may have several).
    rows_with: Counter = field(default_factory=Counter)

    def line(self) -> str:
        return (
            f"created={self.created} updated={self.updated} "
            f"unchanged={self.unchanged} rejected={self.rejected}"
        )

    def count(self, outcome: str, notes: list[Note]) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)
        if notes:
            self.noted += 1
        for note in notes:
            self.notes[note.kind][note.subject] += 1
        self.rows_with.update({note.kind for note in notes})

    def grouped(self) -> dict[str, dict[str, int]]:
        """The notes by kind (in the report's order), most frequent first."""
        return {
            kind: dict(self.notes[kind].most_common())
            for kind in NOTE_KINDS
            if self.notes.get(kind)
        }


@dataclass
class RowReport:
    line: int
    key: str
    title: str
    outcome: str
    hypothesis_id: int | None = None
    notes: list[Note] = field(default_factory=list)


REPORT_HEADER = ["line", "id", "title", "outcome", "hypothesis", "notes"]


def _csv(header: list[str], rows) -> bytes:
    """CSV with a BOM for spreadsheets, every text cell neutralised as exports
    are (cromaturity.spreadsheets); written directly, as a report has a row per
    row of the sheet."""
    buffer = io.StringIO(newline="")
    writer = csv_writer(buffer)
    writer.writerow(header)
    writer.writerows([neutralise_cell(cell) for cell in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode()


def report_csv(rows: list[RowReport], hypothesis_path) -> bytes:
    """Every row's outcome and notes."""
    return _csv(
        REPORT_HEADER,
        (
            [
                row.line,
                row.key,
                row.title,
                row.outcome,
                hypothesis_path(row.hypothesis_id) if row.hypothesis_id else "",
                "; ".join(note.text for note in row.notes),
            ]
            for row in sorted(rows, key=lambda r: r.line)
        ),
    )


def rejected_csv(header: list[str], rejected: list[RejectedRow]) -> bytes:
    """The rejected rows as they were, with the reason, to fix and import again
    (the import reads the quotes that keep formulas out back off)."""
    return _csv(
        ["line", *header, "reason"],
        (
            [row.line, *padded(row.cells, len(header)), row.reason]
            for row in sorted(rejected, key=lambda r: r.line)
        ),
    )
