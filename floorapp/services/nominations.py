"""Benchmark recognition: candidates per dimension from the period's own data, and nominations.

Targeted, not the usual KPI board: no dimension looks at calls handled or handle time,
so an agent who is only a top performer on everyday figures is never proposed for
that. Many-sided: each dimension has its own list.

- hardest_escalations: escalations on the agent's calls opened by the rules or a supervisor
  (weighted by severity and tier),
  and calls where the customer refused explanations past the rule's threshold that
  still ended without a complaint;
- raised_early: hands raised and escalations the agent opened themself (passing a
  problem upward early is the behaviour the period wants);
- sensitive_no_complaint: sensitive customers' calls taken without a complaint;
- improvement: the biggest move towards the period's measurable requirement, the agent's
  own figure in the period against the same length of time before it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from sqlalchemy import Connection, Engine, case, func, insert, select

from db.engine import read_tx
from db.models import Agent, Call, Escalation, FeedEventRow
from db.models_plan import Nomination
from db.types import not_null
from floorapp import audit, policy
from floorapp.i18n import _
from floorapp.plan.metrics import METRICS, measure_by_agent
from floorapp.plan.model import DIMENSIONS, Period, Plan
from floorapp.plan.store import load_plan
from floorapp.services import ServiceError
from floorapp.services.scope import OutOfScope
from floorapp.text import clean

MIN_CALLS_FOR_IMPROVEMENT = 5
SEVERITY_WEIGHT = {"light": 1, "medium": 2, "high": 3}


class NominationError(ServiceError):
    pass


@dataclass(frozen=True)
class Candidate:
    agent_id: str
    name: str
    team_id: str
    dimension: str
    score: float
    reason: str


@dataclass(frozen=True)
class NominationView:
    id: int
    period: str
    agent_id: str
    agent_name: str
    team_id: str
    dimension: str
    reason: str
    nominated_by: str
    at: datetime


def _refused_threshold(conn: Connection, plan: Plan) -> int:
    for q in plan.requirements:
        if q.trigger_rule == "refused_explanations" and q.trigger_threshold:
            return int(q.trigger_threshold)
    return 3


def _agents(conn: Connection, teams: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    rows = conn.execute(
        select(Agent.id, Agent.name, Agent.team_id).where(Agent.team_id.in_(teams))
    ).all()
    return {a: (n, t) for a, n, t in rows}


def _hardest(
    conn: Connection, plan: Plan, start: datetime, end: datetime, agents: dict[str, tuple[str, str]]
) -> dict[str, tuple[float, str]]:
    weight = (
        case(*((Escalation.severity == s, w) for s, w in SEVERITY_WEIGHT.items()), else_=1)
        * Escalation.tier
    )
    esc = conn.execute(
        select(
            Escalation.agent_id,
            func.count(),
            func.sum(weight),
            func.sum(case((Escalation.severity == "high", 1), else_=0)),
        )
        .where(
            Escalation.opened_at >= start,
            Escalation.opened_at < end,
            Escalation.agent_id.in_(list(agents)),
            # one the agent opened themself counts as raising it early, not twice
            Escalation.opened_by != Escalation.agent_id,
        )
        .group_by(Escalation.agent_id)
    ).all()
    threshold = _refused_threshold(conn, plan)
    held = dict(
        conn.execute(
            select(not_null(Call.agent_id), func.count())
            .where(
                Call.ended_at >= start,
                Call.ended_at < end,
                Call.agent_id.in_(list(agents)),
                Call.refused_explanations >= threshold,
                Call.complaint.is_(False),
            )
            .group_by(Call.agent_id)
        ).all()
    )
    out: dict[str, tuple[float, str]] = {}
    for agent, n, w, high in esc:
        out[agent] = (float(w or 0), f"{n} escalation(s) on their calls ({high or 0} high)")
    for agent, n in held.items():
        score, reason = out.get(agent, (0.0, ""))
        extra = (
            f"{n} call(s) where the customer refused {threshold}+ explanations and did not complain"
        )
        out[agent] = (score + 2 * n, f"{reason}; {extra}" if reason else extra)
    return out


def _raised_early(
    conn: Connection, start: datetime, end: datetime, agents: dict[str, tuple[str, str]]
) -> dict[str, tuple[float, str]]:
    hands = dict(
        conn.execute(
            select(not_null(FeedEventRow.agent_id), func.count())
            .where(
                FeedEventRow.kind == "raise_hand",
                FeedEventRow.ts >= start,
                FeedEventRow.ts < end,
                FeedEventRow.agent_id.in_(list(agents)),
            )
            .group_by(FeedEventRow.agent_id)
        ).all()
    )
    opened = dict(
        conn.execute(
            select(Escalation.opened_by, func.count())
            .where(
                Escalation.opened_at >= start,
                Escalation.opened_at < end,
                Escalation.opened_by.in_(list(agents)),
            )
            .group_by(Escalation.opened_by)
        ).all()
    )
    out: dict[str, tuple[float, str]] = {}
    for agent in set(hands) | set(opened):
        h, o = hands.get(agent, 0), opened.get(agent, 0)
        parts = [f"raised a hand {h} time(s)"] if h else []
        parts += [f"opened {o} escalation(s) themself"] if o else []
        out[agent] = (float(h + o), ", ".join(parts))
    return out


def _sensitive(
    conn: Connection, start: datetime, end: datetime, agents: dict[str, tuple[str, str]]
) -> dict[str, tuple[float, str]]:
    rows = conn.execute(
        select(Call.agent_id, func.count(), func.sum(case((Call.complaint.is_(True), 1), else_=0)))
        .where(
            Call.sensitive_customer.is_(True),
            Call.answered_at.is_not(None),
            Call.ended_at >= start,
            Call.ended_at < end,
            Call.agent_id.in_(list(agents)),
        )
        .group_by(Call.agent_id)
    ).all()
    out: dict[str, tuple[float, str]] = {}
    for agent, n, complaints in rows:
        ok = n - (complaints or 0)
        if ok > 0 and not complaints:
            out[agent] = (float(ok), f"{ok} sensitive customer(s), no complaint")
    return out


def _improvement(
    conn: Connection,
    plan: Plan,
    period: Period,
    start: datetime,
    end: datetime,
    agents: dict[str, tuple[str, str]],
) -> dict[str, tuple[float, str]]:
    key = plan.improvement_requirement
    req = next((q for q in plan.requirements if q.key == key), None) if key else None
    req = req or next((q for q in plan.measurable() if q.period in (None, period.name)), None)
    if req is None or req.metric is None:
        return {}
    metric = METRICS[req.metric]
    before = measure_by_agent(conn, req.metric, start - (end - start), start)
    during = measure_by_agent(conn, req.metric, start, end)
    out: dict[str, tuple[float, str]] = {}
    for agent, now_m in during.items():
        was = before.get(agent)
        if agent not in agents or was is None or was.value is None or now_m.value is None:
            continue
        if min(was.calls, now_m.calls) < MIN_CALLS_FOR_IMPROVEMENT:
            continue
        gain = (was.value - now_m.value) if metric.lower_is_better else (now_m.value - was.value)
        if gain > 0:
            out[agent] = (
                gain,
                f"{metric.label} {was.value:.1f}{metric.unit} → "
                f"{now_m.value:.1f}{metric.unit} (requirement {req.key})",
            )
    return out


def candidates(
    engine: Engine,
    *,
    now: datetime,
    period: str | None = None,
    team: str | None = None,
    per_dimension: int = 3,
    actor: str | None = None,
) -> dict[str, list[Candidate]]:
    """The best few per dimension for ``period`` (default: the one in force, else the last),
    among the agents of ``actor``'s teams (the policy's ``nominations.candidates``)."""
    scope = None
    if actor is not None:
        scope = policy.require(
            engine, "nominations.candidates", actor, now=now, **({"team": team} if team else {})
        )
    with read_tx(engine) as conn:
        stored = load_plan(conn)
        if stored is None:
            raise NominationError(_("no plan imported: `floorapp plan import FILE`"))
        plan = stored.plan
        p = _pick_period(plan, period, now)
        start, end = p.start, min(p.end, now)
        teams = (team,) if team else p.teams
        if scope is not None and not scope.all_teams:
            teams = tuple(t for t in teams if t in scope.teams)
        agents = _agents(conn, teams)
        if not agents or end <= start:
            return {d: [] for d in plan.dimensions}
        scores = {
            "hardest_escalations": lambda: _hardest(conn, plan, start, end, agents),
            "raised_early": lambda: _raised_early(conn, start, end, agents),
            "sensitive_no_complaint": lambda: _sensitive(conn, start, end, agents),
            "improvement": lambda: _improvement(conn, plan, p, start, end, agents),
        }
        out: dict[str, list[Candidate]] = {}
        for dim in plan.dimensions:
            found = [
                Candidate(a, agents[a][0], agents[a][1], dim, s, r)
                for a, (s, r) in scores[dim]().items()
                if s > 0 and a in agents
            ]
            found.sort(key=lambda c: (-c.score, c.name))
            out[dim] = found[:per_dimension]
        return out


def _pick_period(plan: Plan, name: str | None, now: datetime) -> Period:
    if name is not None:
        p = plan.period(name)
        if p is None:
            names = ", ".join(x.name for x in plan.periods)
            raise NominationError(
                _("no period {name!r} in the plan (periods: {names})").format(
                    name=name, names=names
                )
            )
        return p
    active = plan.active_period(now)
    if active:
        return active
    started = [p for p in plan.periods if p.start <= now]
    return max(started, key=lambda p: p.start) if started else plan.periods[0]


def nominate(
    engine: Engine,
    *,
    period: str,
    agent_id: str,
    dimension: str,
    reason: str,
    actor: str,
    now: datetime,
) -> int:
    if dimension not in DIMENSIONS:
        raise NominationError(
            _("unknown dimension {dimension!r} ({join})").format(
                dimension=dimension, join=", ".join(DIMENSIONS)
            )
        )
    reason_c = (clean(reason, multiline=True) or "").strip()
    if not reason_c:
        raise NominationError(_("say why: a nomination needs a reason the team will hear"))

    def tx(conn: Connection) -> int:
        agent = conn.execute(select(Agent.team_id).where(Agent.id == agent_id)).first()
        policy.check(
            conn,
            "nomination.add",
            actor,
            **({"team": agent.team_id} if agent is not None else {}),
            target_kind="agent",
            target_id=agent_id,
            error=OutOfScope,
        )
        stored = load_plan(conn)
        if stored is None or stored.plan.period(period) is None:
            raise NominationError(
                _("no period {period!r} in the plan in force").format(period=period)
            )
        if agent is None:
            raise NominationError(
                _("no agent {agent_id!r} on this floor").format(agent_id=agent_id)
            )
        nid = conn.execute(
            insert(Nomination)
            .values(
                period=period,
                agent_id=agent_id,
                dimension=dimension,
                reason=reason_c,
                nominated_by=actor,
                at=now,
                plan_version_id=stored.version_id,
            )
            .returning(Nomination.id)
        ).scalar_one()
        audit.record(
            conn,
            at=now,
            actor=actor,
            action="nomination.add",
            target_kind="agent",
            target_id=agent_id,
            detail=f"{period} / {dimension}: {reason_c}",
        )
        return int(nid)

    return policy.write(engine, tx, now=now)


def list_nominations(
    engine: Engine,
    *,
    period: str | None = None,
    actor: str | None = None,
    now: datetime | None = None,
) -> list[NominationView]:
    """Nominations, oldest first; with ``actor``, those of their teams' agents (the policy's
    ``nominations.read``)."""
    scope = None
    if actor is not None:
        scope = policy.require(engine, "nominations.read", actor, now=now or datetime.now(UTC))
    stmt = (
        select(
            Nomination.id,
            Nomination.period,
            Nomination.agent_id,
            Agent.name,
            Agent.team_id,
            Nomination.dimension,
            Nomination.reason,
            Nomination.nominated_by,
            Nomination.at,
        )
        .join(Agent, Agent.id == Nomination.agent_id)
        .order_by(Nomination.at, Nomination.id)
    )
    if period is not None:
        stmt = stmt.where(Nomination.period == period)
    if scope is not None:
        stmt = stmt.where(scope.team_clause(Agent.team_id))
    with read_tx(engine) as conn:
        return [NominationView(*r) for r in conn.execute(stmt).all()]


def _cell(value: str) -> str:
    # A spreadsheet would run "=..." from an agent's name or a reason as a formula.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def to_csv(rows: list[NominationView], tz: tzinfo | None = None) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["period", "agent_id", "agent", "team", "dimension", "reason", "nominated_by", "at"])
    for r in rows:
        at = r.at.astimezone(tz) if tz is not None else r.at
        w.writerow(
            [
                _cell(x)
                for x in (
                    r.period,
                    r.agent_id,
                    r.agent_name,
                    r.team_id,
                    r.dimension,
                    r.reason,
                    r.nominated_by,
                )
            ]
            + [at.isoformat(timespec="minutes")]
        )
    return buf.getvalue()
