"""Rebuild the rules' memory from the store when the feed writer starts (or restarts).

Reads the current state columns of every agent, the calls still waiting or in
progress, the open flags (so what is already flagged is not flagged again) and a
bounded slice of recent calls for the streak rules. Runs once per process.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, func, select

from db.models import Agent, Call, Flag
from db.types import not_null
from floorapp.clock import Clock
from floorapp.rules.tracks import (
    _LONG,
    _NO_BREAK,
    _OVERRUN,
    _STATES,
    _STREAK_END,
    AFTER_CALL,
    BREAK,
    OFFLINE,
    STALE_CALL,
    AgentTrack,
    CallTrack,
)

_CHUNK = 500
HISTORY = timedelta(hours=24)
_CALL_TOKEN_KINDS = ("long_call", "refused_explanations", "sensitive_customer", "raised_hand")


class Memory(Protocol):
    """What a restart rebuilds: the engine's memory and its thresholds in force.

    The restart is the engine's own (its memory, its due times), kept in a module of its
    own for length; this names everything it touches, so the engine depends on it and not
    the other way round.
    """

    clock: Clock
    _agents: dict[str, AgentTrack]
    _calls: dict[str, CallTrack]
    _long: timedelta
    _no_break: timedelta
    _overrun: timedelta
    _complaint_window: timedelta
    _refused_n: int
    _hostile_last: int

    def refresh_lists(self, conn: Connection) -> None: ...
    def agent(self, agent_id: str) -> AgentTrack: ...
    def call(self, call_id: str, ts: datetime) -> CallTrack: ...
    def _schedule(self, due: datetime, what: int, agent_id: str, token: Any) -> None: ...


def resume(eng: Memory, conn: Connection) -> None:
    eng.refresh_lists(conn)
    _agents(eng, conn)
    _open_calls(eng, conn)
    _history(eng, conn)
    _open_flags(eng, conn)
    for tr in eng._agents.values():
        start = tr.work_start()
        if start is not None and tr.state not in (BREAK, OFFLINE):
            eng._schedule(start + eng._no_break, _NO_BREAK, tr.id, start)
        if tr.state == AFTER_CALL and tr.last_hard and tr.since is not None:
            eng._schedule(tr.since + eng._overrun, _OVERRUN, tr.id, tr.since)


def _agents(eng: Memory, conn: Connection) -> None:
    rows = conn.execute(
        select(
            Agent.id,
            Agent.name,
            Agent.state,
            Agent.state_reason,
            Agent.state_since,
            Agent.logged_in_since,
            Agent.last_break_end,
            Agent.current_call_id,
        )
    )
    for aid, name, state, reason, since, logged_in, last_break_end, call_id in rows:
        tr = eng.agent(aid)
        tr.name = name
        tr.state = state if state in _STATES else OFFLINE
        tr.reason = reason
        tr.since = since
        tr.logged_in_since = logged_in if tr.state != OFFLINE else None
        if tr.logged_in_since is None and tr.state != OFFLINE:
            tr.logged_in_since = since
        tr.last_break_end = last_break_end
        tr.call = call_id


def _open_calls(eng: Memory, conn: Connection) -> None:
    latest = conn.execute(select(func.max(Call.offered_at))).scalar()
    if latest is None:
        return
    rows = conn.execute(
        select(
            Call.id,
            Call.agent_id,
            Call.customer_id,
            Call.offered_at,
            Call.answered_at,
            Call.complaint,
            Call.negative_sentiment,
            Call.refused_explanations,
            Call.sensitive_customer,
        ).where(
            Call.offered_at >= latest - STALE_CALL,  # older ones the engine drops anyway
            Call.outcome.in_(("waiting", "in_progress")),
            Call.ended_at.is_(None),
        )
    )
    now = eng.clock.now()
    answered: list[str] = []
    for cid, agent_id, customer, offered, ans, complaint, negative, refused, sensitive in rows:
        c = eng.call(cid, offered or ans or now)
        c.customer = customer
        c.complaint = c.complaint_counted = bool(complaint)
        c.negative = bool(negative)
        c.refused = int(refused or 0)
        c.refused_fired = c.refused >= eng._refused_n
        c.sensitive = bool(sensitive)
        c.last_agent = agent_id
        if ans is not None and agent_id is not None:
            c.agent = agent_id
            c.answered = ans
            c.sens_done = True  # checked when it was answered, before the restart
            eng.agent(agent_id).call = cid
            eng._schedule(ans + eng._long, _LONG, agent_id, cid)
            answered.append(cid)
    for i in range(0, len(answered), _CHUNK):
        chunk = answered[i : i + _CHUNK]
        for kind, cid in conn.execute(
            select(Flag.kind, not_null(Flag.call_id)).where(Flag.call_id.in_(chunk))
        ):
            c = eng._calls[cid]
            if kind == "long_call":
                c.long_fired = True
            elif kind == "raised_hand":
                c.hand = True


def _history(eng: Memory, conn: Connection) -> None:
    """The last calls per agent (hostile streak, after-call) and recent complaints.

    Only calls offered in the last day of the feed are read (``ix_call_offered``), so a
    start costs the same on a store holding a year of calls: a streak older than a shift
    says nothing about the agent now.
    """
    latest = conn.execute(select(func.max(Call.offered_at))).scalar()
    if latest is None:
        return
    recent = Call.offered_at >= latest - HISTORY
    n = eng._hostile_last
    rn = func.row_number().over(partition_by=Call.agent_id, order_by=Call.ended_at.desc())
    sub = (
        select(
            Call.id,
            Call.agent_id,
            Call.ended_at,
            Call.complaint,
            Call.negative_sentiment,
            rn.label("rn"),
        )
        .where(
            recent,
            Call.agent_id.is_not(None),
            Call.ended_at.is_not(None),
            Call.answered_at.is_not(None),
        )
        .subquery()
    )
    rows = conn.execute(
        select(sub.c.id, sub.c.agent_id, sub.c.complaint, sub.c.negative_sentiment, sub.c.rn)
        .where(sub.c.rn <= n)
        .order_by(sub.c.agent_id, sub.c.rn.desc())
    )
    for cid, agent_id, complaint, negative, rank in rows:
        tr = eng.agent(agent_id)
        tr.recent.append(bool(negative))
        if rank == 1:
            tr.last_hard = bool(complaint or negative)
            tr.last_hard_call = cid if tr.last_hard else None
    latest_end = conn.execute(select(func.max(Call.ended_at)).where(recent)).scalar()
    if latest_end is None:
        return
    for agent_id, ended in conn.execute(
        select(not_null(Call.agent_id), not_null(Call.ended_at))
        .where(
            recent,
            Call.complaint.is_(True),
            Call.agent_id.is_not(None),
            Call.ended_at >= latest_end - eng._complaint_window,
        )
        .order_by(Call.ended_at)
    ):
        eng.agent(agent_id).complaints.append(ended)


def _open_flags(eng: Memory, conn: Connection) -> None:
    rows = conn.execute(
        select(Flag.agent_id, Flag.kind, Flag.call_id, Flag.last_seen, Flag.raised_at).where(
            Flag.open_key.is_not(None), Flag.condition_ended_at.is_(None)
        )
    )
    for agent_id, kind, call_id, last_seen, raised_at in rows:
        tr = eng.agent(agent_id)
        seen = last_seen or raised_at
        token: Any = None  # what the flag fired for: a call id or a stretch's start
        if kind in _CALL_TOKEN_KINDS:
            token = call_id
        elif kind == "no_break":
            start = tr.work_start()
            token = start if start is not None and seen >= start else None
        elif kind == "after_call_overrun":
            token = tr.since if tr.state == AFTER_CALL and tr.since and seen >= tr.since else None
        tr.flagged[kind] = token
        if kind == "complaint_streak" and tr.complaints:
            eng._schedule(
                tr.complaints[0] + eng._complaint_window, _STREAK_END, agent_id, tr.complaints[0]
            )
