"""The figures' reads: calls of an interval, agents' state history, calls waiting, the feed.

Times are read raw and converted here (the column type's per-value conversion was most of a
day report's cost at 150,000 calls). Nothing but figures reads calls for figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Connection,
    Integer,
    String,
    bindparam,
    func,
    select,
    type_coerce,
)

from db.models import Agent, AgentState, AgentStateChange, Call, FeedEventRow
from floorapp.figures.queue import FINISHED, CallRow

# A call still "waiting" this long after it was offered lost its end line in the feed:
# it is not in the queue now (it still counts as offered, with no outcome, for its day).
WAITING_HORIZON = timedelta(hours=4)
# How far before an interval a state may have started and still run into it.
STATE_LOOKBACK = timedelta(hours=16)


def _t(col: Any) -> Any:
    return type_coerce(col, String)


def _raw_flag(col: Any) -> Any:
    # As the driver gives it (0/1 on SQLite): a converting column would cost every row of
    # the read its fast path (see _fetch).
    return type_coerce(col, Integer)


_C = Call.__table__.c


def last_event_at(conn: Connection) -> datetime | None:
    # By primary key: one index step however long the feed has run.
    return conn.execute(select(FeedEventRow.ts).order_by(FeedEventRow.id.desc()).limit(1)).scalar()


def _fetch(conn: Connection, q: Any, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """Every row as a plain tuple, straight from the driver when no column converts its
    values (raw times): building a Row per call was a third of a day report."""
    result = conn.execute(q, params)
    dialect = conn.dialect
    if all(
        c.type.dialect_impl(dialect).result_processor(dialect, None) is None
        for c in q.selected_columns
    ):
        with result:
            # A sequence of tuples by DB-API; a list of tuples from every driver we use.
            return cast("list[tuple[Any, ...]]", result.cursor.fetchall())
    return [tuple(r) for r in result.all()]


def call_rows(
    conn: Connection,
    start: datetime,
    end: datetime,
    ids: Iterable[str] | None = None,
    *,
    teams: dict[str, str] | None = None,
) -> list[CallRow]:
    """Calls offered in [start, end) (or, with ``ids``, those calls), with their agent's team
    (from ``teams``, agent -> team, when given: a dictionary look-up instead of an index
    seek per call)."""
    c = Call.__table__.c
    cols = [
        c.id,
        c.queue,
        c.agent_id,
        c.customer_id,
        _t(c.offered_at),
        _t(c.answered_at),
        _t(c.ended_at),
        c.outcome,
        c.exit_reason,
        c.hold_seconds,
        c.talk_seconds,
        _raw_flag(c.complaint),
    ]
    if teams is None:
        q = select(*cols, Agent.team_id).outerjoin(Agent, Agent.id == c.agent_id)
    else:
        q = select(*cols)
    if ids is not None:
        if teams is None:
            return [
                tuple.__new__(CallRow, (r[0], r[1], r[2], r[12], *r[3:12]))
                for r in _fetch(conn, _BY_ID, {"ids": list(ids)})
            ]
        q = q.where(c.id.in_(list(ids)))
    else:
        q = q.where(c.offered_at >= start, c.offered_at < end)
    rows = _fetch(conn, q)
    new = tuple.__new__
    if teams is None:
        return [new(CallRow, (r[0], r[1], r[2], r[12], *r[3:12])) for r in rows]
    get = teams.get
    return [
        new(CallRow, (r[0], r[1], r[2], get(r[2]) if r[2] is not None else None, *r[3:12]))
        for r in rows
    ]


# A call as ``raw_call_rows`` gives it: a CallRow without its team.
RawCall = tuple[
    str,
    str | None,
    str | None,
    str | None,
    Any,
    Any,
    Any,
    str,
    str | None,
    int | None,
    int | None,
    Any,
]


def _raw_calls(start: datetime, end: datetime) -> Any:
    """The calls offered in [start, end), every column a CallRow holds but the team, as the
    driver gives them (times as stored, the complaint flag as 0/1)."""
    c = _C
    q = select(
        c.id,
        c.queue,
        c.agent_id,
        c.customer_id,
        _t(c.offered_at),
        _t(c.answered_at),
        _t(c.ended_at),
        c.outcome,
        c.exit_reason,
        c.hold_seconds,
        c.talk_seconds,
        _raw_flag(c.complaint),
    ).where(c.offered_at >= start, c.offered_at < end)
    return q


def raw_call_rows(conn: Connection, start: datetime, end: datetime) -> list[RawCall]:
    """Calls offered in [start, end) as the driver gives them, without teams: for a reader
    that builds a CallRow (``call_row``) only for the few calls that need one."""
    return _fetch(conn, _raw_calls(start, end))


def call_row(raw: RawCall, team: str | None) -> CallRow:
    return tuple.__new__(CallRow, (raw[0], raw[1], raw[2], team, *raw[3:]))


def floor_call_batches(
    conn: Connection, start: datetime, end: datetime, size: int = 5000
) -> Iterator[list[CallRow]]:
    """The calls offered in [start, end), without teams (the floor's figures), ``size`` at a
    time: a console loading a long day never holds the whole day's raw rows at once (its
    peak memory would grow with the day)."""
    q = _raw_calls(start, end)
    new = tuple.__new__
    dialect = conn.dialect
    with conn.execute(q) as result:
        fetch: Any = (
            result.cursor.fetchmany
            if all(
                col.type.dialect_impl(dialect).result_processor(dialect, None) is None
                for col in q.selected_columns
            )
            else result.fetchmany
        )
        while batch := fetch(size):
            yield [new(CallRow, (r[0], r[1], r[2], None, *r[3:12])) for r in batch]


# Built once: the console asks every second, and building a statement cost more than
# running it.
_WAITING = select(func.count(), func.min(Call.offered_at)).where(
    Call.outcome == "waiting",
    Call.ended_at.is_(None),
    Call.answered_at.is_(None),
    Call.offered_at >= bindparam("since", type_=Call.offered_at.type),
    Call.offered_at <= bindparam("now", type_=Call.offered_at.type),
)


_BY_ID = (
    select(
        _C.id,
        _C.queue,
        _C.agent_id,
        _C.customer_id,
        _t(_C.offered_at),
        _t(_C.answered_at),
        _t(_C.ended_at),
        _C.outcome,
        _C.exit_reason,
        _C.hold_seconds,
        _C.talk_seconds,
        _raw_flag(_C.complaint),
        Agent.team_id,
    )
    .outerjoin(Agent, Agent.id == _C.agent_id)
    .where(_C.id.in_(bindparam("ids", expanding=True)))
)


def calls_waiting(conn: Connection, now: datetime) -> tuple[int, datetime | None]:
    """Calls in a queue now (the floor's clock): offered, no answer, no end, not older than
    WAITING_HORIZON; and when the longest-waiting one was offered."""
    n, oldest = conn.execute(_WAITING, {"since": now - WAITING_HORIZON, "now": now}).one()
    return int(n), oldest


_EPOCH = datetime(1970, 1, 1)
_US = timedelta(microseconds=1)


def micros(value: Any) -> int | None:
    """A stored time (microseconds since 1970 UTC for calls and the state history,
    ``db.types.UTCMicros``; ISO text on SQLite or naive UTC elsewhere for other tables) in
    whole microseconds since 1970 UTC."""
    if value is None or type(value) is int:
        return value
    t = datetime.fromisoformat(value) if isinstance(value, str) else value
    return _micros(t)


def _micros(t: datetime) -> int:
    """A naive UTC time in whole microseconds since 1970."""
    return (t - _EPOCH) // _US


def history(
    conn: Connection, agents: list[str], start: datetime, end: datetime, now: datetime
) -> tuple[dict[tuple[str, int | None], int], dict[str, dict[str, float]]]:
    """One pass over the agents' state history around the interval, in index order (agent,
    time): after-call work in whole microseconds (sums of them are exact), keyed by
    (agent, the microsecond it began: a call's wrap-up
    begins as its agent ends it, so (call.agent, micros(call.ended_at)) finds it), and
    seconds paused per agent per reason ("" when the pause gave none), clipped to the
    interval and ``now``."""
    h = AgentStateChange.__table__.c
    # Keyed as a call looks its wrap-up up: a call with no end time asks for (agent, None),
    # which is never there.
    acw: dict[tuple[str, int | None], int] = {}
    paused: dict[str, dict[str, float]] = {}
    stop = min(end, now)
    wrap, brk = str(AgentState.AFTER_CALL), str(AgentState.BREAK)
    # Durations in the stored microseconds: no time is parsed, and a pass reads two or
    # three rows per call of the day.
    start_u, stop_u, now_u = (
        _micros(t.astimezone(UTC).replace(tzinfo=None)) for t in (start, stop, now)
    )
    for i in range(0, len(agents), 500):
        q = (
            select(h.agent_id, h.state, h.reason, type_coerce(h.started_at, BigInteger))
            .where(
                h.agent_id.in_(agents[i : i + 500]),
                h.started_at >= start - STATE_LOOKBACK,
                h.started_at < stop,
            )
            .order_by(h.agent_id, h.started_at, h.id)
        )
        rows = _fetch(conn, q)
        last = len(rows) - 1
        for k, (agent, state, reason, a) in enumerate(rows):
            if state != wrap and state != brk:
                continue
            nxt = rows[k + 1] if k < last else None
            b = nxt[3] if nxt is not None and nxt[0] == agent else now_u
            if state == wrap:
                if b > a:
                    acw[(agent, a)] = (b if b < now_u else now_u) - a
                continue
            lo, hi = max(a, start_u), min(b, stop_u)
            if hi > lo:
                r = paused.setdefault(agent, {})
                r[reason or ""] = r.get(reason or "", 0.0) + (hi - lo) / 1e6
    return acw, paused


def completed_by_agent(
    conn: Connection, start: datetime, ids: Iterable[str] | None = None
) -> dict[str, tuple[int, int]]:
    """Calls completed (finished, not in progress) and complaints, per agent, of the calls
    offered since ``start``: the board's per-agent "Calls"."""
    from sqlalchemy import case

    complaints = func.sum(case((Call.complaint.is_(True), 1), else_=0))
    done = func.sum(case((Call.outcome.in_(FINISHED), 1), else_=0))
    q = (
        select(Call.agent_id, done, complaints)
        .where(Call.offered_at >= start, Call.agent_id.is_not(None))
        .group_by(Call.agent_id)
    )
    if ids is not None:
        q = q.where(Call.agent_id.in_(list(ids)))
    return {aid: (int(n or 0), int(c or 0)) for aid, n, c in conn.execute(q)}
