"""Escalation actions from the console: claim, assign, next tier, resolve, note, open by hand.

Races are settled by the database, not by timing: every change is a conditional UPDATE whose
rowcount says whether this supervisor won. The loser is told who holds the escalation.
Every action is checked against the access policy inside its transaction; a refusal (policy
or race) is raised there, so the action writes nothing, and audited (``floorapp.policy.write``).

One module past 400 lines on purpose: every escalation action shares the same guard,
refusal, event log and audit in one transaction, and the queue's reads share its row shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, Select, insert, select, update

from db.engine import read_tx
from db.models import (
    Agent,
    Call,
    Escalation,
    EscalationEvent,
    EscalationStatus,
    Supervisor,
)
from floorapp import audit, policy, words
from floorapp.config import Settings
from floorapp.escalations import SEVERITIES, TIERS, open_escalation
from floorapp.i18n import N_, _, message, ngettext, render, said, stored
from floorapp.policy import Refused
from floorapp.services import ServiceError
from floorapp.services.scope import OutOfScope, load_scope, scope_of
from floorapp.supervisors import SupervisorInfo, supervisors_in
from floorapp.text import clean

TIER_NAMES = {1: "tier 1", 2: "tier 2", 3: "complaint desk"}
NOT_PAST_THREE = N_("things do not go past three")
OVERRIDE = N_("override: {reason}")


def _tier_message(tier: int) -> list[Any]:
    """A tier by its floor name, worded when read."""
    name = words.TIERS.get(tier)
    return message(name) if name is not None else message(N_("tier {n}"), n=tier)


class EscalationError(ServiceError):
    pass


class EscalationRefused(Refused, EscalationError):
    """An escalation action that did not happen: already resolved, held, past the limit..."""


class AlreadyHeld(EscalationRefused):
    """Someone else won the claim."""

    def __init__(self, actor: str, esc_id: int, holder: str) -> None:
        super().__init__(
            "escalation.claim",
            actor,
            said(N_("escalation {id} is already held by {holder}"), id=esc_id, holder=holder),
            target_kind="escalation",
            target_id=esc_id,
        )
        self.holder = holder


class HandoffLimit(EscalationRefused):
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
    Escalation.id,
    Escalation.tier,
    Escalation.severity,
    Escalation.reason,
    Escalation.status,
    Escalation.agent_id,
    Agent.name.label("agent_name"),
    Escalation.team_id,
    Escalation.call_id,
    Escalation.customer_id,
    Escalation.opened_at,
    Escalation.opened_by,
    Escalation.deadline,
    Escalation.holder,
    Escalation.claimed_at,
    Escalation.handoffs,
    Escalation.resolved_at,
    Escalation.resolved_by,
    Escalation.resolution_note,
    Escalation.updated_at,
)


def escalation_query() -> Select[*tuple[Any, ...]]:
    return select(*_COLUMNS).outerjoin(Agent, Agent.id == Escalation.agent_id)


def to_view(row: Row[*tuple[Any, ...]]) -> EscalationView:
    fields = dict(row._mapping)
    # A rule's reason is stored as a message: worded for this reader (a person's as written).
    fields["reason"] = render(fields["reason"]) or ""
    return EscalationView(**fields)


def _get(conn: Connection, esc_id: int) -> EscalationView:
    row = conn.execute(escalation_query().where(Escalation.id == esc_id)).first()
    if row is None:
        raise EscalationError(_("escalation {esc_id} does not exist").format(esc_id=esc_id))
    return to_view(row)


def get_escalation(engine: Engine, esc_id: int) -> EscalationView:
    with read_tx(engine) as conn:
        return _get(conn, esc_id)


def open_escalations(
    engine: Engine, *, actor: str, tier: int | None = None, team: str | None = None
) -> list[EscalationView]:
    """Unresolved escalations, nearest deadline first."""
    q = escalation_query().where(
        Escalation.status != EscalationStatus.RESOLVED,
        load_scope(engine, actor).team_clause(Escalation.team_id),
    )
    if tier is not None:
        q = q.where(Escalation.tier == tier)
    if team is not None:
        q = q.where(Escalation.team_id == team)
    with read_tx(engine) as conn:
        return [to_view(r) for r in conn.execute(q.order_by(Escalation.deadline, Escalation.id))]


def escalations_for_agent(
    engine: Engine, agent_id: str, *, actor: str, since: datetime | None = None
) -> list[EscalationView]:
    q = escalation_query().where(
        Escalation.agent_id == agent_id,
        load_scope(engine, actor).team_clause(Escalation.team_id),
    )
    if since is not None:
        q = q.where(
            (Escalation.opened_at >= since) | (Escalation.status != EscalationStatus.RESOLVED)
        )
    with read_tx(engine) as conn:
        return [to_view(r) for r in conn.execute(q.order_by(Escalation.opened_at.desc()))]


def _guard(conn: Connection, action: str, who: str, esc_id: int) -> EscalationView:
    """The escalation, once the policy allows ``who`` to take ``action`` on it."""
    cur = _get(conn, esc_id)
    policy.check(
        conn,
        f"escalation.{action}",
        who,
        team=cur.team_id,
        target_kind="escalation",
        target_id=esc_id,
        error=OutOfScope,
    )
    return cur


def _refusal(
    who: str, action: str, esc_id: int, why: str, exc: type[EscalationRefused] = EscalationRefused
) -> EscalationRefused:
    return exc(f"escalation.{action}", who, why, target_kind="escalation", target_id=esc_id)


def history(engine: Engine, esc_id: int, *, actor: str, now: datetime) -> list[EscalationEventView]:
    def read(conn: Connection) -> list[EscalationEventView]:
        _guard(conn, "history", clean(actor) or "?", esc_id)
        rows = conn.execute(
            select(
                EscalationEvent.at,
                EscalationEvent.actor,
                EscalationEvent.action,
                EscalationEvent.from_tier,
                EscalationEvent.to_tier,
                EscalationEvent.note,
            )
            .where(EscalationEvent.escalation_id == esc_id)
            .order_by(EscalationEvent.at, EscalationEvent.id)
        )
        # A rule's note is stored as a message: worded for this reader.
        return [EscalationEventView(**{**r._mapping, "note": render(r.note)}) for r in rows]

    return policy.read(engine, read, now=now)


def _event(
    conn: Connection,
    esc_id: int,
    now: datetime,
    actor: str,
    action: str,
    note: str | None = None,
    from_tier: int | None = None,
    to_tier: int | None = None,
) -> None:
    conn.execute(
        insert(EscalationEvent).values(
            escalation_id=esc_id,
            at=now,
            actor=actor,
            action=action,
            note=note,
            from_tier=from_tier,
            to_tier=to_tier,
        )
    )


def _closed_why(cur: EscalationView) -> str:
    return said(
        N_("escalation {id} is already resolved by {who}"), id=cur.id, who=cur.resolved_by or "?"
    )


def claim(engine: Engine, esc_id: int, *, actor: str, now: datetime) -> EscalationView:
    who = clean(actor) or "?"

    def tx(conn: Connection) -> EscalationView:
        _guard(conn, "claim", who, esc_id)
        res = conn.execute(
            update(Escalation)
            .where(
                Escalation.id == esc_id,
                Escalation.status == EscalationStatus.OPEN,
                Escalation.holder.is_(None),
            )
            .values(status=EscalationStatus.CLAIMED, holder=who, claimed_at=now, updated_at=now)
        )
        if res.rowcount != 1:
            cur = _get(conn, esc_id)
            if cur.status == EscalationStatus.RESOLVED:
                raise _refusal(who, "claim", esc_id, _closed_why(cur))
            if cur.holder == who:
                raise _refusal(
                    who,
                    "claim",
                    esc_id,
                    said(N_("you already hold escalation {esc_id}"), esc_id=esc_id),
                )
            raise AlreadyHeld(who, esc_id, cur.holder or "?")
        _event(conn, esc_id, now, who, "claimed")
        audit.record(
            conn,
            at=now,
            actor=who,
            action="escalation.claim",
            target_kind="escalation",
            target_id=esc_id,
        )
        return _get(conn, esc_id)

    return policy.write(engine, tx, now=now)


def limit_words(limit: int) -> str:
    if limit == 3:
        return _(NOT_PAST_THREE)
    return ngettext("no more than {n} hand-off", "no more than {n} hand-offs", limit).format(
        n=limit
    )


def _check_handoff(
    conn: Connection,
    who: str,
    action: str,
    cur: EscalationView,
    limit: int,
    override_reason: str | None,
) -> bool:
    """Whether this hand-off is a floor manager's override; raises HandoffLimit past the
    limit without one."""
    if cur.handoffs < limit:
        return False
    # The override is an action of its own in the policy (floor managers only).
    may_override = policy.allowed(conn, "escalation.handoff_override", who)
    if override_reason is not None and may_override:
        return True
    handed = ngettext(
        "escalation {id} has been handed off {n} time already",
        "escalation {id} has been handed off {n} times already",
        cur.handoffs,
    ).format(id=cur.id, n=cur.handoffs)
    then = (
        message(N_("give a reason to override"))
        if may_override
        else message(N_("only a floor manager can override, with a reason"))
    )
    why = said(
        N_("{limit}: {handed}; {then}"),
        limit=message(NOT_PAST_THREE) if limit == 3 else limit_words(limit),
        handed=handed,
        then=then,
    )
    raise _refusal(who, action, cur.id, why, HandoffLimit)


def _audit_override(
    conn: Connection, now: datetime, who: str, esc_id: int, reason: str | None
) -> None:
    audit.record(
        conn,
        at=now,
        actor=who,
        action="escalation.handoff_override",
        target_kind="escalation",
        target_id=esc_id,
        detail=reason,
    )


def may_take(conn: Connection, supervisor: str, team: str | None) -> bool:
    """Whether ``supervisor`` (active) may be given an escalation of ``team``."""
    known = conn.execute(
        select(Supervisor.id).where(Supervisor.id == supervisor, Supervisor.active.is_(True))
    ).first()
    return known is not None and scope_of(conn, supervisor).allows_team(team)


def assign(
    engine: Engine,
    esc_id: int,
    to: str,
    override_reason: str | None = None,
    *,
    settings: Settings,
    actor: str,
    now: datetime,
) -> EscalationView:
    """Give the escalation to a supervisor. Taking it from one holder to another passes the
    customer on, so it counts as a hand-off, under the same limit as moving up a tier."""
    who = clean(actor) or "?"
    override_reason = clean(override_reason, multiline=True) or None
    limit = settings.max_handoffs

    def tx(conn: Connection) -> EscalationView:
        cur = _guard(conn, "assign", who, esc_id)
        known = conn.execute(
            select(Supervisor.id).where(Supervisor.id == to, Supervisor.active.is_(True))
        ).first()
        if known is None:
            raise _refusal(who, "assign", esc_id, said(N_("no active supervisor {to!r}"), to=to))
        if not cur.is_open:
            raise _refusal(who, "assign", esc_id, _closed_why(cur))
        if not scope_of(conn, to).allows_team(cur.team_id):
            raise _refusal(
                who,
                "assign",
                esc_id,
                said(N_("{to} does not lead team {team}"), to=to, team=cur.team_id or "-"),
            )
        if cur.holder == to:
            raise _refusal(
                who,
                "assign",
                esc_id,
                said(N_("{to} already holds escalation {esc_id}"), to=to, esc_id=esc_id),
            )
        handoff = cur.holder is not None
        overriding = handoff and _check_handoff(conn, who, "assign", cur, limit, override_reason)
        res = conn.execute(
            update(Escalation)
            .where(
                Escalation.id == esc_id,
                Escalation.status != EscalationStatus.RESOLVED,
                Escalation.handoffs == cur.handoffs,
            )
            .values(
                status=EscalationStatus.CLAIMED,
                holder=to,
                claimed_at=now,
                updated_at=now,
                handoffs=Escalation.handoffs + (1 if handoff else 0),
            )
        )
        if res.rowcount != 1:
            raise _refusal(
                who,
                "assign",
                esc_id,
                said(N_("escalation {esc_id} changed under you; look again"), esc_id=esc_id),
            )
        # Stored as messages, so each reader of the history and the audit log reads it in
        # their own language; the override's reason is the person's own words.
        to_whom = (
            message(
                N_("to {to} (from {holder}, hand-off {n})"),
                to=to,
                holder=cur.holder,
                n=cur.handoffs + 1,
            )
            if handoff
            else message(N_("to {to}"), to=to)
        )
        note = stored(
            to_whom,
            *([message(OVERRIDE, reason=override_reason)] if overriding else []),
        )
        _event(conn, esc_id, now, who, "assigned", note=note)
        audit.record(
            conn,
            at=now,
            actor=who,
            action="escalation.assign",
            target_kind="escalation",
            target_id=esc_id,
            detail=note,
        )
        if overriding:
            _audit_override(conn, now, who, esc_id, override_reason)
        return _get(conn, esc_id)

    return policy.write(engine, tx, now=now)


def assign_candidates(
    engine: Engine, esc_id: int, *, actor: str, now: datetime
) -> list[SupervisorChoice]:
    """The supervisors the assign picker offers: active, able to take this escalation (they
    lead its team, or manage the floor), and not already holding it. Empty when ``actor``
    may not assign it at all (the refusal audited)."""

    def read(conn: Connection) -> list[SupervisorChoice]:
        cur = _guard(conn, "assign", clean(actor) or "?", esc_id)
        return [
            s
            for s in supervisors_in(conn, order="name")
            if s.id != cur.holder and may_take(conn, s.id, cur.team_id)
        ]

    return policy.read(engine, read, now=now)


# The picker's entries are the supervisors as floorapp.supervisors lists them.
SupervisorChoice = SupervisorInfo


def next_tier(
    engine: Engine,
    esc_id: int,
    override_reason: str | None = None,
    *,
    settings: Settings,
    actor: str,
    now: datetime,
) -> EscalationView:
    """Hand the escalation to the next tier; the deadline restarts for that tier.

    A hand-off beyond ``settings.max_handoffs`` is refused ("things do not go past three")
    unless a floor manager overrides it with a reason; the override is audited.
    """
    who = clean(actor) or "?"
    override_reason = clean(override_reason, multiline=True) or None
    limit = settings.max_handoffs

    def tx(conn: Connection) -> EscalationView:
        cur = _guard(conn, "next_tier", who, esc_id)
        if not cur.is_open:
            raise _refusal(who, "next_tier", esc_id, _closed_why(cur))
        if cur.tier >= max(TIERS):
            raise _refusal(
                who,
                "next_tier",
                esc_id,
                said(
                    N_(
                        "escalation {esc_id} is already at the complaint desk, the last line: "
                        "resolve it there"
                    ),
                    esc_id=esc_id,
                ),
            )
        overriding = _check_handoff(conn, who, "next_tier", cur, limit, override_reason)
        to_tier = cur.tier + 1
        res = conn.execute(
            update(Escalation)
            .where(
                Escalation.id == esc_id,
                Escalation.status != EscalationStatus.RESOLVED,
                Escalation.tier == cur.tier,
                Escalation.handoffs == cur.handoffs,
            )
            .values(
                tier=to_tier,
                handoffs=Escalation.handoffs + 1,
                status=EscalationStatus.OPEN,
                holder=None,
                claimed_at=None,
                deadline=now + settings.deadline(to_tier, cur.severity),
                updated_at=now,
            )
        )
        if res.rowcount != 1:
            raise _refusal(
                who,
                "next_tier",
                esc_id,
                said(N_("escalation {esc_id} changed under you; look again"), esc_id=esc_id),
            )
        _event(
            conn,
            esc_id,
            now,
            who,
            "handed_off",
            from_tier=cur.tier,
            to_tier=to_tier,
            note=stored(message(OVERRIDE, reason=override_reason)) if overriding else None,
        )
        audit.record(
            conn,
            at=now,
            actor=who,
            action="escalation.next_tier",
            target_kind="escalation",
            target_id=esc_id,
            detail=stored(
                message(
                    N_("{from_tier} -> {to_tier}, hand-off {n}"),
                    from_tier=_tier_message(cur.tier),
                    to_tier=_tier_message(to_tier),
                    n=cur.handoffs + 1,
                )
            ),
        )
        if overriding:
            _audit_override(conn, now, who, esc_id, override_reason)
        return _get(conn, esc_id)

    return policy.write(engine, tx, now=now)


def resolve(engine: Engine, esc_id: int, note: str, *, actor: str, now: datetime) -> EscalationView:
    who = clean(actor) or "?"
    note = clean(note, multiline=True) or ""
    if not note.strip():
        raise EscalationError(_("a resolution needs a note: what was done for the customer"))

    def tx(conn: Connection) -> EscalationView:
        _guard(conn, "resolve", who, esc_id)
        res = conn.execute(
            update(Escalation)
            .where(Escalation.id == esc_id, Escalation.status != EscalationStatus.RESOLVED)
            .values(
                status=EscalationStatus.RESOLVED,
                resolved_at=now,
                resolved_by=who,
                resolution_note=note,
                updated_at=now,
            )
        )
        if res.rowcount != 1:
            raise _refusal(who, "resolve", esc_id, _closed_why(_get(conn, esc_id)))
        _event(conn, esc_id, now, who, "resolved", note=note)
        audit.record(
            conn,
            at=now,
            actor=who,
            action="escalation.resolve",
            target_kind="escalation",
            target_id=esc_id,
            detail=note,
        )
        return _get(conn, esc_id)

    return policy.write(engine, tx, now=now)


def add_note(
    engine: Engine, esc_id: int, note: str, *, actor: str, now: datetime
) -> EscalationView:
    who = clean(actor) or "?"
    note = clean(note, multiline=True) or ""
    if not note.strip():
        raise EscalationError(_("the note is empty"))

    def tx(conn: Connection) -> EscalationView:
        _guard(conn, "note", who, esc_id)
        conn.execute(update(Escalation).where(Escalation.id == esc_id).values(updated_at=now))
        _event(conn, esc_id, now, who, "note", note=note)
        audit.record(
            conn,
            at=now,
            actor=who,
            action="escalation.note",
            target_kind="escalation",
            target_id=esc_id,
            detail=note,
        )
        return _get(conn, esc_id)

    return policy.write(engine, tx, now=now)


def open_by_hand(
    engine: Engine,
    agent_id: str,
    reason: str,
    *,
    settings: Settings,
    actor: str,
    now: datetime,
    tier: int = 1,
    severity: str = "medium",
) -> EscalationView:
    """Open an escalation from an agent's row, for the call they are on (if any)."""
    who = clean(actor) or "?"
    reason = clean(reason, multiline=True) or ""
    if not reason.strip():
        raise EscalationError(_("an escalation needs a reason"))
    if tier not in TIERS or severity not in SEVERITIES:
        raise EscalationError(
            _("tier must be 1-3 and severity one of {join}").format(join=", ".join(SEVERITIES))
        )

    def tx(conn: Connection) -> EscalationView:
        agent = conn.execute(
            select(Agent.id, Agent.current_call_id, Agent.team_id).where(Agent.id == agent_id)
        ).first()
        if agent is None:
            raise EscalationError(
                _("no agent {agent_id!r} on this floor").format(agent_id=agent_id)
            )
        policy.check(
            conn,
            "escalation.open",
            who,
            team=agent.team_id,
            target_kind="agent",
            target_id=agent_id,
            error=OutOfScope,
        )
        customer = None
        if agent.current_call_id is not None:
            customer = conn.execute(
                select(Call.customer_id).where(Call.id == agent.current_call_id)
            ).scalar()
        esc_id = open_escalation(
            conn,
            settings,
            now=now,
            opened_by=who,
            reason=reason,
            tier=tier,
            severity=severity,
            agent_id=agent_id,
            call_id=agent.current_call_id,
            customer_id=customer,
        )
        assert esc_id is not None
        audit.record(
            conn,
            at=now,
            actor=who,
            action="escalation.open",
            target_kind="escalation",
            target_id=esc_id,
            detail=f"{agent_id} tier {tier} {severity}: {reason}",
        )
        return _get(conn, esc_id)

    return policy.write(engine, tx, now=now)
