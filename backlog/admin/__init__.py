"""The backlog's admin, one module per sub-domain."""

from backlog.admin import experiments, feedback, funnels, hypotheses, page_speed

__all__ = ["experiments", "feedback", "funnels", "hypotheses", "page_speed"]
