"""Writing cells that are safe to open in a spreadsheet.

Every export goes through :func:`neutralise_cell`: a text cell that starts with a
character a spreadsheet treats as the start of a formula is prefixed with ``'``,
which spreadsheets show as plain text and which :func:`restore_cell` removes again.
Every CSV the app writes comes from :func:`csv_writer`, which quotes every field:
a spreadsheet in a locale whose list separator is ";" (German, French) still reads
``ok;=cmd|' /C calc'!A0;`` as one text cell, not as cells the second of which is a
live formula. XLSX files are also written with formula and URL conversion switched
off, so text stays text even where a cell slipped through.
"""

import csv
import io
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from urllib.parse import quote

import xlsxwriter
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _needs_quote(value) -> bool:
    # Text that already starts with quotes before a trigger gets one more, so that
    # restoring it cannot mistake the text's own quote for the one added here.
    return isinstance(value, str) and value.lstrip("'").startswith(FORMULA_TRIGGERS)


def neutralise_cell(value):
    if _needs_quote(value):
        return "'" + value
    return value


def restore_cell(value):
    """Undo :func:`neutralise_cell` (for reading our own exports back)."""
    if isinstance(value, str) and value.startswith("'") and _needs_quote(value[1:]):
        return value[1:]
    return value


def export_filename(
    org_slug: str,
    what: str,
    ext: str,
    day: date | None = None,
    *,
    allow_unicode: bool = False,
) -> str:
    day = day or timezone.localdate()
    what = slugify(what, allow_unicode=allow_unicode)
    return f"{org_slug}-{what}-{day.isoformat()}.{ext}"


def content_disposition(filename: str) -> str:
    """An attachment header for any file name (RFC 6266).

    A name with letters outside ASCII goes in `filename*` as UTF-8, with an
    ASCII transliteration in `filename` for clients that read only that.
    """
    if filename.isascii():
        return f'attachment; filename="{_header_safe(filename)}"'
    plain = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    plain = re.sub(r"-{2,}", "-", _header_safe(plain)).strip("-") or "download"
    return (
        f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )


def _header_safe(filename: str) -> str:
    return re.sub(r'[\x00-\x1f\x7f"\\]', "_", filename)


def _attachment(response, filename: str):
    response["Content-Disposition"] = content_disposition(filename)
    return response


def download_response(filename: str, content_type: str, content: bytes) -> HttpResponse:
    """A finished file as a download."""
    return _attachment(HttpResponse(content, content_type=content_type), filename)


def csv_writer(target):
    """A CSV writer to `target` that quotes every field (see the module's notes)."""
    return csv.writer(target, quoting=csv.QUOTE_ALL)


class _Echo:
    def write(self, value):
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Iterable]):
    """CSV text line by line (UTF-8 BOM first, so spreadsheets read accents)."""
    writer = csv_writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([neutralise_cell(_plain(cell)) for cell in row])


def csv_bytes(header: Sequence[str], rows: Iterable[Iterable]) -> bytes:
    """A whole (small) CSV file, for downloads that must be byte-for-byte stable."""
    return "".join(csv_lines(header, rows)).encode("utf-8")


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Iterable]
) -> StreamingHttpResponse:
    """Stream rows as a CSV download without holding them in memory."""
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    return _attachment(response, filename)


@dataclass
class Sheet:
    name: str
    header: Sequence[str]
    rows: Iterable[Sequence]
    widths: Sequence[int] = field(default_factory=tuple)
    # Excel number formats by column index, e.g. {3: "0.00"}.
    number_formats: Mapping[int, str] = field(default_factory=dict)


def _plain(value):
    if value is None or type(value) in (str, int, float):
        return value  # most cells: nothing to convert
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, Decimal | Fraction):
        return float(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return value


def write_xlsx(
    target, sheets: Iterable[Sheet], *, created: datetime | None = None
) -> None:
    """Write sheets to `target` (a path or file object) row by row.

    Numbers stay numbers, dates are real dates, headers are bold and frozen.
    `created` fixes the document's creation time, which otherwise is now, so
    that the same data gives the same bytes.
    """
    workbook = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
        },
    )
    if created is not None:
        workbook.set_properties({"created": created})
    bold = workbook.add_format({"bold": True, "bg_color": "#E8F1F3"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for sheet in sheets:
        worksheet = workbook.add_worksheet(sheet.name[:31])
        worksheet.freeze_panes(1, 0)
        number_formats = {
            column: workbook.add_format({"num_format": pattern})
            for column, pattern in sheet.number_formats.items()
        }
        for column, width in enumerate(sheet.widths):
            worksheet.set_column(column, column, width)
        for column, title in enumerate(sheet.header):
            worksheet.write_string(0, column, str(title), bold)
        for row_number, row in enumerate(sheet.rows, start=1):
            for column, raw in enumerate(row):
                value = neutralise_cell(_plain(raw))
                if value is None or value == "":
                    continue
                if isinstance(value, bool):
                    worksheet.write_boolean(row_number, column, value)
                elif isinstance(value, int | float):
                    worksheet.write_number(
                        row_number, column, value, number_formats.get(column)
                    )
                elif isinstance(value, datetime):
                    worksheet.write_datetime(row_number, column, value, moment)
                elif isinstance(value, date):
                    worksheet.write_datetime(row_number, column, value, day)
                else:
                    worksheet.write_string(row_number, column, str(value))
        worksheet.autofilter(0, 0, 0, max(0, len(sheet.header) - 1))
    workbook.close()


def xlsx_bytes(sheets: Iterable[Sheet], *, created: datetime | None = None) -> bytes:
    """A whole (small) workbook in memory."""
    buffer = io.BytesIO()
    write_xlsx(buffer, sheets, created=created)
    return buffer.getvalue()


def xlsx_response(filename: str, sheets: Iterable[Sheet]) -> FileResponse:
    """Build the workbook in a temporary file and stream it as a download."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by FileResponse
    write_xlsx(handle, sheets)
    handle.seek(0)
    return FileResponse(
        handle, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
    )
