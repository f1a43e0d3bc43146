"""Loading, copying and publishing versions of a maturity model.

A model file is JSON: ``{"name", "version", "description", "pillars": [{"key",
"name", "description", "points": [{"key", "title", "question", "help_text",
"weight", "levels": [{"level", "description", "next_step"}, ...]}]}]}``.
"""

import json
from decimal import Decimal
from pathlib import Path

from django.apps import apps as installed_apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from assessments.models.maturity import (
    LevelDescriptor,
    MaturityModel,
    ModelStatus,
    Pillar,
    Point,
)

DEFAULT_MODEL_FILE = Path(__file__).resolve().parent / "data" / "default_model.json"
PILLAR_COUNT = 4
LEVELS = (1, 2, 3, 4, 5)


class ModelFileError(Exception):
    """A model file that cannot be loaded; the message says why."""


def read_model_file(path: Path = DEFAULT_MODEL_FILE) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelFileError(f"Cannot read {path}: {error}") from error


def _canonical(data: dict) -> dict:
    """The comparable content of model data (weights as normalised decimals)."""
    return {
        "name": data["name"],
        "version": int(data["version"]),
        "description": data.get("description", ""),
        "pillars": [
            {
                "key": pillar["key"],
                "name": pillar["name"],
                "description": pillar.get("description", ""),
                "points": [
                    {
                        "key": point["key"],
                        "title": point["title"],
                        "question": point["question"],
                        "help_text": point.get("help_text", ""),
                        "weight": str(Decimal(str(point.get("weight", 1))).normalize()),
                        "levels": [
                            {
                                "level": int(level["level"]),
                                "description": level["description"],
                                "next_step": level["next_step"],
                            }
                            for level in point["levels"]
                        ],
                    }
                    for point in pillar["points"]
                ],
            }
            for pillar in data["pillars"]
        ],
    }


def model_as_data(model) -> dict:
    """The content of a stored model in the model-file format."""
    pillars = []
    for pillar in model.pillars.order_by("position", "pk"):
        points = []
        for point in pillar.points.order_by("position", "pk"):
            points.append(
                {
                    "key": point.key,
                    "title": point.title,
                    "question": point.question,
                    "help_text": point.help_text,
                    "weight": str(point.weight),
                    "levels": [
                        {
                            "level": d.level,
                            "description": d.description,
                            "next_step": d.next_step,
                        }
                        for d in point.descriptors.order_by("level")
                    ],
                }
            )
        pillars.append(
            {
                "key": pillar.key,
                "name": pillar.name,
                "description": pillar.description,
                "points": points,
            }
        )
    return {
        "name": model.name,
        "version": model.version,
        "description": model.description,
        "pillars": pillars,
    }


def _build_content(model, data: dict, registry) -> None:
    pillar_model = registry.get_model("assessments", "Pillar")
    point_model = registry.get_model("assessments", "Point")
    descriptor_model = registry.get_model("assessments", "LevelDescriptor")
    for pillar_position, pillar_data in enumerate(data["pillars"]):
        pillar = pillar_model(
            maturity_model=model,
            key=pillar_data["key"],
            name=pillar_data["name"],
            description=pillar_data.get("description", ""),
            position=pillar_position,
        )
        pillar.save()
        for point_position, point_data in enumerate(pillar_data["points"]):
            point = point_model(
                pillar=pillar,
                key=point_data["key"],
                title=point_data["title"],
                question=point_data["question"],
                help_text=point_data.get("help_text", ""),
                weight=Decimal(str(point_data.get("weight", 1))),
                position=point_position,
            )
            point.save()
            descriptor_model.objects.bulk_create(
                descriptor_model(
                    point=point,
                    level=int(level["level"]),
                    description=level["description"],
                    next_step=level["next_step"],
                )
                for level in point_data["levels"]
            )


@transaction.atomic
def load_model_data(data: dict, *, registry=installed_apps) -> tuple[object, bool]:
    """Store and publish the model described by `data`; return (model, created).

    Loading the same content again changes nothing. A published version whose
    stored content differs from `data` is refused: published models never
    change, so the file needs a new version number. A draft of that name and
    version is replaced by the file's content and published.
    `registry` is the app registry, so a data migration can pass its own.
    """
    try:
        canonical = _canonical(data)
    except (KeyError, TypeError, ValueError) as error:
        raise ModelFileError(f"The model data is incomplete: {error!r}") from error
    problems = _problems_in_data(canonical)
    if problems:
        raise ModelFileError("; ".join(problems))
    model_class = registry.get_model("assessments", "MaturityModel")
    existing = model_class.objects.filter(
        name=canonical["name"], version=canonical["version"]
    ).first()
    if existing is not None and existing.status == ModelStatus.PUBLISHED:
        if _canonical(model_as_data(existing)) == canonical:
            return existing, False
        raise ModelFileError(
            f"{canonical['name']} version {canonical['version']} is published with "
            "different content. Published models never change: give the file a "
            "new version number."
        )
    if existing is not None:
        existing.pillars.all().delete()
        model = existing
    else:
        model = model_class(
            name=canonical["name"],
            version=canonical["version"],
            description=canonical["description"],
        )
        model.save()
    _build_content(model, canonical, registry)
    model_class.objects.filter(pk=model.pk).update(
        status=ModelStatus.PUBLISHED, published_at=timezone.now()
    )
    model.refresh_from_db()
    return model, True


def _problems_in_data(data: dict) -> list[str]:
    problems = []
    if len(data["pillars"]) != PILLAR_COUNT:
        problems.append(
            f"A model has {PILLAR_COUNT} pillars; this one has {len(data['pillars'])}."
        )
    keys = [p["key"] for pillar in data["pillars"] for p in pillar["points"]]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        problems.append(f"Point keys used twice: {', '.join(duplicates)}.")
    for pillar in data["pillars"]:
        if not pillar["points"]:
            problems.append(f"Pillar {pillar['name']} has no points.")
        for point in pillar["points"]:
            if Decimal(point["weight"]) <= 0:
                problems.append(f"{point['key']} needs a weight above 0.")
            levels = sorted(level["level"] for level in point["levels"])
            if tuple(levels) != LEVELS:
                problems.append(
                    f"{point['key']} needs exactly one descriptor for each level "
                    "1 to 5."
                )
    return problems


def problems_before_publishing(model: MaturityModel) -> list[str]:
    """What stops `model` from being published; empty when it may be."""
    try:
        return _problems_in_data(_canonical(model_as_data(model)))
    except (ArithmeticError, ValueError) as error:
        return [f"The model is incomplete: {error}"]


@transaction.atomic
def publish(model: MaturityModel) -> MaturityModel:
    """Check a draft and publish it; from then on it cannot change."""
    model = MaturityModel.objects.select_for_update().get(pk=model.pk)
    if model.is_published:
        raise ValidationError(f"{model} is already published.")
    problems = problems_before_publishing(model)
    if problems:
        raise ValidationError(problems)
    model.status = ModelStatus.PUBLISHED
    model.published_at = timezone.now()
    model.save(update_fields=["status", "published_at"])
    return model


@transaction.atomic
def new_version(model: MaturityModel) -> MaturityModel:
    """Copy `model` into a new draft with the next version number.

    Point keys are kept, so targets and trends carry over to the new version.
    """
    latest = MaturityModel.objects.filter(name=model.name).aggregate(
        latest=Max("version")
    )["latest"]
    draft = MaturityModel.objects.create(
        name=model.name,
        version=latest + 1,
        description=model.description,
        status=ModelStatus.DRAFT,
    )
    for pillar in model.pillars.order_by("position", "pk"):
        points = list(pillar.points.order_by("position", "pk"))
        descriptors = list(
            LevelDescriptor.objects.filter(point__pillar=pillar).order_by("level")
        )
        copy = Pillar.objects.create(
            maturity_model=draft,
            key=pillar.key,
            name=pillar.name,
            description=pillar.description,
            position=pillar.position,
        )
        point_copies = Point.objects.bulk_create(
            Point(
                pillar=copy,
                key=point.key,
                title=point.title,
                question=point.question,
                help_text=point.help_text,
                weight=point.weight,
                position=point.position,
            )
            for point in points
        )
        copy_of = {old.pk: new for old, new in zip(points, point_copies, strict=True)}
        LevelDescriptor.objects.bulk_create(
            LevelDescriptor(
                point=copy_of[d.point_id],
                level=d.level,
                description=d.description,
                next_step=d.next_step,
            )
            for d in descriptors
        )
    return draft
