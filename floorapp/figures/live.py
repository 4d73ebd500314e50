"""The console's figures for the centre's day, kept up to date by the calls that changed.

The day's calls are read once (the console's first look, a new day, new settings); after
that a tick reads only the feed events written since the last one (by primary key), and
the calls they name (by primary key), and moves each call's ``Fact`` out of the tally and
its new one in. Calls written without a feed event (a fixture, an import) are found by
their offered time past the last look. The cost of a tick follows the changes, not the day.

Feed event ids are handed out before commit: on PostgreSQL a lower id can commit after a
higher one has been read. Ids skipped over are remembered and looked for again for
GAP_WAIT, so a late commit is still counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, or_, select

from db.models import Call, FeedEventRow
from db.types import UTCDateTime
from floorapp.figures import day as fday
from floorapp.figures import settings as fs
from floorapp.figures import store
from floorapp.figures.clock import FloorClock
from floorapp.figures.queue import (
    FINISHED,
    Fact,
    QueueFigures,
    Tally,
    aware,
    fact_of,
    figures_of,
)

GAP_WAIT = timedelta(seconds=30)
# Calls written straight to the store are found by offered time: this far behind the newest.
OFFERED_OVERLAP = timedelta(seconds=10)
_CHUNK = 500
# Built once: a tick runs them every second, and building them cost more than running them.
_LAST = select(FeedEventRow.id, FeedEventRow.ts).order_by(FeedEventRow.id.desc()).limit(1)
_EVENTS = select(FeedEventRow.id, FeedEventRow.call_id).where(
    FeedEventRow.id > bindparam("after"), FeedEventRow.id <= bindparam("upto"))
_RECENT = select(Call.id).where(Call.offered_at >= bindparam("since", type_=UTCDateTime()),
                                Call.offered_at < bindparam("until", type_=UTCDateTime()))


@dataclass(frozen=True)
class LiveFigures:
    clock: FloorClock
    day_start: datetime
    day_end: datetime
    queue: QueueFigures  # the floor's figures for the centre's day so far
    waiting_now: int
    longest_wait_since: datetime | None


class LiveTally:
    """One console's running figures; not shared between threads."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.day: tuple[datetime, datetime] | None = None
        self.facts: dict[str, Fact] = {}
        self.tally = Tally()
        self.event_wm: int = 0
        self.gaps: dict[int, datetime] = {}
        self.offered_wm: datetime | None = None
        self.calls_read = 0  # calls read by the last poll (the benchmark reports it)
        # The board's "Calls" and complaints per agent, kept with the facts: a call that
        # moves takes its old marks back. ``moved`` is who changed in the last poll.
        self.by_agent: dict[str, tuple[int, int]] = {}
        self.moved: set[str] = set()
        self._marks: dict[str, tuple[str, int, int]] = {}  # call -> (agent, done, complaint)
        # One string object per agent, queue and team name across the day's facts, not one
        # per call as the driver hands them out.
        self._names: dict[str, str] = {}
        self._short = fs.short_abandon_s(settings)
        self._thresholds: dict[str | None, int] = {}

    def _threshold(self, queue: str | None) -> int:
        t = self._thresholds.get(queue)
        if t is None:
            t = self._thresholds[queue] = fs.sl_threshold(self.settings, queue)
        return t

    def poll(self, conn: Connection, wall: datetime) -> LiveFigures:
        self.moved = set()
        last_id, last_ts = conn.execute(_LAST).first() or (0, None)
        clock = FloorClock(wall, last_ts)
        day = fday.day_bounds(self.settings, clock.now)
        if day != self.day:
            self._load(conn, day, int(last_id or 0))
        else:
            self._catch_up(conn, int(last_id or 0), wall)
        waiting, oldest = store.calls_waiting(conn, clock.now)
        return LiveFigures(clock, day[0], day[1],
                           figures_of(self.tally, fs.sl_definition(self.settings),
                                      self._threshold(None)),
                           waiting, oldest)

    def _load(self, conn: Connection, day: tuple[datetime, datetime], last_id: int) -> None:
        self.day = day
        self.facts = {}
        self.tally = Tally()
        self.gaps = {}
        self.by_agent = {}
        self._marks = {}
        self._names = {}
        self.event_wm = last_id
        self.offered_wm = None
        self.calls_read = 0
        for rows in store.floor_call_batches(conn, *day):  # the floor's: no team needed
            self._apply(rows)
            self.calls_read += len(rows)
        if self.offered_wm is None:
            self.offered_wm = day[0]

    def _apply(self, rows: list[store.CallRow]) -> None:
        start, end = self.day  # type: ignore[misc]
        facts, tally, marks, by_agent = self.facts, self.tally, self._marks, self.by_agent
        name = self._names.setdefault
        moved = self.moved
        new = tuple.__new__
        for r in rows:
            cid = r.id
            old = facts.pop(cid, None)
            if old is not None:
                tally.add(old, -1)
            mark = marks.pop(cid, None)
            if mark is not None:
                agent, done, bad = mark
                n, c = by_agent[agent]
                by_agent[agent] = (n - done, c - bad)
                moved.add(agent)
            offered = aware(r.offered_at)
            if offered is None or not start <= offered < end:
                continue
            f = fact_of(r, self._threshold, self._short)
            queue, agent, team = f[0], f[1], f[2]
            f = new(Fact, (queue if queue is None else name(queue, queue),
                           agent if agent is None else name(agent, agent),
                           team if team is None else name(team, team), *f[3:]))
            facts[cid] = f
            tally.add(f)
            if agent is not None:
                done, bad = int(r.outcome in FINISHED), int(bool(r.complaint))
                if done or bad:
                    agent = f[1]
                    marks[cid] = (agent, done, bad)  # type: ignore[assignment]
                    n, c = by_agent.get(agent, (0, 0))  # type: ignore[arg-type]
                    by_agent[agent] = (n + done, c + bad)  # type: ignore[index]
                    moved.add(agent)  # type: ignore[arg-type]
            if self.offered_wm is None or offered > self.offered_wm:
                self.offered_wm = offered

    def _catch_up(self, conn: Connection, last_id: int, wall: datetime) -> None:
        ids: set[str] = set()
        if last_id > self.event_wm or self.gaps:
            if self.gaps:
                q: Any = select(FeedEventRow.id, FeedEventRow.call_id).where(
                    or_(FeedEventRow.id > self.event_wm, FeedEventRow.id.in_(list(self.gaps))),
                    FeedEventRow.id <= max(last_id, self.event_wm))
                params = None
            else:
                q, params = _EVENTS, {"after": self.event_wm, "upto": last_id}
            seen: set[int] = set()
            for eid, call in conn.execute(q, params):
                seen.add(eid)
                if call is not None:
                    ids.add(call)
            for eid in seen:
                self.gaps.pop(eid, None)
            for eid in range(self.event_wm + 1, last_id + 1):
                if eid not in seen:
                    self.gaps[eid] = wall
            self.event_wm = max(self.event_wm, last_id)
            self.gaps = {g: t for g, t in self.gaps.items() if wall - t < GAP_WAIT}
        if self.offered_wm is not None:
            facts = self.facts
            ids.update(cid for cid in conn.execute(_RECENT, {
                "since": self.offered_wm - OFFERED_OVERLAP, "until": self.day[1],  # type: ignore[index]
            }).scalars() if cid not in facts)
        rows: list[store.CallRow] = []
        wanted = list(ids)
        for i in range(0, len(wanted), _CHUNK):
            rows += store.call_rows(conn, self.day[0], self.day[1],  # type: ignore[index]
                                    ids=wanted[i:i + _CHUNK])
        self.calls_read = len(rows)
        self._apply(rows)

