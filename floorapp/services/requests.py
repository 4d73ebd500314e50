"""Agents' requests to their leaders (员工诉求), answered with deadlines like a work order.

A request arrives from the agent desktop as a JSONL ``agent_request`` event (stored by
``RequestsObserver`` in the feed writer's batch transaction) or is recorded by a
supervisor who heard it on a patrol. Its deadlines are fixed when it arrives, in the
centre's working time (``[requests]`` in the settings, ``floorapp.worktime``): acknowledge
within so many working minutes, answer within so many working days. The leader
acknowledges, answers (what was done, or why not) and closes it; the agent's desktop reads
the answer back (``floorapp requests --agent ID --json``).

Missed deadlines: the scheduler's holder (``remind_late``) sends a reminder to the team's
leaders, and after ``manager_after_min`` more working minutes one to each floor manager.
Every step is audited; everything is scoped by the access policy.

One module past 400 lines on purpose: the agents' requests are one service (record,
acknowledge, answer, close, deadlines in working hours, the late chain) over one table and
its scope.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Row, insert, select, update

from db.engine import run_write
from db.models import Agent, Supervisor, SupervisorRole
from db.models_plan import Reminder, ReminderStatus
from db.models_requests import REQUEST_CATEGORIES, AgentRequest, RequestStatus
from db.upsert import insert_ignore
from floorapp import audit, policy
from floorapp.config import Settings
from floorapp.feed.events import EventKind, FeedEvent
from floorapp.i18n import _
from floorapp.services import ServiceError
from floorapp.text import clean
from floorapp.worktime import add_working

REQUEST_KIND = "request"  # the reminder kind of a late request
MAX_TEXT = 2000
OPEN = (RequestStatus.OPEN, RequestStatus.ACKNOWLEDGED)


class RequestError(ServiceError):
    pass


@dataclass(frozen=True)
class RequestView:
    id: int
    agent_id: str
    agent_name: str
    team_id: str | None
    category: str
    text: str
    raised_at: datetime
    source: str  # "desktop" or "patrol"
    recorded_by: str | None
    status: str
    ack_due: datetime
    answer_due: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    answered_at: datetime | None
    answered_by: str | None
    answer: str | None
    closed_at: datetime | None
    late_stage: int

    def next_deadline(self) -> tuple[str, datetime] | None:
        """("acknowledge" | "answer", when) still to meet; None once answered."""
        if self.status == RequestStatus.OPEN:
            return "acknowledge", self.ack_due
        if self.status == RequestStatus.ACKNOWLEDGED:
            return "answer", self.answer_due
        return None

    def late(self, now: datetime) -> bool:
        nxt = self.next_deadline()
        return (nxt is not None and now > nxt[1]) or self.late_stage > 0

    def to_json(self) -> dict[str, Any]:
        """What the agent desktop reads back: the request, where it stands, the answer."""

        def iso(v: datetime | None) -> str | None:
            return v.isoformat() if v else None

        return {
            "id": self.id,
            "agent": self.agent_id,
            "category": self.category,
            "text": self.text,
            "raised_at": iso(self.raised_at),
            "status": self.status,
            "acknowledged_at": iso(self.acknowledged_at),
            "answer": self.answer,
            "answered_at": iso(self.answered_at),
            "closed_at": iso(self.closed_at),
            "acknowledge_by": iso(self.ack_due),
            "answer_by": iso(self.answer_due),
        }


def deadlines(settings: Settings, category: str, at: datetime) -> tuple[datetime, datetime]:
    d = settings.request_deadlines[category]
    wh, tz = settings.work_hours, settings.timezone
    return (
        add_working(at, d.acknowledge_min, wh, tz),
        add_working(at, d.answer_days * wh.day_minutes, wh, tz),
    )


def _values(
    settings: Settings, *, agent_id: str, team: str | None, category: str, text: str, at: datetime
) -> dict[str, Any]:
    ack, answer = deadlines(settings, category, at)
    return dict(
        agent_id=agent_id,
        team_id=team,
        category=category,
        text=text,
        raised_at=at,
        ack_due=ack,
        answer_due=answer,
        status=RequestStatus.OPEN,
        updated_at=at,
    )


# --- arriving -----------------------------------------------------------------------------


class RequestsObserver:
    """Stores each ``agent_request`` event in the writer's batch transaction (a
    ``FeedObserver``): O(1) per event, nothing to rebuild on start."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pending: list[FeedEvent] = []

    def start(self, conn: Connection) -> None:
        self._pending.clear()

    def observe(self, event: FeedEvent) -> None:
        if event.kind is EventKind.AGENT_REQUEST:
            self._pending.append(event)

    def tick(self, now: datetime) -> None:
        return None

    def flush(self, conn: Connection) -> None:
        pending, self._pending = self._pending, []
        if not pending:
            return
        teams = dict(
            conn.execute(
                select(Agent.id, Agent.team_id).where(
                    Agent.id.in_({e.agent for e in pending if e.agent})
                )
            ).all()
        )
        for ev in pending:
            assert ev.agent is not None
            values = _values(
                self.settings,
                agent_id=ev.agent,
                team=teams.get(ev.agent),
                category=ev.data["category"],
                text=ev.data["text"],
                at=ev.ts,
            )
            rid = conn.execute(
                insert_ignore(conn, AgentRequest, ["source_key"])
                .values(source_key=ev.key[:200], **values)
                .returning(AgentRequest.id)
            ).scalar()
            if rid is not None:
                audit.record(
                    conn,
                    at=ev.ts,
                    actor=f"agent:{ev.agent}",
                    action="request.raise",
                    target_kind="request",
                    target_id=rid,
                    detail=f"{ev.data['category']}: {ev.data['text']}",
                )


def _text(text: str, what: str) -> str:
    t = (clean(text, multiline=True) or "").strip()
    if not t:
        raise RequestError(_("{what} is required").format(what=what))
    if len(t) > MAX_TEXT:
        raise RequestError(
            _("{what} is longer than {MAX_TEXT} characters").format(what=what, MAX_TEXT=MAX_TEXT)
        )
    return t


def record(
    engine: Engine,
    agent_id: str,
    category: str,
    text: str,
    *,
    settings: Settings,
    actor: str,
    now: datetime,
) -> RequestView:
    """A request the supervisor heard on a patrol, recorded for the agent."""
    if category not in REQUEST_CATEGORIES:
        raise RequestError(
            _("category is one of {join}, not {category!r}").format(
                join=", ".join(REQUEST_CATEGORIES), category=clean(category)
            )
        )
    body = _text(text, "what the agent asked")

    def tx(conn: Connection) -> int:
        team = conn.execute(select(Agent.team_id).where(Agent.id == agent_id)).first()
        if team is None:
            raise RequestError(_("no agent {agent_id!r}").format(agent_id=clean(agent_id)))
        policy.check(
            conn, "request.record", actor, team=team[0], target_kind="agent", target_id=agent_id
        )
        rid = conn.execute(
            insert(AgentRequest)
            .values(
                recorded_by=actor,
                **_values(
                    settings, agent_id=agent_id, team=team[0], category=category, text=body, at=now
                ),
            )
            .returning(AgentRequest.id)
        ).scalar_one()
        audit.record(
            conn,
            at=now,
            actor=actor,
            action="request.record",
            target_kind="request",
            target_id=rid,
            detail=f"{agent_id} {category}: {body}",
        )
        return int(rid)

    return get(engine, policy.write(engine, tx, now=now))


# --- handling -----------------------------------------------------------------------------


def _step(
    engine: Engine,
    request_id: int,
    action: str,
    *,
    actor: str,
    now: datetime,
    allowed: Sequence[str],
    values: dict[str, Any],
    detail: str | None = None,
) -> RequestView:
    def tx(conn: Connection) -> None:
        row = conn.execute(
            select(AgentRequest.team_id, AgentRequest.status).where(AgentRequest.id == request_id)
        ).first()
        if row is None:
            raise RequestError(_("no request #{request_id}").format(request_id=request_id))
        policy.check(
            conn,
            action,
            actor,
            team=row.team_id,
            target_kind="request",
            target_id=request_id,
            what=f"request #{request_id}",
        )
        # Conditional on the status read: of two leaders acting at once, one wins.
        done = conn.execute(
            update(AgentRequest)
            .where(AgentRequest.id == request_id, AgentRequest.status.in_(list(allowed)))
            .values(updated_at=now, **values)
        ).rowcount
        if not done:
            raise RequestError(
                _("request #{request_id} is {status}").format(
                    request_id=request_id, status=row.status
                )
            )
        # Its late reminders are settled by the step that was late.
        conn.execute(
            update(Reminder)
            .where(
                Reminder.job_id.like(f"request:{request_id}:%"),
                Reminder.status.in_(
                    (ReminderStatus.DUE, ReminderStatus.MISSED, ReminderStatus.SNOOZED)
                ),
            )
            .values(status=ReminderStatus.DONE, handled_at=now, handled_by=actor)
        )
        audit.record(
            conn,
            at=now,
            actor=actor,
            action=action,
            target_kind="request",
            target_id=request_id,
            detail=detail,
        )

    policy.write(engine, tx, now=now)
    return get(engine, request_id)


def acknowledge(engine: Engine, request_id: int, *, actor: str, now: datetime) -> RequestView:
    return _step(
        engine,
        request_id,
        "request.acknowledge",
        actor=actor,
        now=now,
        allowed=(RequestStatus.OPEN,),
        values=dict(status=RequestStatus.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=actor),
    )


def answer(engine: Engine, request_id: int, text: str, *, actor: str, now: datetime) -> RequestView:
    """What was done, or why not: the agent reads it back. Answering acknowledges too."""
    body = _text(text, "the answer (what was done, or why not)")
    view = get(engine, request_id)
    ack = {} if view.acknowledged_at else dict(acknowledged_at=now, acknowledged_by=actor)
    return _step(
        engine,
        request_id,
        "request.answer",
        actor=actor,
        now=now,
        allowed=OPEN,
        values=dict(
            status=RequestStatus.ANSWERED, answered_at=now, answered_by=actor, answer=body, **ack
        ),
        detail=body,
    )


def close(engine: Engine, request_id: int, *, actor: str, now: datetime) -> RequestView:
    return _step(
        engine,
        request_id,
        "request.close",
        actor=actor,
        now=now,
        allowed=(RequestStatus.ANSWERED,),
        values=dict(status=RequestStatus.CLOSED, closed_at=now, closed_by=actor),
    )


# --- late ------------------------------------------------------------------------------------


def remind_late(engine: Engine, *, settings: Settings, now: datetime, holder: str) -> int:
    """Late requests: a reminder to the team's leaders, then to each floor manager."""

    def tx(conn: Connection) -> int:
        rows = conn.execute(
            select(*AgentRequest.__table__.c, Agent.name)
            .join(Agent, Agent.id == AgentRequest.agent_id)
            .where(AgentRequest.status.in_(list(OPEN)), AgentRequest.late_stage < 2)
        ).all()
        managers: list[str] | None = None
        sent = 0
        for r in rows:
            missed = r.ack_due if r.status == RequestStatus.OPEN else r.answer_due
            if now <= missed:
                continue
            step = "acknowledge" if r.status == RequestStatus.OPEN else "answer"
            title = clean(f"LATE request from {r.name} ({r.category}): not {step}d in time")
            body = clean(r.text, multiline=True)
            if r.late_stage == 0:
                _remind(
                    conn,
                    r,
                    f"request:{r.id}:leader",
                    missed,
                    title,
                    body,
                    now,
                    holder,
                    team=r.team_id,
                )
                _late(conn, r.id, 1, now, holder, f"{step} due {missed:%Y-%m-%d %H:%M}Z: leader")
                sent += 1
                continue
            d = settings.request_deadlines.get(r.category)
            after = d.manager_after_min if d else 120
            second = add_working(missed, after, settings.work_hours, settings.timezone)
            if now <= second:
                continue
            if managers is None:
                managers = list(
                    conn.execute(
                        select(Supervisor.id)
                        .where(
                            Supervisor.role == SupervisorRole.FLOOR_MANAGER,
                            Supervisor.active.is_(True),
                        )
                        .order_by(Supervisor.id)
                    ).scalars()
                )
            for m in managers:
                _remind(
                    conn,
                    r,
                    f"request:{r.id}:manager:{m}",
                    second,
                    title,
                    body,
                    now,
                    holder,
                    team=r.team_id,
                    supervisor=m,
                )
            _late(
                conn,
                r.id,
                2,
                now,
                holder,
                f"{step} due {missed:%Y-%m-%d %H:%M}Z: floor manager ({', '.join(managers)})",
            )
            sent += 1
        return sent

    return run_write(engine, tx)


def _remind(
    conn: Connection,
    r: Row[*tuple[Any, ...]],
    job_id: str,
    at: datetime,
    title: str | None,
    detail: str | None,
    now: datetime,
    holder: str,
    *,
    team: str | None,
    supervisor: str | None = None,
) -> None:
    conn.execute(
        insert_ignore(conn, Reminder, ["job_id", "scheduled_for"]).values(
            job_id=job_id[:200],
            scheduled_for=at,
            kind=REQUEST_KIND,
            item=r.category,
            title=(title or "?")[:300],
            detail=detail,
            team_id=team,
            supervisor_id=supervisor,
            agent_id=r.agent_id,
            due_by=None,
            status=ReminderStatus.DUE,
            fired_at=now,
            fired_by=holder,
        )
    )


def _late(conn: Connection, rid: int, stage: int, now: datetime, holder: str, detail: str) -> None:
    conn.execute(
        update(AgentRequest).where(AgentRequest.id == rid).values(late_stage=stage, updated_at=now)
    )
    audit.record(
        conn,
        at=now,
        actor=holder,
        action="request.late",
        target_kind="request",
        target_id=rid,
        detail=detail,
    )


# --- reading -------------------------------------------------------------------------------


def _views(conn: Connection, where: Sequence[Any]) -> list[RequestView]:
    rows = conn.execute(
        select(*AgentRequest.__table__.c, Agent.name)
        .join(Agent, Agent.id == AgentRequest.agent_id)
        .where(*where)
        .order_by(AgentRequest.raised_at, AgentRequest.id)
    ).all()
    return [
        RequestView(
            r.id,
            r.agent_id,
            r.name,
            r.team_id,
            r.category,
            r.text,
            r.raised_at,
            "patrol" if r.recorded_by else "desktop",
            r.recorded_by,
            r.status,
            r.ack_due,
            r.answer_due,
            r.acknowledged_at,
            r.acknowledged_by,
            r.answered_at,
            r.answered_by,
            r.answer,
            r.closed_at,
            r.late_stage,
        )
        for r in rows
    ]


def get(engine: Engine, request_id: int) -> RequestView:
    from db.engine import read_tx

    with read_tx(engine) as conn:
        views = _views(conn, [AgentRequest.id == request_id])
    if not views:
        raise RequestError(_("no request #{request_id}").format(request_id=request_id))
    return views[0]


def listing(
    engine: Engine,
    *,
    actor: str,
    now: datetime,
    agent: str | None = None,
    team: str | None = None,
    include_closed: bool = False,
) -> list[RequestView]:
    """The actor's teams' requests (all open ones; closed too when asked), soonest due first."""

    def fn(conn: Connection) -> list[RequestView]:
        if agent is not None:
            row = conn.execute(select(Agent.team_id).where(Agent.id == agent)).first()
            if row is None:
                raise RequestError(_("no agent {agent!r}").format(agent=clean(agent)))
            scope = policy.check(
                conn, "requests.read", actor, team=row[0], target_kind="agent", target_id=agent
            )
        else:
            scope = policy.check(conn, "requests.read", actor)
        where: list[Any] = [scope.team_clause(AgentRequest.team_id)]
        if agent is not None:
            where.append(AgentRequest.agent_id == agent)
        if team is not None:
            where.append(AgentRequest.team_id == team)
        if not include_closed:
            where.append(AgentRequest.status != RequestStatus.CLOSED)
        views = _views(conn, where)

        def order(v: RequestView) -> tuple[int, datetime]:
            nxt = v.next_deadline()
            return (0, nxt[1]) if nxt else (1, v.raised_at)

        return sorted(views, key=order)

    return policy.read(engine, fn, now=now)


@dataclass(frozen=True)
class RequestFigures:
    by_category: dict[str, int]
    median_to_acknowledge: timedelta | None
    median_to_answer: timedelta | None
    late: int


def figures(
    engine: Engine, *, actor: str, now: datetime, since: datetime, until: datetime | None = None
) -> RequestFigures:
    """For reports: requests raised in [since, until) in the actor's teams."""
    views = [
        v
        for v in listing(engine, actor=actor, now=now, include_closed=True)
        if since <= v.raised_at < (until or now)
    ]
    acks = [v.acknowledged_at - v.raised_at for v in views if v.acknowledged_at]
    answers = [v.answered_at - v.raised_at for v in views if v.answered_at]
    late = sum(
        1
        for v in views
        if v.late_stage > 0
        or (v.acknowledged_at or now) > v.ack_due
        or (v.answered_at or now) > v.answer_due
    )
    return RequestFigures(
        dict(Counter(v.category for v in views)),
        # statistics (typeshed): median only sorts and halves a sum, which timedeltas do,
        # but its stub asks for numbers.
        statistics.median(acks) if acks else None,  # type: ignore[type-var]  # statistics: stub wants numbers
        statistics.median(answers) if answers else None,  # type: ignore[type-var]  # statistics: stub wants numbers
        late,
    )
