"""A CRO lead downloads the scorecard and shares it with a director without an
account."""

import io
import re

import pandas as pd
import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from assessments.models import Answer, ShareLink
from assessments.versioning import DEFAULT_MODEL_FILE, load_model_data, read_model_file
from cromaturity.models import Role
from tests.assessments.factories import add_response, make_assessment
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def published_model(transactional_db):
    """The default model; an earlier transactional test may have flushed it."""
    model, _ = load_model_data(read_model_file(DEFAULT_MODEL_FILE))
    return model


@pytest.fixture
def assessment(org, make_member, published_model):
    assessment = make_assessment(org, title="Spring check", period="Q2 2026")
    cro = add_response(
        assessment, make_member(org, team="CRO"), default=2, levels={"S1": 5}
    )
    add_response(
        assessment,
        make_member(org, team="Customer Service"),
        default=3,
        levels={"S1": 1},
    )
    Answer.objects.filter(response=cro, point__key="S2").update(
        evidence="=cmd|' /C calc'!A0"
    )
    return assessment


def download(page, name):
    with page.expect_download() as info:
        page.get_by_role("link", name=name, exact=True).click()
    return info.value


def test_download_each_format_and_share_read_only(
    page, make_page, live_server, sign_in, org, assessment, make_member
):
    make_member(org, role=Role.EDITOR, username="carla", first_name="Carla")
    sign_in(page, "carla")
    page.goto(f"{live_server.url}{assessment.get_absolute_url()}")
    assert_accessible(page)
    section = page.get_by_role("region", name="Export and share")
    expect(section).to_be_visible()

    pdf = download(page, "PDF")
    assert re.fullmatch(
        r"acme-spring-check-q2-2026-scorecard-\d{4}-\d{2}-\d{2}\.pdf",
        pdf.suggested_filename,
    )
    reader = PdfReader(pdf.path())
    assert len(reader.pages) <= 2
    assert "Spring check" in reader.pages[0].extract_text()

    workbook = download(page, "Excel")
    assert workbook.suggested_filename.endswith(".xlsx")
    sheets = load_workbook(io.BytesIO(workbook.path().read_bytes()))
    assert sheets.sheetnames == ["Summary", "Points", "Teams", "Answers", "Consensus"]

    table = download(page, "CSV")
    assert table.suggested_filename.endswith(".csv")
    frame = pd.read_csv(table.path(), encoding="utf-8-sig")
    s1 = frame[(frame["point key"] == "S1") & (frame["team"] == "All teams")]
    assert s1["mean"].tolist() == [3.0]
    assert s1["disagreement"].tolist() == ["yes"]

    # Carla shares the scorecard for a week.
    section.get_by_label("Link works for").select_option(label="7 days")
    section.get_by_role("button", name="Create share link").click()
    expect(page.get_by_text("Share link created.")).to_be_visible()
    assert_accessible(page)
    link_field = page.get_by_label("Share link", exact=True)
    shared_url = link_field.input_value()
    assert shared_url.startswith(f"{live_server.url}/share/")
    expect(
        page.get_by_text(re.compile(r"opened 0 times · created by Carla"))
    ).to_be_visible()

    # The director opens it without an account and sees the scorecard only.
    director = make_page()
    director.goto(shared_url)
    assert_accessible(director)
    expect(
        director.get_by_role("heading", name="Spring check", level=1)
    ).to_be_visible()
    expect(
        director.get_by_text("A read-only scorecard shared by Acme Shop")
    ).to_be_visible()
    expect(director.locator("svg#radar")).to_be_visible()
    expect(director.locator('a[href^="/o/"]')).to_have_count(0)
    expect(director.get_by_role("link", name="Sign in")).to_have_count(0)
    shared_pdf = download(director, "Download PDF")
    assert len(PdfReader(shared_pdf.path()).pages) <= 2

    # Carla revokes it; the director's next visit says so.
    page.reload()
    assert_accessible(page)
    expect(page.get_by_text("opened 1 time ·")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("Share link revoked")).to_be_visible()
    assert_accessible(page)
    assert ShareLink.objects.get().revoked_at is not None

    gone = make_page()
    response = gone.goto(shared_url)
    assert response.status == 410
    assert_accessible(gone)
    # Chromium logs every error status of a document, the intended 410 included;
    # that one message is expected, any other still fails the test.
    expected = [e for e in gone._checks.errors if "status of 410 (Gone)" in e]
    assert len(expected) == 1
    gone._checks.errors.remove(expected[0])
    expect(
        gone.get_by_role("heading", name="This share link no longer works")
    ).to_be_visible()
    expect(gone.get_by_text("Spring check")).to_have_count(0)
