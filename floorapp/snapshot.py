"""The floor now, as plain data: the read model behind ``floorapp status``.

Three short reads (agents with their current call, open flags, open escalations) in one
read transaction; nothing is kept open. Plain dataclasses out, so callers never hold
database rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Integer, and_, or_, select, type_coerce

from db.engine import read_tx
from db.models import (
    Agent,
    Call,
    Escalation,
    EscalationStatus,
    Flag,
    FlagStatus,
    SensitiveCustomer,
    Team,
)
from floorapp import i18n
from floorapp.figures import day as fday
from floorapp.figures import store as fstore
from floorapp.figures.clock import FloorClock
from floorapp.figures.model import Figures, read_figures
from floorapp.figures.queue import aware
from floorapp.figures.store import WAITING_HORIZON
from floorapp.i18n import _
from floorapp.services.scope import Scope

__all__ = ["WAITING_HORIZON", "FloorSnapshot", "floor_snapshot", "snapshot_json"]


class UnknownTeam(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class CallView:
    id: str
    customer: str | None
    queue: str | None
    answered_at: datetime | None
    sensitive: bool


@dataclass(frozen=True, slots=True)
class AgentView:
    id: str
    name: str
    team: str
    state: str
    state_since: datetime | None
    reason: str | None
    logged_in_since: datetime | None
    call: CallView | None


@dataclass(frozen=True, slots=True)
class FlagView:
    id: int
    agent: str
    agent_name: str
    kind: str
    severity: str
    status: str
    raised_at: datetime
    count: int
    detail: str | None
    condition_ended: bool


@dataclass(frozen=True, slots=True)
class EscalationView:
    id: int
    tier: int
    severity: str
    status: str
    deadline: datetime
    handoffs: int
    holder: str | None
    agent: str | None
    team: str | None
    reason: str
    opened_at: datetime
    agent_name: str | None = None


@dataclass(frozen=True, slots=True)
class FloorSnapshot:
    at: datetime
    team: str | None
    agents: list[AgentView]
    flags: list[FlagView]
    escalations: list[EscalationView]
    calls_waiting: int
    longest_wait_since: datetime | None
    last_event_at: datetime | None = None  # the newest feed event, None before any
    figures: Figures | None = None  # the centre's day so far (floorapp.figures)

    @property
    def clock(self) -> FloorClock:
        return FloorClock(self.at, self.last_event_at)

    def feed_quiet_since(self) -> datetime | None:
        """The newest feed event, once the feed has been quiet (floorapp.figures.clock):
        every figure is then as old as it, whatever the clock says."""
        return self.clock.quiet_since

    def state_counts(self) -> dict[str, int]:
        counts = {s: 0 for s in ("available", "on_call", "after_call", "break", "offline")}
        for a in self.agents:
            counts[a.state] = counts.get(a.state, 0) + 1
        return counts

    def longest_call(self) -> AgentView | None:
        on_call = [
            (a.call.answered_at, a)
            for a in self.agents
            if a.call is not None and a.call.answered_at
        ]
        return min(on_call, key=lambda pair: pair[0])[1] if on_call else None


def resolve_team(engine: Engine, team: str) -> str:
    """A team given by id or by name; raises UnknownTeam listing the known ones."""
    with engine.connect() as conn:
        found = (
            conn.execute(select(Team.id).where(or_(Team.id == team, Team.name == team)))
            .scalars()
            .first()
        )
        if found is not None:
            return found
        known = conn.execute(select(Team.id).order_by(Team.id)).scalars().all()
    raise UnknownTeam(
        _("no team {team!r} (teams: {teams})").format(
            team=team, teams=", ".join(known) or _("none yet")
        )
    )


def _limit(stmt: Any, team_col: Any, scope: Scope | None, team_id: str | None) -> Any:
    """Only the teams the supervisor may see, and only the one asked for."""
    if scope is not None:
        stmt = stmt.where(scope.team_clause(team_col))
    if team_id is not None:
        stmt = stmt.where(team_col == team_id)
    return stmt


def floor_snapshot(
    engine: Engine,
    *,
    now: datetime,
    team: str | None = None,
    scope: Scope | None = None,
    settings: Any = None,
) -> FloorSnapshot:
    """The floor now; with ``scope``, only the teams that supervisor may see. The queue
    figures are the centre's day on the floor's clock (``settings``: time zone, day start,
    service level)."""
    team_id = resolve_team(engine, team) if team is not None else None
    with read_tx(engine) as conn:
        # Raw rows, times as stored and converted here: at 10,000 agents the column type's
        # per-value conversion and a Row per agent were most of the read.
        t = fstore._t
        stmt = (
            select(
                Agent.id,
                Agent.name,
                Agent.team_id,
                Agent.state,
                t(Agent.state_since),
                Agent.state_reason,
                t(Agent.logged_in_since),
                Call.id.label("call_id"),
                Call.customer_id,
                Call.queue,
                t(Call.answered_at),
                type_coerce(Call.sensitive_customer, Integer),
                SensitiveCustomer.customer_id.label("listed"),
            )
            .outerjoin(Call, and_(Call.id == Agent.current_call_id, Call.ended_at.is_(None)))
            .outerjoin(SensitiveCustomer, SensitiveCustomer.customer_id == Call.customer_id)
            .order_by(Agent.team_id, Agent.id)
        )
        stmt = _limit(stmt, Agent.team_id, scope, team_id)
        agents = [
            AgentView(
                aid,
                name,
                team,
                state,
                aware(since),
                reason,
                aware(login),
                CallView(
                    call_id, customer, queue, aware(answered), bool(flagged) or listed is not None
                )
                if call_id is not None
                else None,
            )
            for (
                aid,
                name,
                team,
                state,
                since,
                reason,
                login,
                call_id,
                customer,
                queue,
                answered,
                flagged,
                listed,
            ) in fstore._fetch(conn, stmt)
        ]

        fstmt = (
            select(
                Flag.id,
                Flag.agent_id,
                Agent.name,
                Flag.kind,
                Flag.severity,
                Flag.status,
                Flag.raised_at,
                Flag.count.label("times"),
                Flag.detail,
                Flag.condition_ended_at,
            )
            .join(Agent, Agent.id == Flag.agent_id)
            .where(Flag.status != FlagStatus.RESOLVED)
            .order_by(Flag.raised_at, Flag.id)
        )
        fstmt = _limit(fstmt, Agent.team_id, scope, team_id)
        flags = [
            FlagView(
                r.id,
                r.agent_id,
                r.name,
                r.kind,
                r.severity,
                r.status,
                r.raised_at,
                r.times,
                i18n.render(r.detail),
                r.condition_ended_at is not None,
            )
            for r in conn.execute(fstmt)
        ]

        estmt = (
            select(Escalation, Agent.name.label("agent_name"))
            .outerjoin(Agent, Agent.id == Escalation.agent_id)
            .where(Escalation.status != EscalationStatus.RESOLVED)
            .order_by(Escalation.deadline, Escalation.id)
        )
        estmt = _limit(estmt, Escalation.team_id, scope, team_id)
        escalations = [
            EscalationView(
                r.id,
                r.tier,
                r.severity,
                r.status,
                r.deadline,
                r.handoffs,
                r.holder,
                r.agent_id,
                r.team_id,
                i18n.render(r.reason) or "",
                r.opened_at,
                r.agent_name,
            )
            for r in conn.execute(estmt)
        ]

        last_event = fstore.last_event_at(conn)
        floor_now = FloorClock(now, last_event).now
        waiting = fstore.calls_waiting(conn, floor_now)
        start, end = fday.day_bounds(settings, floor_now)
        figures = read_figures(conn, settings, start, end, now, scope=scope, team=team_id)
    return FloorSnapshot(
        now, team_id, agents, flags, escalations, waiting[0], waiting[1], last_event, figures
    )


# --- JSON ---------------------------------------------------------------------------------


def _iso(value: datetime | None, tz: ZoneInfo) -> str | None:
    return None if value is None else value.astimezone(tz).isoformat()


def snapshot_json(snap: FloorSnapshot, tz: ZoneInfo) -> dict[str, Any]:
    """The documented JSON shape: top-level ``agents``, ``flags``, ``escalations``."""
    longest = snap.longest_call()
    return {
        "at": _iso(snap.at, tz),
        "team": snap.team,
        "agents": [
            {
                "id": a.id,
                "name": a.name,
                "team": a.team,
                "state": a.state,
                "state_since": _iso(a.state_since, tz),
                "reason": a.reason,
                "logged_in_since": _iso(a.logged_in_since, tz),
                "call": None
                if a.call is None
                else {
                    "id": a.call.id,
                    "customer": a.call.customer,
                    "queue": a.call.queue,
                    "answered_at": _iso(a.call.answered_at, tz),
                    "sensitive_customer": a.call.sensitive,
                },
            }
            for a in snap.agents
        ],
        "flags": [
            {
                "id": f.id,
                "agent": f.agent,
                "agent_name": f.agent_name,
                "kind": f.kind,
                "severity": f.severity,
                "status": f.status,
                "raised_at": _iso(f.raised_at, tz),
                "count": f.count,
                "detail": f.detail,
                "condition_ended": f.condition_ended,
            }
            for f in snap.flags
        ],
        "escalations": [
            {
                "id": e.id,
                "tier": e.tier,
                "severity": e.severity,
                "status": e.status,
                "deadline": _iso(e.deadline, tz),
                "handoffs": e.handoffs,
                "holder": e.holder,
                "agent": e.agent,
                "team": e.team,
                "reason": i18n.render(e.reason) or "",
                "opened_at": _iso(e.opened_at, tz),
                "overdue": e.deadline < snap.at,
            }
            for e in snap.escalations
        ],
        "floor": {
            "states": snap.state_counts(),
            "calls_waiting": snap.calls_waiting,
            "longest_wait_since": _iso(snap.longest_wait_since, tz),
            "last_event_at": _iso(snap.last_event_at, tz),
            "floor_clock": _iso(snap.clock.now, tz),
            "feed_quiet_since": _iso(snap.feed_quiet_since(), tz),
            "longest_call": None
            if longest is None or longest.call is None
            else {
                "agent": longest.id,
                "call": longest.call.id,
                "answered_at": _iso(longest.call.answered_at, tz),
            },
        },
        # The centre's day so far, by the figures module's definitions (docs/figures.md).
        "figures": None if snap.figures is None else snap.figures.as_json(tz),
    }
