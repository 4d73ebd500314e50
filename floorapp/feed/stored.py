"""What a stored event must keep: the last line of defence before the store.

The parsers bound every value; these checks run again where the writer does arithmetic or
writes a column, so one bad event is rejected (named, with why) and never costs its batch.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from floorapp.feed.events import FeedEvent, Rejected, rejected
from floorapp.i18n import N_, message

# Values checked before any arithmetic or store sees them (the parsers check more; this is
# the last line of defence, so one bad event can never cost the batch its good ones).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)  # queue_log's epoch 0; nothing older is a call
NUMBER_MAX = 2**31 - 1  # fits every integer column; as seconds, 68 years back from 1970
REJECT_REASON_MAX = 500


class OutOfRange(ValueError):
    """A number no column or time arithmetic should take (the event is rejected)."""


def _ahead(gap: timedelta) -> list[Any]:
    days = gap.days
    if days >= 365:
        return message(N_("{n} years"), n=days // 365)
    if days >= 1:
        return message(N_("{n} days"), n=days)
    seconds = int(gap.total_seconds())
    if seconds >= 3600:
        return message(N_("{h} h {m} min"), h=seconds // 3600, m=seconds % 3600 // 60)
    return message(N_("{m} min {s} s"), m=seconds // 60, s=seconds % 60)


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
    reason: list[Any] | None = None
    if ts > limit:
        reason = message(
            N_(
                "clock error: event time {ts} is {ahead} ahead of this host's clock "
                "(more than {limit} s)"
            ),
            ts=ts.isoformat(),
            ahead=_ahead(ts - now),
            limit=int((limit - now).total_seconds()),
        )
    elif ts < EARLIEST:
        reason = message(N_("event time {ts} is before 1970"), ts=ts.isoformat())
    if reason is None:
        return ev
    return rejected(ev.source, ev.line_no, reason, _describe(ev))


def store_failure(ev: FeedEvent, exc: BaseException) -> Rejected:
    what = str(exc) if isinstance(exc, OutOfRange) else f"{type(exc).__name__}: {exc}"
    return rejected(
        ev.source,
        ev.line_no,
        message(N_("could not be stored ({kind}): {error}"), kind=ev.kind.value, error=what[:300]),
        _describe(ev),
    )
