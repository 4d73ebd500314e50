"""The report of an interval (a day, a shift, a date range): the queue figures per queue, team
and agent, how flags and escalations were handled, patrols, care, nominations, and the
handover (what is still open, with deadlines and holders).

Plain data, scoped by the caller's ``Scope``: a team leader's report holds their teams'
teams, agents, flags, escalations, patrols and care; queue figures are the floor's.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from statistics import median
from typing import Any

from sqlalchemy import Connection, Engine, and_, or_, select

from db.engine import read_tx
from db.models import Agent, Escalation, EscalationStatus, Flag, FlagStatus
from floorapp.figures.model import Figures, read_figures
from floorapp.i18n import render
from floorapp.services.scope import Scope


@dataclass(frozen=True)
class FlagHandling:
    raised: int = 0
    acknowledged: int = 0
    median_to_acknowledge_s: float | None = None
    stepped_in: int = 0
    median_to_step_in_s: float | None = None
    resolved: int = 0

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class EscalationHandling:
    opened: int = 0
    resolved: int = 0  # of those opened in the interval, resolved by its end
    late: int = 0  # resolved after their deadline, or open past it (at the end, or now)

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class OpenItem:
    """Something the next shift takes over."""

    kind: str  # flag, escalation
    id: int
    team: str | None
    agent: str | None
    what: str
    since: datetime
    deadline: datetime | None
    holder: str | None
    status: str

    def as_json(self, tz: tzinfo) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "team": self.team,
            "agent": self.agent,
            "what": self.what,
            "since": self.since.astimezone(tz).isoformat(),
            "deadline": None if self.deadline is None else self.deadline.astimezone(tz).isoformat(),
            "holder": self.holder,
            "status": self.status,
        }


@dataclass(frozen=True)
class RequestHandling:
    """Agents' requests of one category raised in the report's interval."""

    category: str
    raised: int
    median_to_acknowledge_s: float | None
    median_to_answer_s: float | None
    late: int  # a deadline missed (acknowledge or answer), answered since or not

    def as_json(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "raised": self.raised,
            "median_to_acknowledge_s": self.median_to_acknowledge_s,
            "median_to_answer_s": self.median_to_answer_s,
            "late": self.late,
        }


@dataclass(frozen=True)
class Report:
    title: str
    start: datetime
    end: datetime
    actor: str
    team: str | None
    figures: Figures
    flags: FlagHandling
    flags_by_team: dict[str, FlagHandling]
    escalations: EscalationHandling
    escalations_by_team: dict[str, EscalationHandling]
    patrols: Counter[str] = field(default_factory=Counter)
    care: Counter[str] = field(default_factory=Counter)
    nominations: Counter[str] = field(default_factory=Counter)
    handover: list[OpenItem] = field(default_factory=list)
    requests: list[RequestHandling] = field(default_factory=list)

    def as_json(self, tz: tzinfo) -> dict[str, Any]:
        return {
            "title": self.title,
            "from": self.start.astimezone(tz).isoformat(),
            "to": self.end.astimezone(tz).isoformat(),
            "for": self.actor,
            "team": self.team,
            "figures": self.figures.as_json(tz),
            "flags": self.flags.as_json(),
            "flags_by_team": {t: f.as_json() for t, f in sorted(self.flags_by_team.items())},
            "escalations": self.escalations.as_json(),
            "escalations_by_team": {
                t: e.as_json() for t, e in sorted(self.escalations_by_team.items())
            },
            "patrols": dict(self.patrols),
            "care": dict(self.care),
            "nominations": dict(self.nominations),
            "handover": [i.as_json(tz) for i in self.handover],
            "requests": [q.as_json() for q in self.requests],
        }


def _median_s(values: list[timedelta]) -> float | None:
    return None if not values else median(max(v.total_seconds(), 0.0) for v in values)


def _flags(
    conn: Connection, start: datetime, end: datetime, visible: Any
) -> tuple[FlagHandling, dict[str, FlagHandling]]:
    rows = conn.execute(
        select(
            Agent.team_id,
            Flag.raised_at,
            Flag.acknowledged_at,
            Flag.stepped_in_at,
            Flag.resolved_at,
        )
        .join(Agent, Agent.id == Flag.agent_id)
        .where(Flag.raised_at >= start, Flag.raised_at < end)
    ).all()
    by_team: dict[str | None, list[Any]] = defaultdict(list)
    for r in rows:
        if visible(r[0]):
            by_team[r[0]].append(r)
            by_team[None].append(r)

    def handling(rs: list[Any]) -> FlagHandling:
        ack = [r[2] - r[1] for r in rs if r[2] is not None and r[2] < end]
        step = [r[3] - r[1] for r in rs if r[3] is not None and r[3] < end]
        return FlagHandling(
            len(rs),
            len(ack),
            _median_s(ack),
            len(step),
            _median_s(step),
            sum(1 for r in rs if r[4] is not None and r[4] < end),
        )

    return handling(by_team.get(None, [])), {
        t: handling(rs) for t, rs in by_team.items() if t is not None
    }


def _escalations(
    conn: Connection, start: datetime, end: datetime, visible: Any, stop: datetime
) -> tuple[EscalationHandling, dict[str, EscalationHandling]]:
    """Opened in the interval; resolved by its end; late: resolved after the deadline, or
    still open past it at ``stop`` (the interval's end, or now for one still running)."""
    rows = conn.execute(
        select(
            Escalation.team_id, Escalation.opened_at, Escalation.deadline, Escalation.resolved_at
        ).where(Escalation.opened_at >= start, Escalation.opened_at < end)
    ).all()
    tallies: dict[str | None, list[int]] = defaultdict(lambda: [0, 0, 0])
    for team, _opened, deadline, resolved in rows:
        if not visible(team):
            continue
        done = resolved is not None and resolved < end
        late = (resolved > deadline) if done and resolved is not None else deadline < stop
        for key in (team, None):
            t = tallies[key]
            t[0] += 1
            t[1] += int(done)
            t[2] += int(late)
    floor = tallies.get(None, [0, 0, 0])
    return EscalationHandling(*floor), {
        t: EscalationHandling(*v) for t, v in tallies.items() if t is not None
    }


def _handover(conn: Connection, end: datetime, visible: Any) -> list[OpenItem]:
    """Flags and escalations still open at the end (at the floor's present for a running
    interval): open then, not resolved by then."""
    items: list[OpenItem] = []
    for fid, team, agent, kind, sev, status, raised, ack_by, step_by in conn.execute(
        select(
            Flag.id,
            Agent.team_id,
            Agent.name,
            Flag.kind,
            Flag.severity,
            Flag.status,
            Flag.raised_at,
            Flag.acknowledged_by,
            Flag.stepped_in_by,
        )
        .join(Agent, Agent.id == Flag.agent_id)
        .where(
            Flag.raised_at < end, or_(Flag.status != FlagStatus.RESOLVED, Flag.resolved_at >= end)
        )
        .order_by(Flag.raised_at)
    ):
        if visible(team):
            items.append(
                OpenItem(
                    "flag",
                    fid,
                    team,
                    agent,
                    f"{kind} ({sev})",
                    raised,
                    None,
                    step_by or ack_by,
                    status,
                )
            )
    escalations = (
        select(
            Escalation.id,
            Escalation.team_id,
            Agent.name,
            Escalation.tier,
            Escalation.severity,
            Escalation.status,
            Escalation.opened_at,
            Escalation.deadline,
            Escalation.holder,
            Escalation.reason,
        )
        .outerjoin(Agent, Agent.id == Escalation.agent_id)
        .where(
            Escalation.opened_at < end,
            or_(
                Escalation.status != EscalationStatus.RESOLVED,
                and_(Escalation.resolved_at.is_not(None), Escalation.resolved_at >= end),
            ),
        )
        .order_by(Escalation.deadline)
    )
    for eid, e_team, e_agent, tier, sev, status, opened, deadline, holder, reason in conn.execute(
        escalations
    ):
        if visible(e_team):
            items.append(
                OpenItem(
                    "escalation",
                    eid,
                    e_team,
                    e_agent,
                    f"tier {tier} {sev}: {render(reason) or ''}",
                    opened,
                    deadline,
                    holder,
                    status,
                )
            )
    return items


def _plan_counts(
    conn: Connection, engine: Engine, start: datetime, end: datetime, visible: Any
) -> tuple[Counter[str], Counter[str], Counter[str]]:
    """Patrols by outcome, care by item, nominations by dimension (none without a plan)."""
    from db.models_plan import CareLog, Nomination
    from floorapp.services.patrols import patrol_log

    patrols: Counter[str] = Counter(
        e.outcome for e in patrol_log(engine, now=end, since=start) if visible(e.team_id)
    )
    care: Counter[str] = Counter(
        item
        for item, team in conn.execute(
            select(CareLog.item, CareLog.team_id).where(CareLog.at >= start, CareLog.at < end)
        )
        if team is None or visible(team)
    )
    noms: Counter[str] = Counter(
        dim
        for dim, team in conn.execute(
            select(Nomination.dimension, Agent.team_id)
            .join(Agent, Agent.id == Nomination.agent_id)
            .where(Nomination.at >= start, Nomination.at < end)
        )
        if visible(team)
    )
    return patrols, care, noms


def _requests(
    conn: Connection, start: datetime, end: datetime, wall: datetime, visible: Any
) -> list[RequestHandling]:
    from db.models_requests import REQUEST_CATEGORIES, AgentRequest

    by_cat: dict[str, list[Any]] = {}
    for r in conn.execute(
        select(AgentRequest.__table__).where(
            AgentRequest.raised_at >= start, AgentRequest.raised_at < end
        )
    ):
        if visible(r.team_id):
            by_cat.setdefault(r.category, []).append(r)
    out = []
    for cat in REQUEST_CATEGORIES:
        rs = by_cat.get(cat, [])
        if not rs:
            continue
        out.append(
            RequestHandling(
                cat,
                len(rs),
                _median_s([r.acknowledged_at - r.raised_at for r in rs if r.acknowledged_at]),
                _median_s([r.answered_at - r.raised_at for r in rs if r.answered_at]),
                sum(
                    1
                    for r in rs
                    if r.late_stage
                    or (r.acknowledged_at or wall) > r.ack_due
                    or (r.answered_at or wall) > r.answer_due
                ),
            )
        )
    return out


def build_report(
    engine: Engine,
    settings: Any,
    start: datetime,
    end: datetime,
    wall: datetime,
    *,
    title: str,
    actor: str,
    scope: Scope | None,
    team: str | None = None,
) -> Report:
    def visible(team_id: str | None) -> bool:
        if team is not None and team_id != team:
            return False
        return scope is None or scope.allows_team(team_id)

    with read_tx(engine) as conn:
        figures = read_figures(conn, settings, start, end, wall, scope=scope, team=team)
        stop = min(end, figures.clock.now) if figures.clock.now > start else end
        flags, flags_by_team = _flags(conn, start, end, visible)
        # Deadlines are for people: a running interval is judged on the wall clock.
        escs, escs_by_team = _escalations(conn, start, end, visible, min(end, wall))
        handover = _handover(conn, stop, visible)
        patrols, care, noms = _plan_counts(conn, engine, start, min(end, wall), visible)
        requests = _requests(conn, start, end, wall, visible)
    return Report(
        title,
        start,
        end,
        actor,
        team,
        figures,
        flags,
        flags_by_team,
        escs,
        escs_by_team,
        patrols,
        care,
        noms,
        handover,
        requests,
    )
