from backlog.models.backlog_imports import BacklogImport, BacklogImportStatus, SheetRow
from backlog.models.configuration import BacklogSettings
from backlog.models.evidence import IMPORTANCE_CHOICES, Evidence
from backlog.models.experiments import Experiment, Variant
from backlog.models.feedback import (
    FeedbackImport,
    FeedbackItem,
    FeedbackSource,
    FeedbackTheme,
    ImportMapping,
    ImportStatus,
    Sentiment,
    Theme,
)
from backlog.models.hypotheses import (
    Hypothesis,
    HypothesisQuerySet,
    Kind,
    Result,
    Status,
)
from backlog.models.pages import Page, Tag
from backlog.models.scores import Score

__all__ = [
    "BacklogImport",
    "BacklogImportStatus",
    "BacklogSettings",
    "Evidence",
    "Experiment",
    "FeedbackImport",
    "FeedbackItem",
    "FeedbackSource",
    "FeedbackTheme",
    "Hypothesis",
    "HypothesisQuerySet",
    "IMPORTANCE_CHOICES",
    "ImportMapping",
    "ImportStatus",
    "Kind",
    "Page",
    "Result",
    "Score",
    "Sentiment",
    "SheetRow",
    "Status",
    "Tag",
    "Theme",
    "Variant",
]
