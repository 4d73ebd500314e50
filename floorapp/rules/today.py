"""The centre's day: "today" in measures and counts is the local calendar day, not UTC's."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from floorapp.config import Settings


def day_bounds(settings: Settings, now: datetime) -> tuple[datetime, datetime, date]:
    """UTC start and end of the centre's day holding ``now``, and that day's date.

    Built from local midnights (not start + 24 h) so a daylight-saving day has its real length.
    """
    tz = settings.timezone
    day = now.astimezone(tz).date()
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end, day
