"""Importing backlog sheets: what comes in, at which status, with which scores,
and what the report says about each row."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from backlog.backlog_import.importing import (
    confirm_columns,
    prepare_import,
    status_table,
)
from backlog.models import (
    BacklogImportStatus,
    Hypothesis,
    Page,
    Score,
    SheetRow,
    Tag,
)
from backlog.scoring.frameworks import Framework
from backlog.tasks import run_backlog_import
from collaboration.models import Activity, Notification, Watch
from cromaturity.models import Role
from tests.backlog.backlog_import.sheets import import_sheet, sheet, workbook
from tests.spreadsheet_locales import (
    SEMICOLON_HOSTILE,
    every_field_quoted,
    live_formulas,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def team(org, make_member):
    return {
        "carla": make_member(
            org,
            role=Role.EDITOR,
            team="CRO",
            username="carla",
            first_name="Carla",
            last_name="Rossi",
            email="carla@shop.example",
        ),
        "sam": make_member(
            org,
            team="Customer Service",
            username="sam",
            first_name="Sam",
            last_name="Ray",
            email="sam@shop.example",
        ),
        "lena": make_member(
            org,
            team="IT/Engineering",
            username="lenapark",
            first_name="Lena",
            last_name="Parker",
        ),
    }


def naive(text: str) -> datetime:
    """A spreadsheet's date cell: no time zone."""
    return datetime.fromisoformat(text)


def by_title(org):
    return {h.title: h for h in Hypothesis.objects.for_org(org)}


def rows_of(field_file) -> list[dict]:
    field_file.open("rb")
    with field_file:
        return list(csv.DictReader(io.StringIO(field_file.read().decode("utf-8-sig"))))


def test_an_airtable_export_brings_its_ideas_with_their_parts_people_and_scores(
    org, admin_user, team
):
    backlog_import, summary = import_sheet(
        org,
        admin_user,
        "Growth backlog.csv",
        sheet("airtable_growth_backlog.csv"),
        pages=True,
        tags=True,
    )
    assert summary.line() == "created=6 updated=0 unchanged=0 rejected=2"
    assert backlog_import.tool == "airtable"
    assert backlog_import.source == "Airtable: Growth backlog"
    found = by_title(org)
    dates = found["Delivery dates on product pages"]
    assert (
        dates.observation,
        dates.change,
        dates.audience,
        dates.impact,
        dates.metric,
    ) == (
        "40% of chat questions ask when parcels arrive",
        "showing delivery dates",
        "mobile shoppers",
        "more add-to-carts",
        "add-to-cart rate",
    )
    assert (dates.owner, dates.team.name, dates.page.name) == (
        team["carla"],
        "CRO",
        "Product page",
    )
    assert sorted(dates.tags.values_list("name", flat=True)) == ["Checkout", "Mobile"]
    assert (dates.status, dates.kind) == ("running", "test")
    # 1/5/2026 2:05pm in Berlin is 13:05 UTC: the sheet's date, in its zone.
    assert dates.created_at == datetime(2026, 1, 5, 13, 5, tzinfo=UTC)
    assert (dates.created_by, dates.status_changed_by) == (admin_user, admin_user)
    score = Score.objects.get(hypothesis=dates)
    assert (score.scorer, score.framework, score.imported) == (
        admin_user,
        Framework.ICE,
        True,
    )
    assert (score.impact, score.confidence, score.ease) == (8, 6, 7)
    # The ranking works at once: the aggregates were recomputed.
    assert (dates.ice_score, dates.ice_count) == (7.0, 1)
    ranked = [h.title for h in Hypothesis.objects.for_org(org).ranked()][:3]
    assert ranked == [
        "Shorter checkout form",
        "Delivery dates on product pages",
        "Free returns badge",
    ]
    improvement = found["Fix broken filter on mobile"]
    assert (improvement.kind, improvement.status, improvement.owner) == (
        "improvement",
        "parked",
        None,
    )
    assert improvement.change == "Bigger tap targets for the size filter"
    assert SheetRow.objects.get(hypothesis=dates).key == "rec001"


def test_a_concluded_test_keeps_its_result_and_learning(org, admin_user, team):
    import_sheet(org, admin_user, "a.csv", sheet("airtable_growth_backlog.csv"))
    won = by_title(org)["Shorter checkout form"]
    assert (won.status, won.result) == ("concluded", "won")
    assert won.learning.startswith("Private buyers never filled it in")
    assert won.concluded_at is not None
    assert won.created_at == datetime(2025, 11, 3, 9, 0, tzinfo=UTC)


def test_rows_the_pipeline_would_refuse_come_in_lower_and_the_report_says_why(
    org, admin_user, team
):
    backlog_import, _ = import_sheet(
        org, admin_user, "a.csv", sheet("airtable_growth_backlog.csv")
    )
    found = by_title(org)
    # "Done" without a result or a learning, but with a metric and a score.
    assert found["Size guide in body measurements"].status == "analysing"
    # "Ready" without a metric ("If we …, then …" names none).
    assert found["Trust logos in the footer"].status == "backlog"
    report = {row["title"]: row for row in rows_of(backlog_import.report_file)}
    assert (
        "came in as Analysing, not Concluded: Concluded needs a result (won, lost "
        "or inconclusive) and a learning."
    ) in report["Size guide in body measurements"]["notes"]
    assert (
        "came in as Backlog, not Ready: Ready needs a primary metric (“measured by”)."
    ) in report["Trust logos in the footer"]["notes"]
    lowered = dict(backlog_import.notes["status_lowered"]["subjects"])
    assert lowered == {"Concluded → Analysing": 1, "Ready → Backlog": 1}


@pytest.mark.parametrize(
    ("status", "metric", "scored", "result", "learning", "expected"),
    [
        ("Ready", "", True, "", "", ("backlog", "")),
        ("Ready", "Orders", False, "", "", ("backlog", "")),
        ("Ready", "Orders", True, "", "", ("ready", "")),
        ("Live", "Orders", True, "", "", ("running", "")),
        ("Done", "Orders", True, "", "Learnt", ("analysing", "")),
        ("Done", "Orders", False, "Lost", "Learnt", ("concluded", "lost")),
        ("Won", "Orders", True, "", "", ("analysing", "")),
        ("Won", "", True, "", "Learnt", ("backlog", "")),
        ("Won", "Orders", False, "", "Learnt", ("concluded", "won")),
        ("Inconclusive", "Orders", True, "", "Learnt", ("concluded", "inconclusive")),
        ("Won", "Orders", True, "Lost", "Learnt", ("concluded", "lost")),
        ("Rejected", "", False, "", "", ("rejected", "")),
    ],
)
def test_each_row_stands_at_the_status_its_facts_allow(
    org, admin_user, status, metric, scored, result, learning, expected
):
    scores = ["7", "6", "5"] if scored else ["", "", ""]
    content = workbook(
        [
            [
                "Title",
                "Status",
                "Metric",
                "Impact",
                "Confidence",
                "Ease",
                "Result",
                "Learning",
            ],
            ["The idea", status, metric, *scores, result, learning],
        ]
    )
    import_sheet(org, admin_user, "s.xlsx", content)
    hypothesis = Hypothesis.objects.get()
    assert (hypothesis.status, hypothesis.result) == expected
    assert hypothesis.learning == learning


def test_rejected_rows_are_kept_with_their_reason_and_can_be_downloaded(
    org, admin_user, team
):
    backlog_import, _ = import_sheet(
        org, admin_user, "a.csv", sheet("airtable_growth_backlog.csv")
    )
    rejected = rows_of(backlog_import.rejected_file)
    assert [(r["line"], r["Record ID"], r["reason"]) for r in rejected] == [
        ("7", "rec006", "no title"),
        ("8", "rec002", "same id as line 3 (a row imports once)"),
    ]
    report = rows_of(backlog_import.report_file)
    assert [row["outcome"] for row in report] == [
        "created", "created", "created", "created", "created", "rejected",
        "rejected", "created",
    ]  # fmt: skip
    assert report[0]["hypothesis"].startswith("/o/acme/backlog/")


def test_the_rejected_rows_and_the_report_quote_every_field_and_read_back(
    org, admin_user, team
):
    data = (
        "Record ID,Name,Hypothesis\r\n"
        f'rec1,"{SEMICOLON_HOSTILE}",-1 visitors\r\n'
        f'rec2,,"{SEMICOLON_HOSTILE}"\r\n'
        "rec3,=1+1,@everyone\r\n"
    ).encode()
    backlog_import, _ = import_sheet(org, admin_user, "a.csv", data)
    for stored in (backlog_import.rejected_file, backlog_import.report_file):
        stored.open("rb")
        with stored:
            content = stored.read()
        assert every_field_quoted(content), stored.name
        assert live_formulas(content) == [], stored.name
    [rejected] = rows_of(backlog_import.rejected_file)
    assert (rejected["Record ID"], rejected["reason"]) == ("rec2", "no title")
    assert rejected["Hypothesis"] == SEMICOLON_HOSTILE
    titles = [row["title"] for row in rows_of(backlog_import.report_file)]
    assert titles[0] == SEMICOLON_HOSTILE
    assert titles[2] == "'=1+1"

    backlog_import.rejected_file.open("rb")
    with backlog_import.rejected_file:
        again = backlog_import.rejected_file.read()
    fixed = again.replace(b'"rec2",""', b'"rec2","Fixed title"')
    import_sheet(org, admin_user, "a.rejected.csv", fixed)
    assert Hypothesis.objects.get(title="Fixed title").change == SEMICOLON_HOSTILE
    assert Hypothesis.objects.filter(title="=1+1").exists()


def test_unknown_people_are_reported_and_never_invented(org, admin_user, team):
    backlog_import, _ = import_sheet(
        org, admin_user, "a.csv", sheet("airtable_growth_backlog.csv")
    )
    found = by_title(org)
    assert found["Trust logos in the footer"].owner is None
    assert found["Free returns badge"].owner == team["sam"]  # by email
    people = dict(backlog_import.notes["unknown_person"]["subjects"])
    assert people == {"Bob Stranger": 1, "Lena Park": 1}


def test_a_team_that_does_not_exist_is_reported_and_left_empty(org, admin_user):
    content = b"Title,Team\nA,cro\nB,Growth squad\n"
    backlog_import, _ = import_sheet(org, admin_user, "s.csv", content)
    found = by_title(org)
    assert (found["A"].team.name, found["B"].team) == ("CRO", None)
    assert backlog_import.notes["unknown_team"]["subjects"] == [["Growth squad", 1]]


def test_a_sheets_workbook_with_ice_and_pie_checks_the_totals_against_the_parts(
    org, admin_user, team
):
    content = workbook(
        [
            ["ID", "Title", "Measured by", "Owner", "Impact", "Confidence", "Ease",
             "Potential", "Importance", "ICE", "PIE", "Scored by", "Created",
             "Status", "Learning", "Concluded"],
            ["1", "Guest checkout", "Orders", "carla@shop.example", 8, 7, 6, 9, 8,
             7, 7.67, "", naive("2026-03-02 09:30"), "Running", "", None],
            ["2", "Bundles", "AOV", "Sam Ray", 5, 5, 5, 4, 4, 125, 6, "sam",
             naive("2026-03-03"), "Backlog", "", None],
            ["3", "Video on product pages", "Add to cart", "", 6, 6, 6, 6, 6, "6",
             "", "Bob Stranger", naive("2026-03-04"), "Won",
             "Video helps bulky products.", naive("2026-06-30 17:00")],
        ]
    )  # fmt: skip
    backlog_import, summary = import_sheet(org, admin_user, "Sheet1.xlsx", content)
    assert summary.line() == "created=3 updated=0 unchanged=0 rejected=0"
    assert backlog_import.mapping["pie_ease"] == backlog_import.mapping["ice_ease"]
    found = by_title(org)
    guest = found["Guest checkout"]
    assert (guest.ice_score, guest.pie_score) == (7.0, pytest.approx(23 / 3))
    assert guest.created_at == datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    assert SheetRow.objects.get(hypothesis=guest).sheet_scores == {
        "ICE": "7",
        "PIE": "7.67",
    }
    # "sam" scored the bundles: the scores are his, marked imported.
    bundle_scores = Score.objects.filter(hypothesis=found["Bundles"])
    assert {(s.scorer, s.framework, s.imported) for s in bundle_scores} == {
        (team["sam"], "ice", True),
        (team["sam"], "pie", True),
    }
    # A scorer who is not a member: the scores are the importer's, and said so.
    video = found["Video on product pages"]
    assert set(
        Score.objects.filter(hypothesis=video).values_list("scorer", flat=True)
    ) == {admin_user.pk}
    assert (video.status, video.result) == ("concluded", "won")
    assert video.concluded_at == datetime(2026, 6, 30, 15, 0, tzinfo=UTC)
    report = {row["title"]: row["notes"] for row in rows_of(backlog_import.report_file)}
    assert report["Guest checkout"] == ""  # 7 is the mean, 7.67 too
    assert report["Bundles"] == (
        "the sheet's PIE score 6 is not the mean, sum or product of 4, 4, 5 "
        "(4.33, 13 or 80)"
    )
    assert (
        "scorer “Bob Stranger” is not a member: its scores are kept as the "
        in (report["Video on product pages"])
    )


def test_a_total_without_its_parts_is_kept_as_written_and_not_ranked(org, admin_user):
    content = b"Title,Priority score\nGuest checkout,42\n"
    backlog_import, _ = import_sheet(org, admin_user, "s.csv", content)
    hypothesis = Hypothesis.objects.get()
    assert backlog_import.mapping["score"] == "Priority score"
    assert (hypothesis.ice_score, hypothesis.score_total) == (None, 0)
    assert not Score.objects.exists()
    assert SheetRow.objects.get().sheet_scores == {"Priority score": "42"}


def test_scores_that_are_not_ratings_are_left_out_with_a_note(org, admin_user):
    content = b"Title,Impact,Confidence,Ease\nA,high,5,5\nB,7,,5\nC,7,11,5\nD,,,\n"
    backlog_import, _ = import_sheet(org, admin_user, "s.csv", content)
    assert not Score.objects.exists()
    notes = {row["title"]: row["notes"] for row in rows_of(backlog_import.report_file)}
    assert notes == {
        "A": "ICE not imported: Impact “high” is not a number",
        "B": "ICE not imported: Confidence is empty",
        "C": "ICE not imported: Confidence 11 is not between 1 and 10",
        "D": "",
    }


def test_the_status_table_lists_every_word_and_is_followed(org, admin_user, team):
    backlog_import, _ = import_sheet(
        org,
        admin_user,
        "Growth board.csv",
        sheet("trello_board.csv"),
        status_map={"ideas": "backlog", "doing": "parked"},
        tags=True,
    )
    table = {
        row["word"]: (row["count"], row["recognised"])
        for row in status_table(backlog_import)
    }
    assert table == {
        "Ideas": (1, True),
        "Up next": (1, True),
        "Icebox": (1, True),
        "Doing": (1, True),
    }
    found = by_title(org)
    assert found["Sticky add-to-cart on mobile"].status == "backlog"
    assert found["Show stock levels"].status == "parked"
    assert found["Bundle offers"].status == "parked"
    assert found["Exit survey on checkout"].owner == team["lena"]
    assert sorted(
        found["Sticky add-to-cart on mobile"].tags.values_list("name", flat=True)
    ) == ["Mobile", "PDP"]
    assert found["Exit survey on checkout"].metric == "the top three reasons"


def test_a_jira_export_brings_its_keys_labels_types_and_dates(org, admin_user, team):
    backlog_import, summary = import_sheet(
        org, admin_user, "Jira.csv", sheet("jira_issues.csv"), tags=True
    )
    assert summary.line() == "created=3 updated=0 unchanged=0 rejected=0"
    assert (backlog_import.tool, backlog_import.date_format) == ("jira", "written")
    found = {row.key: row.hypothesis for row in SheetRow.objects.all()}
    guest = found["CRO-101"]
    assert guest.status == "backlog"  # "Selected for Development"
    assert sorted(guest.tags.values_list("name", flat=True)) == ["checkout", "mobile"]
    assert guest.created_at == datetime(2026, 1, 5, 13, 5, tzinfo=UTC)
    assert guest.metric == "conversion rate"
    assert (found["CRO-103"].kind, found["CRO-103"].status) == (
        "improvement",
        "rejected",
    )
    # "Done" with no result, learning or metric: as far as its facts go.
    assert found["CRO-102"].status == "backlog"


def test_pages_and_tags_are_created_only_when_asked(org, admin_user, team):
    Page.objects.create(organisation=org, name="checkout")
    backlog_import, _ = import_sheet(
        org, admin_user, "a.csv", sheet("airtable_growth_backlog.csv")
    )
    assert list(Page.objects.values_list("name", flat=True)) == ["checkout"]
    assert not Tag.objects.exists()
    assert by_title(org)["Free returns badge"].page.name == "checkout"
    assert by_title(org)["Delivery dates on product pages"].page is None
    missing = dict(backlog_import.notes["missing_page"]["subjects"])
    assert missing == {"Product page": 2, "Home": 1, "Category page": 1}
    assert backlog_import.notes["missing_tag"]["rows"] == 6


def test_contact_details_in_imported_text_are_masked(org, admin_user):
    content = (
        b"Title,Because we saw\n"
        b"Call-back form,Jane wrote from jane.doe@mail.example and rang +44 20 7946 "
        b"0958 twice\n"
    )
    import_sheet(org, admin_user, "s.csv", content)
    assert Hypothesis.objects.get().observation == (
        "Jane wrote from [email] and rang [phone] twice"
    )


def test_the_import_is_one_activity_and_owners_are_told_once(org, admin_user, team):
    backlog_import, _ = import_sheet(
        org, admin_user, "a.csv", sheet("airtable_growth_backlog.csv")
    )
    activity = Activity.objects.get(kind="backlog_imported")
    assert activity.summary == "imported a.csv: 6 new, 0 updated, 2 rejected"
    assert activity.url == backlog_import.get_absolute_url()
    notice = Notification.objects.get(recipient=team["carla"])
    assert notice.title.endswith("imported 3 hypotheses you own from a.csv")
    assert Watch.objects.filter(user=team["carla"]).count() == 3


def test_an_empty_date_is_not_made_up_and_impossible_dates_are_rejected(
    org, admin_user
):
    before = timezone.now()
    content = (
        b"Title,Created\n"
        b"Dated,2026-02-01\n"
        b"Undated,\n"
        b"Wrong,2026-02-31\n"
        b"Future,2030-01-01\n"
    )
    backlog_import, summary = import_sheet(org, admin_user, "s.csv", content)
    assert summary.line() == "created=2 updated=0 unchanged=0 rejected=2"
    found = by_title(org)
    assert found["Dated"].created_at == datetime(2026, 1, 31, 23, 0, tzinfo=UTC)
    # Without a date the hypothesis is dated by when it entered the app.
    assert found["Undated"].created_at >= before
    reasons = [row["reason"] for row in rows_of(backlog_import.rejected_file)]
    assert reasons == [
        "impossible date “2026-02-31” in column “Created”",
        "date “2030-01-01” is in the future in column “Created”",
    ]


def test_a_row_with_a_quote_never_closed_is_rejected_and_the_rows_after_it_come_in(
    org, admin_user
):
    data = (
        b"Name,Hypothesis,Status\n"
        b"Sticky basket,Show the basket on every page,Idea\n"
        b'Free returns,"Say returns are free,Idea\n'
        b"Size guide,Put the size guide by the size picker,Idea\n"
    )
    backlog_import, _ = import_sheet(org, admin_user, "b.csv", data)
    assert sorted(by_title(org)) == ["Size guide", "Sticky basket"]
    rejected = rows_of(backlog_import.rejected_file)
    assert [r["line"] for r in rejected] == ["3"]
    assert "line 3 opens a quote" in rejected[0]["reason"]


def test_a_refused_import_run_by_the_worker_reports_the_reason(org, admin_user):
    backlog_import = prepare_import(
        org,
        uploaded=ContentFile(sheet("trello_board.csv"), name="t.csv"),
        original_name="t.csv",
        by=admin_user,
    )
    backlog_import = confirm_columns(
        backlog_import,
        mapping=backlog_import.mapping,
        source=backlog_import.source,
        date_format=backlog_import.date_format,
        time_zone="Europe/Berlin",
        create_missing_pages=False,
        create_missing_tags=False,
    )
    backlog_import.header = [*backlog_import.header, "A column added since"]
    backlog_import.status = BacklogImportStatus.QUEUED
    backlog_import.save()

    outcome = run_backlog_import.call(backlog_import.pk)

    assert outcome == "failed: The file changed since it was uploaded."
    backlog_import.refresh_from_db()
    assert backlog_import.status == BacklogImportStatus.FAILED
