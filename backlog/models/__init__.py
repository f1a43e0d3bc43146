from backlog.models.backlog_imports import BacklogImport, BacklogImportStatus, SheetRow
from backlog.models.configuration import BacklogSettings
from backlog.models.evidence import IMPORTANCE_CHOICES, Evidence
from backlog.models.experiments import (
    ChangeKind,
    Experiment,
    ExperimentChange,
    ExperimentMetric,
    ExperimentShareLink,
    MetricResult,
    ResultsImport,
    ResultsImportStatus,
    Variant,
)
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
from backlog.models.metrics import (
    CorrectionMethod,
    GoalLevel,
    Metric,
    MetricDirection,
    MetricKind,
    MetricRole,
)
from backlog.models.pages import Page, Tag
from backlog.models.scores import Score

__all__ = [
    "BacklogImport",
    "BacklogImportStatus",
    "BacklogSettings",
    "ChangeKind",
    "CorrectionMethod",
    "Evidence",
    "Experiment",
    "ExperimentChange",
    "ExperimentMetric",
    "ExperimentShareLink",
    "FeedbackImport",
    "FeedbackItem",
    "FeedbackSource",
    "FeedbackTheme",
    "GoalLevel",
    "Hypothesis",
    "HypothesisQuerySet",
    "IMPORTANCE_CHOICES",
    "ImportMapping",
    "ImportStatus",
    "Kind",
    "Metric",
    "MetricDirection",
    "MetricKind",
    "MetricResult",
    "MetricRole",
    "Page",
    "Result",
    "ResultsImport",
    "ResultsImportStatus",
    "Score",
    "Sentiment",
    "SheetRow",
    "Status",
    "Tag",
    "Theme",
    "Variant",
]
