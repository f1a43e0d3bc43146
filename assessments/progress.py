"""How far a response is: points answered per pillar of its maturity model."""

from dataclasses import dataclass

from assessments.models import Answer, Assessment, Pillar, Point, Response


@dataclass(frozen=True)
class PillarProgress:
    pillar: Pillar
    answered: int
    total: int

    @property
    def complete(self) -> bool:
        return self.answered == self.total


@dataclass(frozen=True)
class Progress:
    pillars: list[PillarProgress]

    @property
    def answered(self) -> int:
        return sum(step.answered for step in self.pillars)

    @property
    def total(self) -> int:
        return sum(step.total for step in self.pillars)

    @property
    def complete(self) -> bool:
        return self.answered == self.total

    def first_open(self) -> PillarProgress:
        """The first pillar with a point left to answer, or the first pillar."""
        return next(
            (step for step in self.pillars if not step.complete), self.pillars[0]
        )

    def position(self, pillar_key: str) -> int:
        return [step.pillar.key for step in self.pillars].index(pillar_key)

    def before(self, pillar_key: str) -> PillarProgress | None:
        position = self.position(pillar_key)
        return self.pillars[position - 1] if position > 0 else None

    def after(self, pillar_key: str) -> PillarProgress | None:
        position = self.position(pillar_key)
        return self.pillars[position + 1] if position + 1 < len(self.pillars) else None


def progress_of(assessment: Assessment, response: Response | None) -> Progress:
    """The points `response` has answered, per pillar of `assessment`'s model."""
    model_id = assessment.maturity_model_id
    pillars = list(Pillar.objects.filter(maturity_model_id=model_id))
    point_pillars = dict(
        Point.objects.filter(pillar__maturity_model_id=model_id).values_list(
            "pk", "pillar_id"
        )
    )
    answered = set(
        Answer.objects.filter(response=response).values_list("point_id", flat=True)
    )
    return Progress(
        pillars=[
            PillarProgress(
                pillar=pillar,
                answered=sum(
                    1 for pk in answered if point_pillars.get(pk) == pillar.pk
                ),
                total=sum(1 for p in point_pillars.values() if p == pillar.pk),
            )
            for pillar in pillars
        ]
    )
