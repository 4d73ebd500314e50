"""The audit log: every supervisor action, and every refusal, with who and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert

from db.models import AuditEntry
from floorapp.text import clean


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
            actor=clean(actor),
            action=action,
            target_kind=target_kind,
            target_id=None if target_id is None else str(target_id),
            outcome=outcome,
            detail=clean(detail, multiline=True),
        )
    )
