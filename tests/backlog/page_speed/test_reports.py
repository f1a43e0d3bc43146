import json
from datetime import date

import pytest

from backlog.page_speed.reports import SpeedReportError, read_speed_report


def lighthouse(form_factor="mobile", **changes):
    report = {
        "lighthouseVersion": "12.2.1",
        "requestedUrl": "https://shop.example/c/tents",
        "finalDisplayedUrl": "https://shop.example/c/tents",
        "fetchTime": "2026-11-20T09:14:03.512Z",
        "configSettings": {"formFactor": form_factor, "screenEmulation": {}},
        "audits": {
            "largest-contentful-paint": {"numericValue": 4820.5, "score": 0.18},
            "cumulative-layout-shift": {"numericValue": 0.031, "score": 1},
            "total-blocking-time": {"numericValue": 610},
        },
        "categories": {"performance": {"score": 0.41}},
    }
    report.update(changes)
    return report


def encode(document):
    return json.dumps(document).encode()


def test_a_lighthouse_navigation_is_a_lab_reading_without_inp():
    (reading,) = read_speed_report(encode(lighthouse()))
    assert (reading.tool, reading.kind, reading.device) == (
        "lighthouse",
        "lab",
        "mobile",
    )
    assert reading.url == "https://shop.example/c/tents"
    assert (reading.start, reading.end) == (date(2026, 11, 20), date(2026, 11, 20))
    assert (reading.lcp_ms, reading.inp_ms, reading.cls) == (4820.5, None, 0.031)
    assert reading.performance_score == 0.41


def test_an_older_lighthouse_report_names_its_url_and_device_the_old_way():
    report = lighthouse()
    del report["finalDisplayedUrl"]
    report["finalUrl"] = "https://shop.example/old"
    report["configSettings"] = {"emulatedFormFactor": "desktop"}
    (reading,) = read_speed_report(encode(report))
    assert (reading.url, reading.device) == ("https://shop.example/old", "desktop")


def test_a_failed_lighthouse_run_is_refused_with_its_message():
    report = lighthouse(
        runtimeError={
            "code": "NO_FCP",
            "message": "The page did not paint any content.",
        }
    )
    with pytest.raises(SpeedReportError, match="did not paint any content"):
        read_speed_report(encode(report))


def test_pagespeed_insights_gives_field_and_lab_readings():
    answer = {
        "id": "https://shop.example/c/tents",
        "analysisUTCTimestamp": "2026-11-21T07:00:00.000Z",
        "loadingExperience": {
            "id": "https://shop.example/c/tents",
            "initial_url": "https://shop.example/c/tents",
            "overall_category": "SLOW",
            "metrics": {
                "LARGEST_CONTENTFUL_PAINT_MS": {"percentile": 4300, "category": "SLOW"},
                "INTERACTION_TO_NEXT_PAINT": {"percentile": 310, "category": "AVERAGE"},
                "CUMULATIVE_LAYOUT_SHIFT_SCORE": {
                    "percentile": 12,
                    "category": "AVERAGE",
                },
            },
        },
        "originLoadingExperience": {
            "id": "https://shop.example",
            "metrics": {"LARGEST_CONTENTFUL_PAINT_MS": {"percentile": 2900}},
        },
        "lighthouseResult": lighthouse(),
    }
    lab, field = read_speed_report(encode(answer))
    assert (lab.tool, lab.kind) == ("pagespeed", "lab")
    assert (field.kind, field.device, field.origin_only) == ("field", "mobile", False)
    # CLS comes × 100 as an integer: 12 is 0.12.
    assert (field.lcp_ms, field.inp_ms, field.cls) == (4300, 310, 0.12)
    assert (field.start, field.end) == (date(2026, 10, 25), date(2026, 11, 21))


def test_pagespeed_field_data_of_the_origin_only_is_marked_so():
    answer = {
        "analysisUTCTimestamp": "2026-11-21T07:00:00Z",
        "loadingExperience": {
            "id": "https://shop.example",
            "origin_fallback": True,
            "metrics": {"LARGEST_CONTENTFUL_PAINT_MS": {"percentile": 2900}},
        },
        "lighthouseResult": lighthouse(form_factor="desktop"),
    }
    _, field = read_speed_report(encode(answer))
    assert field.origin_only
    assert field.device == "desktop"


def test_a_crux_record_is_field_data_of_its_collection_period():
    record = {
        "record": {
            "key": {"formFactor": "PHONE", "url": "https://shop.example/c/tents"},
            "metrics": {
                "largest_contentful_paint": {
                    "histogram": [{"start": 0, "end": 2500, "density": 0.41}],
                    "percentiles": {"p75": 4410},
                },
                "interaction_to_next_paint": {"percentiles": {"p75": 287}},
                "cumulative_layout_shift": {"percentiles": {"p75": "0.09"}},
            },
            "collectionPeriod": {
                "firstDate": {"year": 2026, "month": 10, "day": 24},
                "lastDate": {"year": 2026, "month": 11, "day": 20},
            },
        }
    }
    (reading,) = read_speed_report(encode(record))
    assert (reading.tool, reading.device) == ("crux", "mobile")
    assert (reading.lcp_ms, reading.inp_ms, reading.cls) == (4410, 287, 0.09)
    assert (reading.start, reading.end) == (date(2026, 10, 24), date(2026, 11, 20))


def test_a_crux_record_of_all_devices_is_refused():
    record = {"record": {"key": {"origin": "https://shop.example"}, "metrics": {}}}
    with pytest.raises(SpeedReportError, match="one formFactor"):
        read_speed_report(encode(record))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"date,step\n", "not a JSON report"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"name": "x"}', "not a Lighthouse report"),
        (encode(lighthouse(configSettings={})), "mobile or desktop"),
    ],
)
def test_what_is_no_speed_report_gets_a_clear_message(data, message):
    with pytest.raises(SpeedReportError, match=message):
        read_speed_report(data)


def test_older_names_of_inp_are_read_too():
    report = lighthouse()
    report["audits"]["experimental-interaction-to-next-paint"] = {"numericValue": 180}
    (reading,) = read_speed_report(encode(report))
    assert reading.inp_ms == 180
    answer = {
        "analysisUTCTimestamp": "2026-11-21T07:00:00Z",
        "loadingExperience": {
            "id": "https://shop.example/",
            "metrics": {"INTERACTION_TO_NEXT_PAINT_MS": {"percentile": 240}},
        },
        "lighthouseResult": lighthouse(),
    }
    assert read_speed_report(encode(answer))[1].inp_ms == 240
