"""A scorecard as a file: CSV, XLSX or PDF.

The browser, the command line (``manage.py export_scorecard``) and share links
all call :func:`export_scorecard`, so they hand out the same bytes for the same
assessment on the same day. Every number comes from :mod:`assessments.scoring`
through the scorecard; cells are written by :mod:`cromaturity.spreadsheets`,
which neutralises anything a spreadsheet could take for a formula.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import TextChoices
from django.utils import timezone

from assessments.scorecard_csv import scorecard_csv
from assessments.scorecard_pdf import scorecard_pdf
from assessments.scorecard_workbook import scorecard_xlsx
from assessments.scorecards import Scorecard
from cromaturity.spreadsheets import XLSX_CONTENT_TYPE, export_filename


class ExportFormat(TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel workbook"
    PDF = "pdf", "PDF"


CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: XLSX_CONTENT_TYPE,
    ExportFormat.PDF: "application/pdf",
}


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str
    content: bytes


def export_scorecard(
    scorecard: Scorecard, export_format: ExportFormat | str, *, day: date | None = None
) -> ExportFile:
    """The scorecard as a file named `<org-slug>-scorecard-<YYYY-MM-DD>.<ext>`."""
    export_format = ExportFormat(export_format)
    day = day or timezone.localdate()
    if export_format == ExportFormat.CSV:
        content = scorecard_csv(scorecard)
    elif export_format == ExportFormat.XLSX:
        content = scorecard_xlsx(scorecard, day=day)
    else:
        content = scorecard_pdf(scorecard, day=day)
    slug = scorecard.assessment.organisation.slug
    return ExportFile(
        filename=export_filename(slug, "scorecard", export_format.value, day),
        content_type=CONTENT_TYPES[export_format],
        content=content,
    )
