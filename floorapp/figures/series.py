"""The shift in pictures: calls waiting, service level and open flags, step by step over
the last hours (the console's sparklines). Read in one pass over the calls of the window
and one over its flags, at the pace of a step, never per tick."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, or_, select

from db.engine import read_tx
from db.models import Agent, Flag
from floorapp.figures import settings as fs
from floorapp.figures import store
from floorapp.figures.queue import Tally, aware, fact_of, figures_of

HOURS = timedelta(hours=3)
STEP = timedelta(minutes=10)


@dataclass(frozen=True)
class ShiftSeries:
    start: datetime
    step: timedelta
    waiting: list[int]  # calls in a queue at the end of each step
    service_level: list[float | None]  # of the calls offered in each step (None: none)
    open_flags: list[int]  # open at the end of each step

    @property
    def ends(self) -> list[datetime]:
        return [self.start + self.step * (i + 1) for i in range(len(self.waiting))]


def shift_series(
    engine: Engine,
    settings: Any,
    now: datetime,
    *,
    span: timedelta = HOURS,
    step: timedelta = STEP,
    teams: Collection[str] | None = None,
) -> ShiftSeries:
    """Steps of ``step`` ending at ``now`` back over ``span``. ``teams`` limits the flags
    to those teams' agents (a team leader's console); calls are the floor's queues."""
    n = max(int(span / step), 1)
    start = now - step * n
    ends = [start + step * (i + 1) for i in range(n)]
    definition = fs.sl_definition(settings)
    short_s = fs.short_abandon_s(settings)
    floor_threshold = fs.sl_threshold(settings, None)
    thresholds: dict[str | None, int] = {}

    def threshold(queue: str | None) -> int:
        t = thresholds.get(queue)
        if t is None:
            t = thresholds[queue] = fs.sl_threshold(settings, queue)
        return t

    tallies = [Tally() for _ in range(n)]
    waiting = [0] * n
    with read_tx(engine) as conn:
        # A batch at a time: the window is hours of a busy floor's calls, and a console
        # holding them all at once for a moment would carry that peak for the shift.
        for batch in store.floor_call_batches(conn, start - store.WAITING_HORIZON, now):
            for r in batch:
                offered = aware(r.offered_at)
                if offered is None:
                    continue
                if offered >= start:
                    tallies[min(int((offered - start) / step), n - 1)].add(
                        fact_of(r, threshold, short_s)
                    )
                answered, ended = aware(r.answered_at), aware(r.ended_at)
                for i, end in enumerate(ends):
                    if (
                        offered <= end
                        and offered >= end - store.WAITING_HORIZON
                        and (answered is None or answered > end)
                        and (ended is None or ended > end)
                    ):
                        waiting[i] += 1
        q = (
            select(Flag.raised_at, Flag.resolved_at)
            .join(Agent, Agent.id == Flag.agent_id)
            .where(Flag.raised_at <= now, or_(Flag.resolved_at.is_(None), Flag.resolved_at > start))
        )
        if teams is not None:
            q = q.where(Agent.team_id.in_(sorted(teams)))
        flags = conn.execute(q).all()
    open_flags = [
        sum(
            1
            for raised, resolved in flags
            if raised <= end and (resolved is None or resolved > end)
        )
        for end in ends
    ]
    levels = [figures_of(t, definition, floor_threshold).service_level.value for t in tallies]
    return ShiftSeries(start, step, waiting, levels, open_flags)
