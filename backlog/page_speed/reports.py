"""Reading page-speed reports into p75 readings: Lighthouse, PageSpeed Insights
and the Chrome UX Report.

No database: bytes in, readings out. Layouts, as their documentation gives them:

* **Lighthouse** JSON report (the "LHR", `lighthouse --output=json`, or saved
  from DevTools): `finalDisplayedUrl` (`finalUrl` before Lighthouse 10),
  `fetchTime`, `configSettings.formFactor` ("mobile" or "desktop"), and lab
  values in `audits[…].numericValue`: `largest-contentful-paint` (ms),
  `cumulative-layout-shift`, and `interaction-to-next-paint` only in timespan
  mode; a navigation has no INP. `runtimeError` marks a run that failed.
* **PageSpeed Insights** API v5 (`runPagespeed`): field data of the page
  (`loadingExperience`, or the origin's when `origin_fallback` is set) with
  `metrics.LARGEST_CONTENTFUL_PAINT_MS.percentile`,
  `INTERACTION_TO_NEXT_PAINT.percentile` and
  `CUMULATIVE_LAYOUT_SHIFT_SCORE.percentile` (the CLS × 100, as an integer),
  and the lab run in `lighthouseResult`, whose form factor says the strategy.
* **Chrome UX Report** API (`records:queryRecord`, and one period of
  `queryHistoryRecord`): `record.key` (`url` or `origin`, `formFactor` PHONE,
  DESKTOP or TABLET), `record.metrics.<metric>.percentiles.p75` (CLS as a
  string such as "0.05") and `collectionPeriod.firstDate`/`lastDate` as
  {year, month, day}. Field data is the 28 days of the collection period.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

FORM_FACTORS = {
    "mobile": "mobile",
    "phone": "mobile",
    "desktop": "desktop",
    "tablet": "tablet",
}


class SpeedReportError(ValueError):
    """The report cannot be read; the message is for people."""


@dataclass(frozen=True)
class SpeedReading:
    tool: str  # lighthouse, pagespeed or crux
    kind: str  # "lab" (one run) or "field" (real users, p75 over a period)
    url: str
    device: str  # mobile, desktop or tablet
    start: date  # the day of the run, or the first of the field period
    end: date
    lcp_ms: float | None
    inp_ms: float | None
    cls: float | None
    performance_score: float | None = None  # Lighthouse's 0–1, lab only
    origin_only: bool = False  # field data of the whole site, not the page


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def _day(stamp: Any) -> date | None:
    if not isinstance(stamp, str) or not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _audit(audits: dict[str, Any], name: str) -> float | None:
    audit = audits.get(name)
    return _number(audit.get("numericValue")) if isinstance(audit, dict) else None


def _inp(audits: dict[str, Any]) -> float | None:
    """Only a timespan measures INP; Lighthouse 10 named its audit experimental-…."""
    value = _audit(audits, "interaction-to-next-paint")
    if value is None:
        value = _audit(audits, "experimental-interaction-to-next-paint")
    return value


def _lighthouse(report: dict[str, Any], tool: str = "lighthouse") -> SpeedReading:
    if isinstance(report.get("runtimeError"), dict) and report["runtimeError"].get(
        "code"
    ) not in (None, "NO_ERROR"):
        raise SpeedReportError(
            "Lighthouse could not measure the page: "
            f"{report['runtimeError'].get('message') or report['runtimeError']['code']}"
        )
    settings = report.get("configSettings") or {}
    device = FORM_FACTORS.get(
        str(settings.get("formFactor") or settings.get("emulatedFormFactor") or "")
    )
    if device is None:
        raise SpeedReportError(
            "The Lighthouse report does not say whether it ran as mobile or desktop "
            "(configSettings.formFactor)."
        )
    day = _day(report.get("fetchTime"))
    if day is None:
        raise SpeedReportError("The Lighthouse report has no fetchTime.")
    url = (
        report.get("finalDisplayedUrl")
        or report.get("finalUrl")
        or report.get("requestedUrl")
    )
    if not url:
        raise SpeedReportError("The Lighthouse report names no URL.")
    audits = report.get("audits") or {}
    performance = (report.get("categories") or {}).get("performance") or {}
    return SpeedReading(
        tool=tool,
        kind="lab",
        url=str(url),
        device=device,
        start=day,
        end=day,
        lcp_ms=_audit(audits, "largest-contentful-paint"),
        inp_ms=_inp(audits),
        cls=_audit(audits, "cumulative-layout-shift"),
        performance_score=_number(performance.get("score")),
    )


def _percentile(metrics: dict[str, Any], name: str) -> float | None:
    metric = metrics.get(name)
    return _number(metric.get("percentile")) if isinstance(metric, dict) else None


# PSI has named INP three ways: experimental, then without and with its unit.
INP_KEYS = (
    "INTERACTION_TO_NEXT_PAINT",
    "INTERACTION_TO_NEXT_PAINT_MS",
    "EXPERIMENTAL_INTERACTION_TO_NEXT_PAINT",
)


def _first_percentile(metrics: dict[str, Any], names: tuple[str, ...]) -> float | None:
    for name in names:
        value = _percentile(metrics, name)
        if value is not None:
            return value
    return None


def _pagespeed(report: dict[str, Any]) -> list[SpeedReading]:
    readings: list[SpeedReading] = []
    lab = report.get("lighthouseResult")
    if isinstance(lab, dict):
        readings.append(_lighthouse(lab, tool="pagespeed"))
    device = readings[0].device if readings else None
    day = _day(report.get("analysisUTCTimestamp"))
    for key, origin_only in (
        ("loadingExperience", False),
        ("originLoadingExperience", True),
    ):
        field = report.get(key)
        if not isinstance(field, dict) or not isinstance(field.get("metrics"), dict):
            continue
        fallback = bool(field.get("origin_fallback"))
        if key == "originLoadingExperience" and any(
            r.kind == "field" for r in readings
        ):
            continue  # the page's own field data is there
        metrics = field["metrics"]

        cls = _percentile(metrics, "CUMULATIVE_LAYOUT_SHIFT_SCORE")
        if device is None or day is None:
            raise SpeedReportError(
                "The PageSpeed Insights answer has field data but no lab run to say "
                "its strategy (mobile or desktop), or no analysisUTCTimestamp."
            )
        readings.append(
            SpeedReading(
                tool="pagespeed",
                kind="field",
                url=str(
                    field.get("initial_url") or field.get("id") or report.get("id")
                ),
                device=device,
                # CrUX's field data in PSI covers the 28 days before the analysis.
                start=date.fromordinal(day.toordinal() - 27),
                end=day,
                lcp_ms=_percentile(metrics, "LARGEST_CONTENTFUL_PAINT_MS"),
                inp_ms=_first_percentile(metrics, INP_KEYS),
                cls=None if cls is None else cls / 100,
                origin_only=origin_only or fallback,
            )
        )
    if not readings:
        raise SpeedReportError("The PageSpeed Insights answer has no measurements.")
    return readings


def _crux_day(value: Any) -> date:
    try:
        return date(int(value["year"]), int(value["month"]), int(value["day"]))
    except (KeyError, TypeError, ValueError):
        raise SpeedReportError(
            "The Chrome UX Report record's collection period is not a date."
        ) from None


def _crux(document: dict[str, Any]) -> SpeedReading:
    record = document["record"]
    key = record.get("key") or {}
    device = FORM_FACTORS.get(str(key.get("formFactor", "")).casefold())
    if device is None:
        raise SpeedReportError(
            "The Chrome UX Report record mixes all devices: ask for one formFactor "
            "(PHONE, DESKTOP or TABLET) at a time."
        )
    period = record.get("collectionPeriod") or {}
    metrics = record.get("metrics") or {}

    def p75(name: str) -> float | None:
        metric = metrics.get(name)
        if not isinstance(metric, dict):
            return None
        return _number((metric.get("percentiles") or {}).get("p75"))

    return SpeedReading(
        tool="crux",
        kind="field",
        url=str(key.get("url") or key.get("origin") or ""),
        device=device,
        start=_crux_day(period.get("firstDate")),
        end=_crux_day(period.get("lastDate")),
        lcp_ms=p75("largest_contentful_paint"),
        inp_ms=p75("interaction_to_next_paint"),
        cls=p75("cumulative_layout_shift"),
        origin_only="url" not in key,
    )


def read_speed_report(data: bytes) -> list[SpeedReading]:
    """The readings of a Lighthouse report, a PageSpeed Insights answer or a
    Chrome UX Report record; raises SpeedReportError for anything else."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SpeedReportError(
            "The file is not a JSON report (Lighthouse, PageSpeed Insights or the "
            "Chrome UX Report)."
        ) from None
    if not isinstance(document, dict):
        raise SpeedReportError("The report is not a JSON object.")
    if "lighthouseResult" in document or "loadingExperience" in document:
        return _pagespeed(document)
    if "lighthouseVersion" in document and "audits" in document:
        return [_lighthouse(document)]
    if isinstance(document.get("record"), dict):
        return [_crux(document)]
    raise SpeedReportError(
        "This JSON is not a Lighthouse report, a PageSpeed Insights answer or a "
        "Chrome UX Report record."
    )
