"""A customer-service lead imports an export and turns it into evidence."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from backlog.authoring import save_hypothesis
from backlog.feedback.capture import FeedbackInput, record_feedback
from backlog.models import Evidence, FeedbackImport, FeedbackItem, Hypothesis
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)
# The source is required: its label ends with an asterisk.
SOURCE = re.compile(r"^Source\s*\*?$")

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"
TITLE = "Say on the size guide whether it measures body or garment"
BAD_ROWS = (
    "FD-9001;;;Offen;Hoch;E-Mail;sizing;Maria;04.10.2026 10:00;sizing;Ann Bell\r\n"
    "FD-9002;Datum;Ist das Datum richtig?;Offen;Hoch;E-Mail;sizing;Maria;"
    "31.02.2026 10:00;sizing;Ann Bell\r\n"
)


@pytest.fixture
def export_file(tmp_path):
    """The German Freshdesk sample with two rows a help desk gets wrong."""
    data = (SAMPLES / "freshdesk_tickets_de.csv").read_bytes()
    if not data.endswith(b"\n"):
        data += b"\r\n"
    path = tmp_path / "freshdesk_oktober.csv"
    path.write_bytes(data + BAD_ROWS.encode("cp1252"))
    return path


def test_an_export_becomes_evidence_on_a_hypothesis(
    page, live_server, sign_in, org, admin_user, export_file, settings
):
    # The importer runs as a separate worker, as in production.
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    save_hypothesis(
        Hypothesis(
            organisation=org,
            title=TITLE,
            observation="Customers ask whether sizes are body measurements.",
            metric="Returns for size",
        ),
        by=admin_user,
    )
    sign_in(page, admin_user.username)

    # Upload: the navigation leads to the imports page.
    page.get_by_role("button", name="Feedback").click()
    page.get_by_role("link", name="Import an export").click()
    expect(page.get_by_role("heading", name="Import feedback")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Export file").set_input_files(str(export_file))
    page.get_by_role("button", name="Upload and preview").click()

    # Preview and mapping, pre-filled from the German Freshdesk headers.
    expect(page.get_by_role("heading", name="The first rows as read")).to_be_visible()
    assert_accessible(page)
    expect(page.get_by_text("Encoding cp1252, separated by semicolons")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Beschreibung")).to_be_visible()
    expect(page.get_by_label("Text (required)")).to_have_value("Beschreibung")
    expect(page.get_by_label("Ticket or response id")).to_have_value("Ticket-ID")
    expect(page.get_by_label("Date", exact=True)).to_have_value("Erstellt am")
    expect(page.get_by_role("combobox", name=SOURCE)).to_have_value("Freshdesk")
    page.get_by_label("Times without a zone are in").select_option("Europe/Berlin")
    page.get_by_label("Dates are written").select_option("day-first")
    page.get_by_role("button", name="Import").click()

    # The import waits for the worker, with a progress bar.
    expect(
        page.get_by_role("heading", name="Waiting for the importer…")
    ).to_be_visible()
    assert_accessible(page)
    expect(page.locator("progress#import-bar")).to_be_visible()
    assert FeedbackItem.objects.count() == 0
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")

    # The page notices on its own and shows the report.
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    report = page.locator(".import-report")
    expect(report).to_contain_text("150new")
    expect(report).to_contain_text("2rejected")
    expect(page.get_by_role("cell", name="no text")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile("date"))).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role(
            "link", name=re.compile("Download all 2 rejected rows")
        ).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    rows = list(
        csv.DictReader(io.StringIO(Path(download.path()).read_text("utf-8-sig")))
    )
    assert [row["Ticket-ID"] for row in rows] == ["FD-9001", "FD-9002"]
    assert all(row["reason"] for row in rows)
    assert FeedbackImport.objects.get().status == "succeeded"

    # Find a size-guide complaint and quote part of it as evidence.
    page.get_by_role("link", name="See the feedback").click()
    assert_accessible(page)
    page.get_by_label("Search the text").fill("size guide is in cm")
    page.get_by_label("Search the text").press("Enter")
    page.get_by_role(
        "link", name=re.compile("The size guide is in cm only")
    ).first.click()
    expect(page.locator("#feedback-text")).to_be_visible()
    assert_accessible(page)
    quote = page.locator("#feedback-text")
    quote.evaluate(
        """element => {
            const text = element.firstChild;
            const phrase = "doesn't say if it's body or garment measurements";
            const start = text.data.indexOf(phrase);
            const range = document.createRange();
            range.setStart(text, start);
            range.setEnd(text, start + phrase.length);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            document.dispatchEvent(new MouseEvent("mouseup"));
        }"""
    )
    snippet = "doesn't say if it's body or garment measurements"
    expect(page.get_by_label("Quote")).to_have_value(snippet)
    page.get_by_label(re.compile("Find a hypothesis")).fill("size guide")
    page.get_by_role("radio", name=re.compile(TITLE)).check()
    page.get_by_label("Importance").select_option("3")
    page.get_by_role("button", name="Link", exact=True).click()
    evidence = page.get_by_role("region", name="Evidence for")
    expect(evidence.get_by_role("link", name=TITLE)).to_be_visible()
    expect(evidence).to_contain_text(f"“{snippet}”")
    assert_accessible(page)

    link = Evidence.objects.get()
    assert (link.snippet, link.importance, link.linked_by) == (snippet, 3, admin_user)

    # The hypothesis counts its evidence and suggests a confidence.
    evidence.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    assert_accessible(page)
    expect(page.get_by_text("linked item", exact=True)).to_be_visible()
    suggestion = page.locator(".suggested-confidence")
    expect(suggestion).to_contain_text("Suggested Confidence (ICE)")
    expect(suggestion).to_contain_text("3 for linked feedback = 3")


def test_a_hypothesis_drafted_from_feedback_is_saved_only_on_add(
    page, live_server, sign_in, org, admin_user
):
    item = record_feedback(
        org,
        FeedbackInput(
            text="Apple Pay button spins forever.", source="chat", themes="payment"
        ),
        by=admin_user,
        team=None,
        mask_contacts=False,
        pseudonym_key=b"test",
    )
    sign_in(page, admin_user.username)
    page.goto(f"{live_server.url}{item.get_absolute_url()}")
    assert_accessible(page)
    page.get_by_role("link", name="Create a hypothesis from this").click()
    expect(page.get_by_role("heading", name="New hypothesis")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("Customers struggle with payment")
    expect(page.locator(".draft-source")).to_contain_text("Nothing is saved")
    assert_accessible(page)
    page.get_by_role("link", name="Cancel").first.click()
    expect(page.get_by_text("Apple Pay button spins forever.").first).to_be_visible()
    assert_accessible(page)
    assert not Hypothesis.objects.exists()

    page.get_by_role("link", name="Create a hypothesis from this").click()
    page.get_by_role("button", name="Add to the backlog").click()
    expect(
        page.get_by_role("heading", name="Customers struggle with payment")
    ).to_be_visible()
    assert_accessible(page)
    hypothesis = Hypothesis.objects.get()
    assert list(Evidence.objects.values_list("feedback_item", flat=True)) == [item.pk]
    assert hypothesis.evidence_items == 1
