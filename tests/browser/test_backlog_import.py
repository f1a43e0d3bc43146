"""A CRO lead brings the team's Airtable backlog into the app."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from backlog.models import BacklogImport, Hypothesis, Score
from cromaturity.models import Role
from tests.backlog.backlog_import.sheets import SHEETS
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def backlog_file(tmp_path):
    path = tmp_path / "Growth backlog.csv"
    path.write_bytes((SHEETS / "airtable_growth_backlog.csv").read_bytes())
    return path


def test_a_backlog_sheet_comes_in_with_its_scores_and_a_report(
    page, live_server, sign_in, org, admin_user, make_member, backlog_file, settings
):
    # The importer runs as a separate worker, as in production.
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    carla = make_member(
        org,
        role=Role.EDITOR,
        team="CRO",
        username="carla",
        first_name="Carla",
        last_name="Rossi",
    )
    sign_in(page, admin_user.username)

    # The empty backlog points to the import.
    page.goto(f"{live_server.url}/o/{org.slug}/backlog/")
    assert_accessible(page)
    page.get_by_role("link", name="Import a sheet").click()
    expect(page.get_by_role("heading", name="Import a backlog")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Backlog sheet").set_input_files(str(backlog_file))
    page.get_by_role("button", name="Upload and preview").click()

    # Preview and columns, pre-filled from Airtable's headers.
    expect(page.get_by_role("heading", name="The first rows as read")).to_be_visible()
    assert_accessible(page)
    expect(page.get_by_text("recognised as an export of Airtable")).to_be_visible()
    expect(page.get_by_role("columnheader", name="ICE Score")).to_be_visible()
    expect(page.get_by_label("Title (required)")).to_have_value("Name")
    expect(page.get_by_label("Whole hypothesis")).to_have_value("Hypothesis")
    expect(page.get_by_label("ICE score in the sheet")).to_have_value("ICE Score")
    expect(page.get_by_label("Dates are written")).to_have_value("month-first")
    # This team's sheet has no teams worth keeping; its pages are wanted.
    page.get_by_label("Team", exact=True).select_option("")
    page.get_by_label("Create the pages the sheet names").check()
    page.get_by_label("Time zone of the dates").select_option("Europe/Berlin")
    page.get_by_role("button", name="Next: the statuses").click()

    # The status table: every word of the sheet, each editable.
    expect(
        page.get_by_role("heading", name="Where each status word goes in the pipeline")
    ).to_be_visible()
    assert_accessible(page)
    expect(page.get_by_label("Status for “Won”")).to_have_value("concluded:won")
    expect(page.get_by_label("Status for “Done”")).to_have_value("concluded")
    page.get_by_label("Status for “Idea”").select_option("backlog")
    page.get_by_role("button", name="Import").click()

    # Waiting for the worker, with a progress bar.
    expect(
        page.get_by_role("heading", name="Waiting for the importer…")
    ).to_be_visible()
    assert_accessible(page)
    expect(page.locator("progress#import-bar")).to_be_visible()
    assert not Hypothesis.objects.exists()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")

    # The page notices on its own and shows the report.
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    report = page.locator(".import-report")
    expect(report).to_contain_text("6new")
    expect(report).to_contain_text("2rejected")
    assert_accessible(page)
    people = page.get_by_role("region", name=re.compile("People the sheet names"))
    expect(people).to_contain_text("Bob Stranger: 1 row")
    lowered = page.get_by_role("region", name=re.compile("earlier status"))
    expect(lowered).to_contain_text("Concluded → Analysing: 1 row")
    expect(page.get_by_role("cell", name="no title")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("report of every row")).click()
    rows = list(
        csv.DictReader(
            io.StringIO(Path(download_info.value.path()).read_text("utf-8-sig"))
        )
    )
    assert len(rows) == 8
    assert BacklogImport.objects.get().status == "succeeded"

    # The backlog ranks the imported ideas by their scores at once.
    page.get_by_role("link", name="See the backlog").click()
    assert_accessible(page)
    first = page.locator(".backlog-row").first
    expect(first).to_contain_text("Delivery dates on product pages")
    page.get_by_role("link", name="Free returns badge").click()
    expect(page.get_by_role("heading", name="Free returns badge")).to_be_visible()
    assert_accessible(page)
    expect(page.get_by_text("Score in the sheet")).to_be_visible()
    hypothesis = Hypothesis.objects.get(title="Free returns badge")
    assert hypothesis.status == "backlog"
    assert hypothesis.team is None
    assert Score.objects.get(hypothesis=hypothesis).imported
    assert Hypothesis.objects.get(title="Shorter checkout form").owner == carla
