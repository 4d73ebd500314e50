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


def _fetch(conn: Connection, q: Any) -> list[tuple[Any, ...]]:
    """Every row as a plain tuple, straight from the driver when no column converts its
    values (raw times): building a Row per call was a third of a day report."""
    result = conn.execute(q)
    dialect = conn.dialect
    if all(c.type.dialect_impl(dialect).result_processor(dialect, None) is None
           for c in q.selected_columns):
        with result:
            return result.cursor.fetchall()  # type: ignore[no-any-return]
    return [tuple(r) for r in result.all()]


def call_rows(conn: Connection, start: datetime, end: datetime,
              ids: Iterable[str] | None = None, *, acw: bool = False
              ) -> list[CallRow] | list[tuple[CallRow, datetime | None, bool]]:
    """Calls offered in [start, end) (or, with ``ids``, those calls), with their agent's team.

    With ``acw``, each comes with the end of the after-call work that began as it ended
    (None while it runs) and whether there was any: the wrap-up state its agent entered
    at the call's end, found by index, never by reading the day's state history."""
    c = Call.__table__.c  # type: ignore[attr-defined]
    cols = [c.id, c.queue, c.agent_id, Agent.team_id, c.customer_id, _t(c.offered_at),
            _t(c.answered_at), _t(c.ended_at), c.outcome, c.exit_reason, c.hold_seconds,
            c.talk_seconds]
    q = select(*cols).outerjoin(Agent, Agent.id == c.agent_id)
    if acw:
        h = AgentStateChange.__table__.alias("wrap")  # type: ignore[attr-defined]
        nxt = AgentStateChange.__table__.alias("after")  # type: ignore[attr-defined]
        q = q.add_columns(
            h.c.id,
            select(_t(func.min(nxt.c.started_at))).where(
                nxt.c.agent_id == h.c.agent_id, nxt.c.started_at > h.c.started_at
            ).scalar_subquery(),
        ).outerjoin(h, (h.c.agent_id == c.agent_id) & (h.c.started_at == c.ended_at)
                    & (h.c.state == str(AgentState.AFTER_CALL)))
    if ids is not None:
        q = q.where(c.id.in_(list(ids)))
    else:
        q = q.where(c.offered_at >= start, c.offered_at < end)
    rows = _fetch(conn, q)
    make = CallRow._make
    if not acw:
        return [make(r) for r in rows]
    return [(make(r[:12]), r[13], r[12] is not None) for r in rows]


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
                states: tuple[str, ...] = (AgentState.BREAK,),
                agents: Iterable[str] | None = None,
                ) -> list[tuple[str, str, str | None, datetime, datetime]]:
    """(agent, state, reason, from, to) of each span in ``states`` overlapping the interval,
    clipped to it and to ``now`` (a span still running ends at the floor's clock). Each
    span's end is the agent's next state, found by index."""
    h = AgentStateChange.__table__.alias("span")  # type: ignore[attr-defined]
    nxt = AgentStateChange.__table__.alias("after")  # type: ignore[attr-defined]
    q = select(h.c.agent_id, h.c.state, h.c.reason, _t(h.c.started_at),
               select(_t(func.min(nxt.c.started_at))).where(
                   nxt.c.agent_id == h.c.agent_id, nxt.c.started_at > h.c.started_at
               ).scalar_subquery()).where(
        h.c.started_at >= start - STATE_LOOKBACK, h.c.started_at < end,
        h.c.state.in_([str(s) for s in states]))
    if agents is not None:
        q = q.where(h.c.agent_id.in_(list(agents)))
    stop = min(end, now)
    out = []
    for agent, state, reason, at, nx in _fetch(conn, q):
        a = aware(at)
        b = aware(nx) if nx is not None else now
        assert a is not None and b is not None
        lo, hi = max(a, start), min(b, stop)
        if hi > lo:
            out.append((agent, state, reason, lo, hi))
    return out


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
