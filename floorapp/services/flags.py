"""The distress-flag lifecycle as a supervisor drives it: acknowledge, step in, resolve, raise.

Each action is one conditional UPDATE (``WHERE status IN ...``) checked by rowcount, so two
supervisors acting on the same flag at once get one winner and one clear refusal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Case, Connection, Engine, Row, Select, case, select, update

from db.engine import read_tx
from db.models import Agent, Flag, FlagStatus, Severity
from db.upsert import insert_ignore
from floorapp import audit, i18n, policy, words
from floorapp.i18n import N_, _, said
from floorapp.policy import Refused
from floorapp.services import ServiceError
from floorapp.services.scope import OutOfScope, load_scope
from floorapp.text import clean

INTERVENTIONS: dict[str, str] = {
    "take_over": "take over the call",
    "transfer": "transfer the call",
    "coach": "coach on the spot",
    "short_break": "send on a short break",
    "other": "other",
}
OBSERVED = "observed"
OPEN_STATUSES = (FlagStatus.RAISED, FlagStatus.ACKNOWLEDGED, FlagStatus.STEPPED_IN)
# Keyed by str: a view's severity is the stored text.
SEVERITY_RANK: dict[str, int] = {Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LIGHT: 1}


class FlagError(ServiceError):
    pass


class FlagRefused(Refused, FlagError):
    """A flag action that did not happen: someone else got there first."""


@dataclass(frozen=True)
class FlagView:
    id: int
    agent_id: str
    agent_name: str
    team_id: str
    kind: str
    severity: str
    status: str
    detail: str | None
    count: int
    raised_at: datetime
    raised_by: str
    last_seen: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    stepped_in_by: str | None
    stepped_in_at: datetime | None
    intervention: str | None
    intervention_note: str | None
    resolved_by: str | None
    resolved_at: datetime | None
    resolution_note: str | None
    updated_at: datetime | None
    escalated_at: datetime | None = None
    escalated_by: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status != FlagStatus.RESOLVED

    @property
    def handler(self) -> str | None:
        return self.stepped_in_by or self.acknowledged_by


_COLUMNS = (
    Flag.id,
    Flag.agent_id,
    Agent.name.label("agent_name"),
    Agent.team_id,
    Flag.kind,
    Flag.severity,
    Flag.status,
    Flag.detail,
    Flag.count,
    Flag.raised_at,
    Flag.raised_by,
    Flag.last_seen,
    Flag.acknowledged_by,
    Flag.acknowledged_at,
    Flag.stepped_in_by,
    Flag.stepped_in_at,
    Flag.intervention,
    Flag.intervention_note,
    Flag.resolved_by,
    Flag.resolved_at,
    Flag.resolution_note,
    Flag.updated_at,
    Flag.escalated_at,
    Flag.escalated_by,
)


def flag_query() -> Select[*tuple[Any, ...]]:
    """SELECT of every FlagView column (the board reader adds its own WHERE)."""
    return select(*_COLUMNS).join(Agent, Agent.id == Flag.agent_id)


def to_view(row: Row[*tuple[Any, ...]]) -> FlagView:
    """The view of a flag row; its detail worded in the reader's language (a rule's
    sentence is stored as a message id and parameters: floorapp.i18n.stored)."""
    fields = dict(row._mapping)
    fields["detail"] = i18n.render(fields.get("detail"))
    return FlagView(**fields)


def severity_order() -> Case[int]:
    return case({str(s): r for s, r in SEVERITY_RANK.items()}, value=Flag.severity, else_=0)


def open_flags(engine: Engine, *, actor: str, team: str | None = None) -> list[FlagView]:
    """Open flags, most severe first, then oldest first."""
    q = flag_query().where(
        Flag.status.in_(OPEN_STATUSES), load_scope(engine, actor).team_clause(Agent.team_id)
    )
    if team is not None:
        q = q.where(Agent.team_id == team)
    q = q.order_by(severity_order().desc(), Flag.raised_at, Flag.id)
    with read_tx(engine) as conn:
        return [to_view(r) for r in conn.execute(q)]


def flags_for_agent(
    engine: Engine, agent_id: str, *, actor: str, since: datetime | None = None
) -> list[FlagView]:
    q = flag_query().where(
        Flag.agent_id == agent_id, load_scope(engine, actor).team_clause(Agent.team_id)
    )
    if since is not None:
        q = q.where((Flag.raised_at >= since) | Flag.status.in_(OPEN_STATUSES))
    with read_tx(engine) as conn:
        return [to_view(r) for r in conn.execute(q.order_by(Flag.raised_at.desc()))]


def get_flag(engine: Engine, flag_id: int) -> FlagView:
    with read_tx(engine) as conn:
        return _get(conn, flag_id)


def _get(conn: Connection, flag_id: int) -> FlagView:
    row = conn.execute(flag_query().where(Flag.id == flag_id)).first()
    if row is None:
        raise FlagError(_("flag {flag_id} does not exist").format(flag_id=flag_id))
    return to_view(row)


def _refuse(conn: Connection, flag_id: int, action: str, wanted: Iterable[str]) -> str:
    """Why a conditional update matched nothing, in words the loser can act on."""
    cur = _get(conn, flag_id)
    if cur.status == FlagStatus.RESOLVED:
        return said(
            N_("flag {id} is already resolved by {who}"), id=flag_id, who=cur.resolved_by or "?"
        )
    if cur.status == FlagStatus.STEPPED_IN:
        return said(
            N_("{who} has already stepped in on flag {id}"),
            id=flag_id,
            who=cur.stepped_in_by or "?",
        )
    if cur.status == FlagStatus.ACKNOWLEDGED:
        return said(
            N_("flag {id} is already acknowledged by {who}"),
            id=flag_id,
            who=cur.acknowledged_by or "?",
        )
    return said(
        N_("flag {id} cannot be changed while it is {status}"),
        id=flag_id,
        status=words.flag_status(cur.status),
    )


def _act(
    engine: Engine,
    flag_id: int,
    action: str,
    from_statuses: tuple[str, ...],
    values: dict[str, object],
    detail: str | None = None,
    *,
    actor: str,
    now: datetime,
) -> FlagView:
    actor = clean(actor) or "?"

    def tx(conn: Connection) -> FlagView:
        policy.check(
            conn,
            f"flag.{action}",
            actor,
            team=_get(conn, flag_id).team_id,
            target_kind="flag",
            target_id=flag_id,
            error=OutOfScope,
        )
        res = conn.execute(
            update(Flag)
            .where(Flag.id == flag_id, Flag.status.in_(from_statuses))
            .values(updated_at=now, **values)
        )
        if res.rowcount != 1:
            raise FlagRefused(
                f"flag.{action}",
                actor,
                _refuse(conn, flag_id, action, from_statuses),
                target_kind="flag",
                target_id=flag_id,
            )
        audit.record(
            conn,
            at=now,
            actor=actor,
            action=f"flag.{action}",
            target_kind="flag",
            target_id=flag_id,
            detail=detail,
        )
        return _get(conn, flag_id)

    return policy.write(engine, tx, now=now)


def acknowledge(engine: Engine, flag_id: int, *, actor: str, now: datetime) -> FlagView:
    return _act(
        engine,
        flag_id,
        "acknowledge",
        (FlagStatus.RAISED,),
        dict(status=FlagStatus.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=clean(actor)),
        actor=actor,
        now=now,
    )


def step_in(
    engine: Engine,
    flag_id: int,
    intervention: str,
    note: str | None = None,
    *,
    actor: str,
    now: datetime,
) -> FlagView:
    if intervention not in INTERVENTIONS:
        raise FlagError(
            _("unknown intervention {intervention!r}: choose one of {join}").format(
                intervention=intervention, join=", ".join(INTERVENTIONS)
            )
        )
    note = clean(note, multiline=True) or None
    values: dict[str, object] = dict(
        status=FlagStatus.STEPPED_IN,
        stepped_in_at=now,
        stepped_in_by=clean(actor),
        intervention=intervention,
        intervention_note=note,
    )
    # Stepping in without acknowledging first is the normal urgent path: acknowledge too.
    values["acknowledged_at"] = case(
        (Flag.acknowledged_at.is_(None), now), else_=Flag.acknowledged_at
    )
    values["acknowledged_by"] = case(
        (Flag.acknowledged_by.is_(None), clean(actor)), else_=Flag.acknowledged_by
    )
    detail = intervention if note is None else f"{intervention}: {note}"
    return _act(
        engine,
        flag_id,
        "step_in",
        (FlagStatus.RAISED, FlagStatus.ACKNOWLEDGED),
        values,
        detail,
        actor=actor,
        now=now,
    )


def resolve(engine: Engine, flag_id: int, note: str, *, actor: str, now: datetime) -> FlagView:
    note = clean(note, multiline=True) or ""
    if not note.strip():
        raise FlagError(_("a resolution needs a note: what happened and what was done"))
    return _act(
        engine,
        flag_id,
        "resolve",
        OPEN_STATUSES,
        dict(
            status=FlagStatus.RESOLVED,
            resolved_at=now,
            resolved_by=clean(actor),
            resolution_note=note,
            open_key=None,
        ),
        note,
        actor=actor,
        now=now,
    )


# What a flag's detail keeps of many observations (the newest; each is in the audit log).
MAX_DETAIL = 2000
# What a supervisor was doing when they saw it (a flag raised on a reminder done).
SEEN_ON = {"patrol": N_("patrol: {note}"), "reminder": N_("reminder: {note}")}


def raise_observed(
    engine: Engine,
    agent_id: str,
    detail: str,
    severity: str = Severity.MEDIUM,
    *,
    actor: str,
    now: datetime,
) -> FlagView:
    """Raise a flag by hand ("observed agitated"); a second raise adds to the open one."""
    detail = clean(detail, multiline=True) or ""
    if not detail.strip():
        raise FlagError(_("say what you observed"))
    if severity not in SEVERITY_RANK:
        raise FlagError(_("unknown severity {severity!r}").format(severity=severity))
    who = clean(actor) or "?"

    def tx(conn: Connection) -> FlagView:
        return raise_observed_in(
            conn, now=now, actor=who, agent_id=agent_id, detail=detail, severity=severity
        )

    return policy.write(engine, tx, now=now)


def raise_observed_in(
    conn: Connection,
    *,
    now: datetime,
    actor: str,
    agent_id: str,
    detail: str,
    severity: str = Severity.MEDIUM,
    seen_on: str | None = None,
) -> FlagView:
    """``raise_observed`` in the caller's transaction (a reminder done with a flag: both
    happen, or neither). ``seen_on``: what the supervisor was doing (``patrol``,
    ``reminder``), said before their own words in each reader's language."""
    who = clean(actor) or "?"
    detail = clean(detail, multiline=True) or ""
    audit_detail = f"{agent_id}: {detail}"
    if seen_on is not None:
        seen = i18n.message(SEEN_ON.get(seen_on, SEEN_ON["reminder"]), note=detail)
        detail = i18n.stored(seen)
        audit_detail = i18n.stored(i18n.message(N_("{agent}: {note}"), agent=agent_id, note=seen))
    open_key = f"{agent_id}|{OBSERVED}"
    team = conn.execute(select(Agent.team_id).where(Agent.id == agent_id)).first()
    if team is None:
        raise FlagError(_("no agent {agent_id!r} on this floor").format(agent_id=agent_id))
    policy.check(
        conn,
        "flag.raise",
        who,
        team=team[0],
        target_kind="agent",
        target_id=agent_id,
        error=OutOfScope,
    )
    inserted = conn.execute(
        insert_ignore(conn, Flag, ["open_key"])
        .values(
            agent_id=agent_id,
            kind=OBSERVED,
            severity=severity,
            status=FlagStatus.RAISED,
            open_key=open_key,
            detail=detail,
            count=1,
            raised_at=now,
            raised_by=who,
            last_seen=now,
            updated_at=now,
        )
        .returning(Flag.id)
    ).scalar()
    if inserted is not None:
        action = "flag.raise"
    else:
        # A second observation adds to the first, it does not replace it: both notes stay
        # on the flag, and it is as severe as the more severe of the two.
        before = conn.execute(
            select(Flag.detail, Flag.severity).where(Flag.open_key == open_key)
        ).one()
        notes = i18n.joined(before.detail, detail, MAX_DETAIL)
        worst = max((before.severity, severity), key=lambda s: SEVERITY_RANK.get(s, 0))
        conn.execute(
            update(Flag)
            .where(Flag.open_key == open_key)
            .values(
                count=Flag.count + 1, last_seen=now, detail=notes, severity=worst, updated_at=now
            )
        )
        action = "flag.raise_again"
    flag_id = conn.execute(select(Flag.id).where(Flag.open_key == open_key)).scalar_one()
    audit.record(
        conn,
        at=now,
        actor=who,
        action=action,
        target_kind="flag",
        target_id=flag_id,
        detail=audit_detail,
    )
    return _get(conn, flag_id)
