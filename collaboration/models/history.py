"""The tables the backlog's change history is recorded in (django-simple-history),
kept in this app. Score and evidence aggregates on the hypothesis are derived
numbers, rewritten in bulk: recording them would fill the history with changes
nobody made."""

import simple_history

from backlog.models import Evidence, FeedbackItem, Hypothesis, Score

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
