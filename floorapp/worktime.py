"""Working time: a deadline "within 2 working days" counted in the centre's working hours.

A request raised on Friday evening is not late on Saturday morning: its clock starts
at the next working hour and stops outside working hours and on days off.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from floorapp.config import WorkHours

# No deadline reaches further than this many calendar days (30 working days of the
# shortest week a setting allows still fits).
MAX_DAYS = 400


def add_working(start: datetime, minutes: int, hours: WorkHours, tz: ZoneInfo) -> datetime:
    """``start`` plus ``minutes`` of working time (aware UTC in, aware UTC out)."""
    left = timedelta(minutes=minutes)
    local = start.astimezone(tz)
    day = local.date()
    for _ in range(MAX_DAYS):
        if day.weekday() in hours.days:
            open_ = datetime.combine(day, hours.start, tzinfo=tz)
            close = datetime.combine(day, hours.end, tzinfo=tz)
            begin = max(open_, local)
            if begin < close:
                if begin + left <= close:
                    return (begin + left).astimezone(UTC)
                left -= close - begin
        day += timedelta(days=1)
        local = datetime.combine(day, time(0), tzinfo=tz)
    return (start + timedelta(days=MAX_DAYS)).astimezone(UTC)


def working_between(a: datetime, b: datetime, hours: WorkHours, tz: ZoneInfo) -> timedelta:
    """Working time from ``a`` to ``b`` (zero when ``b`` is not after ``a``)."""
    if b <= a:
        return timedelta(0)
    total = timedelta(0)
    day = a.astimezone(tz).date()
    last = b.astimezone(tz).date()
    while day <= last:
        if day.weekday() in hours.days:
            lo = max(datetime.combine(day, hours.start, tzinfo=tz), a)
            hi = min(datetime.combine(day, hours.end, tzinfo=tz), b)
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total
