"""The maturity model as data: versions, pillars, points and level descriptors.

A published version is immutable, because assessments and their trends refer to
it: a change to what a level means would silently change past scores. Changing a
published model means copying it into a new draft version
(:func:`assessments.versioning.new_version`).
"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

from assessments.scoring import Level


class PublishedModelError(Exception):
    """A change to a published maturity model, which must stay as it was."""

    def __init__(self, what: str = "This maturity model"):
        super().__init__(
            f"{what} belongs to a published maturity model and cannot be changed. "
            "Create a new version of the model and edit that draft instead."
        )


class ModelStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class GuardedQuerySet(models.QuerySet):
    """Refuse bulk updates and deletes that would touch a published model."""

    published_path = "status"

    def _touches_published(self) -> bool:
        return self.filter(**{self.published_path: ModelStatus.PUBLISHED}).exists()

    def update(self, **kwargs):
        if self._touches_published():
            raise PublishedModelError()
        return super().update(**kwargs)

    def delete(self):
        if self._touches_published():
            raise PublishedModelError()
        return super().delete()

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        parent_field = getattr(self.model, "parent_field", "")
        if parent_field:
            parent_ids = {getattr(obj, f"{parent_field}_id") for obj in objs}
            parent_model = self.model._meta.get_field(parent_field).related_model
            if parent_model._base_manager.filter(
                pk__in=parent_ids,
                **{self.model.parent_status: ModelStatus.PUBLISHED},
            ).exists():
                raise PublishedModelError()
        return super().bulk_create(objs, *args, **kwargs)


class MaturityModelQuerySet(GuardedQuerySet):
    def published(self):
        return self.filter(status=ModelStatus.PUBLISHED)

    def latest_published(self):
        return self.published().order_by("-published_at", "-version").first()


class MaturityModel(models.Model):
    name = models.CharField(max_length=120)
    version = models.PositiveIntegerField(default=1)
    description = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=ModelStatus, default=ModelStatus.DRAFT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = MaturityModelQuerySet.as_manager()

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(
                "name", "version", name="maturity_model_version_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ModelStatus.values),
                name="maturity_model_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status=ModelStatus.DRAFT)
                | models.Q(published_at__isnull=False),
                name="maturity_model_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def save(self, *args, **kwargs):
        if self._stored_as_published():
            raise PublishedModelError(f"“{self}”")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_as_published():
            raise PublishedModelError(f"“{self}”")
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == ModelStatus.PUBLISHED

    def _stored_as_published(self) -> bool:
        return (
            self.pk is not None
            and type(self)
            .objects.filter(pk=self.pk, status=ModelStatus.PUBLISHED)
            .exists()
        )


class PartOfModel(models.Model):
    """A part of a maturity model, guarded like the model it belongs to.

    `parent_field` names the foreign key to the owning object and
    `parent_status` the path from that object to the model's status.
    """

    parent_field = ""
    parent_status = ""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._in_published_model() or self._stored_in_published_model():
            raise PublishedModelError(f"“{self}”")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_in_published_model():
            raise PublishedModelError(f"“{self}”")
        return super().delete(*args, **kwargs)

    @property
    def _status_path(self) -> str:
        return f"{self.parent_field}__{self.parent_status}"

    def _in_published_model(self) -> bool:
        parent_id = getattr(self, f"{self.parent_field}_id")
        if parent_id is None:
            return False
        parent_model = self._meta.get_field(self.parent_field).related_model
        if parent_model is None:
            raise TypeError(f"{self.parent_field} is not a foreign key")
        return parent_model._base_manager.filter(
            pk=parent_id, **{self.parent_status: ModelStatus.PUBLISHED}
        ).exists()

    def _stored_in_published_model(self) -> bool:
        if self.pk is None:
            return False
        return (
            type(self)
            ._base_manager.filter(
                pk=self.pk, **{self._status_path: ModelStatus.PUBLISHED}
            )
            .exists()
        )


class PillarQuerySet(GuardedQuerySet):
    published_path = "maturity_model__status"


class Pillar(PartOfModel):
    parent_field = "maturity_model"
    parent_status = "status"

    maturity_model = models.ForeignKey(
        MaturityModel, on_delete=models.CASCADE, related_name="pillars"
    )
    key = models.CharField(
        max_length=10,
        help_text="Short stable key, for example “S”; point keys start with it.",
    )
    name = models.CharField(max_length=80)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    objects = PillarQuerySet.as_manager()

    class Meta:
        ordering = ["maturity_model", "position", "key"]
        constraints = [
            models.UniqueConstraint(
                "maturity_model", "key", name="pillar_key_unique_per_model"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PointQuerySet(GuardedQuerySet):
    published_path = "pillar__maturity_model__status"


class Point(PartOfModel):
    parent_field = "pillar"
    parent_status = "maturity_model__status"

    pillar = models.ForeignKey(Pillar, on_delete=models.CASCADE, related_name="points")
    key = models.CharField(
        max_length=10,
        help_text="Stable key such as “S3”; keep it across versions so trends and "
        "targets carry over.",
    )
    title = models.CharField(max_length=160)
    question = models.TextField()
    help_text = models.TextField(blank=True)
    weight = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Weight of this point in its pillar's mean.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    objects = PointQuerySet.as_manager()

    class Meta:
        ordering = ["pillar__position", "position", "key"]
        constraints = [
            models.UniqueConstraint(
                "pillar", "key", name="point_key_unique_per_pillar"
            ),
            models.CheckConstraint(
                condition=models.Q(weight__gt=0), name="point_weight_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"


class LevelDescriptorQuerySet(GuardedQuerySet):
    published_path = "point__pillar__maturity_model__status"


class LevelDescriptor(PartOfModel):
    parent_field = "point"
    parent_status = "pillar__maturity_model__status"

    point = models.ForeignKey(
        Point, on_delete=models.CASCADE, related_name="descriptors"
    )
    level = models.PositiveSmallIntegerField(choices=Level)
    description = models.TextField(
        help_text="What the practice looks like at this level, in observable terms."
    )
    next_step = models.TextField(
        "advice for the next level",
        help_text="What to do to reach the next level (at level 5: how to stay there).",
    )

    objects = LevelDescriptorQuerySet.as_manager()

    class Meta:
        ordering = ["point", "level"]
        constraints = [
            models.UniqueConstraint(
                "point", "level", name="descriptor_level_unique_per_point"
            ),
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5),
                name="descriptor_level_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.point.key if self.point_id else '?'} level {self.level}"
