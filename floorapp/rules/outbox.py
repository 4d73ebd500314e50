"""What the rules decided during a batch, written in the batch's transaction by ``flush``.

Decisions are folded in memory first (three re-triggers of one flag in a batch are
one UPDATE with ``count = count + 3``), so the write cost follows the number of
flags touched, not the number of events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Integer, String, Text, bindparam, func, insert, select, update

from db.models import Agent, Flag, FlagStatus
from db.models_rules import CareProposal, RuleFiring
from db.types import UTCDateTime, not_null
from db.upsert import insert_ignore
from floorapp.config import Settings
from floorapp.escalations import NewEscalation, open_escalation_batch
from floorapp.text import clean

_UNSET: Any = object()


def open_key(agent_id: str, kind: str) -> str:
    return f"{agent_id}|{kind}"


@dataclass(slots=True)
class PendingFlag:
    agent_id: str
    kind: str
    severity: str
    raised_by: str = "rule"
    fires: int = 0
    first_at: datetime | None = None
    last_at: datetime | None = None
    detail: str | None = None
    call_id: str | None = None
    ended: Any = _UNSET  # datetime: condition ended; None: re-triggered after an end


@dataclass(slots=True)
class PendingEscalation:
    at: datetime
    rule: str
    reason: str
    severity: str
    agent_id: str
    call_id: str
    customer_id: str | None


@dataclass(slots=True)
class PendingCare:
    at: datetime
    source_key: str
    agent_id: str
    call_id: str | None
    kind: str
    reason: str
    due_in: timedelta


@dataclass
class Outbox:
    flags: dict[tuple[str, str], PendingFlag] = field(default_factory=dict)
    firings: list[dict[str, Any]] = field(default_factory=list)
    escalations: list[PendingEscalation] = field(default_factory=list)
    care: list[PendingCare] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.flags or self.firings or self.escalations or self.care)

    # --- recording (per event: dict operations only) ------------------------------

    def fire(
        self,
        agent_id: str,
        kind: str,
        severity: str,
        at: datetime,
        detail: str | None,
        call_id: str | None,
        raised_by: str = "rule",
    ) -> None:
        key = (agent_id, kind)
        p = self.flags.get(key)
        if p is None:
            p = self.flags[key] = PendingFlag(agent_id, kind, severity, raised_by)
        if p.first_at is None:
            p.first_at = at
        p.fires += 1
        p.severity = severity
        p.last_at = at
        p.detail = detail
        p.raised_by = raised_by
        if call_id is not None:
            p.call_id = call_id
        p.ended = None  # a trigger after an end in the same batch: the condition holds again
        self.firings.append({"at": at, "rule": kind, "agent_id": agent_id, "call_id": call_id})

    def end(self, agent_id: str, kind: str, at: datetime, detail: str | None = None) -> None:
        key = (agent_id, kind)
        p = self.flags.get(key)
        if p is None:
            p = self.flags[key] = PendingFlag(agent_id, kind, "medium")
        p.ended = at
        p.last_at = p.last_at if p.last_at is not None and p.last_at > at else at
        if detail is not None:
            p.detail = detail

    # --- writing (once per batch, a few executemany statements) -------------------------

    def write(self, conn: Connection, settings: Settings) -> None:
        if self.flags:
            _write_flags(conn, list(self.flags.values()))
        if self.firings:
            conn.execute(insert(RuleFiring), self.firings)
        if self.escalations:
            # The escalation's own history (escalation_event "opened" by rule:...) records
            # who opened it; the audit log is for supervisors' actions.
            open_escalation_batch(
                conn,
                settings,
                [
                    NewEscalation(
                        now=e.at,
                        opened_by=f"rule:{e.rule}",
                        reason=e.reason,
                        source_key=f"rule:refused:{e.call_id}",
                        tier=1,
                        severity=e.severity,
                        agent_id=e.agent_id,
                        call_id=e.call_id,
                        customer_id=e.customer_id,
                    )
                    for e in self.escalations
                ],
            )
        if self.care:
            _write_care(conn, self.care)
        self.flags.clear()
        self.firings.clear()
        self.escalations.clear()
        self.care.clear()


_K = bindparam("b_key", type_=String())
_AT = bindparam("b_at", type_=UTCDateTime())
_ENDED = bindparam("b_ended", type_=UTCDateTime())
_DETAIL = bindparam("b_detail", type_=Text())

_END_STMT = (
    update(Flag)
    .where(Flag.open_key == _K)
    .values(condition_ended_at=_ENDED, updated_at=_AT, detail=func.coalesce(_DETAIL, Flag.detail))
)
_FIRE_STMT = (
    update(Flag)
    .where(Flag.open_key == _K)
    .values(
        count=Flag.count + bindparam("b_n", type_=Integer()),
        last_seen=_AT,
        updated_at=_AT,
        condition_ended_at=_ENDED,
        detail=func.coalesce(_DETAIL, Flag.detail),
        call_id=func.coalesce(bindparam("b_call", type_=String()), Flag.call_id),
    )
)
_IN_CHUNK = 500


def _fire_params(p: PendingFlag) -> dict[str, Any]:
    return {
        "b_key": open_key(p.agent_id, p.kind),
        "b_at": p.last_at,
        "b_n": p.fires,
        "b_ended": None if p.ended is _UNSET else p.ended,
        "b_detail": clean(p.detail),
        "b_call": p.call_id,
    }


def _write_flags(conn: Connection, pending: list[PendingFlag]) -> None:
    ends = [
        {
            "b_key": open_key(p.agent_id, p.kind),
            "b_at": p.last_at,
            "b_ended": p.ended,
            "b_detail": clean(p.detail),
        }
        for p in pending
        if not p.fires
    ]
    if ends:
        conn.execute(_END_STMT, ends)
    fired = [p for p in pending if p.fires]
    if not fired:
        return
    keys = [open_key(p.agent_id, p.kind) for p in fired]
    existing: set[str] = set()
    for i in range(0, len(keys), _IN_CHUNK):
        existing.update(
            conn.execute(
                select(not_null(Flag.open_key)).where(Flag.open_key.in_(keys[i : i + _IN_CHUNK]))
            ).scalars()
        )
    updates = [_fire_params(p) for p, k in zip(fired, keys, strict=True) if k in existing]
    if updates:
        conn.execute(_FIRE_STMT, updates)
    new = [p for p, k in zip(fired, keys, strict=True) if k not in existing]
    if not new:
        return
    rows = [
        {
            "agent_id": p.agent_id,
            "kind": p.kind,
            "severity": p.severity,
            "status": FlagStatus.RAISED,
            "open_key": open_key(p.agent_id, p.kind),
            "detail": clean(p.detail),
            "call_id": p.call_id,
            "count": p.fires,
            "raised_at": p.first_at,
            "raised_by": clean(p.raised_by) or "rule",
            "last_seen": p.last_at,
            "condition_ended_at": None if p.ended is _UNSET else p.ended,
            "updated_at": p.last_at,
        }
        for p in new
    ]
    stmt = insert_ignore(conn, Flag, ["open_key"]).returning(Flag.open_key)
    inserted = set(conn.execute(stmt, rows).scalars())
    # Rows skipped here were raised in between by another writer (a console, on
    # PostgreSQL where nothing serialises us): count this trigger on them instead.
    raced = [_fire_params(p) for p in new if open_key(p.agent_id, p.kind) not in inserted]
    if raced:
        conn.execute(_FIRE_STMT, raced)


def _write_care(conn: Connection, care: list[PendingCare]) -> None:
    agents = list({c.agent_id for c in care})
    teams = {
        aid: team
        for aid, team in conn.execute(select(Agent.id, Agent.team_id).where(Agent.id.in_(agents)))
    }
    conn.execute(
        insert_ignore(conn, CareProposal, ["source_key"]),
        [
            {
                "source_key": c.source_key,
                "agent_id": c.agent_id,
                "team_id": teams.get(c.agent_id),
                "call_id": c.call_id,
                "kind": c.kind,
                "reason": clean(c.reason) or "",
                "proposed_at": c.at,
                "due_by": c.at + c.due_in,
                "status": "proposed",
                "updated_at": c.at,
            }
            for c in care
        ],
    )
