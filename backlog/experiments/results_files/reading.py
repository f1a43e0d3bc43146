"""Reading a results export: bytes to text, text to records, records to rows.

The encoding is UTF-8 (with or without a BOM), UTF-16 (as Excel saves
"Unicode text", with its BOM, or without one when the zero bytes show it) or,
when the bytes are no UTF-8, cp1252. The delimiter is the one of comma,
semicolon, tab or bar that splits the first records into the steadiest
columns. Both come from backlog.feedback.importing.text_files, and so does the
reading of records, which gives back a row whose quote never closes as a
rejection naming its line, and reads on.

Lines above the header (a tool's title, the experiment's name, a date range,
"#" comments) are passed over; the header is the first record a layout
recognises. Some exports have one table per goal, each under its title on a
line of its own and each with the header again: a layout without a metric
column takes the metric's name from the title line above its table.
"""

from backlog.experiments.results_files.cells import file_decimal, normalize_label
from backlog.experiments.results_files.detection import (
    LAYOUTS,
    detect_tool,
    supported_tools,
)
from backlog.experiments.results_files.layout import Cells, Layout, RowProblem
from backlog.experiments.results_files.results import (
    Rejection,
    ResultRow,
    ResultsFile,
    ResultsFileError,
)
from backlog.feedback.importing.problems import BrokenRecord
from backlog.feedback.importing.text_files import (
    UndecodableText,
    decode_whole,
    detect_delimiter,
    text_records,
)

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
SNIFF_CHARS = 64 * 1024
TITLE_PREFIXES = ("goal:", "metric:", "goal -", "metric -")
TITLE_LABELS = frozenset({"goal", "goal name", "metric", "metric name"})

Record = tuple[int, list[str]]


def read_results(
    data: bytes, filename: str = "", tool: str | None = None
) -> ResultsFile:
    """The rows of a results export, and the rows it could not give, with why.

    Raises ResultsFileError when the file as a whole cannot be read.
    """
    name = f"“{filename}”" if filename else "The file"
    if tool is not None and tool not in LAYOUTS:
        raise ResultsFileError(
            f"“{tool}” is not a tool this import reads; it reads exports of "
            f"{supported_tools()}."
        )
    if len(data) > MAX_BYTES:
        raise ResultsFileError(
            f"{name} is {len(data) / 1024 / 1024:.1f} MB; a results export can "
            f"be at most {MAX_BYTES // 1024 // 1024} MB."
        )
    text = _decode(data, name)
    if not text.strip():
        raise ResultsFileError(f"{name} is empty.")
    delimiter = detect_delimiter(text[:SNIFF_CHARS])
    records = _records(text, delimiter)
    start, layout = _header(records, tool, name)
    header = records[start][1]
    problem = layout.refuse_header(header)
    if problem:
        raise ResultsFileError(problem)
    body = records[start + 1 :]
    return _rows(layout, header, _titles(records[:start]), body, delimiter, name)


def _decode(data: bytes, name: str) -> str:
    try:
        return decode_whole(data, name, SNIFF_CHARS)
    except UndecodableText as problem:
        raise ResultsFileError(str(problem)) from None


def _records(text: str, delimiter: str) -> list[Record]:
    records: list[Record] = []
    for line, cells in text_records(text.lstrip("\ufeff"), delimiter):
        if not isinstance(cells, BrokenRecord) and cells[0].lstrip().startswith("#"):
            continue
        records.append((line, cells))
        if len(records) > MAX_ROWS + 1000:
            break
    return records


def _header(records: list[Record], tool: str | None, name: str) -> tuple[int, Layout]:
    for index, (_, cells) in enumerate(records):
        if isinstance(cells, BrokenRecord) or len(cells) < 2:
            continue
        if tool is not None:
            labels = [normalize_label(cell) for cell in cells]
            if LAYOUTS[tool].recognises(labels):
                return index, LAYOUTS[tool]
            continue
        found = detect_tool(cells)
        if found is not None:
            return index, LAYOUTS[found]
    if tool is not None:
        raise ResultsFileError(
            f"{name} has no header row of a {LAYOUTS[tool].label} results "
            f"export: no row names the columns it needs "
            f"({_needs(LAYOUTS[tool])})."
        )
    raise ResultsFileError(
        f"{name} is not a results export this import recognises. It reads "
        f"exports of {supported_tools()}; if the file is one of these, choose "
        "the tool and import it again."
    )


def _needs(layout: Layout) -> str:
    words = []
    for need in layout.required:
        options = [layout.columns[role][0] for role in need]
        words.append(" or ".join(options))
    return ", ".join(words)


def _title(cells: list[str]) -> str | None:
    """The metric's name, when a record is a title line above a table."""
    filled = [cell.strip() for cell in cells if cell.strip()]
    if len(filled) == 2 and normalize_label(filled[0]).rstrip(":") in TITLE_LABELS:
        return filled[1]
    if len(filled) != 1:
        return None
    text = filled[0]
    for prefix in TITLE_PREFIXES:
        if text.casefold().startswith(prefix):
            return text[len(prefix) :].strip() or None
    return text


def _titles(records: list[Record]) -> str | None:
    title = None
    for _, cells in records:
        if not isinstance(cells, BrokenRecord):
            title = _title(cells) or title
    return title


def _rows(
    layout: Layout,
    header: list[str],
    title: str | None,
    body: list[Record],
    delimiter: str,
    name: str,
) -> ResultsFile:
    labels = [normalize_label(cell) for cell in header]
    roles = layout.roles(labels)
    names = {role: header[index].strip() for role, index in roles.items()}
    numeric = [index for role, index in roles.items() if role not in _TEXT_ROLES]
    decimal = file_decimal(
        (
            cells[index]
            for _, cells in body
            if not isinstance(cells, BrokenRecord)
            for index in numeric
            if index < len(cells)
        ),
        delimiter,
    )
    rows: list[ResultRow] = []
    rejected: list[Rejection] = []
    seen: dict[tuple[str, str], int] = {}
    count = 0
    pending: tuple[int, str] | None = None  # a title line, if a header follows
    for line, cells in body:
        if isinstance(cells, BrokenRecord):
            rejected.append(Rejection(line, cells.problem))
            continue
        if _is_header(cells, labels):
            # the header again, above the next goal's table
            title = (_title([pending[1]]) if pending else None) or title
            pending = None
            continue
        if pending:
            rejected.append(_lone(*pending))
            pending = None
        if len([cell for cell in cells if cell.strip()]) == 1:
            pending = (line, next(cell.strip() for cell in cells if cell.strip()))
            continue
        count += 1
        if count > MAX_ROWS:
            raise ResultsFileError(
                f"{name} has more than {MAX_ROWS:,} rows of results; import at "
                "most that many at a time."
            )
        outcome = _row(layout, roles, names, cells, line, title, decimal)
        if isinstance(outcome, Rejection):
            rejected.append(outcome)
            continue
        key = (outcome.variant, outcome.metric)
        if key in seen:
            rejected.append(
                Rejection(
                    line,
                    f"variant “{outcome.variant}” and metric “{outcome.metric}” "
                    f"are already on line {seen[key]}; only that row is kept",
                )
            )
            continue
        seen[key] = line
        rows.append(outcome)
    if pending:
        rejected.append(_lone(*pending))
    if not rows and not rejected:
        raise ResultsFileError(f"{name} has a header row but no rows of results.")
    return ResultsFile(layout.key, tuple(rows), tuple(rejected))


_TEXT_ROLES = frozenset({"variant", "metric"})


def _is_header(cells: list[str], labels: list[str]) -> bool:
    return (
        len(cells) == len(labels)
        and normalize_label(cells[0]) == labels[0]
        and [normalize_label(cell) for cell in cells] == labels
    )


def _lone(line: int, text: str) -> Rejection:
    return Rejection(
        line,
        f"the row holds only “{text}”; a title counts only above a table's header",
    )


def _row(
    layout: Layout,
    roles: dict[str, int],
    names: dict[str, str],
    cells: list[str],
    line: int,
    title: str | None,
    decimal: str,
) -> ResultRow | Rejection:
    values = {
        role: cells[index] if index < len(cells) else ""
        for role, index in roles.items()
    }
    variant = values["variant"].strip()
    if not variant:
        return Rejection(line, f"{names['variant']} is blank")
    if variant.casefold() in layout.total_rows:
        return Rejection(line, f"“{variant}” is a total of the variations, not one")
    if "metric" in roles:
        metric = values["metric"].strip()
        if not metric:
            return Rejection(line, f"{names['metric']} is blank")
    elif title:
        metric = title
    else:
        return Rejection(
            line,
            "the file names no metric: it has no metric column and no goal "
            "title above the table",
        )
    try:
        measures = layout.measures(Cells(values, names, decimal))
    except RowProblem as problem:
        return Rejection(line, str(problem))
    return ResultRow(
        line=line,
        variant=variant,
        metric=metric,
        visitors=measures.visitors,
        conversions=measures.conversions,
        sum=measures.sum,
        sum_squares=measures.sum_squares,
    )
