"""The scorecard as an A4 PDF of at most two pages, drawn by WeasyPrint.

WeasyPrint needs the Pango library at run time, so it is imported only when a
PDF is asked for: the rest of the app runs without it, and asking for a PDF
without it says what is missing.

The renderer reads nothing but the app's own static files and ``data:`` URLs.
Text people typed is escaped by the template, so it can never become markup;
should an address reach the renderer all the same (``file:///etc/passwd``, a
remote image), :class:`AssetPolicy` refuses it before anything is opened.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.text import Truncator

from assessments.models import Answer
from assessments.scorecards import PointRow, Scorecard

ASSET_ROOT = Path(settings.BASE_DIR) / "static"
MAX_PAGES = 2
QUOTE_LENGTH = 160
# A drawn PDF is kept under a digest of its sources, so any change to what it
# shows (an answer, a target, a name, the day) draws it anew; the time only
# bounds how long an unchanged scorecard's PDF occupies the cache.
PDF_CACHE_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class Detail:
    """How much evidence the PDF quotes; less when more would not fit."""

    weak_quotes: int
    disputed_quotes: int
    disputed_shown: int


# Tried in order until the scorecard fits on two pages; the last always does,
# as it leaves out everything whose length depends on what people wrote.
DETAILS = (Detail(2, 1, 6), Detail(1, 1, 4), Detail(1, 0, 4), Detail(0, 0, 3))


class PdfUnavailable(Exception):
    """WeasyPrint or the libraries it draws with are not installed."""


class AssetRefused(ValueError):
    """The PDF asked for something outside the app's own static files."""


@dataclass
class AssetPolicy:
    """Which URLs the PDF renderer may open: data: URLs and files under `roots`."""

    roots: tuple[Path, ...] = (ASSET_ROOT,)
    refused: list[str] = field(default_factory=list)

    def permits(self, url: str) -> bool:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            return True
        if scheme != "file" or parts.netloc not in ("", "localhost"):
            return False
        path = Path(url2pathname(unquote(parts.path))).resolve()
        return path.is_file() and any(
            path.is_relative_to(root.resolve()) for root in self.roots
        )

    def check(self, url: str) -> None:
        if not self.permits(url):
            self.refused.append(url)
            raise AssetRefused(f"The PDF may not load {url[:200]}")


def _weasyprint():
    try:
        # Loaded on the first PDF: WeasyPrint and Pango are heavy and optional.
        import weasyprint
    except (ImportError, OSError) as error:
        raise PdfUnavailable(
            "PDF export needs WeasyPrint and the Pango library, which are not "
            f"installed on this server ({error}). CSV and Excel exports still work."
        ) from error
    return weasyprint


def _fetcher(policy: AssetPolicy):
    # Only after _weasyprint() found it: WeasyPrint is optional.
    from weasyprint.urls import URLFetcher

    class AppAssetFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            policy.check(url)
            return super().fetch(url, headers)

    return AppAssetFetcher(
        allowed_protocols=("file", "data"), allow_redirects=False, timeout=5
    )


def lay_out(html: str, policy: AssetPolicy | None = None):
    """Lay `html` out in pages, resolving relative URLs in the app's static files."""
    weasyprint = _weasyprint()
    policy = policy or AssetPolicy()
    return weasyprint.HTML(
        string=html,
        base_url=ASSET_ROOT.as_uri() + "/",
        url_fetcher=_fetcher(policy),
    ).render()


def render_pdf(html: str, policy: AssetPolicy | None = None) -> bytes:
    return lay_out(html, policy).write_pdf()


def _quotes(scorecard: Scorecard, rows: list[PointRow]) -> dict[str, list[tuple]]:
    """A few evidence texts per point, newest first, with the respondent's team."""
    keys = {row.point.key for row in rows}
    quotes: dict[str, list[tuple[str, str]]] = defaultdict(list)
    answers = (
        Answer.objects.filter(
            response__assessment=scorecard.assessment,
            response__submitted_at__isnull=False,
            point__key__in=keys,
        )
        .exclude(evidence="")
        .order_by("-updated_at", "-pk")
        .values_list("point__key", "evidence", "response__team__name")
    )
    for key, evidence, team in answers:
        text = Truncator(" ".join(evidence.split())).chars(QUOTE_LENGTH)
        known = [quoted for quoted, _ in quotes[key]]
        if len(quotes[key]) < DETAILS[0].weak_quotes and text not in known:
            quotes[key].append((text, team))
    return quotes


@dataclass
class QuotedRow:
    row: PointRow
    quotes: list[tuple[str, str]]


def scorecard_pdf_sources(scorecard: Scorecard, *, day: date) -> list[str]:
    """The PDF's HTML at each level of detail, the fullest first: the PDF is
    drawn from them alone, so they say when a drawn PDF can be used again."""
    weakest = scorecard.weakest
    disputed = scorecard.disputed
    quotes = _quotes(scorecard, weakest + disputed[: DETAILS[0].disputed_shown])
    radar = scorecard.radar(chart_id="radar-pdf")
    return [
        render_to_string(
            "assessments/scorecard_pdf.html",
            {
                "assessment": scorecard.assessment,
                "scorecard": scorecard,
                "day": day,
                "radar": radar,
                "weakest": [
                    QuotedRow(r, quotes.get(r.point.key, [])[: detail.weak_quotes])
                    for r in weakest
                ],
                "disputed": [
                    QuotedRow(r, quotes.get(r.point.key, [])[: detail.disputed_quotes])
                    for r in disputed[: detail.disputed_shown]
                ],
                "disputed_more": max(0, len(disputed) - detail.disputed_shown),
            },
        )
        for detail in DETAILS
    ]


def pdf_from_sources(sources: list[str]) -> bytes:
    """The fullest of `sources` that fits on `MAX_PAGES` pages, drawn."""
    for html in sources:
        document = lay_out(html)
        if len(document.pages) <= MAX_PAGES:
            break
    return document.write_pdf()


def scorecard_pdf(scorecard: Scorecard, *, day: date) -> bytes:
    """The scorecard's PDF, drawn once per state of the scorecard."""
    sources = scorecard_pdf_sources(scorecard, day=day)
    digest = hashlib.sha256("\x00".join(sources).encode()).hexdigest()
    key = f"scorecard-pdf:{scorecard.assessment.pk}:{digest}"
    content = cache.get(key)
    if content is None:
        content = pdf_from_sources(sources)
        cache.set(key, content, PDF_CACHE_SECONDS)
    return content
