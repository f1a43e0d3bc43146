from assessments.models.assessment import (
    AgreedLevel,
    Answer,
    Assessment,
    AssessmentStatus,
    Response,
    Target,
)
from assessments.models.maturity import (
    LevelDescriptor,
    MaturityModel,
    ModelStatus,
    Pillar,
    Point,
    PublishedModelError,
)
from assessments.models.sharing import ShareLink
from assessments.scoring import AnswerKind, Level

__all__ = [
    "AgreedLevel",
    "Answer",
    "AnswerKind",
    "Assessment",
    "AssessmentStatus",
    "Level",
    "LevelDescriptor",
    "MaturityModel",
    "ModelStatus",
    "Pillar",
    "Point",
    "PublishedModelError",
    "Response",
    "ShareLink",
    "Target",
]
