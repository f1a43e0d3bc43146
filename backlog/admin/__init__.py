"""The backlog's admin, by sub-domain: hypotheses, experiments, funnels and feedback."""

from backlog.admin import experiments, feedback, funnels, hypotheses

__all__ = ["experiments", "feedback", "funnels", "hypotheses"]
