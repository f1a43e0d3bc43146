"""Bringing page-speed reports in: each reading stored once, matched to its page.

A reading is identified by its URL, tool, lab or field, device and period, so
importing the same report again changes nothing, and a newer report of the same
period (a re-run PageSpeed answer of the same day) replaces its numbers. The
page is the backlog page whose address matches the URL's path: an exact path
first, then the longest pattern ("/c/*" matches "/c/tents").
"""

from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from urllib.parse import urlsplit

from django.db import transaction

from backlog.models import Page, SpeedMeasurement
from backlog.page_speed.reports import SpeedReading

FIELDS = ["lcp_ms", "inp_ms", "cls", "performance_score", "origin_only", "page"]


def matching_page(pages: Iterable[Page], url: str) -> Page | None:
    """The page whose address is the URL's path, or the longest pattern matching it."""
    path = urlsplit(url).path or "/"
    best: tuple[int, int, Page] | None = None
    for page in pages:
        pattern = (page.url or "").strip()
        if not pattern:
            continue
        pattern_path = urlsplit(pattern).path if "://" in pattern else pattern
        if pattern_path == path:
            rank = (1, len(pattern_path))
        elif any(mark in pattern_path for mark in "*?[") and fnmatchcase(
            path, pattern_path
        ):
            rank = (0, len(pattern_path.replace("*", "")))
        else:
            continue
        if best is None or rank > best[:2]:
            best = (*rank, page)
    return best[2] if best else None


@dataclass(frozen=True)
class SpeedImportSummary:
    created: int
    updated: int
    unchanged: int
    unmatched: tuple[str, ...]  # URLs no page's address matches

    def line(self) -> str:
        return (
            f"created={self.created} updated={self.updated} "
            f"unchanged={self.unchanged} unmatched={len(self.unmatched)}"
        )


def import_speed_readings(
    organisation, readings: list[SpeedReading], *, by=None
) -> SpeedImportSummary:
    pages = list(Page.objects.for_org(organisation))
    created = updated = unchanged = 0
    unmatched: list[str] = []
    with transaction.atomic():
        for reading in readings:
            page = matching_page(pages, reading.url)
            if page is None and reading.url not in unmatched:
                unmatched.append(reading.url)
            values = {
                "lcp_ms": reading.lcp_ms,
                "inp_ms": reading.inp_ms,
                "cls": reading.cls,
                "performance_score": reading.performance_score,
                "origin_only": reading.origin_only,
                "page": page,
            }
            found = (
                SpeedMeasurement.objects.select_for_update()
                .filter(
                    organisation=organisation,
                    url=reading.url[:500],
                    source=reading.tool,
                    kind=reading.kind,
                    device=reading.device,
                    period_start=reading.start,
                    period_end=reading.end,
                )
                .first()
            )
            if found is None:
                SpeedMeasurement.objects.create(
                    organisation=organisation,
                    url=reading.url[:500],
                    source=reading.tool,
                    kind=reading.kind,
                    device=reading.device,
                    period_start=reading.start,
                    period_end=reading.end,
                    imported_by=by,
                    **values,
                )
                created += 1
            elif any(getattr(found, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(found, name, value)
                found.save(update_fields=FIELDS)
                updated += 1
            else:
                unchanged += 1
    return SpeedImportSummary(created, updated, unchanged, tuple(unmatched))
