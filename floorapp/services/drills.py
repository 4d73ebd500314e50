"""Drills on the period's hot issues (模拟拨测): planned at plan import, fired to the team
leader once the agent is off the phone, closed with a result.

* ``schedule_for_plan`` (inside the import's transaction): a drill for every agent of each
  hot issue's teams, in quiet slots of the run-up (``floorapp.drills.planner``); drills of
  an older version not yet run are cancelled, results already recorded stay.
* ``fire_due`` (the scheduler's holder, every step): each planned drill whose slot came
  becomes a ``drill`` reminder to the team's leaders, with the scenario and the model
  answer in it; an agent on a call (or not logged in) is drilled later, never mid-call.
* ``record_result``: passed, or needs practice with a note (a re-drill is planned).
* ``coverage`` and ``agent_drills``: what the period view and the agent detail show.

One module past 400 lines on purpose: planning, firing and recording drills are one service
over one table, sharing its scope and its plan look-ups.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Row, insert, select, update

from db.engine import read_tx, run_write
from db.models import Agent, AgentState, Call
from db.models_plan import Reminder, ReminderStatus
from db.models_requests import Drill, DrillStatus
from db.upsert import insert_ignore
from floorapp import audit, policy
from floorapp.drills.planner import Load, place
from floorapp.i18n import N_, _, message, stored
from floorapp.plan.model import Plan
from floorapp.plan.store import load_plan
from floorapp.services import ServiceError
from floorapp.text import clean

DRILL_KIND = "drill"  # the reminder kind (a column of free text, like patrol and care)
RESULTS = (DrillStatus.PASSED, DrillStatus.PRACTICE)
# How far back the calls that tell the quiet hours are read, and the soonest re-drill.
LOAD_DAYS = 14
REDRILL_AFTER = timedelta(hours=2)
OPEN = (DrillStatus.PLANNED, DrillStatus.DUE)
FREE = (AgentState.AVAILABLE, AgentState.AFTER_CALL)


class DrillError(ServiceError):
    pass


@dataclass(frozen=True)
class DrillView:
    id: int
    hot_issue: str
    title: str
    agent_id: str
    agent_name: str
    team_id: str
    attempt: int
    planned_at: datetime
    due_by: datetime
    status: str
    deferred: int
    scenario: str
    answer: str
    note: str | None
    result_at: datetime | None
    result_by: str | None

    def overdue(self, now: datetime) -> bool:
        return self.status in OPEN and now > self.due_by


@dataclass(frozen=True)
class CoverageRow:
    hot_issue: str
    title: str
    team_id: str
    agents: int
    drilled: int  # agents with a result
    passed: int  # agents whose latest result is passed
    practice: int  # agents whose latest result is needs practice
    overdue: int  # agents not passed, past the issue's due time

    @property
    def to_drill(self) -> int:
        return self.agents - self.passed


# --- planning ---------------------------------------------------------------------------


def call_load(conn: Connection, plan: Plan, teams: Sequence[str], *, now: datetime) -> Load:
    """Calls offered per local hour of the day per team over the last ``LOAD_DAYS`` days."""
    rows = conn.execute(
        select(Agent.team_id, Call.offered_at)
        .join(Agent, Agent.id == Call.agent_id)
        .where(
            Agent.team_id.in_(list(teams)),
            Call.offered_at >= now - timedelta(days=LOAD_DAYS),
            Call.offered_at <= now,
        )
    )
    out: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for team, at in rows:
        if at is not None:
            out[team][at.astimezone(plan.timezone).hour] += 1
    return out


def schedule_for_plan(
    conn: Connection, version_id: int, plan: Plan, *, now: datetime, actor: str
) -> tuple[int, int]:
    """Plan the drills of ``plan`` (just stored as ``version_id``); (planned, unplaced)."""
    conn.execute(
        update(Drill)
        .where(Drill.status == DrillStatus.PLANNED, Drill.plan_version_id != version_id)
        .values(status=DrillStatus.CANCELLED, updated_at=now)
    )
    if not plan.hot_issues:
        return 0, 0
    teams = sorted({t for h in plan.hot_issues for t in h.teams})
    agents = [
        (a, t)
        for a, t in conn.execute(select(Agent.id, Agent.team_id).where(Agent.team_id.in_(teams)))
    ]
    # An agent who already passed an issue of the same key (an earlier version) is done.
    passed = {
        (i, a)
        for i, a in conn.execute(
            select(Drill.hot_issue, Drill.agent_id).where(Drill.status == DrillStatus.PASSED)
        )
    }
    placement = place(plan, agents, not_before=now, load=call_load(conn, plan, teams, now=now))
    rows = [
        dict(
            plan_version_id=version_id,
            hot_issue=d.hot_issue,
            agent_id=d.agent_id,
            team_id=d.team_id,
            attempt=1,
            planned_at=d.at,
            due_by=d.due_by,
            status=DrillStatus.PLANNED,
            updated_at=now,
        )
        for d in placement.drills
        if (d.hot_issue, d.agent_id) not in passed
    ]
    if rows:
        conn.execute(insert(Drill), rows)
    audit.record(
        conn,
        at=now,
        actor=actor,
        action="drill.plan",
        target_kind="plan",
        target_id=version_id,
        detail=f"{len(rows)} drills planned, {len(placement.unplaced)} without a slot",
    )
    return len(rows), len(placement.unplaced)


# --- firing -----------------------------------------------------------------------------


def _drill_title(name: str, topic: str) -> str:
    """Stored as a message (worded when read, in each reader's language), the agent's name
    and the plan's topic as written; cut to the column by the topic, never mid-sentence."""
    name, topic = clean(name) or "?", clean(topic) or "?"
    for cut in range(len(topic), -1, -10):
        text = stored(message(N_("Drill {agent}: {topic}"), agent=name[:60], topic=topic[:cut]))
        if len(text) <= 300:
            return text
    return stored(message(N_("Drill {agent}: {topic}"), agent=name[:60], topic=""))


def _fire_row(
    conn: Connection,
    d: Row[*tuple[Any, ...]],
    plan: Plan | None,
    name: str,
    now: datetime,
    holder: str,
) -> int | None:
    h = plan.hot_issue(d.hot_issue) if plan else None
    title = h.title if h else d.hot_issue
    detail = f"Scenario: {h.scenario}\nModel answer: {h.model_answer}" if h else None
    rid = conn.execute(
        insert_ignore(conn, Reminder, ["job_id", "scheduled_for"])
        .values(
            job_id=f"drill:{d.id}",
            scheduled_for=d.planned_at,
            kind=DRILL_KIND,
            item=d.hot_issue[:100],
            title=_drill_title(name, title),
            detail=clean(detail, multiline=True),
            team_id=d.team_id,
            agent_id=d.agent_id,
            due_by=d.due_by,
            status=ReminderStatus.DUE,
            fired_at=now,
            fired_by=holder,
            plan_version_id=d.plan_version_id,
        )
        .returning(Reminder.id)
    ).scalar()
    return None if rid is None else int(rid)


def fire_due(engine: Engine, *, now: datetime, holder: str) -> tuple[int, int]:
    """Send each drill whose slot came, if its agent is free; (fired, held back)."""

    def tx(conn: Connection) -> tuple[int, int]:
        rows = conn.execute(
            select(*Drill.__table__.c, Agent.name, Agent.state, Agent.current_call_id)
            .join(Agent, Agent.id == Drill.agent_id)
            .where(Drill.status == DrillStatus.PLANNED, Drill.planned_at <= now)
            .order_by(Drill.planned_at, Drill.id)
        ).all()
        if not rows:
            return 0, 0
        stored = load_plan(conn)
        plans: dict[int, Plan | None] = {stored.version_id: stored.plan} if stored else {}
        fired = held = 0
        leader_busy: set[str] = set()
        for d in rows:
            name, state, call_id = d.name, d.state, d.current_call_id
            # Never mid-call, on a break or at an empty desk (after-call work is off the
            # phone: the leader takes the agent once it is done); one per leader at a time.
            if state not in FREE or call_id is not None or d.team_id in leader_busy:
                conn.execute(
                    update(Drill)
                    .where(Drill.id == d.id)
                    .values(deferred=Drill.deferred + 1, updated_at=now)
                )
                held += 1
                continue
            if d.plan_version_id not in plans:
                old = load_plan(conn, d.plan_version_id)
                plans[d.plan_version_id] = old.plan if old else None
            rid = _fire_row(conn, d, plans[d.plan_version_id], name, now, holder)
            conn.execute(
                update(Drill)
                .where(Drill.id == d.id, Drill.status == DrillStatus.PLANNED)
                .values(status=DrillStatus.DUE, fired_at=now, reminder_id=rid, updated_at=now)
            )
            leader_busy.add(d.team_id)
            fired += 1
        return fired, held

    return run_write(engine, tx)


# --- results ----------------------------------------------------------------------------


def record_result(
    engine: Engine,
    drill_id: int,
    *,
    result: str,
    actor: str,
    now: datetime,
    note: str | None = None,
) -> DrillView:
    """Passed, or needs practice (a note saying what to work on; a re-drill is planned)."""
    if result not in RESULTS:
        raise DrillError(
            _("a drill's result is passed or practice, not {result!r}").format(result=result)
        )
    note_c = (clean(note, multiline=True) or "").strip() or None
    if result == DrillStatus.PRACTICE and not note_c:
        raise DrillError(_("say what needs practice (a note is required)"))

    def tx(conn: Connection) -> None:
        d = conn.execute(select(Drill.__table__).where(Drill.id == drill_id)).first()
        if d is None:
            raise DrillError(_("no drill #{drill_id}").format(drill_id=drill_id))
        policy.check(
            conn,
            "drill.result",
            actor,
            team=d.team_id,
            target_kind="drill",
            target_id=drill_id,
            what=f"drill #{drill_id}",
        )
        done = conn.execute(
            update(Drill)
            .where(Drill.id == drill_id, Drill.status.in_(OPEN))
            .values(status=result, result_at=now, result_by=actor, note=note_c, updated_at=now)
        ).rowcount
        if not done:
            raise DrillError(
                _("drill #{drill_id} already has a result ({status})").format(
                    drill_id=drill_id, status=d.status
                )
            )
        if d.reminder_id is not None:
            conn.execute(
                update(Reminder)
                .where(
                    Reminder.id == d.reminder_id,
                    Reminder.status.in_(
                        (ReminderStatus.DUE, ReminderStatus.SNOOZED, ReminderStatus.MISSED)
                    ),
                )
                .values(status=ReminderStatus.DONE, handled_at=now, handled_by=actor, note=note_c)
            )
        detail = f"{d.hot_issue} {d.agent_id}: {result}" + (f": {note_c}" if note_c else "")
        if result == DrillStatus.PRACTICE:
            again = _redrill(conn, d, now)
            detail += f"; re-drill #{again[0]} at {again[1]:%Y-%m-%d %H:%M}Z"
        audit.record(
            conn,
            at=now,
            actor=actor,
            action="drill.result",
            target_kind="drill",
            target_id=drill_id,
            detail=detail,
        )

    policy.write(engine, tx, now=now)
    return get(engine, drill_id)


def _redrill(conn: Connection, d: Row[Any], now: datetime) -> tuple[int, datetime]:
    stored = load_plan(conn, d.plan_version_id)
    h = stored.plan.hot_issue(d.hot_issue) if stored else None
    at = now + REDRILL_AFTER
    if stored is not None and h is not None:
        taken = [
            (a, t)
            for a, t in conn.execute(
                select(Drill.agent_id, Drill.planned_at).where(
                    Drill.agent_id == d.agent_id, Drill.status.in_(OPEN)
                )
            )
        ]
        # The period may already run: the re-drill's window reaches to the period's end.
        period = stored.plan.period(h.period)
        until = max(h.due_by, period.end if period else h.due_by)
        wider = replace(h, drill_from=at, due_by=until)
        placed = place(
            stored.plan, [(d.agent_id, d.team_id)], not_before=at, taken=taken, issues=[wider]
        )
        if placed.drills:
            at = placed.drills[0].at
    rid = conn.execute(
        insert(Drill)
        .values(
            plan_version_id=d.plan_version_id,
            hot_issue=d.hot_issue,
            agent_id=d.agent_id,
            team_id=d.team_id,
            attempt=d.attempt + 1,
            planned_at=at,
            due_by=d.due_by,
            status=DrillStatus.PLANNED,
            updated_at=now,
        )
        .returning(Drill.id)
    ).scalar_one()
    return int(rid), at


# --- reading ----------------------------------------------------------------------------


def _views(conn: Connection, where: Sequence[ColumnElement[bool]]) -> list[DrillView]:
    rows = conn.execute(
        select(*Drill.__table__.c, Agent.name)
        .join(Agent, Agent.id == Drill.agent_id)
        .where(*where)
        .order_by(Drill.planned_at, Drill.id)
    ).all()
    plans: dict[int, Plan | None] = {}
    out = []
    for d in rows:
        name = d.name
        if d.plan_version_id not in plans:
            stored = load_plan(conn, d.plan_version_id)
            plans[d.plan_version_id] = stored.plan if stored else None
        plan = plans[d.plan_version_id]
        h = plan.hot_issue(d.hot_issue) if plan else None
        out.append(
            DrillView(
                d.id,
                d.hot_issue,
                h.title if h else d.hot_issue,
                d.agent_id,
                name,
                d.team_id,
                d.attempt,
                d.planned_at,
                d.due_by,
                d.status,
                d.deferred,
                h.scenario if h else "",
                h.model_answer if h else "",
                d.note,
                d.result_at,
                d.result_by,
            )
        )
    return out


def get(engine: Engine, drill_id: int) -> DrillView:
    with read_tx(engine) as conn:
        views = _views(conn, [Drill.id == drill_id])
    if not views:
        raise DrillError(_("no drill #{drill_id}").format(drill_id=drill_id))
    return views[0]


def _latest_version(conn: Connection) -> int | None:
    stored = load_plan(conn)
    return stored.version_id if stored else None


def open_drills(
    engine: Engine, *, actor: str, now: datetime, team: str | None = None
) -> list[DrillView]:
    """Drills of the plan in force not yet run, in the actor's teams (due ones first)."""

    def fn(conn: Connection) -> list[DrillView]:
        scope = policy.check(conn, "drills.read", actor)
        vid = _latest_version(conn)
        if vid is None:
            return []
        where = [
            Drill.status.in_(OPEN),
            Drill.plan_version_id == vid,
            scope.team_clause(Drill.team_id),
        ]
        if team is not None:
            where.append(Drill.team_id == team)
        views = _views(conn, where)
        return sorted(views, key=lambda v: (v.status != DrillStatus.DUE, v.planned_at))

    return policy.read(engine, fn, now=now)


def agent_drills(engine: Engine, agent_id: str, *, actor: str, now: datetime) -> list[DrillView]:
    def fn(conn: Connection) -> list[DrillView]:
        team = conn.execute(select(Agent.team_id).where(Agent.id == agent_id)).scalar()
        policy.check(conn, "drills.read", actor, team=team, target_kind="agent", target_id=agent_id)
        views = _views(conn, [Drill.agent_id == agent_id, Drill.status != DrillStatus.CANCELLED])
        return sorted(views, key=lambda v: (v.hot_issue, v.attempt))

    return policy.read(engine, fn, now=now)


def coverage(engine: Engine, *, actor: str, now: datetime) -> list[CoverageRow]:
    """Per hot issue and team of the plan in force: who is drilled, passed, overdue."""

    def fn(conn: Connection) -> list[CoverageRow]:
        scope = policy.check(conn, "drills.read", actor)
        stored = load_plan(conn)
        if stored is None or not stored.plan.hot_issues:
            return []
        plan = stored.plan
        teams = sorted({t for h in plan.hot_issues for t in h.teams if scope.allows_team(t)})
        members: dict[str, list[str]] = defaultdict(list)
        for a, t in conn.execute(select(Agent.id, Agent.team_id).where(Agent.team_id.in_(teams))):
            members[t].append(a)
        # An agent's standing on an issue: passed once any attempt passed, else their
        # latest attempt's status; "needs practice" while a failed attempt is not yet made up.
        attempts: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
        for issue, agent, attempt, status in conn.execute(
            select(Drill.hot_issue, Drill.agent_id, Drill.attempt, Drill.status).where(
                Drill.team_id.in_(teams), Drill.status != DrillStatus.CANCELLED
            )
        ):
            attempts[(issue, agent)].append((attempt, status))
        latest: dict[tuple[str, str], tuple[int, str]] = {}
        for key, tries in attempts.items():
            statuses = {s for _, s in tries}
            standing = (
                DrillStatus.PASSED
                if DrillStatus.PASSED in statuses
                else DrillStatus.PRACTICE
                if DrillStatus.PRACTICE in statuses
                else max(tries)[1]
            )
            latest[key] = (max(tries)[0], standing)
        ever = {k for k, tries in attempts.items() if any(s in RESULTS for _, s in tries)}
        out = []
        for h in plan.hot_issues:
            for t in h.teams:
                if t not in teams:
                    continue
                agents = members.get(t, [])
                st = [latest.get((h.key, a), (0, ""))[1] for a in agents]
                passed = sum(s == DrillStatus.PASSED for s in st)
                out.append(
                    CoverageRow(
                        h.key,
                        h.title,
                        t,
                        len(agents),
                        drilled=sum((h.key, a) in ever for a in agents),
                        passed=passed,
                        practice=sum(s == DrillStatus.PRACTICE for s in st),
                        overdue=0 if now <= h.due_by else len(agents) - passed,
                    )
                )
        return out

    return policy.read(engine, fn, now=now)


__all__ = [
    "DRILL_KIND",
    "CoverageRow",
    "DrillError",
    "DrillView",
    "agent_drills",
    "coverage",
    "fire_due",
    "open_drills",
    "record_result",
    "schedule_for_plan",
]
