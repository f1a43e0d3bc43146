"""An uploaded file's cells as members see them: who the customer is stays hidden.

Rejected rows are kept, and the preview shows the first rows, the way items
are stored: a column that says who a customer is (the mapped customer column,
and any column named for a name, email, phone number or address) shows the
customer's pseudonym, and emails and phone numbers in every other cell are
masked when the organisation masks them in feedback. Only admins may download
the original upload, until the organisation's retention period deletes it.
"""

import csv
import io
from dataclasses import dataclass

from backlog.feedback.importing.mapping import personal_columns
from backlog.feedback.privacy import mask_contact_details, pseudonymise
from cromaturity.spreadsheets import csv_writer, neutralise_cell


@dataclass(frozen=True)
class CellMasker:
    personal: frozenset[int]
    key: bytes
    mask: bool
    region: str | None

    def __call__(self, cells: list[str]) -> list[str]:
        return [self.cell(position, value) for position, value in enumerate(cells)]

    def cell(self, position: int, value: str) -> str:
        if position in self.personal:
            return pseudonymise(value, self.key)
        if self.mask and value:
            return mask_contact_details(value, self.region)
        return value


def cell_masker(
    header: list[str],
    mapping: dict[str, str],
    *,
    key: bytes,
    mask: bool,
    region: str | None,
) -> CellMasker:
    personal = personal_columns(header, [[column] for column in header])
    customer = mapping.get("customer")
    if customer:
        personal.add(customer)
    positions = frozenset(i for i, column in enumerate(header) if column in personal)
    return CellMasker(positions, key, mask, region)


def masked_rejected_rows(data: bytes, masker: CellMasker) -> bytes:
    """A rejected-rows file (line, the file's columns, reason) with its cells masked."""
    text = data.decode("utf-8-sig", "replace")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    out = io.StringIO(newline="")
    writer = csv_writer(out)
    for number, row in enumerate(rows):
        if number == 0 or len(row) < 2:
            writer.writerow(list(map(neutralise_cell, row)))
            continue
        writer.writerow([row[0], *map(neutralise_cell, masker(row[1:-1])), row[-1]])
    return b"\xef\xbb\xbf" + out.getvalue().encode()
