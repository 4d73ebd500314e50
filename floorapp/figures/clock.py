"""The floor's clock: the wall clock while the feed is live, the last event's time once the
feed has gone quiet.

A dead feed freezes the floor as it was at its last event: measured against the wall clock,
a call from a 2010 log would be 147,165 hours long. Every duration and "now" figure (longest
call, longest wait, time in state, calls waiting) is measured against ``FloorClock.now``, by
the console and by ``status`` alike, and a quiet feed is said in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

# A live floor of any size produces events every few seconds; two minutes of silence
# means the feed (or the floor service) has stopped, and every figure is going stale.
FEED_QUIET_AFTER = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class FloorClock:
    wall: datetime  # the machine's clock, aware
    last_event_at: datetime | None  # the newest feed event, None before any

    @property
    def quiet_since(self) -> datetime | None:
        """The last event's time once the feed has been silent for FEED_QUIET_AFTER."""
        if self.last_event_at is None or self.wall - self.last_event_at < FEED_QUIET_AFTER:
            return None
        return self.last_event_at

    @property
    def now(self) -> datetime:
        """The floor's time: what durations and "now" figures are measured against."""
        quiet = self.quiet_since
        return self.wall if quiet is None else quiet

    def quiet_text(self, tz: tzinfo) -> str | None:
        """``feed quiet since 11:56:30 on 22 Feb 2010`` (the date only when not today)."""
        quiet = self.quiet_since
        if quiet is None:
            return None
        from floorapp.i18n import _, is_chinese

        local = quiet.astimezone(tz)
        if local.date() == self.wall.astimezone(tz).date():
            return _("feed quiet since {time}").format(time=f"{local:%H:%M:%S}")
        # With the year: a log read long after its day says which day it was.
        on = (
            f"{local.year}年{local.month}月{local.day}日"
            if is_chinese()
            else f"{local.day} {local:%b %Y}"
        )
        return _("feed quiet since {time} on {date}").format(time=f"{local:%H:%M:%S}", date=on)


def floor_clock(wall: datetime, last_event_at: datetime | None) -> FloorClock:
    return FloorClock(wall, last_event_at)
