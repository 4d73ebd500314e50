"""What a stored event must keep: the last line of defence before the store.

The parsers bound every value; these checks run again where the writer does arithmetic or
writes a column, so one bad event is rejected (named, with why) and never costs its batch.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from floorapp.feed.events import FeedEvent, Rejected

# Values checked before any arithmetic or store sees them (the parsers check more; this is
# the last line of defence, so one bad event can never cost the batch its good ones).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)  # queue_log's epoch 0; nothing older is a call
NUMBER_MAX = 2**31 - 1  # fits every integer column; as seconds, 68 years back from 1970
REJECT_REASON_MAX = 500


class OutOfRange(ValueError):
    """A number no column or time arithmetic should take (the event is rejected)."""


def _ahead(gap: timedelta) -> str:
    days = gap.days
    if days >= 365:
        return f"{days // 365} years"
    if days >= 1:
        return f"{days} days"
    seconds = int(gap.total_seconds())
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 60} min {seconds % 60} s"


def _describe(ev: FeedEvent) -> str:
    """The event as text for the rejects table (the raw line stays with the parser)."""
    raw = getattr(ev, "raw", None)
    if isinstance(raw, str) and raw:
        return raw
    data = json.dumps(ev.data, ensure_ascii=True, default=repr)[:1000] if ev.data else ""
    return (
        f"{ev.kind.value} at {ev.ts.isoformat()} agent={ev.agent!r} call={ev.call!r} {data}"
    ).strip()


def storable(text: str) -> str:
    """Text any database encoding takes (a lone surrogate becomes its escape)."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def unfit(ev: FeedEvent, now: datetime, limit: datetime) -> FeedEvent | Rejected:
    """The rejection for an event the quick check refused (or the event, if it passes)."""
    ts = ev.ts
    reason = None
    if ts > limit:
        reason = (
            f"clock error: event time {ts.isoformat()} is {_ahead(ts - now)} ahead of "
            f"this host's clock (more than {int((limit - now).total_seconds())} s)"
        )
    elif ts < EARLIEST:
        reason = f"event time {ts.isoformat()} is before 1970"
    if reason is None:
        return ev
    return Rejected(ev.source, ev.line_no, reason, _describe(ev))


def store_failure(ev: FeedEvent, exc: BaseException) -> Rejected:
    what = str(exc) if isinstance(exc, OutOfRange) else f"{type(exc).__name__}: {exc}"
    return Rejected(
        ev.source, ev.line_no, f"could not be stored ({ev.kind.value}): {what[:300]}", _describe(ev)
    )
