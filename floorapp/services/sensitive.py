"""Sensitive customers and the agents designated to take them.

Predictable sensitive customers are routed to a few resilient agents so not everyone
carries the pressure. This module answers: who is designated, what are they doing
now, how many sensitive calls each took today, and who is free right now. The rules
engine uses ``is_sensitive`` and ``available_names_text`` in its per-event check;
screens and commands use the query functions (plain dataclasses, no ORM objects).

A call is sensitive when its customer id is in ``sensitive_customer`` or the feed
marked it ``sensitive_customer: true``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Case, ColumnElement, Connection, Engine, case, func, or_, select

from db.engine import read_tx
from db.models import Agent, AgentState, Call, SensitiveCustomer, Team
from db.models_requests import Drill, DrillStatus
from db.types import not_null
from floorapp.config import Settings
from floorapp.plan.store import load_plan
from floorapp.rules.sensitive_check import available_names_text, is_sensitive
from floorapp.rules.today import day_bounds

__all__ = ["available_names_text", "is_sensitive"]  # the check the rules run, re-exported


@dataclass(frozen=True, slots=True)
class DesignatedAgent:
    id: str
    name: str
    team_id: str
    team_name: str
    state: str
    state_since: datetime | None
    current_call_id: str | None
    on_sensitive_call: bool
    sensitive_calls_today: int  # load: sensitive calls answered today (centre's day)
    calls_today: int
    drills_passed: tuple[str, ...] = ()  # hot issues of the plan in force drilled and passed

    @property
    def available(self) -> bool:
        return self.state == AgentState.AVAILABLE


@dataclass(frozen=True, slots=True)
class SensitiveCustomerInfo:
    customer_id: str
    note: str | None
    calls_today: int
    undesignated_today: int  # of those, answered by an agent not designated


@dataclass(frozen=True, slots=True)
class SensitiveRoster:
    agents: list[DesignatedAgent]
    customers: list[SensitiveCustomerInfo]
    sensitive_calls_today: int
    undesignated_calls_today: int  # reached an agent who is not designated

    @property
    def available(self) -> list[DesignatedAgent]:
        return [a for a in self.agents if a.available]


def _sensitive_call_clause() -> ColumnElement[bool]:
    return or_(
        Call.sensitive_customer.is_(True),
        Call.customer_id.in_(select(SensitiveCustomer.customer_id)),
    )


def _undesignated() -> Case[int]:
    return case((Agent.sensitive_designated.is_(True), 0), else_=1)


def designated_agents(
    conn: Connection, *, settings: Settings, now: datetime, team: str | None = None
) -> list[DesignatedAgent]:
    start, end, _ = day_bounds(settings, now)
    today = (Call.answered_at >= start) & (Call.answered_at < end)
    q = (
        select(
            Agent.id,
            Agent.name,
            Agent.team_id,
            Team.name,
            Agent.state,
            Agent.state_since,
            Agent.current_call_id,
        )
        .join(Team, Team.id == Agent.team_id)
        .where(Agent.sensitive_designated.is_(True))
        .order_by(Team.name, Agent.name)
    )
    if team is not None:
        q = q.where(Agent.team_id == team)
    rows = conn.execute(q).all()
    if not rows:
        return []
    ids = [r[0] for r in rows]
    totals: dict[str, int] = {
        aid: n
        for aid, n in conn.execute(
            select(not_null(Call.agent_id), func.count())
            .where(today, Call.agent_id.in_(ids))
            .group_by(Call.agent_id)
        )
    }
    sensitive: dict[str, int] = {
        aid: n
        for aid, n in conn.execute(
            select(not_null(Call.agent_id), func.count())
            .where(today, Call.agent_id.in_(ids), _sensitive_call_clause())
            .group_by(Call.agent_id)
        )
    }
    passed: dict[str, list[str]] = {}
    for issue, agent in conn.execute(
        select(Drill.hot_issue, Drill.agent_id).where(
            Drill.status == DrillStatus.PASSED, Drill.agent_id.in_(ids)
        )
    ):
        passed.setdefault(agent, []).append(issue)
    in_force = plan_hot_issues(conn)
    current = [r[6] for r in rows if r[6]]
    on_sensitive = (
        set(
            conn.execute(
                select(Call.id).where(Call.id.in_(current), _sensitive_call_clause())
            ).scalars()
        )
        if current
        else set()
    )
    return [
        DesignatedAgent(
            id=r[0],
            name=r[1],
            team_id=r[2],
            team_name=r[3],
            state=r[4],
            state_since=r[5],
            current_call_id=r[6],
            on_sensitive_call=r[6] in on_sensitive,
            sensitive_calls_today=sensitive.get(r[0], 0),
            calls_today=totals.get(r[0], 0),
            drills_passed=tuple(sorted(i for i in passed.get(r[0], ()) if i in in_force)),
        )
        for r in rows
    ]


def sensitive_customers(
    conn: Connection, *, settings: Settings, now: datetime
) -> list[SensitiveCustomerInfo]:
    start, end, _ = day_bounds(settings, now)
    rows = conn.execute(
        select(SensitiveCustomer.customer_id, SensitiveCustomer.note).order_by(
            SensitiveCustomer.customer_id
        )
    ).all()
    calls = conn.execute(
        select(Call.customer_id, func.count(), func.sum(_undesignated()))
        .outerjoin(Agent, Agent.id == Call.agent_id)
        .where(
            Call.answered_at >= start,
            Call.answered_at < end,
            Call.customer_id.in_(select(SensitiveCustomer.customer_id)),
        )
        .group_by(Call.customer_id)
    ).all()
    by_id = {c: (int(n), int(u or 0)) for c, n, u in calls}
    return [SensitiveCustomerInfo(cid, note, *by_id.get(cid, (0, 0))) for cid, note in rows]


def roster(
    engine: Engine, *, settings: Settings, now: datetime, team: str | None = None
) -> SensitiveRoster:
    """Everything the sensitive-customer view shows, read in one short transaction."""
    start, end, _ = day_bounds(settings, now)
    with read_tx(engine) as conn:
        agents = designated_agents(conn, settings=settings, now=now, team=team)
        customers = sensitive_customers(conn, settings=settings, now=now)
        q = (
            select(func.count(), func.sum(_undesignated()))
            .select_from(Call)
            .join(Agent, Agent.id == Call.agent_id)
            .where(Call.answered_at >= start, Call.answered_at < end, _sensitive_call_clause())
        )
        if team is not None:
            q = q.where(Agent.team_id == team)
        total, undesignated = conn.execute(q).one()
    return SensitiveRoster(agents, customers, int(total or 0), int(undesignated or 0))


def available_designated(
    engine: Engine, *, settings: Settings, now: datetime, hot_issue: str | None = None
) -> list[DesignatedAgent]:
    """Designated agents who could take a sensitive customer right now, best first: those
    who passed the drill on ``hot_issue`` (on any hot issue of the plan in force when
    None) before the others, then the lightest sensitive load today."""
    with read_tx(engine) as conn:
        free = [a for a in designated_agents(conn, settings=settings, now=now) if a.available]

    def rank(a: DesignatedAgent) -> tuple[int, int, int]:
        drilled = hot_issue in a.drills_passed if hot_issue else bool(a.drills_passed)
        return (0 if drilled else 1, -len(a.drills_passed), a.sensitive_calls_today)

    return sorted(free, key=rank)


def plan_hot_issues(conn: Connection) -> set[str]:
    stored = load_plan(conn)
    return {h.key for h in stored.plan.hot_issues} if stored else set()
