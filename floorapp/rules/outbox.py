"""What the rules decided during a batch, written in the batch's transaction by ``flush``.

Decisions are folded in memory first (three re-triggers of one flag in a batch are
one UPDATE with ``count = count + 3``), so the write cost follows the number of
flags touched, not the number of events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from db.models import Agent, Flag, FlagStatus
from db.models_rules import CareProposal, RuleFiring
from db.upsert import insert_ignore
from floorapp import audit
from floorapp.config import Settings
from floorapp.escalations import open_escalation
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
        self, agent_id: str, kind: str, severity: str, at: datetime, detail: str | None,
        call_id: str | None, raised_by: str = "rule",
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

    # --- writing (once per batch) -----------------------------------------------------

    def write(self, conn: Connection, settings: Settings) -> None:
        for p in self.flags.values():
            _write_flag(conn, p)
        if self.firings:
            conn.execute(insert(RuleFiring), self.firings)
        for e in self.escalations:
            esc_id = open_escalation(
                conn, settings, now=e.at, opened_by=f"rule:{e.rule}", reason=e.reason, tier=1,
                severity=e.severity, agent_id=e.agent_id, call_id=e.call_id,
                customer_id=e.customer_id, source_key=f"rule:refused:{e.call_id}",
            )
            if esc_id is not None:
                audit.record(conn, at=e.at, actor=f"rule:{e.rule}", action="escalation.open",
                             target_kind="escalation", target_id=esc_id, detail=e.reason)
        for c in self.care:
            team_id = conn.execute(select(Agent.team_id).where(Agent.id == c.agent_id)).scalar()
            conn.execute(
                insert_ignore(conn, CareProposal, ["source_key"]).values(
                    source_key=c.source_key, agent_id=c.agent_id, team_id=team_id,
                    call_id=c.call_id, kind=c.kind, reason=clean(c.reason) or "",
                    proposed_at=c.at, due_by=c.at + c.due_in, status="proposed", updated_at=c.at,
                )
            )
        self.flags.clear()
        self.firings.clear()
        self.escalations.clear()
        self.care.clear()


def _write_flag(conn: Connection, p: PendingFlag) -> None:
    key = open_key(p.agent_id, p.kind)
    detail = clean(p.detail)
    at = p.last_at
    if p.fires == 0:
        # Only the condition ended (and maybe a note for the detail): touch the open flag if any.
        values: dict[str, Any] = {"updated_at": at}
        if p.ended is not _UNSET:
            values["condition_ended_at"] = p.ended
        if detail is not None:
            values["detail"] = detail
        conn.execute(update(Flag).where(Flag.open_key == key).values(**values))
        return
    ended = None if p.ended is _UNSET else p.ended
    values = {"count": Flag.count + p.fires, "last_seen": at, "updated_at": at,
              "condition_ended_at": ended}
    if detail is not None:
        values["detail"] = detail
    if p.call_id is not None:
        values["call_id"] = p.call_id
    stmt = update(Flag).where(Flag.open_key == key).values(**values)
    if conn.execute(stmt).rowcount:
        return
    inserted = conn.execute(
        insert_ignore(conn, Flag, ["open_key"]).values(
            agent_id=p.agent_id, kind=p.kind, severity=p.severity, status=FlagStatus.RAISED,
            open_key=key, detail=detail, call_id=p.call_id, count=p.fires, raised_at=p.first_at,
            raised_by=clean(p.raised_by) or "rule", last_seen=at, condition_ended_at=ended,
            updated_at=at,
        )
    )
    if not inserted.rowcount:  # another writer (a console raising by hand) got there first
        conn.execute(stmt)
