"""The figures of an interval: the floor, each queue, team and agent, and the abandoned calls.

The one read model behind ``status``, ``report``, the console's views and header: every
route asks ``interval_figures`` (or, live, ``floorapp.figures.live``) and none adds up calls
of its own. Queue figures are the floor's (a caller waiting belongs to a queue, not to a
team); team and agent cuts count the calls their agents answered and follow the scope.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import Connection, Engine, select

from db.engine import read_tx
from db.models import Agent
from floorapp.figures import settings as fs
from floorapp.figures import store
from floorapp.figures.clock import FloorClock
from floorapp.figures.queue import (
    ANSWERED,
    FINISHED,
    UNANSWERED,
    CallRow,
    Fact,
    QueueFigures,
    Tally,
    aware,
    fact_of,
    figures_of,
)
from floorapp.figures.store import micros
from floorapp.services.scope import Scope

NO_QUEUE = "(no queue)"


@dataclass(frozen=True)
class AgentFigures:
    id: str
    name: str
    team: str
    answered: int
    completed: int  # finished, not in progress
    talk_s: float
    acw_s: float
    pause_s: dict[str, float] = field(default_factory=dict)  # reason ("" none) -> seconds

    @property
    def aht_s(self) -> float | None:
        return None if self.completed == 0 else (self.talk_s + self.acw_s) / self.completed

    def as_json(self) -> dict[str, Any]:
        aht = self.aht_s
        return {
            "id": self.id,
            "name": self.name,
            "team": self.team,
            "answered": self.answered,
            "completed": self.completed,
            "talk_s": round(self.talk_s, 3),
            "acw_s": round(self.acw_s, 3),
            "aht_s": None if aht is None else round(aht, 3),
            "pause_s": {k or "(no reason)": round(v, 3) for k, v in sorted(self.pause_s.items())},
        }


@dataclass(frozen=True)
class AbandonedCall:
    """A call that left the queue unanswered, and whether the caller came back."""

    id: str
    at: datetime  # offered
    queue: str | None
    caller: str | None  # None: withheld or unknown (no call back can be matched)
    waited_s: float
    exit: str  # abandoned, exitwithkey, timeout, exitempty
    called_back_at: datetime | None  # the caller's next call
    got_through_at: datetime | None  # the answer of the first later call that got one

    def as_json(self, tz: tzinfo) -> dict[str, Any]:
        def iso(v: datetime | None) -> str | None:
            return None if v is None else v.astimezone(tz).isoformat()

        return {
            "call": self.id,
            "at": iso(self.at),
            "queue": self.queue,
            "caller": self.caller,
            "waited_s": round(self.waited_s, 3),
            "exit": self.exit,
            "called_back_at": iso(self.called_back_at),
            "got_through_at": iso(self.got_through_at),
        }


@dataclass(frozen=True)
class Figures:
    start: datetime
    end: datetime
    clock: FloorClock
    floor: QueueFigures
    queues: dict[str, QueueFigures]
    teams: dict[str, QueueFigures]
    agents: list[AgentFigures]
    abandoned: list[AbandonedCall]
    waiting_now: int
    longest_wait_since: datetime | None

    @property
    def longest_wait_s(self) -> float | None:
        if self.longest_wait_since is None:
            return None
        return max((self.clock.now - self.longest_wait_since).total_seconds(), 0.0)

    def agent(self, agent_id: str) -> AgentFigures | None:
        return next((a for a in self.agents if a.id == agent_id), None)

    def as_json(self, tz: tzinfo) -> dict[str, Any]:
        quiet = self.clock.quiet_since
        return {
            "from": self.start.astimezone(tz).isoformat(),
            "to": self.end.astimezone(tz).isoformat(),
            "floor_clock": self.clock.now.astimezone(tz).isoformat(),
            "feed_quiet_since": None if quiet is None else quiet.astimezone(tz).isoformat(),
            "waiting_now": self.waiting_now,
            "longest_wait_s": None
            if self.longest_wait_s is None
            else round(self.longest_wait_s, 3),
            "floor": self.floor.as_json(),
            "queues": {q: f.as_json() for q, f in sorted(self.queues.items())},
            "teams": {t: f.as_json() for t, f in sorted(self.teams.items())},
            "agents": [a.as_json() for a in self.agents],
            "abandoned_calls": [c.as_json(tz) for c in self.abandoned],
        }


def _callbacks(
    conn: Connection, callers: set[str], rows: list[CallRow], end: datetime
) -> dict[str, list[CallRow]]:
    """Every call of each caller who left unanswered, in order: the interval's calls of
    those callers (``rows``) and their calls of the day after it (a supervisor's call back
    lands then too)."""
    by_caller: dict[str, list[CallRow]] = defaultdict(list)
    if not callers:
        return by_caller
    later = store.call_rows(conn, end, end + timedelta(days=1))
    for r in (*rows, *later):
        if r.customer in callers:
            by_caller[r.customer].append(r)
    for calls in by_caller.values():
        # Raw times sort as times: every call here was read by its offered time.
        calls.sort(key=lambda r: r.offered_at)
    return by_caller


def abandoned_calls(
    rows: list[CallRow], facts: list[Fact], by_caller: dict[str, list[CallRow]]
) -> list[AbandonedCall]:
    out = []
    for r, f in zip(rows, facts, strict=True):
        if f.kind not in UNANSWERED:
            continue
        at = aware(r.offered_at)
        if at is None:
            continue
        back = got = None
        for later in by_caller.get(r.customer or "", ()):
            if later.offered_at <= r.offered_at:
                continue
            if back is None:
                back = aware(later.offered_at)
            if later.answered_at is not None:
                got = aware(later.answered_at)
                break
        out.append(AbandonedCall(r.id, at, r.queue, r.customer, f.wait, f.kind, back, got))
    out.sort(key=lambda c: c.at)
    return out


def interval_figures(
    engine: Engine,
    settings: Any,
    start: datetime,
    end: datetime,
    wall: datetime,
    *,
    scope: Scope | None = None,
    team: str | None = None,
) -> Figures:
    """Figures of the calls offered in [start, end), measured at the floor's clock."""
    with read_tx(engine) as conn:
        return read_figures(conn, settings, start, end, wall, scope=scope, team=team)


def read_figures(
    conn: Connection,
    settings: Any,
    start: datetime,
    end: datetime,
    wall: datetime,
    *,
    scope: Scope | None = None,
    team: str | None = None,
) -> Figures:
    clock = FloorClock(wall, store.last_event_at(conn))
    now = clock.now
    definition = fs.sl_definition(settings)
    short_s = fs.short_abandon_s(settings)
    thresholds: dict[str | None, int] = {}

    def threshold(queue: str | None) -> int:
        t = thresholds.get(queue)
        if t is None:
            t = thresholds[queue] = fs.sl_threshold(settings, queue)
        return t

    facts: list[Fact] = []
    queues: dict[str, Tally] = defaultdict(Tally)
    teams: dict[str, Tally] = defaultdict(Tally)
    per_agent: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0, 0.0])
    shown: dict[str | None, bool] = {}

    def visible(team_id: str | None) -> bool:
        v = shown.get(team_id)
        if v is None:
            v = shown[team_id] = (team is None or team_id == team) and (
                scope is None or scope.allows_team(team_id)
            )
        return v

    def count(f: Fact) -> None:
        queues[f.queue or NO_QUEUE].add(f)
        if f.kind == ANSWERED:
            if f.team is not None and visible(f.team):
                teams[f.team].add(f)
            if f.agent is not None:
                a = per_agent[f.agent]
                a[0] += 1
                if f.finished:
                    a[1] += 1
                    a[2] += f.talk
                    a[3] += f.acw

    roster = store._fetch(
        conn, select(Agent.id, Agent.name, Agent.team_id).order_by(Agent.team_id, Agent.id)
    )
    team_of = {aid: team_id for aid, _, team_id in roster}
    # Answered calls that carry the PBX's own hold and talk seconds (nearly all of them) are
    # added up per (queue, agent) as plain numbers: [threshold, answered, hold, within the
    # threshold, finished, talk, after-call work in microseconds]. They count exactly as
    # fact_of counts them; a Fact and two Tally additions per call were half a day report.
    answered: dict[tuple[str | None, str | None], list[int]] = {}
    unanswered: list[CallRow] = []
    callers: set[str] = set()
    # A day's calls make a few hundred thousand short-lived tuples, none of them cyclic:
    # the cyclic collector's passes over them were a fifth of a report.
    collecting = gc.isenabled()
    gc.disable()
    try:
        wraps, paused = store.history(conn, list(team_of), start, end, now)
        raw = store.raw_call_rows(conn, start, end)
        wrap_of = wraps.get
        for r in raw:
            _, queue, agent, customer, _, answered_at, ended_at, outcome, _, hold, talk, _ = r
            if answered_at is not None and hold is not None:
                finished = outcome in FINISHED
                if not finished or talk is not None:
                    g = answered.get((queue, agent))
                    if g is None:
                        g = answered[(queue, agent)] = [threshold(queue), 0, 0, 0, 0, 0, 0]
                    g[1] += 1
                    g[2] += hold
                    if hold <= g[0]:
                        g[3] += 1
                    if finished:
                        g[4] += 1
                        g[5] += talk or 0  # not None here: only a finished call has one
                        if agent is not None:
                            # Only a finished call's wrap-up counts (fact_of).
                            g[6] += wrap_of((agent, micros(ended_at)), 0)
                    continue
            acw = (
                wrap_of((agent, micros(ended_at)), 0) / 1e6
                if agent is not None and outcome in FINISHED
                else 0.0
            )
            row = store.call_row(r, team_of.get(agent))
            f = fact_of(row, threshold, short_s, acw)
            count(f)
            if f.kind in UNANSWERED:
                unanswered.append(row)
                facts.append(f)
            if answered_at is None and ended_at is not None and customer is not None:
                callers.add(customer)
        # The calls of those who left unanswered, for their call backs.
        theirs = [store.call_row(r, team_of.get(r[2])) for r in raw if r[3] in callers]
        del raw
    finally:
        if collecting:
            gc.enable()
    for (queue, agent), (_, n, hold, in_sl, done, talk, acw_us) in answered.items():
        acw_s = acw_us / 1e6
        queues[queue or NO_QUEUE].add_answered(n, hold, in_sl, done, talk, acw_s)
        if agent is None:
            continue
        team_id = team_of.get(agent)
        if team_id is not None and visible(team_id):
            teams[team_id].add_answered(n, hold, in_sl, done, talk, acw_s)
        a = per_agent[agent]
        a[0] += n
        a[1] += done
        a[2] += talk
        a[3] += acw_s
    floor = Tally()
    for t in queues.values():
        floor.merge(t)
    agents = []
    for aid, name, team_id in roster:
        if not visible(team_id) or (aid not in per_agent and aid not in paused):
            continue
        sums = per_agent.get(aid, [0, 0, 0.0, 0.0])
        agents.append(
            AgentFigures(
                aid,
                name,
                team_id,
                int(sums[0]),
                int(sums[1]),
                sums[2],
                sums[3],
                paused.get(aid, {}),
            )
        )
    abandoned = abandoned_calls(unanswered, facts, _callbacks(conn, callers, theirs, end))
    waiting, oldest = store.calls_waiting(conn, now)
    floor_t = threshold(None)
    return Figures(
        start,
        end,
        clock,
        figures_of(floor, definition, floor_t),
        {
            q: figures_of(t, definition, threshold(None if q == NO_QUEUE else q))
            for q, t in queues.items()
        },
        {t: figures_of(x, definition, floor_t) for t, x in teams.items()},
        agents,
        abandoned,
        waiting,
        oldest,
    )
