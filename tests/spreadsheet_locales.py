"""What a spreadsheet in a semicolon locale (German, French) makes of a CSV file.

Such a spreadsheet splits cells at ";" and at line ends outside double quotes,
each quote switching quoting on or off, and takes a cell that starts unquoted
with "=", "+", "-" or "@" for a formula.
"""

import re

SEMICOLON_HOSTILE = "ok;=cmd|' /C calc'!A0;"
FORMULA_STARTS = ("=", "+", "-", "@")
_FIELD = r'"(?:[^"]|"")*"'
_QUOTED_RECORDS = re.compile(rf"(?:{_FIELD}(?:,{_FIELD})*\r\n)*")


def semicolon_cells(content: bytes) -> list[str]:
    text = content.decode("utf-8-sig")
    cells, cell, quoted = [], [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char in ";\r\n" and not quoted:
            cells.append("".join(cell))
            cell = []
        else:
            cell.append(char)
    return [*cells, "".join(cell)]


def live_formulas(content: bytes) -> list[str]:
    """The cells a semicolon-locale spreadsheet would run as formulas."""
    return [
        cell for cell in semicolon_cells(content) if cell.startswith(FORMULA_STARTS)
    ]


def every_field_quoted(content: bytes) -> bool:
    return _QUOTED_RECORDS.fullmatch(content.decode("utf-8-sig")) is not None
