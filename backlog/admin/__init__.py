"""The backlog's admin, by sub-domain: hypotheses and experiments, and feedback."""

from backlog.admin import feedback, hypotheses

__all__ = ["feedback", "hypotheses"]
