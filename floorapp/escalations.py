"""Opening an escalation: shared by the feed (agent-opened), the rules and the console."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select

from db.models import Agent, Escalation, EscalationEvent, EscalationStatus, Severity
from db.upsert import insert_ignore
from floorapp.config import Settings
from floorapp.text import clean

SEVERITIES = tuple(s.value for s in Severity)
TIERS = (1, 2, 3)


def open_escalation(
    conn: Connection,
    settings: Settings,
    *,
    now: datetime,
    opened_by: str,
    reason: str,
    tier: int = 1,
    severity: str = Severity.LIGHT,
    agent_id: str | None = None,
    call_id: str | None = None,
    customer_id: str | None = None,
    source_key: str | None = None,
) -> int | None:
    """Insert an escalation with its deadline from the settings; returns its id.

    With ``source_key`` the insert is idempotent: re-ingesting the feed line that
    opened it returns None and adds nothing.
    """
    if tier not in TIERS:
        raise ValueError(f"tier must be 1, 2 or 3, not {tier!r}")
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}, not {severity!r}")
    team_id = None
    if agent_id is not None:
        team_id = conn.execute(select(Agent.team_id).where(Agent.id == agent_id)).scalar()
    values = dict(
        source_key=source_key,
        agent_id=agent_id,
        team_id=team_id,
        call_id=call_id,
        customer_id=clean(customer_id),
        tier=tier,
        severity=severity,
        reason=clean(reason, multiline=True) or "",
        status=EscalationStatus.OPEN,
        opened_at=now,
        opened_by=clean(opened_by) or "?",
        deadline=now + settings.deadline(tier, severity),
        handoffs=0,
        updated_at=now,
    )
    if source_key is not None:
        stmt = insert_ignore(conn, Escalation, ["source_key"]).values(**values)
        esc_id = conn.execute(stmt.returning(Escalation.id)).scalar()
        if esc_id is None:  # this feed line already opened it
            return None
    else:
        esc_id = conn.execute(insert(Escalation).values(**values)).inserted_primary_key[0]
    conn.execute(
        insert(EscalationEvent).values(
            escalation_id=esc_id, at=now, actor=values["opened_by"], action="opened",
            to_tier=tier, note=values["reason"],
        )
    )
    return int(esc_id)
