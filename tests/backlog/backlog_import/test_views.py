"""The backlog import's pages: upload, columns, status table, progress, report
and downloads, each for editors only."""

import csv
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from backlog.backlog_import.importing import prepare_import
from backlog.backlog_import.progress import WRITING, write_progress
from backlog.models import BacklogImport, BacklogImportStatus, Hypothesis, SheetRow
from cromaturity.models import Role
from tests.access import assert_access, member_client
from tests.backlog.backlog_import.sheets import import_sheet, sheet

pytestmark = pytest.mark.django_db

SMALL = (
    b"Id,Title,Status,Metric,Impact,Confidence,Ease,ICE\n"
    b"1,Guest checkout,Running,Orders,8,7,6,7\n"
    b"2,Bundles,Up next,AOV,5,5,5,9\n"
    b"3,Sticky basket,Someday maybe,,,,,\n"
    b"4,,Idea,,,,,\n"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def url(name, *args):
    return reverse(f"backlog:{name}", args=["acme", *args])


def uploaded(org, admin_user, data=SMALL, name="Growth.csv"):

    return prepare_import(
        org, uploaded=ContentFile(data, name=name), original_name=name, by=admin_user
    )


def columns_data(backlog_import, **changes):
    data = {f"map_{name}": column for name, column in backlog_import.mapping.items()}
    data.update(
        source=backlog_import.source,
        date_format=backlog_import.date_format,
        time_zone="Europe/Berlin",
    )
    data.update(changes)
    return data


def test_the_imports_page_is_for_editors(org):
    response = assert_access(url("import-list"), organisation=org, role=Role.EDITOR)
    assert "Upload a sheet" in response.text
    assert response.context["form"].fields["file"].label == "Backlog sheet"


def test_uploading_a_sheet_keeps_it_and_shows_the_preview(org):
    response = assert_access(
        url("import-create"),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data={"file": SimpleUploadedFile("Growth.csv", SMALL)},
        ok=302,
        unchanged=lambda: BacklogImport.objects.count(),
    )
    backlog_import = BacklogImport.objects.get()
    assert response["Location"] == url("import-detail", backlog_import.pk)
    assert (backlog_import.uploaded_by, backlog_import.rows_total) == (
        response.client_user,
        4,
    )
    page = response.client.get(response["Location"])
    assert page.status_code == 200
    assert "The first rows as read" in page.text
    form = page.context["form"]
    assert form["map_title"].value() == "Title"
    assert form["map_ice_total"].value() == "ICE"
    assert form["source"].value() == "Growth"


@pytest.mark.parametrize(
    ("content", "status", "message"),
    [
        (b"", 400, "The submitted file is empty."),
        (b"\x00\x01\x02\x03" * 100, 400, "binary data"),
        (b"Id,Title\n", 400, "The file has a header but no rows below it."),
    ],
)
def test_an_unreadable_upload_is_refused_with_a_message_and_not_kept(
    admin_client, org, content, status, message
):
    response = admin_client.post(
        url("import-create"), {"file": SimpleUploadedFile("x.csv", content)}
    )
    assert response.status_code == status
    assert message in response.text
    assert not BacklogImport.objects.exists()


def test_a_file_over_the_size_cap_is_refused(admin_client, org, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    response = admin_client.post(
        url("import-create"), {"file": SimpleUploadedFile("x.csv", b"a,b\n" * 2000)}
    )
    assert response.status_code == 413
    assert "larger than" in response.text
    assert not BacklogImport.objects.exists()


def test_the_columns_page_for_editors_and_confirming_it_shows_the_status_table(
    org, admin_user
):
    backlog_import = uploaded(org, admin_user)
    assert_access(url("import-detail", backlog_import.pk), organisation=org,
                  role=Role.EDITOR)  # fmt: skip
    response = assert_access(
        url("import-columns", backlog_import.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data=columns_data(backlog_import, create_missing_tags="on"),
        ok=302,
        unchanged=lambda: BacklogImport.objects.get().status,
    )
    backlog_import.refresh_from_db()
    assert backlog_import.status == BacklogImportStatus.MAPPED
    assert backlog_import.create_missing_tags is True
    page = response.client.get(url("import-detail", backlog_import.pk))
    rows = {row["word"]: row for row in page.context["form"].rows}
    assert {word: (row["choice"], row["recognised"]) for word, row in rows.items()} == {
        "Running": ("running", True),
        "Up next": ("backlog", True),
        "Someday maybe": ("parked", True),
        "Idea": ("idea", True),
    }
    assert "Status for “Up next”" in page.text
    # The columns may still be changed.
    again = response.client.get(
        url("import-detail", backlog_import.pk) + "?step=columns"
    )
    assert "Which column is which" in again.text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"map_title": ""}, "title of each idea"),
        ({"map_ice_ease": ""}, "ICE needs all three of its parts"),
        (
            {"map_created_at": "Metric", "map_metric": ""},
            "does not hold dates written this way",
        ),
        ({"source": "  "}, "This field is required"),
    ],
)
def test_a_wrong_mapping_is_refused_with_a_message(
    admin_client, org, admin_user, changes, message
):
    backlog_import = uploaded(org, admin_user)
    response = admin_client.post(
        url("import-columns", backlog_import.pk),
        columns_data(backlog_import, **changes),
    )
    assert response.status_code == 400
    assert message in response.text
    backlog_import.refresh_from_db()
    assert backlog_import.status == BacklogImportStatus.UPLOADED


def test_confirming_the_status_table_runs_the_import_and_the_report_tells_all(
    org, admin_user, django_capture_on_commit_callbacks
):
    backlog_import = uploaded(org, admin_user)
    client = member_client(org, Role.EDITOR)
    client.post(url("import-columns", backlog_import.pk), columns_data(backlog_import))
    page = client.get(url("import-detail", backlog_import.pk))
    form = {row["name"]: row["choice"] for row in page.context["form"].rows}
    running = next(
        r["name"] for r in page.context["form"].rows if r["word"] == "Running"
    )
    form[running] = "concluded:won"
    assert_access(
        url("import-statuses", backlog_import.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data=form,
        ok=302,
        unchanged=lambda: BacklogImport.objects.get().status,
    )
    backlog_import.refresh_from_db()
    assert backlog_import.status == BacklogImportStatus.QUEUED
    assert backlog_import.status_map["running"] == "concluded:won"

    backlog_import.status = BacklogImportStatus.MAPPED
    backlog_import.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("import-statuses", backlog_import.pk), form)
    assert response.status_code == 302
    backlog_import.refresh_from_db()
    assert backlog_import.status == BacklogImportStatus.SUCCEEDED
    report = client.get(url("import-detail", backlog_import.pk))
    text = report.text
    assert "3</span>new" in text
    assert "1</span>rejected" in text
    assert "Rows that came in at an earlier status" in text
    # Won needs a learning: Guest checkout is analysing, and the report says so.
    assert "Concluded → Analysing: 1 row" in text
    assert "Sheet scores that disagree with their parts" in text
    assert Hypothesis.objects.get(title="Guest checkout").status == "analysing"
    assert report.context["rejected_rows"] == [
        {"line": "5", "title": "", "reason": "no title"}
    ]


def test_the_status_table_cannot_be_posted_before_the_columns(
    admin_client, org, admin_user
):
    backlog_import = uploaded(org, admin_user)
    response = admin_client.post(url("import-statuses", backlog_import.pk), {})
    assert response.status_code == 302
    backlog_import.refresh_from_db()
    assert backlog_import.status == BacklogImportStatus.UPLOADED


def test_a_running_import_shows_its_progress_to_htmx(admin_client, org, admin_user):
    backlog_import = uploaded(org, admin_user)
    backlog_import.status = BacklogImportStatus.RUNNING
    backlog_import.save()
    write_progress(backlog_import.pk, 2, WRITING)
    response = admin_client.get(
        url("import-detail", backlog_import.pk) + "?part=progress",
        headers={"HX-Request": "true"},
    )
    assert response.text.lstrip().startswith('<div id="import-progress"')
    assert "Saving the hypotheses…" in response.text
    assert "2 of 4 rows read" in response.text
    assert 'hx-trigger="every 1s"' in response.text


def test_the_downloads_are_the_rejected_rows_and_every_rows_report(org, admin_user):
    backlog_import, _ = import_sheet(org, admin_user, "Growth.csv", SMALL)
    response = assert_access(
        url("import-rejected", backlog_import.pk), organisation=org, role=Role.EDITOR
    )
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response["Content-Disposition"].startswith(
        'attachment; filename="acme-growth-rejected-rows-'
    )
    assert list(csv.reader(io.StringIO(body)))[1][-1] == "no title"
    response = assert_access(
        url("import-report", backlog_import.pk), organisation=org, role=Role.EDITOR
    )
    rows = list(
        csv.DictReader(
            io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))
        )
    )
    assert [row["outcome"] for row in rows] == ["created"] * 3 + ["rejected"]


def test_a_download_that_does_not_exist_is_404(admin_client, org, admin_user):
    backlog_import = uploaded(org, admin_user)
    assert admin_client.get(url("import-report", backlog_import.pk)).status_code == 404
    assert (
        admin_client.get(url("import-rejected", backlog_import.pk)).status_code == 404
    )


def test_a_failed_import_can_be_retried_and_a_finished_one_not(
    admin_client, org, admin_user
):
    backlog_import = uploaded(org, admin_user)
    backlog_import.status = BacklogImportStatus.FAILED
    backlog_import.error = "disk full"
    backlog_import.save()
    page = admin_client.get(url("import-detail", backlog_import.pk))
    assert "The import failed" in page.text
    assert "disk full" in page.text
    assert_access(
        url("import-retry", backlog_import.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        ok=302,
    )
    backlog_import.refresh_from_db()
    assert backlog_import.status == BacklogImportStatus.QUEUED
    backlog_import.status = BacklogImportStatus.SUCCEEDED
    backlog_import.save()
    response = admin_client.post(url("import-retry", backlog_import.pk), follow=True)
    assert "already succeeded" in response.text


def test_the_backlog_leads_editors_to_the_import(org, admin_client):
    page = admin_client.get(url("hypothesis-list"))
    assert url("import-list") in page.text
    assert "Import your backlog" in page.text  # the empty backlog says so too
    contributor = member_client(org, Role.CONTRIBUTOR)
    assert url("import-list") not in contributor.get(url("hypothesis-list")).text


def test_a_hypothesis_shows_its_sheet_and_its_imported_scores(
    org, admin_user, admin_client
):
    import_sheet(org, admin_user, "Growth.csv", SMALL)
    guest = Hypothesis.objects.get(title="Guest checkout")
    page = admin_client.get(url("hypothesis-detail", guest.pk))
    assert "From the sheet" in page.text
    assert "id 1" in page.text
    assert "Score in the sheet" in page.text
    assert ">imported</span>" in page.text


def test_the_admin_lists_imports_and_sheet_rows(admin_client, org, admin_user):
    import_sheet(org, admin_user, "Growth.csv", SMALL)
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    for obj in (BacklogImport.objects.get(), SheetRow.objects.first()):
        opts = obj._meta
        for view, args in (("changelist", []), ("change", [obj.pk])):
            name = f"admin:{opts.app_label}_{opts.model_name}_{view}"
            assert admin_client.get(reverse(name, args=args)).status_code == 200


def test_a_sample_airtable_export_uploads_through_the_page(admin_client, org):
    response = admin_client.post(
        url("import-create"),
        {
            "file": SimpleUploadedFile(
                "Grid view.csv", sheet("airtable_growth_backlog.csv")
            )
        },
        follow=True,
    )
    assert "recognised as an export of Airtable" in response.text
