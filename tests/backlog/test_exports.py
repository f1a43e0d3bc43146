"""Backlog and feedback list exports: what the page lists, safe in a spreadsheet."""

import io

import pandas as pd
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from backlog import exports
from backlog.evidence import link_feedback
from backlog.models import Hypothesis, Page, Status, Tag
from cromaturity.models import AuditAction, AuditEvent, Team
from cromaturity.spreadsheets import FORMULA_TRIGGERS, restore_cell
from tests.access import assert_access
from tests.backlog.factories import give_ice
from tests.backlog.test_list_performance import _fill
from tests.spreadsheet_locales import (
    SEMICOLON_HOSTILE,
    every_field_quoted,
    live_formulas,
)

pytestmark = pytest.mark.django_db

HOSTILE = "=cmd|' /C calc'!A0"
HYPERLINK = '=HYPERLINK("http://x.invalid","y")'


def backlog_url(export_format, query=""):
    url = reverse(f"backlog:hypothesis-export-{export_format}", args=["acme"])
    return url + (f"?{query}" if query else "")


def feedback_url(export_format, query=""):
    url = reverse(f"feedback:item-export-{export_format}", args=["acme"])
    return url + (f"?{query}" if query else "")


def content_of(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def read(response, export_format) -> pd.DataFrame:
    data = io.BytesIO(content_of(response))
    if export_format == "csv":
        return pd.read_csv(data, encoding="utf-8-sig", keep_default_na=False)
    return pd.read_excel(data, keep_default_na=False)


@pytest.fixture
def backlog(org, make_hypothesis, admin_user, make_member):
    cro = Team.objects.get(organisation=org, name="CRO")
    page = Page.objects.create(organisation=org, name="Checkout")
    scorer = make_member(org)
    best = make_hypothesis(
        HOSTILE,
        observation=HYPERLINK,
        tags=["checkout", "trust"],
        team=cro,
        page=page,
        owner=admin_user,
    )
    give_ice(best, admin_user, 9)
    give_ice(best, scorer, 7)
    middle = make_hypothesis("Show delivery dates", tags=["delivery"])
    give_ice(middle, admin_user, 5)
    make_hypothesis("Unscored idea")
    make_hypothesis("Parked idea", status=Status.PARKED, tags=["checkout"])
    return {"best": best, "middle": middle}


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_backlog_export_lists_what_the_page_lists_in_its_order(
    backlog, org, admin_client, export_format
):
    response = assert_access(backlog_url(export_format), organisation=org)
    frame = read(response, export_format)
    page = admin_client.get(reverse("backlog:hypothesis-list", args=["acme"]))
    listed = [row.hypothesis.pk for row in page.context["rows"]]
    assert frame["id"].tolist() == listed
    assert "Parked idea" not in frame["title"].tolist()  # open work by default
    best = frame.set_index("id").loc[backlog["best"].pk]
    assert best["title"] == "'" + HOSTILE
    assert restore_cell(best["title"]) == HOSTILE
    assert best["because we saw"] == "'" + HYPERLINK
    assert float(best["ICE score"]) == pytest.approx(8)
    assert int(best["ICE scorers"]) == 2
    assert best["tags"] == "checkout, trust"
    assert best["team"] == "CRO"
    assert best["page or step"] == "Checkout"
    assert best["owner"] == backlog["best"].owner.display_name
    assert best["kind"] == backlog["best"].get_kind_display()
    assert best["status"] == backlog["best"].get_status_display()
    assert best["ICE disagreement"] == "no"
    unscored = frame.set_index("title").loc["Unscored idea"]
    assert unscored["owner"] == unscored["tags"] == unscored["ICE score"] == ""
    assert int(unscored["PIE scorers"]) == 0
    assert frame["position"].tolist() == list(range(1, len(frame) + 1))


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_backlog_export_honours_the_filters(backlog, org, admin_client, export_format):
    checkout = Tag.objects.get(organisation=org, name="checkout")
    query = f"status=any&tag={checkout.pk}&sort=title&page=2"
    response = admin_client.get(backlog_url(export_format, query))
    assert response.status_code == 200
    assert read(response, export_format)["title"].map(restore_cell).tolist() == [
        HOSTILE,
        "Parked idea",
    ]
    searched = read(
        admin_client.get(backlog_url(export_format, "q=delivery")),
        export_format,
    )
    assert searched["title"].tolist() == ["Show delivery dates"]
    event = AuditEvent.objects.filter(action=AuditAction.EXPORTED).first()
    assert "q=delivery" in event.summary


def test_backlog_xlsx_keeps_numbers_numbers_and_text_text(backlog, admin_client):
    response = admin_client.get(backlog_url("xlsx", "status=any"))
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(content_of(response)))["Hypotheses"]
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    ice = header.index("ICE score") + 1
    assert sheet.cell(row=2, column=ice).data_type == "n"
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"
            if isinstance(cell.value, str):
                assert not cell.value.startswith(FORMULA_TRIGGERS)


def test_backlog_csv_is_a_named_streamed_download(backlog, admin_client):
    response = admin_client.get(backlog_url("csv"))
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    day = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="acme-backlog-{day}.csv"'
    )
    assert "no-store" in response["Cache-Control"]


@pytest.fixture
def feedback(org, make_feedback, make_hypothesis):
    hostile = make_feedback(HOSTILE, source="ticket", themes="checkout")
    make_feedback("Delivery took two weeks", source="email", themes="delivery")
    make_feedback(
        "Old complaint about delivery", source="chat", themes="delivery", days_ago=40
    )
    hypothesis = make_hypothesis("Explain delivery times")
    link_feedback(hypothesis, hostile, by=None)
    return hostile


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_feedback_export_honours_the_filters_and_neutralises_text(
    feedback, org, admin_client, export_format
):
    response = assert_access(feedback_url(export_format), organisation=org)
    frame = read(response, export_format)
    assert len(frame) == 3
    assert frame["text"].tolist()[-1] == "Old complaint about delivery"  # as listed
    hostile = frame.set_index("id").loc[feedback.pk]
    assert hostile["text"] == "'" + HOSTILE
    assert hostile["themes"] == "checkout"
    assert hostile["channel"] == "Ticket"
    assert int(hostile["linked hypotheses"]) == 1
    for value in frame.to_numpy().ravel():
        assert not str(value).startswith(FORMULA_TRIGGERS)

    filtered = read(
        admin_client.get(feedback_url(export_format, "q=delivery&source=email")),
        export_format,
    )
    assert filtered["text"].tolist() == ["Delivery took two weeks"]
    themed = read(
        admin_client.get(feedback_url(export_format, "theme=delivery")),
        export_format,
    )
    assert sorted(themed["text"]) == [
        "Delivery took two weeks",
        "Old complaint about delivery",
    ]
    day = feedback.received_at.date()
    recent = read(
        admin_client.get(feedback_url(export_format, f"received_from={day}")),
        export_format,
    )
    assert "Old complaint about delivery" not in recent["text"].tolist()


def test_feedback_export_uses_the_organisations_items_only(
    feedback, make_feedback, other_org, admin_client
):
    make_feedback("Rival's secret", organisation=other_org)
    frame = read(admin_client.get(feedback_url("csv")), "csv")
    assert "Rival's secret" not in frame["text"].tolist()


def test_list_pages_link_to_exports_with_their_filters(backlog, feedback, admin_client):
    page = admin_client.get(
        reverse("backlog:hypothesis-list", args=["acme"]) + "?status=any&page=1"
    ).text
    assert f'href="{backlog_url("csv", "status=any")}"' in page
    assert f'href="{backlog_url("xlsx", "status=any")}"' in page
    page = admin_client.get(
        reverse("feedback:item-list", args=["acme"]) + "?q=delivery",
        headers={"HX-Request": "true"},
    ).text
    assert f'href="{feedback_url("csv", "q=delivery")}"' in page
    assert f'href="{feedback_url("xlsx", "q=delivery")}"' in page


def test_list_csv_exports_quote_every_field_for_semicolon_locales(
    org, make_hypothesis, make_feedback, admin_user, admin_client
):
    give_ice(
        make_hypothesis(SEMICOLON_HOSTILE, observation="-1 visitors"), admin_user, 7
    )
    make_feedback(SEMICOLON_HOSTILE, source="ticket", themes="checkout")
    for url, column in ((backlog_url("csv"), "title"), (feedback_url("csv"), "text")):
        content = content_of(admin_client.get(url))
        assert every_field_quoted(content), url
        assert live_formulas(content) == [], url
        frame = pd.read_csv(
            io.BytesIO(content), encoding="utf-8-sig", keep_default_na=False
        )
        assert frame[column].tolist() == [SEMICOLON_HOSTILE]


def test_exports_answer_only_get(admin_client):
    assert admin_client.post(backlog_url("csv")).status_code == 405
    assert admin_client.post(feedback_url("xlsx")).status_code == 405


def test_an_anonymous_visitor_is_sent_to_sign_in():
    response = Client().get(feedback_url("csv"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def _export_queries(client, url, django_assert_max_num_queries):
    with django_assert_max_num_queries(10_000) as captured:
        rows = content_of(client.get(url)).count(b"\n") - 1
    return rows, len(captured.captured_queries)


def test_backlog_export_of_10_000_hypotheses_reads_in_chunks(
    org, admin_user, admin_client, django_assert_max_num_queries
):
    Page.objects.create(organisation=org, name="Cart")
    Tag.objects.create(organisation=org, name="mobile")
    url = backlog_url("csv", "status=any")
    admin_client.get(url)  # the first visit remembers the organisation
    _fill(org, admin_user, 10)
    small_rows, small_queries = _export_queries(
        admin_client, url, django_assert_max_num_queries
    )
    assert small_rows == 10
    _fill(org, admin_user, 9_990, start=10)
    assert Hypothesis.objects.count() == 10_000
    rows, queries = _export_queries(admin_client, url, django_assert_max_num_queries)
    assert rows == 10_000
    # Two more queries (tags, owners) per further chunk of rows, never one per row.
    assert queries <= small_queries + 2 * (10_000 // exports.CHUNK_SIZE)


def test_feedback_export_queries_grow_per_chunk_not_per_item(
    org, make_feedback, admin_client, django_assert_max_num_queries, monkeypatch
):
    monkeypatch.setattr(exports, "CHUNK_SIZE", 10)
    url = feedback_url("csv")
    admin_client.get(url)
    for n in range(5):
        make_feedback(f"Item {n}", themes="one, two")
    small_rows, small_queries = _export_queries(
        admin_client, url, django_assert_max_num_queries
    )
    for n in range(5, 60):
        make_feedback(f"Item {n}", themes="one, two")
    rows, queries = _export_queries(admin_client, url, django_assert_max_num_queries)
    assert (small_rows, rows) == (5, 60)
    assert queries <= small_queries + 60 // 10
