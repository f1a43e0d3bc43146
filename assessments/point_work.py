"""The work planned for each point of the maturity model, as the backlog tells it.

The scorecard shows, beside each point, the improvement items planned for it.
Those items live in the backlog, a layer above the assessments, so the
assessments never import them: the backlog registers, when its app is ready, the
function that lists them per point key.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from cromaturity.models import Organisation

type WorkByPoint = Callable[[Organisation], Mapping[str, Sequence[Any]]]

_provider: WorkByPoint | None = None


def provide_work_by_point(provider: WorkByPoint) -> None:
    """Register the function that lists an organisation's work per point key."""
    global _provider
    _provider = provider


def work_by_point(organisation: Organisation) -> Mapping[str, Sequence[Any]]:
    """The organisation's planned work per point key, newest first; none when no
    app provides it."""
    if _provider is None:
        return {}
    return _provider(organisation)
