"""The tables the backlog's change history is recorded in (django-simple-history),
kept in this app. Score and evidence aggregates on the hypothesis are derived
numbers, rewritten in bulk: recording them would fill the history with changes
nobody made."""

from typing import Any

import simple_history
from django.db import models

from backlog.models import Evidence, FeedbackItem, Hypothesis, Score


def history_of(model: type[models.Model]) -> Any:
    """The history manager of a model registered below. simple_history adds it
    while registering, where type checkers do not see it, and has no types."""
    return model.history  # type: ignore[attr-defined]


# them would fill the history with changes nobody made.
simple_history.register(
    Hypothesis,
    app="collaboration",
    excluded_fields=[
        "updated_at",
        "ice_score",
        "ice_count",
        "ice_disagreement",
        "pie_score",
        "pie_count",
        "pie_disagreement",
        "pxl_score",
        "pxl_count",
        "pxl_disagreement",
        "evidence_items",
        "evidence_customers",
        "evidence_channels",
        "evidence_latest",
        "evidence_strength",
    ],
)
simple_history.register(Score, app="collaboration", excluded_fields=["updated_at"])
simple_history.register(
    FeedbackItem, app="collaboration", excluded_fields=["updated_at", "digest"]
)
simple_history.register(Evidence, app="collaboration")
