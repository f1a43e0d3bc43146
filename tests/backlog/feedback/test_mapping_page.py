"""The mapping page says what an import will do before it does it: the source
and what it will update, how dates are read, and what a survey's answers become."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from backlog.models import FeedbackImport, FeedbackItem, ImportStatus

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "samples"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def url(name, *args):
    return reverse(f"feedback:{name}", args=["acme", *args])


def upload(client, name: str, content: bytes) -> FeedbackImport:
    response = client.post(
        url("import-create"), {"file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 302
    return FeedbackImport.objects.latest("pk")


def form_data(feedback_import, **changes) -> dict:
    data = {f"map_{k}": v for k, v in feedback_import.mapping.items()}
    data.update(
        source_system=feedback_import.source_system,
        date_format=feedback_import.date_format,
        time_zone=feedback_import.time_zone,
    )
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


BERLIN = (
    "Ticket ID;Description;Created time\n"
    "1;Hallo;29.03.2026 02:30\n"
    "2;<div>Zeile<br>zwei</div>;12.07.2026 01:20\n"
)


def test_the_page_shows_how_the_first_dates_are_read(admin_client, org):
    feedback_import = upload(admin_client, "fd.csv", BERLIN.encode())
    data = form_data(feedback_import, time_zone="Europe/Berlin", action="check")
    response = admin_client.post(url("import-confirm", feedback_import.pk), data)
    assert response.status_code == 302
    assert response["Location"].endswith("#preview-heading")
    page = admin_client.get(url("import-detail", feedback_import.pk))
    readings = page.context["preview"].dates
    assert [(r.local, r.zone, r.utc) for r in readings] == [
        ("29.03.2026 02:30", "Europe/Berlin", "29.03.2026 01:30 UTC"),
        ("12.07.2026 01:20", "Europe/Berlin", "11.07.2026 23:20 UTC"),
    ]
    assert "does not exist" in readings[0].note
    assert "29.03.2026 02:30 Europe/Berlin" in page.text
    feedback_import.refresh_from_db()
    assert (feedback_import.status, feedback_import.time_zone) == (
        ImportStatus.UPLOADED,
        "Europe/Berlin",
    )
    assert not FeedbackItem.objects.exists()


def test_the_page_says_how_many_rows_will_update_which_source(
    admin_client, org, django_capture_on_commit_callbacks
):
    content = (SAMPLES / "zendesk_tickets.csv").read_bytes()
    first = upload(admin_client, "z.csv", content)
    page = admin_client.get(url("import-detail", first.pk))
    assert "“Zendesk” is a new source" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url("import-confirm", first.pk), form_data(first))
    second = upload(admin_client, "z2.csv", content)
    page = admin_client.get(url("import-detail", second.pk))
    assert page.context["preview"].updates == 400
    assert "match items already in the source “Zendesk”" in page.text
    other = form_data(second, source_system="Zendesk EU", action="check")
    admin_client.post(url("import-confirm", second.pk), other)
    page = admin_client.get(url("import-detail", second.pk))
    assert page.context["preview"].updates == 0
    assert "“Zendesk EU” is a new source" in page.text


def test_a_file_without_a_date_needs_the_confirmation_on_the_page(
    admin_client, org, django_capture_on_commit_callbacks
):
    feedback_import = upload(admin_client, "g.csv", b"Id,Description\n1,No date\n")
    page = admin_client.get(url("import-detail", feedback_import.pk))
    assert "No column with the date of the feedback was recognised" in page.text
    refused = admin_client.post(
        url("import-confirm", feedback_import.pk), form_data(feedback_import)
    )
    assert refused.status_code == 400
    assert "confirm that the file has no date" in refused.text
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            url("import-confirm", feedback_import.pk),
            form_data(feedback_import, no_date="on"),
        )
    item = FeedbackItem.objects.get()
    detail = admin_client.get(reverse("feedback:item-detail", args=["acme", item.pk]))
    assert "the file had no date" in detail.text


def test_html_text_and_survey_answers_come_in_as_chosen(
    admin_client, org, django_capture_on_commit_callbacks
):
    content = (
        "#,How was it?,What could we do better?,Submit Date (UTC)\n"
        "a1,4,<p>Faster <b>checkout</b></p><p>please</p>,2026-01-01 10:00:00\n"
        "a2,2,The size guide is hard to find,2026-01-02 10:00:00\n"
    )
    feedback_import = upload(admin_client, "responses.csv", content.encode())
    assert feedback_import.tool == "typeform"
    assert feedback_import.attribute_columns == ["How was it?"]
    assert feedback_import.html_columns == ["What could we do better?"]
    page = admin_client.get(url("import-detail", feedback_import.pk))
    assert page.context["form"].initial["html_text"] is True
    assert "read as UTC" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            url("import-confirm", feedback_import.pk),
            form_data(feedback_import, html_text="on", attribute_columns="How was it?"),
        )
    item = FeedbackItem.objects.get(external_id="a1")
    assert item.text == "Faster checkout\n\nplease"
    assert item.attributes == {"How was it?": "4"}
    assert item.received_at == datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
    detail = admin_client.get(reverse("feedback:item-detail", args=["acme", item.pk]))
    assert "Other answers" in detail.text
    assert "How was it?" in detail.text


def test_an_unknown_time_zone_is_refused_on_the_page(admin_client, org):
    feedback_import = upload(admin_client, "fd.csv", BERLIN.encode())
    response = admin_client.post(
        url("import-confirm", feedback_import.pk),
        form_data(feedback_import, time_zone="Mars/Olympus"),
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.text
    feedback_import.refresh_from_db()
    assert feedback_import.status == ImportStatus.UPLOADED
