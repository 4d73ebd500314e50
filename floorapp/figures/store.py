"""The figures' reads: calls of an interval, agents' state history, calls waiting, the feed.

Times are read raw and converted here (the column type's per-value conversion was most of a
day report's cost at 150,000 calls). Nothing but figures reads calls for figures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, String, func, select, type_coerce

from db.models import Agent, AgentState, AgentStateChange, Call, FeedEventRow
from floorapp.figures.queue import FINISHED, CallRow, aware

# A call still "waiting" this long after it was offered lost its end line in the feed:
# it is not in the queue now (it still counts as offered, with no outcome, for its day).
WAITING_HORIZON = timedelta(hours=4)
# How far before an interval a state may have started and still run into it.
STATE_LOOKBACK = timedelta(hours=16)


def _t(col: Any) -> Any:
    return type_coerce(col, String)


def last_event_at(conn: Connection) -> datetime | None:
    # By primary key: one index step however long the feed has run.
    return conn.execute(  # type: ignore[no-any-return]
        select(FeedEventRow.ts).order_by(FeedEventRow.id.desc()).limit(1)).scalar()


def call_rows(conn: Connection, start: datetime, end: datetime,
              ids: Iterable[str] | None = None) -> list[CallRow]:
    """Calls offered in [start, end) (or, with ``ids``, those calls), with their agent's team."""
    q = (select(Call.id, Call.queue, Call.agent_id, Agent.team_id, Call.customer_id,
                _t(Call.offered_at), _t(Call.answered_at), _t(Call.ended_at), Call.outcome,
                Call.exit_reason, Call.hold_seconds, Call.talk_seconds)
         .outerjoin(Agent, Agent.id == Call.agent_id))
    if ids is not None:
        q = q.where(Call.id.in_(list(ids)))
    else:
        q = q.where(Call.offered_at >= start, Call.offered_at < end)
    return [CallRow(r[0], r[1], r[2], r[3], r[4], aware(r[5]), aware(r[6]), aware(r[7]),
                    r[8], r[9], r[10], r[11])
            for r in conn.execute(q)]


def calls_waiting(conn: Connection, now: datetime) -> tuple[int, datetime | None]:
    """Calls in a queue now (the floor's clock): offered, no answer, no end, not older than
    WAITING_HORIZON; and when the longest-waiting one was offered."""
    n, oldest = conn.execute(
        select(func.count(), func.min(Call.offered_at)).where(
            Call.outcome == "waiting", Call.ended_at.is_(None), Call.answered_at.is_(None),
            Call.offered_at >= now - WAITING_HORIZON, Call.offered_at <= now)
    ).one()
    return int(n), oldest


def state_spans(conn: Connection, start: datetime, end: datetime, now: datetime,
                states: tuple[str, ...] = (AgentState.AFTER_CALL, AgentState.BREAK),
                agents: Iterable[str] | None = None,
                ) -> list[tuple[str, str, str | None, datetime, datetime]]:
    """(agent, state, reason, from, to) of each span in ``states`` overlapping the interval,
    clipped to it and to ``now`` (a span still running ends at the floor's clock)."""
    h = AgentStateChange
    nxt = func.lead(_t(h.started_at)).over(partition_by=h.agent_id, order_by=h.started_at)
    inner = (select(h.agent_id, h.state, h.reason, _t(h.started_at).label("at"),
                    nxt.label("next"))
             .where(h.started_at >= start - STATE_LOOKBACK, h.started_at < end + timedelta(days=1)))
    if agents is not None:
        inner = inner.where(h.agent_id.in_(list(agents)))
    sub = inner.subquery()
    stop = min(end, now)
    out = []
    for agent, state, reason, at, nx in conn.execute(
            select(sub).where(sub.c.state.in_([str(s) for s in states]))):
        a = aware(at)
        b = aware(nx) if nx is not None else now
        assert a is not None and b is not None
        lo, hi = max(a, start), min(b, stop)
        if hi > lo:
            out.append((agent, state, reason, lo, hi))
    return out


def acw_after(spans: list[tuple[str, str, str | None, datetime, datetime]]
              ) -> dict[tuple[str, datetime], float]:
    """After-call work keyed by (agent, the moment it began): a call's wrap-up starts when
    its agent ends it, so (call.agent, call.ended_at) finds it."""
    return {(agent, a): (b - a).total_seconds()
            for agent, state, _, a, b in spans if state == AgentState.AFTER_CALL}


def pauses(spans: list[tuple[str, str, str | None, datetime, datetime]]
           ) -> dict[str, dict[str, float]]:
    """Seconds paused per agent per reason ("" when the pause gave none)."""
    out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for agent, state, reason, a, b in spans:
        if state == AgentState.BREAK:
            out[agent][reason or ""] += (b - a).total_seconds()
    return {a: dict(r) for a, r in out.items()}


def completed_by_agent(conn: Connection, start: datetime, ids: Iterable[str] | None = None
                       ) -> dict[str, tuple[int, int]]:
    """Calls completed (finished, not in progress) and complaints, per agent, of the calls
    offered since ``start``: the board's per-agent "Calls"."""
    from sqlalchemy import case

    complaints = func.sum(case((Call.complaint.is_(True), 1), else_=0))
    done = func.sum(case((Call.outcome.in_(FINISHED), 1), else_=0))
    q = (select(Call.agent_id, done, complaints)
         .where(Call.offered_at >= start, Call.agent_id.is_not(None))
         .group_by(Call.agent_id))
    if ids is not None:
        q = q.where(Call.agent_id.in_(list(ids)))
    return {aid: (int(n or 0), int(c or 0)) for aid, n, c in conn.execute(q)}
