"""Importing a sheet again, all or nothing, its history, and the command."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from backlog.authoring import save_hypothesis
from backlog.backlog_import import running, writing
from backlog.backlog_import.importing import retry_import
from backlog.backlog_import.running import run_import
from backlog.evidence import link_feedback
from backlog.feedback.importing.reading import FileProblem
from backlog.models import (
    BacklogImport,
    BacklogImportStatus,
    Hypothesis,
    Page,
    Score,
    SheetRow,
)
from backlog.scoring.frameworks import Framework
from backlog.scoring.recording import score_hypothesis
from collaboration.history import of_hypothesis
from collaboration.models import Notification
from cromaturity.models import Role
from tests.backlog.backlog_import.sheets import SHEETS, import_sheet, sheet
from tests.cromaturity.test_backups import empty_the_database, everything, stored_files

pytestmark = pytest.mark.django_db

HEADER = "Id,Title,Status,Metric,Owner,Impact,Confidence,Ease,Learning,Result\n"
FIRST = (
    HEADER
    + "1,Guest checkout,Running,Orders,carla,8,7,6,,\n"
    + "2,Bundles,Backlog,AOV,,5,5,5,,\n"
    + "3,Video on PDP,Analysing,Add to cart,carla,6,6,6,,\n"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def carla(org, make_member):
    return make_member(
        org, role=Role.EDITOR, username="carla", first_name="Carla", last_name="Rossi"
    )


def by_title(org):
    return {h.title: h for h in Hypothesis.objects.for_org(org)}


def counts():
    return (
        Hypothesis.objects.count(),
        Score.objects.count(),
        SheetRow.objects.count(),
        Page.objects.count(),
    )


def test_importing_the_same_sheet_again_creates_nothing_twice(org, admin_user, carla):
    data = sheet("airtable_growth_backlog.csv")
    import_sheet(org, admin_user, "Growth backlog.csv", data, pages=True, tags=True)
    before = counts()
    versions = dict(Hypothesis.objects.values_list("pk", "version"))
    again, summary = import_sheet(
        org, admin_user, "Growth backlog (1).csv", data, pages=True, tags=True
    )
    assert summary.line() == "created=0 updated=0 unchanged=6 rejected=2"
    assert counts() == before
    assert dict(Hypothesis.objects.values_list("pk", "version")) == versions
    # The same columns: the choices of the first import were taken again.
    assert again.source == "Airtable: Growth backlog"


def test_a_reimport_updates_what_the_sheet_changed_and_keeps_what_people_changed(
    org, admin_user, carla
):
    import_sheet(org, admin_user, "b.csv", FIRST.encode())
    found = by_title(org)
    guest, bundles = found["Guest checkout"], found["Bundles"]
    # In the app: a better metric for the guest checkout, and the importer
    # scores the bundles themselves.
    guest.metric = "Completed orders"
    save_hypothesis(guest, by=carla, expected_version=guest.version)
    score_hypothesis(
        bundles,
        scorer=admin_user,
        framework=Framework.ICE,
        values={"impact": 9, "confidence": 9, "ease": 9},
    )
    changed = (
        HEADER
        + "1,Guest checkout first,Running,Conversion rate,carla,8,7,6,,\n"
        + "2,Bundles,Backlog,AOV,,4,4,4,,\n"
        + "3,Video on PDP,Won,Add to cart,carla,7,7,7,Video sells.,\n"
    )
    backlog_import, summary = import_sheet(org, admin_user, "b.csv", changed.encode())
    assert summary.line() == "created=0 updated=2 unchanged=1 rejected=0"
    guest.refresh_from_db()
    # The title changed only in the sheet; the metric in both: the app's stays.
    assert (guest.title, guest.metric) == ("Guest checkout first", "Completed orders")
    assert guest.version == 3
    # The importer's own score of the bundles is theirs, not the sheet's.
    mine = Score.objects.get(hypothesis=bundles, scorer=admin_user)
    assert (mine.impact, mine.imported) == (9, False)
    video = Hypothesis.objects.get(title="Video on PDP")
    assert (video.status, video.result, video.learning) == (
        "concluded",
        "won",
        "Video sells.",
    )
    video_score = Score.objects.get(hypothesis=video)
    assert (video_score.impact, video_score.imported, video_score.version) == (
        7,
        True,
        2,
    )
    assert video.ice_score == 7.0
    notes = {
        row["title"]: row["notes"]
        for row in csv.DictReader(
            io.StringIO(backlog_import.report_file.read().decode("utf-8-sig"))
        )
    }
    assert notes["Guest checkout first"] == (
        "kept the measured by as changed in the app since the last import"
    )
    assert notes["Bundles"] == (
        "kept the ICE score given in the app (the sheet says 4, 4, 4)"
    )


def test_an_owner_the_app_does_not_know_never_clears_the_one_chosen(
    org, admin_user, carla
):
    import_sheet(org, admin_user, "b.csv", FIRST.encode())
    renamed = FIRST.replace(
        "1,Guest checkout,Running,Orders,carla",
        "1,Guest checkout,Running,Orders,Carla R.",
    )
    _, summary = import_sheet(org, admin_user, "b.csv", renamed.encode())
    assert summary.unchanged == 3
    assert by_title(org)["Guest checkout"].owner == carla


def test_without_an_id_column_rows_are_matched_by_their_title(org, admin_user):
    data = b"Title,Metric\nGuest checkout,Orders\nBundles,AOV\n guest  CHECKOUT ,x\n"
    first, summary = import_sheet(org, admin_user, "t.csv", data)
    assert summary.line() == "created=2 updated=0 unchanged=0 rejected=1"
    assert first.rejected_file.read().decode("utf-8-sig").splitlines()[1] == (
        '"4"," guest  CHECKOUT ","x","same title as line 2 (a row imports once)"'
    )
    again = b"Title,Metric\nGuest checkout,Orders and AOV\nBundles,AOV\n"
    _, summary = import_sheet(org, admin_user, "t.csv", again)
    assert summary.line() == "created=0 updated=1 unchanged=1 rejected=0"
    assert by_title(org)["Guest checkout"].metric == "Orders and AOV"


def test_the_same_ids_in_another_sheet_are_other_hypotheses(org, admin_user, carla):
    import_sheet(org, admin_user, "b.csv", FIRST.encode(), source="Growth team")
    import_sheet(org, admin_user, "b.csv", FIRST.encode(), source="Brand team")
    assert Hypothesis.objects.count() == 6


def test_the_history_says_the_import_made_each_hypothesis_and_what_it_changed(
    org, admin_user, carla
):
    import_sheet(org, admin_user, "backlog.csv", FIRST.encode())
    guest = Hypothesis.objects.get(title="Guest checkout")
    created = of_hypothesis(guest)
    assert {(c.what, c.action, c.who) for c in created} == {
        ("Hypothesis", "imported from backlog.csv", admin_user.display_name),
        (
            f"{admin_user.display_name}’s ICE score",
            "imported from backlog.csv",
            admin_user.display_name,
        ),
    }
    changed = FIRST.replace(
        "Guest checkout,Running,Orders", "Guest checkout,Running,Paid orders"
    )
    import_sheet(org, admin_user, "backlog v2.csv", changed.encode())
    newest = of_hypothesis(guest)[0]
    assert (newest.action, [(f.label, f.old, f.new) for f in newest.fields]) == (
        "imported from backlog v2.csv",
        [("measured by", "Orders", "Paid orders")],
    )
    # An edit in the app is compared with what the import wrote.
    guest.refresh_from_db()
    guest.title = "Guest checkout, first step"
    save_hypothesis(guest, by=carla, expected_version=guest.version)
    edit = of_hypothesis(guest)[0]
    assert [(f.label, f.old, f.new) for f in edit.fields] == [
        ("title", "Guest checkout", "Guest checkout, first step")
    ]


def test_scoring_again_makes_an_imported_score_ones_own(org, admin_user, carla):
    import_sheet(org, admin_user, "b.csv", FIRST.encode())
    guest = Hypothesis.objects.get(title="Guest checkout")
    score_hypothesis(
        guest,
        scorer=admin_user,
        framework=Framework.ICE,
        values={"impact": 3, "confidence": 3, "ease": 3},
    )
    score = Score.objects.get(hypothesis=guest)
    assert (score.impact, score.imported) == (3, False)
    guest.refresh_from_db()
    assert guest.ice_score == 3.0


def test_a_test_the_sheet_concludes_tells_those_whose_feedback_it_used(
    org, admin_user, carla, make_feedback
):
    import_sheet(org, admin_user, "b.csv", FIRST.encode())
    video = Hypothesis.objects.get(title="Video on PDP")
    link_feedback(video, make_feedback(), by=carla)
    won = FIRST.replace(
        "Analysing,Add to cart,carla,6,6,6,,",
        "Won,Add to cart,carla,6,6,6,Video sells.,",
    )
    import_sheet(org, admin_user, "b.csv", won.encode())
    told = Notification.objects.get(recipient=carla, kind="loop_closed")
    assert "“Video on PDP” won" in told.title


def test_a_failure_midway_leaves_nothing_behind_and_can_be_retried(
    org, admin_user, carla, monkeypatch
):
    real = writing.refresh_scores

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writing, "refresh_scores", broken)
    with pytest.raises(RuntimeError):
        import_sheet(
            org, admin_user, "a.csv", sheet("airtable_growth_backlog.csv"), pages=True
        )
    backlog_import = BacklogImport.objects.get()
    assert backlog_import.status == BacklogImportStatus.FAILED
    assert "nothing was saved" in backlog_import.error
    assert counts() == (0, 0, 0, 0)
    assert not backlog_import.report_file
    assert Path(backlog_import.file.path).exists()

    monkeypatch.setattr(writing, "refresh_scores", real)
    retry_import(backlog_import)
    backlog_import.refresh_from_db()
    summary = run_import(backlog_import)
    assert summary.line() == "created=6 updated=0 unchanged=0 rejected=2"
    backlog_import.refresh_from_db()
    assert (backlog_import.status, backlog_import.attempts) == ("succeeded", 2)


@pytest.mark.django_db(transaction=True)
def test_the_sheet_is_read_and_cleaned_outside_any_transaction(
    org, admin_user, carla, monkeypatch
):
    real = running.clean_records
    seen = []

    def watched(*args, **kwargs):
        seen.append(connection.in_atomic_block)
        return real(*args, **kwargs)

    monkeypatch.setattr(running, "clean_records", watched)
    import_sheet(org, admin_user, "b.csv", FIRST.encode())
    assert seen == [False]
    assert Hypothesis.objects.count() == 3


def test_a_sheet_longer_than_the_cap_is_refused_at_upload(org, admin_user, settings):

    settings.IMPORT_MAX_ROWS = 2
    with pytest.raises(FileProblem, match="more than 2 rows"):
        import_sheet(org, admin_user, "b.csv", FIRST.encode())
    assert not BacklogImport.objects.exists()


def test_command_prints_the_summary_and_writes_rejected_rows(
    org, admin_user, carla, tmp_path, capsys
):
    source = tmp_path / "growth.csv"
    source.write_bytes(sheet("airtable_growth_backlog.csv"))
    call_command(
        "import_backlog",
        str(source),
        org="acme",
        by=admin_user.username,
        timezone="America/New_York",
        create_pages=True,
    )
    out, err = capsys.readouterr()
    assert out.strip() == "created=6 updated=0 unchanged=0 rejected=2"
    rejected = (tmp_path / "growth.rejected.csv").read_text(encoding="utf-8-sig")
    assert rejected.splitlines()[1].endswith(',"no title"')
    assert "rows came in with remarks" in err
    dates = Hypothesis.objects.get(title="Delivery dates on product pages")
    # 2:05pm in New York is 19:05 UTC.
    assert dates.created_at.isoformat() == "2026-01-05T19:05:00+00:00"
    call_command("import_backlog", str(source), org="acme", by=admin_user.username)
    assert "unchanged=6" in capsys.readouterr().out


def test_command_status_map_and_mapping_options(org, admin_user, tmp_path, capsys):
    source = tmp_path / "board.csv"
    source.write_bytes(
        b"Card,What,Stage\nA1,Guest checkout,Shipped \xf0\x9f\x9a\x80\n"
        b"A2,Bundles,Needs thought\n"
    )
    call_command(
        "import_backlog",
        str(source),
        org="acme",
        map=["external_id=Card", "title=What", "status=Stage"],
        status_map=["Shipped 🚀=rejected"],
    )
    out, err = capsys.readouterr()
    assert out.strip() == "created=2 updated=0 unchanged=0 rejected=0"
    assert "Status “Needs thought” (1 row) is not a known word: imported as Idea" in err
    found = by_title(org)
    assert (found["Guest checkout"].status, found["Bundles"].status) == (
        "rejected",
        "idea",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/nonexistent.csv", "--org", "acme"], "No file at"),
        (["{sample}", "--org", "nope"], "No organisation with the slug"),
        (["{sample}", "--org", "acme", "--map", "colour=Id"], "write FIELD=COLUMN"),
        (["{sample}", "--org", "acme", "--status-map", "Done"], "write WORD=STATUS"),
        (["{sample}", "--org", "acme", "--by", "nobody"], "is not a member"),
        (["{sample}", "--org", "acme"], "say whose they are with --by"),
        (["{binary}", "--org", "acme"], "binary data"),
        (
            ["{sample}", "--org", "acme", "--by", "{admin}", "--timezone", "Mars/Base"],
            "is not a time zone",
        ),
        (
            ["{sample}", "--org", "acme", "--by", "{admin}", "--map", "title="],
            "title of each idea",
        ),
    ],
)
def test_command_refuses_bad_input_clearly_and_keeps_nothing(
    org, admin_user, tmp_path, args, message
):
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(300))
    args = [
        a.format(
            sample=SHEETS / "airtable_growth_backlog.csv",
            binary=binary,
            admin=admin_user.username,
        )
        for a in args
    ]
    with pytest.raises(CommandError, match=message):
        call_command("import_backlog", *args)
    assert not Hypothesis.objects.exists()
    assert not BacklogImport.objects.exists()


def test_a_large_reimport_updates_every_changed_row_in_bulk(org, admin_user):
    def sheet_of(word):
        lines = ["Id,Title,Metric,Impact,Confidence,Ease,Tags"]
        lines += [
            f"{n},Idea {n},{word} {n},5,5,{n % 10 + 1},t{n % 3}" for n in range(300)
        ]
        return ("\n".join(lines) + "\n").encode()

    import_sheet(org, admin_user, "big.csv", sheet_of("Orders"), tags=True)
    _, summary = import_sheet(
        org, admin_user, "big.csv", sheet_of("Revenue"), tags=True
    )
    assert summary.line() == "created=0 updated=300 unchanged=0 rejected=0"
    idea = Hypothesis.objects.get(title="Idea 123")
    assert (idea.metric, idea.version) == ("Revenue 123", 2)
    row = SheetRow.objects.get(hypothesis=idea)
    assert row.imported_values["metric"] == "Revenue 123"
    assert Hypothesis.objects.filter(metric__startswith="Revenue").count() == 300


def test_a_backup_keeps_the_imports_their_files_and_the_sheet_rows(
    org, admin_user, carla, tmp_path, settings
):

    import_sheet(org, admin_user, "a.csv", sheet("airtable_growth_backlog.csv"))
    rows, files = everything(), stored_files(settings)
    assert any(name.startswith("backlog-imports/reports/") for name in files)
    assert rows["backlog.SheetRow"]
    call_command("backup", str(tmp_path / "all.zip"))
    empty_the_database(settings)
    call_command("restore", str(tmp_path / "all.zip"))
    assert everything() == rows
    assert stored_files(settings) == files
