import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from backlog.models import SpeedMeasurement
from backlog.page_speed.importing import import_speed_readings, matching_page
from backlog.page_speed.reports import SpeedReading
from tests.backlog.factories import make_page
from tests.backlog.page_speed.test_reports import lighthouse

pytestmark = pytest.mark.django_db


def reading(url="https://shop.example/c/tents", lcp=4800.0, **changes):
    values = {
        "tool": "crux",
        "kind": "field",
        "url": url,
        "device": "mobile",
        "start": date(2026, 10, 24),
        "end": date(2026, 11, 20),
        "lcp_ms": lcp,
        "inp_ms": 250.0,
        "cls": 0.05,
    } | changes
    return SpeedReading(**values)


def test_a_url_takes_the_exact_page_before_the_longest_pattern(org):
    category = make_page(org, "Category listing", url="/c/*")
    tents = make_page(org, "Tents", url="/c/tents")
    home = make_page(org, "Home", url="/")
    pages = [category, tents, home]
    assert matching_page(pages, "https://shop.example/c/tents") == tents
    assert matching_page(pages, "https://shop.example/c/boots?sort=new") == category
    assert matching_page(pages, "https://shop.example/") == home
    assert matching_page(pages, "https://shop.example/help") is None


def test_the_same_report_twice_is_stored_once_and_a_new_one_updates(org):
    page = make_page(org, "Category listing", url="/c/*")
    first = import_speed_readings(org, [reading()])
    assert first.line() == "created=1 updated=0 unchanged=0 unmatched=0"
    assert import_speed_readings(org, [reading()]).unchanged == 1
    again = import_speed_readings(org, [reading(lcp=3900.0)])
    assert (again.updated, SpeedMeasurement.objects.get().lcp_ms) == (1, 3900.0)
    assert SpeedMeasurement.objects.get().page == page


def test_a_url_no_page_matches_is_kept_and_named(org):
    summary = import_speed_readings(org, [reading(url="https://shop.example/blog")])
    assert summary.unmatched == ("https://shop.example/blog",)
    assert SpeedMeasurement.objects.get().page is None


def test_the_command_imports_reports_and_refuses_an_unreadable_one(org, tmp_path):
    make_page(org, "Category listing", url="/c/*")
    report = tmp_path / "tents.json"
    report.write_text(json.dumps(lighthouse()))
    out = io.StringIO()
    call_command("import_page_speed", str(report), "--org", "acme", stdout=out)
    assert out.getvalue().strip() == "created=1 updated=0 unchanged=0 unmatched=0"
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(CommandError, match="not a JSON report"):
        call_command("import_page_speed", str(report), str(broken), "--org", "acme")
    assert SpeedMeasurement.objects.count() == 1
