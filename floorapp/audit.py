"""The audit log: every supervisor action, and every refusal, with who and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, insert, select

from db.models import AuditEntry
from floorapp import i18n
from floorapp.text import clean

if TYPE_CHECKING:
    from floorapp.policy import Refused


def record(
    conn: Connection,
    *,
    at: datetime,
    actor: str,
    action: str,
    target_kind: str | None = None,
    target_id: str | int | None = None,
    outcome: str = "ok",
    detail: str | None = None,
) -> None:
    """Write one audit row in the caller's transaction (so it commits with the action)."""
    conn.execute(
        insert(AuditEntry).values(
            at=at,
            # A refused stranger's name is whatever they typed: it must still fit the column.
            actor=(clean(actor) or "?")[:100],
            action=action,
            target_kind=target_kind,
            target_id=None if target_id is None else (clean(str(target_id)) or "")[:200],
            outcome=outcome,
            detail=clean(detail, multiline=True),
        )
    )


def record_refusal(conn: Connection, refused: Refused, *, at: datetime) -> None:
    """The audit row of a refusal: who, what, why (and on what, when known)."""
    record(
        conn,
        at=at,
        actor=refused.actor,
        action=refused.action,
        target_kind=refused.target_kind,
        target_id=refused.target_id,
        outcome="refused",
        detail=refused.stored,
    )


@dataclass(frozen=True)
class Entry:
    id: int
    at: datetime
    actor: str
    action: str
    target_kind: str | None
    target_id: str | None
    outcome: str
    detail: str | None

    def as_json(self) -> dict[str, object]:
        return {**self.__dict__, "at": self.at.isoformat()}


def entries(
    conn: Connection, *, since: datetime | None = None, actor: str | None = None, limit: int = 1000
) -> list[Entry]:
    """The newest ``limit`` entries (oldest first), optionally since a time or by one actor."""
    q = select(
        AuditEntry.id,
        AuditEntry.at,
        AuditEntry.actor,
        AuditEntry.action,
        AuditEntry.target_kind,
        AuditEntry.target_id,
        AuditEntry.outcome,
        AuditEntry.detail,
    )
    if since is not None:
        q = q.where(AuditEntry.at >= since)
    if actor is not None:
        q = q.where(AuditEntry.actor == actor)
    rows = conn.execute(q.order_by(AuditEntry.id.desc()).limit(limit)).all()
    # A refusal's reason is kept as its message id and parameters: worded for this reader.
    return [Entry(*r[:-1], i18n.render(r[-1])) for r in reversed(rows)]
