"""The centre's day: from the settings' time zone and day start, never the UTC calendar day.

A 24-hour centre may start its day at 06:00: then 05:59 local belongs to the day before.
Bounds are built from local wall times (not start + 24 h), so a daylight-saving day has its
real length.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from floorapp.figures import settings as fs


def day_of(settings: Any, when: datetime) -> date:
    """The centre's date that ``when`` (aware) falls in."""
    local = when.astimezone(fs.zone(settings))
    d = local.date()
    if local.time() < fs.day_start(settings):
        d -= timedelta(days=1)
    return d


def date_bounds(settings: Any, day: date) -> tuple[datetime, datetime]:
    """UTC start (inclusive) and end (exclusive) of the centre's day ``day``."""
    tz = fs.zone(settings)
    start = fs.day_start(settings)
    return (
        datetime.combine(day, start, tzinfo=tz).astimezone(UTC),
        datetime.combine(day + timedelta(days=1), start, tzinfo=tz).astimezone(UTC),
    )


def day_bounds(settings: Any, when: datetime) -> tuple[datetime, datetime]:
    """UTC bounds of the centre's day holding ``when``."""
    return date_bounds(settings, day_of(settings, when))


def local_time(settings: Any, day: date, at: time) -> datetime:
    """A wall time on a centre's date, as aware UTC (a shift's start or end)."""
    return datetime.combine(day, at, tzinfo=fs.zone(settings)).astimezone(UTC)


def day_of_start(start: datetime, tz: Any) -> str:
    """The date a day's (or shift's) start falls on, locally: a view's title."""
    return start.astimezone(tz).date().isoformat()
