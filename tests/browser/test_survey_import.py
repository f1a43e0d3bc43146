"""A CRO analyst brings in a survey export: the free-text question becomes the
feedback, the other answers stay with it, and every time is read as it was meant."""

import re
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from backlog.models import BacklogSettings, FeedbackItem
from tests.browser.conftest import assert_accessible
from tests.fixtures.vendor_exports import build

pytestmark = pytest.mark.django_db(transaction=True)
# The source is required: its label ends with an asterisk.
SOURCE = re.compile(r"^Source\s*\*?$")


def test_a_survey_export_comes_in_with_its_answers_and_true_times(
    page, live_server, sign_in, org, admin_user, tmp_path, settings
):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    BacklogSettings.objects.create(organisation=org, time_zone="Asia/Tokyo")
    export = build("surveymonkey", rows=40)
    path = tmp_path / export.filename
    path.write_bytes(export.content)
    sign_in(page, admin_user.username)
    page.goto(f"{live_server.url}/o/{org.slug}/feedback/imports/")
    assert_accessible(page)
    page.get_by_label("Export file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and preview").click()

    expect(page.get_by_role("heading", name="The first rows as read")).to_be_visible()
    expect(page.get_by_text("a header of 2 rows")).to_be_visible()
    expect(page.get_by_text("Recognised as an export of SurveyMonkey")).to_be_visible()
    expect(page.get_by_label("Text (required)")).to_have_value(export.text_column)
    expect(page.get_by_label("Date", exact=True)).to_have_value("End Date")
    expect(page.locator("#source-status")).to_contain_text("is a new source")
    assert_accessible(page)

    # The survey's zone is not the organisation's: choose it and check again.
    page.get_by_label("Times without a zone are in").select_option(export.time_zone)
    page.get_by_role("combobox", name=SOURCE).fill("SurveyMonkey: checkout survey")
    page.get_by_role("button", name="Check these choices again").click()
    readings = page.locator("table.date-readings")
    expect(readings).to_contain_text(export.time_zone)
    first = export.expected[0].received_at
    expect(readings).to_contain_text(first.strftime("%d.%m.%Y %H:%M UTC"))
    expect(page.get_by_role("combobox", name=SOURCE)).to_have_value(
        "SurveyMonkey: checkout survey"
    )
    assert_accessible(page)

    # One of the other answers is not wanted with the items.
    expect(page.get_by_text("Other answers kept with each item")).to_be_visible()
    kept = sorted(export.expected[0].attributes)
    dropped = kept[0]
    page.get_by_role("checkbox", name=dropped).uncheck()
    page.get_by_role("button", name="Import").click()
    expect(
        page.get_by_role("heading", name="Waiting for the importer…")
    ).to_be_visible()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    expect(page.locator(".import-report")).to_contain_text(f"{len(export.expected)}new")
    expect(page.locator(".import-report")).to_contain_text("0rejected")
    assert_accessible(page)

    expected = export.expected[0]
    item = FeedbackItem.objects.get(external_id=expected.external_id)
    assert item.received_at == expected.received_at.astimezone(UTC)
    assert item.source_system == "SurveyMonkey: checkout survey"
    assert dropped not in item.attributes
    assert item.attributes == {
        q: a for q, a in expected.attributes.items() if q != dropped
    }
    assert item.received_at < datetime.now(UTC)

    page.goto(f"{live_server.url}{item.get_absolute_url()}")
    answers = page.get_by_role("region", name="Other answers")
    for question, answer in item.attributes.items():
        expect(answers).to_contain_text(question)
        expect(answers).to_contain_text(answer)
    assert_accessible(page)
