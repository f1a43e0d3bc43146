"""A scorecard as a file: CSV, XLSX or PDF.

The browser, the command line (``manage.py export_scorecard``) and share links
all call :func:`export_scorecard`, so they hand out the same bytes for the same
assessment on the same day. Every number comes from :mod:`assessments.scoring`
through the scorecard; cells are written by :mod:`cromaturity.spreadsheets`,
which neutralises anything a spreadsheet could take for a formula.
"""

import re
from dataclasses import dataclass
from datetime import date

from django.db.models import TextChoices
from django.utils import timezone
from django.utils.text import slugify

from assessments.models import Assessment
from assessments.scorecard_csv import scorecard_csv
from assessments.scorecard_pdf import scorecard_pdf
from assessments.scorecard_workbook import scorecard_xlsx
from assessments.scorecards import Scorecard
from cromaturity.spreadsheets import XLSX_CONTENT_TYPE, export_filename

# Long enough to tell assessments apart, short enough for every file system.
NAME_LENGTH = 80


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
    """The scorecard as a file named after its assessment and the day."""
    export_format = ExportFormat(export_format)
    day = day or timezone.localdate()
    if export_format == ExportFormat.CSV:
        content = scorecard_csv(scorecard)
    elif export_format == ExportFormat.XLSX:
        content = scorecard_xlsx(scorecard, day=day)
    else:
        content = scorecard_pdf(scorecard, day=day)
    return ExportFile(
        filename=scorecard_filename(scorecard.assessment, export_format.value, day),
        content_type=CONTENT_TYPES[export_format],
        content=content,
    )


def scorecard_filename(assessment: Assessment, ext: str, day: date) -> str:
    """`<org-slug>-<title>-<period>-scorecard-<YYYY-MM-DD>.<ext>`.

    Title and period are what tell an organisation's assessments apart; they
    are slugified keeping letters of any script, so the name is safe in a
    header and readable in the reader's language.
    """
    # Punctuation separates words, so "Q4/2026" reads "q4-2026", not "q42026".
    words = re.sub(r"[\W_]+", " ", f"{assessment.title} {assessment.period}")
    name = slugify(words, allow_unicode=True)
    name = name[:NAME_LENGTH].strip("-_") or f"assessment-{assessment.pk}"
    return export_filename(
        assessment.organisation.slug, f"{name}-scorecard", ext, day, allow_unicode=True
    )
