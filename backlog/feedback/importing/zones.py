"""Time zones of imports: which names exist, and how a local time becomes UTC.

The one rule for local times that a daylight-saving change makes ambiguous or
impossible (PEP 495, ``fold=0``): a time that occurs twice is the first of the
two (the one before the clocks went back), and a time that never existed (in
the hour the clocks skip) is read with the offset in force just before the
change, so 02:30 on the morning the clocks go forward in Berlin is 01:30 UTC.
"""

from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError


@lru_cache(maxsize=1)
def time_zone_names() -> list[str]:
    return sorted(
        name
        for name in available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "posix/"))
    ) + ["UTC"]


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """The zone called `name`; raises ValueError with a message for people."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"“{name}” is not a time zone; write it as Europe/Berlin, "
            "America/New_York or UTC."
        ) from None


def validate_time_zone(name: str) -> None:
    if not name:
        return
    try:
        zone(name)
    except ValueError as problem:
        raise ValidationError(str(problem)) from None


def local_time_kind(naive: datetime, tz: tzinfo) -> str:
    """ "gap" for a local time the clocks skip, "overlap" for one that occurs
    twice, "" for an ordinary one."""
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return ""
    back = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    return "overlap" if back == naive else "gap"
