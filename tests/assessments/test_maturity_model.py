"""The maturity model as data: the default model, immutability, versions."""

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from assessments.models import (
    LevelDescriptor,
    MaturityModel,
    ModelStatus,
    Pillar,
    Point,
    PublishedModelError,
)
from assessments.versioning import (
    DEFAULT_MODEL_FILE,
    ModelFileError,
    load_model_data,
    new_version,
    publish,
    read_model_file,
)

pytestmark = pytest.mark.django_db

KEYS = [
    *(f"S{n}" for n in range(1, 7)),
    *(f"T{n}" for n in range(1, 6)),
    *(f"P{n}" for n in range(1, 6)),
    *(f"M{n}" for n in range(1, 6)),
]


@pytest.fixture
def published():
    return MaturityModel.objects.latest_published()


def test_the_migration_loads_the_default_model_published(published):
    assert published.is_published
    assert published.published_at is not None
    assert list(published.pillars.values_list("name", flat=True)) == [
        "Strategy & Culture",
        "Tools & Tech",
        "People & Skills",
        "Process & Methodology",
    ]
    keys = list(
        Point.objects.filter(pillar__maturity_model=published)
        .order_by("pillar__position", "position")
        .values_list("key", flat=True)
    )
    assert keys == KEYS


def test_every_default_point_has_a_question_help_and_five_distinct_descriptors():
    data = read_model_file()
    descriptions = []
    for pillar in data["pillars"]:
        for point in pillar["points"]:
            assert point["question"].endswith("?"), point["key"]
            assert len(point["help_text"]) > 30, point["key"]
            assert [level["level"] for level in point["levels"]] == [1, 2, 3, 4, 5]
            for level in point["levels"]:
                assert len(level["description"]) > 40, (point["key"], level["level"])
                assert len(level["next_step"]) > 20, (point["key"], level["level"])
                descriptions.append(level["description"])
    assert len(set(descriptions)) == len(descriptions) == 105


@pytest.mark.parametrize(
    "change",
    [
        lambda m: setattr(m, "name", "Renamed") or m.save(),
        lambda m: m.delete(),
        lambda m: MaturityModel.objects.filter(pk=m.pk).update(name="Renamed"),
        lambda m: MaturityModel.objects.filter(pk=m.pk).delete(),
    ],
    ids=["save", "delete", "queryset update", "queryset delete"],
)
def test_a_published_model_cannot_be_changed(published, change):
    with pytest.raises(PublishedModelError, match="cannot be changed"):
        change(published)
    published.refresh_from_db()
    assert published.name == "CRO maturity model"


def _first_point(model):
    return Point.objects.filter(pillar__maturity_model=model).first()


@pytest.mark.parametrize(
    "change",
    [
        lambda m: Pillar.objects.filter(maturity_model=m).first().save(),
        lambda m: Pillar.objects.filter(maturity_model=m).first().delete(),
        lambda m: Pillar.objects.create(maturity_model=m, key="X", name="Extra"),
        lambda m: _first_point(m).save(),
        lambda m: Point.objects.filter(pillar__maturity_model=m).update(weight=2),
        lambda m: Point.objects.bulk_create(
            [Point(pillar=m.pillars.first(), key="S9", title="x", question="x?")]
        ),
        lambda m: LevelDescriptor.objects.filter(point=_first_point(m), level=3).update(
            description="Changed"
        ),
        lambda m: LevelDescriptor.objects.filter(point=_first_point(m)).delete(),
        lambda m: (
            LevelDescriptor.objects.filter(point=_first_point(m)).first().delete()
        ),
    ],
    ids=[
        "pillar save",
        "pillar delete",
        "pillar added",
        "point save",
        "points update",
        "point bulk create",
        "descriptor update",
        "descriptors delete",
        "descriptor delete",
    ],
)
def test_no_part_of_a_published_model_can_be_changed(published, change):
    before = (
        Pillar.objects.count(),
        Point.objects.count(),
        sorted(LevelDescriptor.objects.values_list("description", flat=True)),
    )
    with pytest.raises(PublishedModelError):
        change(published)
    assert before == (
        Pillar.objects.count(),
        Point.objects.count(),
        sorted(LevelDescriptor.objects.values_list("description", flat=True)),
    )


def test_new_version_copies_into_an_editable_draft_with_the_same_keys(published):
    draft = new_version(published)
    assert (draft.version, draft.status) == (2, ModelStatus.DRAFT)
    copied = list(
        Point.objects.filter(pillar__maturity_model=draft)
        .order_by("pillar__position", "position")
        .values_list("key", flat=True)
    )
    assert copied == KEYS
    assert (
        LevelDescriptor.objects.filter(point__pillar__maturity_model=draft).count()
        == 105
    )
    point = Point.objects.get(pillar__maturity_model=draft, key="S3")
    point.title = "Test-and-learn culture"
    point.weight = Decimal(2)
    point.save()
    original = Point.objects.get(pillar__maturity_model=published, key="S3")
    assert original.title == "Test-and-learn mindset"
    assert original.weight == 1


def test_publish_checks_the_draft_and_makes_it_the_latest(published):
    draft = new_version(published)
    LevelDescriptor.objects.filter(
        point__pillar__maturity_model=draft, point__key="M2", level=5
    ).delete()
    with pytest.raises(ValidationError, match="M2 needs exactly one descriptor"):
        publish(draft)
    point = Point.objects.get(pillar__maturity_model=draft, key="M2")
    LevelDescriptor.objects.create(
        point=point, level=5, description="Back again", next_step="Keep going"
    )
    publish(draft)
    draft.refresh_from_db()
    assert draft.is_published
    assert MaturityModel.objects.latest_published() == draft
    with pytest.raises(ValidationError, match="already published"):
        publish(draft)


def test_publish_needs_four_pillars(published):
    draft = new_version(published)
    Pillar.objects.filter(maturity_model=draft, key="M").delete()
    with pytest.raises(ValidationError, match="4 pillars"):
        publish(draft)


def test_weights_must_be_positive_in_the_database(published):
    draft = new_version(published)
    with pytest.raises(IntegrityError):
        Point.objects.filter(pillar__maturity_model=draft, key="S1").update(weight=0)


def test_the_load_command_is_idempotent(capsys):
    call_command("load_maturity_model")
    assert "already loaded" in capsys.readouterr().out
    assert MaturityModel.objects.count() == 1


def test_loading_changed_content_under_a_published_version_is_refused(tmp_path):
    data = json.loads(DEFAULT_MODEL_FILE.read_text())
    data["pillars"][0]["points"][0]["title"] = "Something else"
    path = tmp_path / "model.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError, match="give the file a new version number"):
        call_command("load_maturity_model", str(path))
    data["version"] = 2
    path.write_text(json.dumps(data))
    call_command("load_maturity_model", str(path))
    latest = MaturityModel.objects.latest_published()
    assert latest.version == 2
    assert latest.pillars.first().points.first().title == "Something else"


def test_an_incomplete_model_file_is_refused():
    data = read_model_file()
    data["version"] = 3
    del data["pillars"][1]["points"][0]["levels"][4]
    with pytest.raises(ModelFileError, match="T1 needs exactly one descriptor"):
        load_model_data(data)
    assert not MaturityModel.objects.filter(version=3).exists()
