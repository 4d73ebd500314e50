"""The centre's day: "today" in measures and counts is the centre's day, not UTC's.

The day itself (time zone and day start) is defined once, in floorapp.figures.day.
"""

from __future__ import annotations

from datetime import date, datetime

from floorapp.config import Settings


def day_bounds(settings: Settings, now: datetime) -> tuple[datetime, datetime, date]:
    """UTC start and end of the centre's day holding ``now``, and that day's date."""
    from floorapp.figures import day as fday

    day = fday.day_of(settings, now)
    start, end = fday.date_bounds(settings, day)
    return start, end, day
