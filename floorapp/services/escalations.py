"""Escalation actions from the console: claim, assign, next tier, resolve, note, open by hand.

Races are settled by the database, not by timing: every change is a conditional UPDATE whose
rowcount says whether this supervisor won. The loser is told who holds the escalation.
Refusals are audited in their own committed transaction (the action itself changed nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from db.engine import read_tx, run_write
from db.models import (
    Agent,
    Call,
    Escalation,
    EscalationEvent,
    EscalationStatus,
    Supervisor,
    SupervisorRole,
)
from floorapp import audit
from floorapp.context import AppContext
from floorapp.escalations import SEVERITIES, TIERS, open_escalation
from floorapp.services import ServiceError
from floorapp.services.scope import load_scope, refuse, scope_of
from floorapp.text import clean

TIER_NAMES = {1: "tier 1", 2: "tier 2", 3: "complaint desk"}
NOT_PAST_THREE = "things do not go past three"


class EscalationError(ServiceError):
    pass


class AlreadyHeld(EscalationError):
    """Someone else won the claim."""

    def __init__(self, esc_id: int, holder: str) -> None:
        super().__init__(f"escalation {esc_id} is already held by {holder}")
        self.holder = holder


class HandoffLimit(EscalationError):
    """A hand-off past settings.max_handoffs, refused without a floor manager's override."""


@dataclass(frozen=True)
class EscalationView:
    id: int
    tier: int
    severity: str
    reason: str
    status: str
    agent_id: str | None
    agent_name: str | None
    team_id: str | None
    call_id: str | None
    customer_id: str | None
    opened_at: datetime
    opened_by: str
    deadline: datetime
    holder: str | None
    claimed_at: datetime | None
    handoffs: int
    resolved_at: datetime | None
    resolved_by: str | None
    resolution_note: str | None
    updated_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status != EscalationStatus.RESOLVED


@dataclass(frozen=True)
class EscalationEventView:
    at: datetime
    actor: str
    action: str
    from_tier: int | None
    to_tier: int | None
    note: str | None


_COLUMNS = (
    Escalation.id, Escalation.tier, Escalation.severity, Escalation.reason, Escalation.status,
    Escalation.agent_id, Agent.name.label("agent_name"), Escalation.team_id, Escalation.call_id,
    Escalation.customer_id, Escalation.opened_at, Escalation.opened_by, Escalation.deadline,
    Escalation.holder, Escalation.claimed_at, Escalation.handoffs, Escalation.resolved_at,
    Escalation.resolved_by, Escalation.resolution_note, Escalation.updated_at,
)


def escalation_query():  # type: ignore[no-untyped-def]
    return select(*_COLUMNS).outerjoin(Agent, Agent.id == Escalation.agent_id)


def to_view(row: object) -> EscalationView:
    return EscalationView(**row._mapping)  # type: ignore[attr-defined]


def _get(conn: Connection, esc_id: int) -> EscalationView:
    row = conn.execute(escalation_query().where(Escalation.id == esc_id)).first()
    if row is None:
        raise EscalationError(f"escalation {esc_id} does not exist")
    return to_view(row)


def get_escalation(ctx: AppContext, esc_id: int) -> EscalationView:
    with read_tx(ctx.engine) as conn:
        return _get(conn, esc_id)


def open_escalations(ctx: AppContext, actor: str, *, tier: int | None = None,
                     team: str | None = None) -> list[EscalationView]:
    """Unresolved escalations, nearest deadline first."""
    q = escalation_query().where(Escalation.status != EscalationStatus.RESOLVED,
                                 load_scope(ctx.engine, actor).team_clause(Escalation.team_id))
    if tier is not None:
        q = q.where(Escalation.tier == tier)
    if team is not None:
        q = q.where(Escalation.team_id == team)
    with read_tx(ctx.engine) as conn:
        return [to_view(r) for r in conn.execute(q.order_by(Escalation.deadline, Escalation.id))]


def escalations_for_agent(ctx: AppContext, actor: str, agent_id: str,
                          since: datetime | None = None) -> list[EscalationView]:
    q = escalation_query().where(Escalation.agent_id == agent_id,
                                 load_scope(ctx.engine, actor).team_clause(Escalation.team_id))
    if since is not None:
        q = q.where((Escalation.opened_at >= since)
                    | (Escalation.status != EscalationStatus.RESOLVED))
    with read_tx(ctx.engine) as conn:
        return [to_view(r) for r in conn.execute(q.order_by(Escalation.opened_at.desc()))]


def history(ctx: AppContext, actor: str, esc_id: int) -> list[EscalationEventView]:
    _check_scope(ctx, actor, "escalation.history", esc_id)
    with read_tx(ctx.engine) as conn:
        rows = conn.execute(
            select(EscalationEvent.at, EscalationEvent.actor, EscalationEvent.action,
                   EscalationEvent.from_tier, EscalationEvent.to_tier, EscalationEvent.note)
            .where(EscalationEvent.escalation_id == esc_id)
            .order_by(EscalationEvent.at, EscalationEvent.id)
        )
        return [EscalationEventView(**r._mapping) for r in rows]


def _event(conn: Connection, esc_id: int, now: datetime, actor: str, action: str,
           note: str | None = None, from_tier: int | None = None,
           to_tier: int | None = None) -> None:
    conn.execute(insert(EscalationEvent).values(
        escalation_id=esc_id, at=now, actor=actor, action=action, note=note,
        from_tier=from_tier, to_tier=to_tier))


def _refused(ctx: AppContext, actor: str, action: str, esc_id: int, why: str,
             exc: type[EscalationError] = EscalationError) -> EscalationError:
    now = ctx.clock.now()

    def tx(conn: Connection) -> None:
        audit.record(conn, at=now, actor=actor, action=f"escalation.{action}",
                     target_kind="escalation", target_id=esc_id, outcome="refused", detail=why)

    run_write(ctx.engine, tx)
    return exc(why)


def _check_scope(ctx: AppContext, actor: str, action: str, esc_id: int) -> None:
    team = get_escalation(ctx, esc_id).team_id
    if not load_scope(ctx.engine, actor).allows_team(team):
        raise refuse(ctx.engine, now=ctx.clock.now(), actor=clean(actor) or "?", action=action,
                     target_kind="escalation", target_id=esc_id, team=team)


def _closed_why(cur: EscalationView) -> str:
    return f"escalation {cur.id} is already resolved by {cur.resolved_by or '?'}"


def claim(ctx: AppContext, actor: str, esc_id: int) -> EscalationView:
    now = ctx.clock.now()
    who = clean(actor) or "?"
    _check_scope(ctx, who, "escalation.claim", esc_id)

    def tx(conn: Connection) -> EscalationView | str:
        res = conn.execute(
            update(Escalation)
            .where(Escalation.id == esc_id, Escalation.status == EscalationStatus.OPEN,
                   Escalation.holder.is_(None))
            .values(status=EscalationStatus.CLAIMED, holder=who, claimed_at=now, updated_at=now)
        )
        if res.rowcount != 1:
            cur = _get(conn, esc_id)
            if cur.status == EscalationStatus.RESOLVED:
                return _closed_why(cur)
            return f"held:{cur.holder or '?'}"
        _event(conn, esc_id, now, who, "claimed")
        audit.record(conn, at=now, actor=who, action="escalation.claim",
                     target_kind="escalation", target_id=esc_id)
        return _get(conn, esc_id)

    result = run_write(ctx.engine, tx)
    if isinstance(result, str):
        if result.startswith("held:"):
            holder = result[5:]
            if holder == who:
                raise _refused(ctx, who, "claim", esc_id, f"you already hold escalation {esc_id}")
            err = _refused(ctx, who, "claim", esc_id, f"already held by {holder}")
            raise AlreadyHeld(esc_id, holder) from err
        raise _refused(ctx, who, "claim", esc_id, result)
    return result


def limit_words(limit: int) -> str:
    return NOT_PAST_THREE if limit == 3 else f"no more than {limit} hand-offs"


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _handoff_refusal(conn: Connection, who: str, cur: EscalationView, limit: int,
                     override_reason: str | None) -> tuple[str | None, bool]:
    """(why it is refused or None, whether this is a floor manager's override)."""
    if cur.handoffs < limit:
        return None, False
    role = conn.execute(select(Supervisor.role).where(
        Supervisor.id == who, Supervisor.active.is_(True))).scalar()
    if override_reason is not None and role == SupervisorRole.FLOOR_MANAGER:
        return None, True
    why = (f"{limit_words(limit)}: escalation {cur.id} has been handed off "
           f"{_times(cur.handoffs)} already")
    if role == SupervisorRole.FLOOR_MANAGER:
        why += "; give a reason to override"
    else:
        why += "; only a floor manager can override, with a reason"
    return why, False


def _audit_override(conn: Connection, now: datetime, who: str, esc_id: int,
                    reason: str | None) -> None:
    audit.record(conn, at=now, actor=who, action="escalation.handoff_override",
                 target_kind="escalation", target_id=esc_id, detail=reason)


def _handoff_result(ctx: AppContext, who: str, action: str, esc_id: int,
                    result: EscalationView | tuple[str, bool]) -> EscalationView:
    """A hand-off's outcome: the escalation, or the refusal raised (and audited)."""
    if isinstance(result, tuple):
        why, is_limit = result
        raise _refused(ctx, who, action, esc_id, why,
                       HandoffLimit if is_limit else EscalationError)
    return result


def assign(ctx: AppContext, actor: str, esc_id: int, to: str,
           override_reason: str | None = None) -> EscalationView:
    """Give the escalation to a supervisor. Taking it from one holder to another passes the
    customer on, so it counts as a hand-off, under the same limit as moving up a tier."""
    now = ctx.clock.now()
    who = clean(actor) or "?"
    _check_scope(ctx, who, "escalation.assign", esc_id)
    override_reason = clean(override_reason, multiline=True) or None
    limit = ctx.settings.max_handoffs

    def tx(conn: Connection) -> EscalationView | tuple[str, bool]:
        known = conn.execute(select(Supervisor.id).where(
            Supervisor.id == to, Supervisor.active.is_(True))).first()
        if known is None:
            return f"no active supervisor {to!r}", False
        cur = _get(conn, esc_id)
        if not cur.is_open:
            return _closed_why(cur), False
        if not scope_of(conn, to).allows_team(cur.team_id):
            return f"{to} does not lead team {cur.team_id or '(none)'}", False
        if cur.holder == to:
            return f"{to} already holds escalation {esc_id}", False
        handoff = cur.holder is not None
        overriding = False
        if handoff:
            why, overriding = _handoff_refusal(conn, who, cur, limit, override_reason)
            if why is not None:
                return why, True
        res = conn.execute(
            update(Escalation)
            .where(Escalation.id == esc_id, Escalation.status != EscalationStatus.RESOLVED,
                   Escalation.handoffs == cur.handoffs)
            .values(status=EscalationStatus.CLAIMED, holder=to, claimed_at=now, updated_at=now,
                    handoffs=Escalation.handoffs + (1 if handoff else 0))
        )
        if res.rowcount != 1:
            return f"escalation {esc_id} changed under you; look again", False
        note = f"to {to}" + (f" (from {cur.holder}, hand-off {cur.handoffs + 1})"
                             if handoff else "")
        if overriding:
            note += f"; override: {override_reason}"
        _event(conn, esc_id, now, who, "assigned", note=note)
        audit.record(conn, at=now, actor=who, action="escalation.assign",
                     target_kind="escalation", target_id=esc_id, detail=note)
        if overriding:
            _audit_override(conn, now, who, esc_id, override_reason)
        return _get(conn, esc_id)

    return _handoff_result(ctx, who, "assign", esc_id, run_write(ctx.engine, tx))


def next_tier(ctx: AppContext, actor: str, esc_id: int,
              override_reason: str | None = None) -> EscalationView:
    """Hand the escalation to the next tier; the deadline restarts for that tier.

    A hand-off beyond ``settings.max_handoffs`` is refused ("things do not go past three")
    unless a floor manager overrides it with a reason; the override is audited.
    """
    now = ctx.clock.now()
    who = clean(actor) or "?"
    _check_scope(ctx, who, "escalation.next_tier", esc_id)
    override_reason = clean(override_reason, multiline=True) or None
    limit = ctx.settings.max_handoffs

    def tx(conn: Connection) -> EscalationView | tuple[str, bool]:
        cur = _get(conn, esc_id)
        if not cur.is_open:
            return _closed_why(cur), False
        if cur.tier >= max(TIERS):
            return (f"escalation {esc_id} is already at the complaint desk, the last line: "
                    "resolve it there"), False
        why, overriding = _handoff_refusal(conn, who, cur, limit, override_reason)
        if why is not None:
            return why, True
        to_tier = cur.tier + 1
        res = conn.execute(
            update(Escalation)
            .where(Escalation.id == esc_id, Escalation.status != EscalationStatus.RESOLVED,
                   Escalation.tier == cur.tier, Escalation.handoffs == cur.handoffs)
            .values(tier=to_tier, handoffs=Escalation.handoffs + 1,
                    status=EscalationStatus.OPEN, holder=None, claimed_at=None,
                    deadline=now + ctx.settings.deadline(to_tier, cur.severity), updated_at=now)
        )
        if res.rowcount != 1:
            return f"escalation {esc_id} changed under you; look again", False
        _event(conn, esc_id, now, who, "handed_off", from_tier=cur.tier, to_tier=to_tier,
               note=f"override: {override_reason}" if overriding else None)
        audit.record(conn, at=now, actor=who, action="escalation.next_tier",
                     target_kind="escalation", target_id=esc_id,
                     detail=f"tier {cur.tier} -> {to_tier}, hand-off {cur.handoffs + 1}")
        if overriding:
            _audit_override(conn, now, who, esc_id, override_reason)
        return _get(conn, esc_id)

    return _handoff_result(ctx, who, "next_tier", esc_id, run_write(ctx.engine, tx))


def resolve(ctx: AppContext, actor: str, esc_id: int, note: str) -> EscalationView:
    now = ctx.clock.now()
    who = clean(actor) or "?"
    _check_scope(ctx, who, "escalation.resolve", esc_id)
    note = clean(note, multiline=True) or ""
    if not note.strip():
        raise EscalationError("a resolution needs a note: what was done for the customer")

    def tx(conn: Connection) -> EscalationView | str:
        res = conn.execute(
            update(Escalation)
            .where(Escalation.id == esc_id, Escalation.status != EscalationStatus.RESOLVED)
            .values(status=EscalationStatus.RESOLVED, resolved_at=now, resolved_by=who,
                    resolution_note=note, updated_at=now)
        )
        if res.rowcount != 1:
            return _closed_why(_get(conn, esc_id))
        _event(conn, esc_id, now, who, "resolved", note=note)
        audit.record(conn, at=now, actor=who, action="escalation.resolve",
                     target_kind="escalation", target_id=esc_id, detail=note)
        return _get(conn, esc_id)

    result = run_write(ctx.engine, tx)
    if isinstance(result, str):
        raise _refused(ctx, who, "resolve", esc_id, result)
    return result


def add_note(ctx: AppContext, actor: str, esc_id: int, note: str) -> EscalationView:
    now = ctx.clock.now()
    who = clean(actor) or "?"
    _check_scope(ctx, who, "escalation.note", esc_id)
    note = clean(note, multiline=True) or ""
    if not note.strip():
        raise EscalationError("the note is empty")

    def tx(conn: Connection) -> EscalationView:
        _get(conn, esc_id)
        conn.execute(update(Escalation).where(Escalation.id == esc_id).values(updated_at=now))
        _event(conn, esc_id, now, who, "note", note=note)
        audit.record(conn, at=now, actor=who, action="escalation.note",
                     target_kind="escalation", target_id=esc_id, detail=note)
        return _get(conn, esc_id)

    return run_write(ctx.engine, tx)


def open_by_hand(ctx: AppContext, actor: str, agent_id: str, reason: str, *, tier: int = 1,
                 severity: str = "medium") -> EscalationView:
    """Open an escalation from an agent's row, for the call they are on (if any)."""
    now = ctx.clock.now()
    who = clean(actor) or "?"
    reason = clean(reason, multiline=True) or ""
    if not reason.strip():
        raise EscalationError("an escalation needs a reason")
    if tier not in TIERS or severity not in SEVERITIES:
        raise EscalationError(f"tier must be 1-3 and severity one of {', '.join(SEVERITIES)}")

    def tx(conn: Connection) -> EscalationView | tuple[str | None]:
        agent = conn.execute(select(Agent.id, Agent.current_call_id, Agent.team_id).where(
            Agent.id == agent_id)).first()
        if agent is None:
            raise EscalationError(f"no agent {agent_id!r} on this floor")
        if not scope_of(conn, who).allows_team(agent.team_id):
            return (agent.team_id,)  # refused: audited in its own transaction below
        customer = None
        if agent.current_call_id is not None:
            customer = conn.execute(select(Call.customer_id).where(
                Call.id == agent.current_call_id)).scalar()
        esc_id = open_escalation(
            conn, ctx.settings, now=now, opened_by=who, reason=reason, tier=tier,
            severity=severity, agent_id=agent_id, call_id=agent.current_call_id,
            customer_id=customer)
        assert esc_id is not None
        audit.record(conn, at=now, actor=who, action="escalation.open",
                     target_kind="escalation", target_id=esc_id,
                     detail=f"{agent_id} tier {tier} {severity}: {reason}")
        return _get(conn, esc_id)

    result = run_write(ctx.engine, tx)
    if isinstance(result, tuple):
        raise refuse(ctx.engine, now=now, actor=who, action="escalation.open",
                     target_kind="agent", target_id=agent_id, team=result[0])
    return result
