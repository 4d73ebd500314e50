"""The console's figures for the centre's day, kept up to date by the calls that changed.

The day's calls are read once (the console's first look, a new day, new settings); after
that a tick reads only the feed events written since the last one (by primary key), and
the calls they name (by primary key), and moves each call's ``Fact`` out of the tally and
its new one in. Calls written without a feed event (a fixture, an import) are found by
their offered time past the last look. The cost of a tick follows the changes, not the day.

A call's ``Fact`` is held only while the call can still move: waiting, in progress, or
ended less than RETIRE_AFTER ago (a complaint or a survey lands just after the end). Then
it is retired: its share stays in the tally, the call is no longer held, so a console's
memory follows the calls in play, not the calls of the day. A later event for a retired
call (one not held, ended, and with no ``call_offered`` among the new events: a new call's
first event is its offer, and every call offered before the first look was read by it)
changes only its complaint mark; the few complaints of retired calls are remembered.

Feed event ids are handed out before commit: on PostgreSQL a lower id can commit after a
higher one has been read. Ids skipped over are remembered and looked for again for
GAP_WAIT, so a late commit is still counted.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, func, or_, select

from db.models import Call, FeedEventRow
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
RETIRE_AFTER = timedelta(minutes=5)
_OFFERED = "call_offered"  # the feed's first event of a call (feed.events.EventKind)
# Calls written straight to the store are found by offered time: this far behind the newest.
OFFERED_OVERLAP = timedelta(seconds=10)
_CHUNK = 500
# Built once: a tick runs them every second, and building them cost more than running them.
_LAST = select(FeedEventRow.id, FeedEventRow.ts).order_by(FeedEventRow.id.desc()).limit(1)
_EVENTS = select(FeedEventRow.id, FeedEventRow.call_id, FeedEventRow.kind).where(
    FeedEventRow.id > bindparam("after"), FeedEventRow.id <= bindparam("upto")
)
_DAY_LAST_OFFER = select(func.max(Call.offered_at)).where(
    Call.offered_at >= bindparam("since", type_=Call.offered_at.type),
    Call.offered_at < bindparam("until", type_=Call.offered_at.type),
)
_RECENT = select(Call.id).where(
    Call.offered_at >= bindparam("since", type_=Call.offered_at.type),
    Call.offered_at < bindparam("until", type_=Call.offered_at.type),
)


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
        # Held calls that ended, oldest first: (floor time of the end seen, call, offered).
        self._ended: deque[tuple[datetime, str, datetime]] = deque()
        self._complained: dict[str, str] = {}  # retired call with a complaint -> its agent
        self._now: datetime | None = None  # the floor's clock of this poll
        self._new_calls: set[str] = set()  # calls whose offer is among this poll's events
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
        self._now = clock.now
        day = fday.day_bounds(self.settings, clock.now)
        if day != self.day:
            self._load(conn, day, int(last_id or 0))
        else:
            self._catch_up(conn, int(last_id or 0), wall)
            self._retire()
        waiting, oldest = store.calls_waiting(conn, clock.now)
        return LiveFigures(
            clock,
            day[0],
            day[1],
            figures_of(self.tally, fs.sl_definition(self.settings), self._threshold(None)),
            waiting,
            oldest,
        )

    def _load(self, conn: Connection, day: tuple[datetime, datetime], last_id: int) -> None:
        self.day = day
        self.facts = {}
        self.tally = Tally()
        self.gaps = {}
        self.by_agent = {}
        self._marks = {}
        self._names = {}
        self._ended = deque()
        self._complained = {}
        self._new_calls = set()
        self.event_wm = last_id
        self.calls_read = 0
        # The day's last offer first: a call ended long enough ago is retired as it is
        # read, so the day is never held whole, and it is behind the offered-time look.
        last = aware(conn.execute(_DAY_LAST_OFFER, {"since": day[0], "until": day[1]}).scalar())
        self.offered_wm = last
        for rows in store.floor_call_batches(conn, *day):  # the floor's: no team needed
            self._apply(rows, loading=True)
            self.calls_read += len(rows)
        if self.offered_wm is None:
            self.offered_wm = day[0]

    def _retirable(self, ended_at: datetime | None, offered: datetime) -> bool:
        now, wm = self._now, self.offered_wm
        return (
            ended_at is not None
            and now is not None
            and wm is not None
            and ended_at <= now - RETIRE_AFTER
            and offered < wm - OFFERED_OVERLAP
        )

    def _retire(self) -> None:
        """Let go of held calls that ended RETIRE_AFTER ago (their share stays counted)."""
        ended, facts, marks = self._ended, self.facts, self._marks
        now = self._now
        while ended and now is not None and ended[0][0] <= now - RETIRE_AFTER:
            _, cid, offered = ended.popleft()
            if cid not in facts:
                continue
            if self.offered_wm is None or offered >= self.offered_wm - OFFERED_OVERLAP:
                ended.append((now, cid, offered))  # still in the offered-time look: later
                break
            del facts[cid]
            mark = marks.pop(cid, None)
            if mark is not None and mark[2]:
                self._complained[cid] = mark[0]

    def _apply(self, rows: list[store.CallRow], loading: bool = False) -> None:
        assert self.day is not None  # _load set it before any call is applied
        start, end = self.day
        facts, tally, marks, by_agent = self.facts, self.tally, self._marks, self.by_agent
        name = self._names.setdefault
        moved = self.moved
        new = tuple.__new__
        now = self._now
        for r in rows:
            cid = r.id
            old = facts.pop(cid, None)
            if old is not None:
                tally.add(old, -1)

            mark = marks.pop(cid, None)
            if mark is not None:
                was, done, bad = mark
                n, c = by_agent[was]
                by_agent[was] = (n - done, c - bad)
                moved.add(was)
            offered = aware(r.offered_at)
            if offered is None or not start <= offered < end:
                continue
            if (
                old is None
                and not loading
                and r.ended_at is not None
                and cid not in self._new_calls
            ):
                # Retired (counted, let go): only its complaint mark can still move.
                self._recomplain(cid, r)
                continue
            f = fact_of(r, self._threshold, self._short)
            queue, agent, team = f[0], f[1], f[2]
            if agent is not None:
                agent = name(agent, agent)
            f = new(
                Fact,
                (
                    queue if queue is None else name(queue, queue),
                    agent,
                    team if team is None else name(team, team),
                    *f[3:],
                ),
            )
            tally.add(f)
            ended_at = aware(r.ended_at)
            retire = loading and self._retirable(ended_at, offered)
            if not retire:
                facts[cid] = f
                if ended_at is not None and now is not None:
                    self._ended.append((now, cid, offered))
            if agent is not None:
                done, bad = int(r.outcome in FINISHED), int(bool(r.complaint))
                if done or bad:
                    if not retire:
                        marks[cid] = (agent, done, bad)
                    elif bad:
                        self._complained[cid] = agent
                    n, c = by_agent.get(agent, (0, 0))
                    by_agent[agent] = (n + done, c + bad)
                    moved.add(agent)
            if self.offered_wm is None or offered > self.offered_wm:
                self.offered_wm = offered

    def _recomplain(self, cid: str, r: store.CallRow) -> None:
        agent = self._complained.get(cid) if r.agent is None else r.agent
        if agent is None:
            return
        agent = self._names.setdefault(agent, agent)
        was, now = cid in self._complained, bool(r.complaint)
        if was == now:
            return
        n, c = self.by_agent.get(agent, (0, 0))
        if now:
            self._complained[cid] = agent
            self.by_agent[agent] = (n, c + 1)
        else:
            del self._complained[cid]
            self.by_agent[agent] = (n, c - 1)
        self.moved.add(agent)

    def _catch_up(self, conn: Connection, last_id: int, wall: datetime) -> None:
        ids: set[str] = set()
        offered: set[str] = set()
        if last_id > self.event_wm or self.gaps:
            if self.gaps:
                q: Any = select(FeedEventRow.id, FeedEventRow.call_id, FeedEventRow.kind).where(
                    or_(FeedEventRow.id > self.event_wm, FeedEventRow.id.in_(list(self.gaps))),
                    FeedEventRow.id <= max(last_id, self.event_wm),
                )
                params = None
            else:
                q, params = _EVENTS, {"after": self.event_wm, "upto": last_id}
            seen: set[int] = set()
            for eid, call, kind in conn.execute(q, params):
                seen.add(eid)
                if call is not None:
                    ids.add(call)
                    if kind == _OFFERED:
                        offered.add(call)
            for eid in seen:
                self.gaps.pop(eid, None)
            for eid in range(self.event_wm + 1, last_id + 1):
                if eid not in seen:
                    self.gaps[eid] = wall
            self.event_wm = max(self.event_wm, last_id)
            self.gaps = {g: t for g, t in self.gaps.items() if wall - t < GAP_WAIT}
        if self.offered_wm is not None:
            # Calls found by offered time are new to this console (retired ones are
            # behind this look: see _retire).
            facts = self.facts
            assert self.day is not None  # _load set it before any catch-up
            recent = [
                cid
                for cid in conn.execute(
                    _RECENT,
                    {
                        "since": self.offered_wm - OFFERED_OVERLAP,
                        "until": self.day[1],
                    },
                ).scalars()
                if cid not in facts
            ]
            ids.update(recent)
            offered.update(recent)
        self._new_calls = offered
        rows: list[store.CallRow] = []
        wanted = list(ids)
        for i in range(0, len(wanted), _CHUNK):
            assert self.day is not None  # _load set it before any catch-up
            rows += store.call_rows(
                conn,
                self.day[0],
                self.day[1],
                ids=wanted[i : i + _CHUNK],
            )
        self.calls_read = len(rows)
        self._apply(rows)
