"""Backups: everything or one organisation, with uploaded files, restored whole."""

import json
import zipfile
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection

from backlog.authoring import save_hypothesis
from backlog.feedback.capture import FeedbackInput, record_feedback
from backlog.feedback.importing.run import confirm_import, prepare_import, run_import
from backlog.models import (
    Evidence,
    FeedbackImport,
    FeedbackItem,
    Hypothesis,
    Score,
)
from cromaturity.backups import (
    ORGANISATION_PATHS,
    SHARED,
    BackupError,
    backed_up_models,
    restore_backup,
    restoring,
    write_backup,
)
from cromaturity.models import Membership, Organisation, Role, User
from tests.test_isolation import world  # noqa: F401 - every kind of object

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def full(world):  # noqa: F811 - the fixture imported above
    """Organisation A with every kind of object, files and history; B beside it."""
    org_a, org_b = world.org_a, world.org_b
    admin = Membership.objects.get(organisation=org_a, role=Role.ADMIN).user
    hypothesis = Hypothesis.objects.for_org(org_a).get()
    hypothesis.title = "Delivery dates above the fold"
    save_hypothesis(hypothesis, by=admin, new_tag_names=["shipping", "mobile"])
    feedback_import = prepare_import(
        org_a,
        uploaded=ContentFile(
            b"Id,Description\n7,Parcel late again\n8,\n", name="desk.csv"
        ),
        original_name="desk.csv",
        by=admin,
    )
    confirm_import(
        feedback_import,
        mapping={"external_id": "Id", "text": "Description"},
        source_system="desk",
        date_format="iso",
        no_date=True,
    )
    run_import(FeedbackImport.objects.get(pk=feedback_import.pk))
    their_admin = Membership.objects.get(organisation=org_b, role=Role.ADMIN).user
    save_hypothesis(
        Hypothesis(organisation=org_b, title="Beta's secret plan"), by=their_admin
    )
    record_feedback(
        org_b,
        FeedbackInput(text="Beta's customer complains", source="chat"),
        by=their_admin,
        team=None,
        mask_contacts=False,
        pseudonym_key=b"k",
    )
    return world


def everything() -> dict:
    """Every row of every backed-up model, ids included."""
    return {
        model._meta.label: sorted(
            map(repr, model._base_manager.order_by("pk").values_list())
        )
        for model in backed_up_models()
    }


def stored_files(settings) -> dict[str, bytes]:
    root = Path(settings.MEDIA_ROOT)
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file()
    }


def empty_the_database(settings) -> None:
    """What a new database, fresh from migrate, would be missing."""
    for model in reversed(backed_up_models()):
        for m2m in model._meta.many_to_many:
            through = m2m.remote_field.through
            through._base_manager.all()._raw_delete(connection.alias)
        model._base_manager.all()._raw_delete(connection.alias)
    for path in Path(settings.MEDIA_ROOT).rglob("*"):
        if path.is_file():
            path.unlink()


def remove_organisation(organisation) -> None:
    """Delete every row of the organisation (people stay), as if it never was."""
    for model in reversed(backed_up_models()):
        path = ORGANISATION_PATHS.get(model._meta.label_lower)
        if path is None:
            continue
        rows = model._base_manager.filter(**{path: organisation.pk})
        for m2m in model._meta.many_to_many:
            through = m2m.remote_field.through
            through._base_manager.filter(
                **{f"{m2m.m2m_field_name()}__in": rows.values("pk")}
            )._raw_delete(connection.alias)
        rows._raw_delete(connection.alias)


def test_every_model_has_a_rule_for_organisation_backups():
    labels = {model._meta.label_lower for model in backed_up_models()}
    assert labels == set(ORGANISATION_PATHS) | SHARED


def test_a_whole_backup_restores_every_row_and_file_with_its_ids(
    full, tmp_path, settings
):
    rows, files = everything(), stored_files(settings)
    assert any(name.startswith("imports/rejected/") for name in files)
    call_command("backup", str(tmp_path / "all.zip"))

    empty_the_database(settings)
    assert not Organisation.objects.exists()
    assert not stored_files(settings)
    call_command("restore", str(tmp_path / "all.zip"))

    assert everything() == rows
    assert stored_files(settings) == files
    # New rows get new ids after the restored ones (sequences follow).
    admin = Membership.objects.get(organisation=full.org_a, role=Role.ADMIN).user
    later = save_hypothesis(
        Hypothesis(organisation=full.org_a, title="After the restore"), by=admin
    )
    assert later.pk > max(Hypothesis.objects.exclude(pk=later.pk).values_list("pk"))[0]


def _content(organisation) -> dict:
    """What people see of an organisation, without its ids."""
    hypotheses = Hypothesis.objects.for_org(organisation)
    return {
        "teams": sorted(organisation.teams.values_list("name", flat=True)),
        "members": sorted(
            Membership.objects.for_org(organisation).values_list(
                "user__username", "role", "team__name"
            )
        ),
        "hypotheses": sorted(
            (h.title, h.version, h.page.name if h.page else None, h.ice_score)
            for h in hypotheses
        ),
        "tags": sorted((h.title, tag.name) for h in hypotheses for tag in h.tags.all()),
        "scores": sorted(
            Score.objects.for_org(organisation).values_list(
                "hypothesis__title", "scorer__username", "impact", "version"
            )
        ),
        "feedback": sorted(
            FeedbackItem.objects.for_org(organisation).values_list(
                "text", "external_id", "version", "feedback_import__original_name"
            )
        ),
        "themes": sorted(
            FeedbackItem.objects.for_org(organisation).values_list(
                "text", "themes__name"
            )
        ),
        "evidence": sorted(
            Evidence.objects.for_org(organisation).values_list(
                "hypothesis__title", "feedback_item__text", "linked_by__username"
            )
        ),
        "history": sorted(
            (record.title, record.history_type, record.history_user_id is None)
            for h in hypotheses
            for record in h.history.all()
        ),
        "imports": sorted(
            (i.original_name, i.file.read(), bool(i.rejected_file))
            for i in FeedbackImport.objects.for_org(organisation)
        ),
        "counts": {
            label: apps.get_model(label)
            ._base_manager.filter(**{path: organisation.pk})
            .count()
            for label, path in ORGANISATION_PATHS.items()
            if label != "cromaturity.organisation"
        },
    }


def test_one_organisation_is_restored_beside_the_others_with_new_ids(
    full, tmp_path, settings
):
    org_a = full.org_a
    before = _content(org_a)
    archive = tmp_path / "alpha.zip"
    call_command("backup", str(archive), org="alpha")
    text = b"".join(
        zipfile.ZipFile(archive).read(name)
        for name in zipfile.ZipFile(archive).namelist()
    )
    assert b"Beta's secret plan" not in text
    assert b"Beta's customer complains" not in text

    # The organisation is gone from this database while its people and the
    # other organisation stay.
    remove_organisation(org_a)
    for path in Path(settings.MEDIA_ROOT).rglob("*"):
        if path.is_file():
            path.unlink()
    people = User.objects.count()
    call_command("restore", str(archive), org="alpha")

    restored = Organisation.objects.get(slug="alpha")
    assert restored.pk != org_a.pk
    assert _content(restored) == before
    assert User.objects.count() == people
    assert Hypothesis.objects.for_org(full.org_b).get().title == "Beta's secret plan"


def test_an_organisation_that_exists_is_not_restored_over(full, tmp_path):
    archive = tmp_path / "alpha.zip"
    write_backup(archive, full.org_a)
    rows = everything()
    with pytest.raises(CommandError, match="“alpha” already exists here"):
        call_command("restore", str(archive))
    assert everything() == rows


def test_a_whole_backup_goes_only_into_an_empty_database(full, tmp_path):
    archive = tmp_path / "all.zip"
    write_backup(archive)
    rows = everything()
    with pytest.raises(BackupError, match="already has 2 organisation"):
        restore_backup(archive)
    with pytest.raises(BackupError, match="holds every organisation"):
        restore_backup(archive, "alpha")
    assert everything() == rows


def test_a_backup_that_clashes_with_the_database_is_refused_whole(full, tmp_path):
    archive = tmp_path / "alpha.zip"
    write_backup(archive, full.org_a)
    # Under another address, the organisation's API keys are still here.
    Organisation.objects.filter(pk=full.org_a.pk).update(slug="alpha-old")
    rows = everything()
    with pytest.raises(BackupError, match="clashes with what this database holds"):
        restore_backup(archive, "alpha")
    assert everything() == rows


def test_a_person_with_the_same_name_but_another_email_stops_the_restore(
    full, tmp_path, settings
):
    archive = tmp_path / "alpha.zip"
    write_backup(archive, full.org_a)
    member = Membership.objects.filter(organisation=full.org_a).first().user
    remove_organisation(full.org_a)
    User.objects.filter(pk=member.pk).update(email="someone.else@example.test")
    rows, files = everything(), stored_files(settings)
    with pytest.raises(BackupError, match=f"another person called “{member.username}"):
        restore_backup(archive, "alpha")
    assert everything() == rows
    assert stored_files(settings) == files


def test_a_failure_halfway_leaves_nothing_restored(
    full, tmp_path, settings, monkeypatch
):
    archive = tmp_path / "all.zip"
    write_backup(archive)
    empty_the_database(settings)
    original = restoring._Restore._restore_model

    def failing(self, model):
        if model is Score:
            raise RuntimeError("disk full")
        original(self, model)

    monkeypatch.setattr(restoring._Restore, "_restore_model", failing)
    with pytest.raises(RuntimeError):
        restore_backup(archive)
    assert not Organisation.objects.exists()
    assert not FeedbackItem.objects.exists()
    assert not stored_files(settings)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: {**m, "format": 99}, "format 99"),
        (lambda m: {**m, "migrations": {"backlog": ["0001_initial"]}}, "migrations"),
        (lambda m: {**m, "media": ["../../etc/passwd"]}, "unsafe name"),
    ],
)
def test_a_backup_from_elsewhere_is_refused_clearly(
    full, tmp_path, settings, change, message
):
    good = tmp_path / "all.zip"
    write_backup(good)
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            if name == "manifest.json":
                content = json.dumps(change(json.loads(content))).encode()
            target.writestr(name, content)
    empty_the_database(settings)
    with pytest.raises(BackupError, match=message):
        restore_backup(bad)
    assert not Organisation.objects.exists()


def test_files_that_are_not_backups_are_refused(tmp_path):
    (tmp_path / "notes.zip").write_bytes(b"not a zip")
    with pytest.raises(CommandError, match="is not a ZIP file"):
        call_command("restore", str(tmp_path / "notes.zip"))
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(CommandError, match="not a cromaturity backup"):
        call_command("restore", str(tmp_path / "other.zip"))
    with pytest.raises(CommandError, match="There is no backup file"):
        call_command("restore", str(tmp_path / "missing.zip"))


def test_the_command_reports_and_never_overwrites(full, tmp_path, capsys):
    archive = tmp_path / "alpha.zip"
    call_command("backup", str(archive), org="alpha")
    out = capsys.readouterr().out
    assert f"Backed up organisation “alpha” to {archive}" in out
    assert "4 uploaded files" in out
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(archive))
    with pytest.raises(CommandError, match="no organisation with the address nope"):
        call_command("backup", str(tmp_path / "x.zip"), org="nope")
    assert not (tmp_path / "x.zip").exists()
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".part"] == []
