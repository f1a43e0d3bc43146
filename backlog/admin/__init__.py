"""The backlog's admin, by sub-domain: hypotheses, experiments and feedback."""

from backlog.admin import experiments, feedback, hypotheses

__all__ = ["experiments", "feedback", "hypotheses"]
