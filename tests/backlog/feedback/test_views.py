"""Feedback pages: capture, list, item page, imports, themes."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backlog.feedback.capture import FeedbackInput, record_feedback
from backlog.feedback.importing.progress import write_progress
from backlog.feedback.importing.run import prepare_import
from backlog.models import FeedbackImport, FeedbackItem, ImportStatus
from cromaturity.models import Membership, Role
from tests.access import assert_access
from tests.backlog.factories import make_feedback

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "samples"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def url(name, *args):
    return reverse(f"feedback:{name}", args=["acme", *args])


@pytest.fixture
def item(org, admin_user):
    return make_feedback(
        org,
        "Delivery costs shown too late",
        by=admin_user,
        themes="delivery",
        mask_contacts=True,
        pseudonym_key=b"k",
    )


def test_quick_capture_access_matrix_and_result(org):
    response = assert_access(
        url("item-create"),
        organisation=org,
        role=Role.CONTRIBUTOR,
        method="post",
        data={
            "text": "Customer asks why the coupon fails, mail ann@example.com",
            "source": "call",
            "page": "/checkout",
            "themes": "Coupons, checkout",
            "sentiment": "negative",
            "another": "1",
        },
        ok=302,
        unchanged=lambda: FeedbackItem.objects.count(),
    )
    assert response["Location"] == url("item-create")
    saved = FeedbackItem.objects.get()
    assert saved.text == "Customer asks why the coupon fails, mail [email]"
    assert saved.submitted_by == response.client_user
    membership = Membership.objects.get(user=response.client_user, organisation=org)
    assert saved.team == membership.team
    assert sorted(saved.themes.values_list("name", flat=True)) == [
        "checkout",
        "coupons",
    ]
    assert (saved.source, saved.sentiment, saved.page) == (
        "call",
        "negative",
        "/checkout",
    )


def test_quick_capture_remembers_the_channel_for_the_next_one(admin_client, org):
    admin_client.post(
        url("item-create"), {"text": "Hi", "source": "email", "another": "1"}
    )
    page = admin_client.get(url("item-create"))
    assert page.context["form"].initial["source"] == "email"


def test_quick_capture_without_text_says_so(admin_client, org):
    response = admin_client.post(url("item-create"), {"text": " ", "source": "chat"})
    assert response.status_code == 400
    assert "This field is required" in response.text
    assert not FeedbackItem.objects.exists()


def test_quick_capture_refuses_more_than_thirty_themes_and_keeps_the_text(
    admin_client, org
):
    themes = ",".join(f"t{n}" for n in range(31))
    response = admin_client.post(
        url("item-create"),
        {"text": "Checkout is slow", "source": "chat", "themes": themes},
    )
    assert response.status_code == 400
    assert "31 themes, more than the 30 one item may have" in response.text
    assert response.context["form"]["text"].value() == "Checkout is slow"
    assert response.context["form"]["themes"].value() == themes
    assert not FeedbackItem.objects.exists()


def test_quick_capture_takes_thirty_themes(admin_client, org):
    themes = ";".join(f"t{n}" for n in range(30))
    response = admin_client.post(
        url("item-create"),
        {"text": "Checkout is slow", "source": "chat", "themes": themes},
    )
    assert response.status_code == 302
    assert FeedbackItem.objects.get().themes.count() == 30


def test_editing_refuses_more_than_thirty_themes_and_keeps_the_stored_ones(
    admin_client, org, item
):
    response = admin_client.post(
        url("item-update", item.pk),
        {
            "text": "Delivery costs shown too late",
            "source": "chat",
            "themes": "|".join(f"t{n}" for n in range(40)),
            "received_at": "2026-08-01 10:00",
            "version": item.version,
        },
    )
    assert response.status_code == 400
    assert "40 themes, more than the 30" in response.text
    assert list(item.themes.values_list("name", flat=True)) == ["delivery"]


def test_list_access_matrix_and_filters(org, item, admin_user):
    record_feedback(
        org,
        FeedbackInput(
            text="Love the new size guide", source="survey", sentiment="positive"
        ),
        by=admin_user,
        team=None,
        mask_contacts=True,
        pseudonym_key=b"k",
    )
    response = assert_access(url("item-list"), organisation=org)
    assert response.context["page"].paginator.count == 2
    client = response.client
    for params, expected in [
        ({"q": "delivery late"}, ["Delivery costs shown too late"]),
        ({"source": "survey"}, ["Love the new size guide"]),
        ({"theme": "Delivery"}, ["Delivery costs shown too late"]),
        ({"sentiment": "positive"}, ["Love the new size guide"]),
        ({"received_from": "2999-01-01"}, []),
    ]:
        page = client.get(url("item-list"), params).context["page"]
        assert [i.text for i in page.object_list] == expected, params


def test_list_htmx_returns_only_the_results(admin_client, org, item):
    response = admin_client.get(
        url("item-list"), {"q": "delivery"}, HTTP_HX_REQUEST="true"
    )
    assert "<form" not in response.text
    assert "Delivery costs shown too late" in response.text


def test_list_query_count_does_not_grow(
    admin_client, org, admin_user, django_assert_max_num_queries
):
    for n in range(30):
        record_feedback(
            org,
            FeedbackInput(text=f"Item {n}", source="chat", themes="a, b"),
            by=admin_user,
            team=None,
            mask_contacts=False,
            pseudonym_key=b"k",
        )
    admin_client.get(url("item-list"))

    with CaptureQueriesContext(connection) as small:
        admin_client.get(url("item-list"))
    for n in range(30):
        record_feedback(
            org,
            FeedbackInput(text=f"More {n}", source="chat", themes="c"),
            by=admin_user,
            team=None,
            mask_contacts=False,
            pseudonym_key=b"k",
        )
    with CaptureQueriesContext(connection) as large:
        admin_client.get(url("item-list"))
    assert len(large) == len(small)


def test_detail_access_matrix(org, item):
    response = assert_access(url("item-detail", item.pk), organisation=org)
    assert "Delivery costs shown too late" in response.text


def test_the_submitter_and_editors_may_edit_others_may_not(
    client, org, item, make_member
):
    contributor = make_member(org, role=Role.CONTRIBUTOR)
    client.force_login(contributor)
    assert client.get(url("item-update", item.pk)).status_code == 403
    assert client.post(url("item-delete", item.pk)).status_code == 403
    assert FeedbackItem.objects.filter(pk=item.pk).exists()


def test_edit_access_matrix_and_result(org, item):
    assert_access(
        url("item-update", item.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data={
            "text": "Delivery costs shown only at the last step",
            "source": "email",
            "themes": "delivery, pricing",
            "received_at": "2026-08-01 10:00",
            "version": item.version,
        },
        ok=302,
        unchanged=lambda: FeedbackItem.objects.values_list("text", flat=True)[0],
    )
    item.refresh_from_db()
    assert item.text == "Delivery costs shown only at the last step"
    assert item.source == "email"
    assert sorted(item.themes.values_list("name", flat=True)) == ["delivery", "pricing"]


def test_delete_access_matrix(org, item):
    assert_access(
        url("item-delete", item.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        ok=302,
        unchanged=lambda: FeedbackItem.objects.count(),
    )
    assert not FeedbackItem.objects.exists()


def test_themes_page_counts_recent_feedback(org, item):
    response = assert_access(url("theme-list"), organisation=org)
    rows = response.context["rows"]
    assert [(r["name"], r["recent"], r["total"]) for r in rows] == [("delivery", 1, 1)]
    assert sum(rows[0]["weeks"]) == 1


def _upload(client, name, content):
    return client.post(
        url("import-create"), {"file": SimpleUploadedFile(name, content)}
    )


def test_import_pages_need_a_contributor(org):
    assert_access(url("import-list"), organisation=org, role=Role.CONTRIBUTOR)


def test_upload_access_matrix(org):
    content = (SAMPLES / "zendesk_tickets.csv").read_bytes()
    response = assert_access(
        url("import-create"),
        organisation=org,
        role=Role.CONTRIBUTOR,
        method="post",
        data={"file": SimpleUploadedFile("z.csv", content)},
        ok=302,
        unchanged=lambda: FeedbackImport.objects.count(),
    )
    feedback_import = FeedbackImport.objects.get()
    assert response["Location"] == url("import-detail", feedback_import.pk)


def test_upload_preview_confirm_report_and_rejected_download(
    admin_client, org, django_capture_on_commit_callbacks
):
    content = (SAMPLES / "freshdesk_tickets_de.csv").read_bytes()
    content += (
        "FD-9;Broken;;Offen;Hoch;E-Mail;x;Maria;31.02.2026 10:00;x;Kim\r\n".encode(
            "cp1252"
        )
    )
    response = _upload(admin_client, "fd.csv", content)
    feedback_import = FeedbackImport.objects.get()
    page = admin_client.get(response["Location"])
    assert "Ticket-ID" in page.text
    assert page.context["preview"].rows[0][0] == "FD-5000"
    form = page.context["form"]
    assert form.initial["map_text"] == "Beschreibung"
    assert form.initial["date_format"] == "day-first"
    data = {f"map_{k}": v for k, v in feedback_import.mapping.items()}
    data.update(
        source_system="freshdesk", date_format="day-first", save_as="Freshdesk DE"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url("import-confirm", feedback_import.pk), data)
    assert response.status_code == 302
    report = admin_client.get(url("import-detail", feedback_import.pk))
    feedback_import.refresh_from_db()
    assert feedback_import.status == ImportStatus.SUCCEEDED
    assert (feedback_import.created, feedback_import.rejected) == (150, 1)
    assert "impossible date" in report.text
    download = admin_client.get(url("import-rejected", feedback_import.pk))
    assert download["Content-Disposition"].startswith(
        'attachment; filename="acme-fd-rejected-rows-'
    )
    rows = list(
        csv.DictReader(
            io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))
        )
    )
    assert [r["Ticket-ID"] for r in rows] == ["FD-9"]
    assert (
        rows[0]["reason"]
        == "impossible date “31.02.2026 10:00” in column “Erstellt am”"
    )


def test_confirm_without_a_text_column_is_refused_with_a_message(admin_client, org):
    _upload(admin_client, "z.csv", (SAMPLES / "zendesk_tickets.csv").read_bytes())
    feedback_import = FeedbackImport.objects.get()
    response = admin_client.post(
        url("import-confirm", feedback_import.pk),
        {"date_format": "iso", "source_system": "zendesk"},
    )
    assert response.status_code == 400
    assert "Choose the column that holds the text" in response.text
    feedback_import.refresh_from_db()
    assert feedback_import.status == ImportStatus.UPLOADED


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "The submitted file is empty."),
        ("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "binary data"),
        ("fake.xlsx", b"PK\x03\x04not really a zip", "damaged"),
    ],
)
def test_bad_uploads_get_a_clear_message_and_store_nothing(
    admin_client, org, name, content, message, settings
):
    response = _upload(admin_client, name, content)
    assert response.status_code == 400
    assert message in response.text
    assert not FeedbackImport.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    assert not [p for p in media.rglob("*") if p.is_file()]


def test_an_oversized_upload_is_refused_before_it_is_stored(
    admin_client, org, settings
):
    settings.UPLOAD_MAX_BYTES = 1024
    content = (SAMPLES / "zendesk_tickets.csv").read_bytes()
    response = _upload(admin_client, "z.csv", content)
    assert response.status_code == 413
    assert "The file is larger than 1.0\xa0KB. Split it into smaller files." in (
        response.text
    )
    assert not FeedbackImport.objects.exists()


def test_progress_fragment_shows_live_progress(admin_client, org):
    _upload(admin_client, "z.csv", (SAMPLES / "zendesk_tickets.csv").read_bytes())
    feedback_import = FeedbackImport.objects.get()
    FeedbackImport.objects.filter(pk=feedback_import.pk).update(
        status=ImportStatus.RUNNING
    )
    write_progress(feedback_import.pk, 200)
    response = admin_client.get(
        url("import-detail", feedback_import.pk),
        {"part": "progress"},
        HTTP_HX_REQUEST="true",
    )
    assert re.search(r"200 of about 4\d\d rows read", response.text)
    assert 'hx-trigger="every 1s"' in response.text
    assert "<nav" not in response.text


def test_retry_access_matrix(org, admin_user, django_capture_on_commit_callbacks):
    content = (SAMPLES / "intercom_conversations.csv").read_bytes()

    feedback_import = prepare_import(
        org,
        uploaded=ContentFile(content, name="c.csv"),
        original_name="c.csv",
        by=admin_user,
    )
    FeedbackImport.objects.filter(pk=feedback_import.pk).update(
        status=ImportStatus.FAILED, error="worker stopped"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert_access(
            url("import-retry", feedback_import.pk),
            organisation=org,
            role=Role.CONTRIBUTOR,
            method="post",
            ok=302,
            unchanged=lambda: FeedbackImport.objects.get(pk=feedback_import.pk).status,
        )
    feedback_import.refresh_from_db()
    assert feedback_import.status == ImportStatus.SUCCEEDED
    assert feedback_import.created == 250


def test_themes_query_count_does_not_grow_with_feedback_or_themes(
    admin_client, org, admin_user
):

    def add(n, themes):
        for k in range(n):
            record_feedback(
                org,
                FeedbackInput(text=f"Item {themes} {k}", source="chat", themes=themes),
                by=admin_user,
                team=None,
                mask_contacts=False,
                pseudonym_key=b"k",
            )

    add(5, "a, b")
    admin_client.get(url("theme-list"))
    with CaptureQueriesContext(connection) as small:
        admin_client.get(url("theme-list"))
    add(20, "c, d, e")
    add(10, "f")
    with CaptureQueriesContext(connection) as large:
        response = admin_client.get(url("theme-list"))
    assert len(large.captured_queries) == len(small.captured_queries)
    assert len(response.context["rows"]) == 6


@pytest.mark.parametrize(
    "received_at", ["0001-01-01T00:00:00+14:00", "1850-05-01 10:00", "2300-01-01"]
)
def test_an_impossible_received_date_is_refused_clearly(
    admin_client, item, received_at
):
    response = admin_client.post(
        url("item-update", item.pk),
        {
            "text": "Delivery costs shown too late",
            "source": "chat",
            "received_at": received_at,
            "version": item.version,
        },
    )
    assert response.status_code == 400
    assert "Enter a date between 1900 and 2200." in response.text
    item.refresh_from_db()
    assert item.version == 1
