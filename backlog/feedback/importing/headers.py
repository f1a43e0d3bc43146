"""Finding an export's header: the row it starts on, and how many rows it spans.

Most exports have one header row, sometimes after a title line. Survey tools
write more: SurveyMonkey a second row under each question ("Response",
"Open-Ended Response" or the choice's label), Qualtrics a row of question texts
and a row of import ids that also names the time zone of its dates
(``{"ImportId":"startDate","timeZone":"America/Denver"}``). Those rows are
header, never data: they are read into one name per column, and every row's text
is kept so that the column can be recognised by any of them.
"""

import json
from collections import Counter
from dataclasses import dataclass

SURVEYMONKEY_SUBHEADERS = {"response", "open-ended response", "other (please specify)"}
MAX_COLUMNS = 2000


@dataclass
class Header:
    names: list[str]
    aliases: list[list[str]]  # every header row's text of each column
    zones: dict[str, str]  # column name -> the time zone the file names for it


def find_header_row(records: list[list[str]]) -> int:
    """Index of the header among the first non-blank records.

    Some exports start with a title or a "generated on" line. The header is the
    first record as wide as the table whose cells are mostly filled and not
    numbers.
    """
    if not records:
        return 0
    width = Counter(len(r) for r in records).most_common(1)[0][0]
    for index, record in enumerate(records[:10]):
        cells = [c.strip() for c in record]
        filled = [c for c in cells if c]
        if len(record) >= width and len(filled) >= max(2, int(0.6 * width)):
            if not any(_is_number(c) for c in filled):
                return index
    return 0


def count_header_rows(records: list[list[str]], start: int) -> int:
    """How many records, from `start`, make up the header (1 to 3)."""
    first = [c.strip().lower() for c in records[start]]
    following = records[start + 1 : start + 3]
    if len(following) == 2 and _import_ids(following[1]) >= max(1, len(first) // 2):
        return 3
    if following:
        second = [c.strip().lower() for c in following[0]]
        if "responseid" in first and "response id" in second:
            return 2
        if SURVEYMONKEY_SUBHEADERS & set(second) and not any(second[:2]):
            return 2
    return 1


def _import_ids(record: list[str]) -> int:
    return sum(1 for cell in record if cell.lstrip().startswith('{"ImportId"'))


def read_header(rows: list[list[str]]) -> Header:
    """One name per column from the header's rows."""
    width = max(len(row) for row in rows)
    if width > MAX_COLUMNS:
        # Raised by the caller as a FileProblem; kept here as plain data.
        raise ValueError(width)
    padded = [(row + [""] * width)[:width] for row in rows]
    aliases = [
        [row[i].strip() for row in padded if row[i].strip().lower() != "response"]
        for i in range(width)
    ]
    if len(rows) == 1:
        names = [cells[0] for cells in aliases]
    elif _import_ids(rows[-1]):
        names = [cells[1] or cells[0] for cells in aliases]
    else:
        names = _questions_with_choices(padded[0], padded[1])
    names = unique_names(names)
    zones = {}
    if len(rows) == 3:
        for name, cell in zip(names, padded[2], strict=True):
            zone = _zone_of(cell)
            if zone:
                zones[name] = zone
    return Header(names=names, aliases=aliases, zones=zones)


def _questions_with_choices(questions: list[str], choices: list[str]) -> list[str]:
    names, question = [], ""
    for asked, choice in zip(questions, choices, strict=True):
        question = asked.strip() or question
        choice = choice.strip()
        if not choice or choice.lower() in SURVEYMONKEY_SUBHEADERS - {
            "other (please specify)"
        }:
            names.append(question)
        else:
            names.append(f"{question} – {choice}" if question else choice)
    return names


def _zone_of(cell: str) -> str:
    try:
        value = json.loads(cell)
    except ValueError:
        return ""
    if isinstance(value, dict) and isinstance(value.get("timeZone"), str):
        return value["timeZone"]
    return ""


def unique_names(names: list[str]) -> list[str]:
    seen: Counter = Counter()
    unique = []
    for position, name in enumerate(names, 1):
        name = name or f"Column {position}"
        seen[name] += 1
        unique.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return unique


def _is_number(value: str) -> bool:
    try:
        float(value.replace(",", "."))
    except ValueError:
        return False
    return True
