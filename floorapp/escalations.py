"""Opening an escalation: shared by the feed (agent-opened), the rules and the console."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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
    team_id = None
    if agent_id is not None:
        team_id = conn.execute(select(Agent.team_id).where(Agent.id == agent_id)).scalar()
    values = _values(
        settings,
        now=now,
        opened_by=opened_by,
        reason=reason,
        tier=tier,
        severity=severity,
        agent_id=agent_id,
        team_id=team_id,
        call_id=call_id,
        customer_id=customer_id,
        source_key=source_key,
    )
    if source_key is not None:
        stmt = insert_ignore(conn, Escalation, ["source_key"]).values(**values)
        esc_id = conn.execute(stmt.returning(Escalation.id)).scalar()
        if esc_id is None:  # this feed line already opened it
            return None
    else:
        esc_id = conn.execute(
            insert(Escalation).values(**values).returning(Escalation.id)
        ).scalar_one()
    conn.execute(
        insert(EscalationEvent).values(
            escalation_id=esc_id,
            at=now,
            actor=values["opened_by"],
            action="opened",
            to_tier=tier,
            note=values["reason"],
        )
    )
    return int(esc_id)


def _values(
    settings: Settings,
    *,
    now: datetime,
    opened_by: str,
    reason: str,
    tier: int,
    severity: str,
    agent_id: str | None,
    team_id: str | None,
    call_id: str | None,
    customer_id: str | None,
    source_key: str | None,
) -> dict[str, Any]:
    if tier not in TIERS:
        raise ValueError(f"tier must be 1, 2 or 3, not {tier!r}")
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}, not {severity!r}")
    return dict(
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


@dataclass(frozen=True, slots=True)
class NewEscalation:
    """One escalation for ``open_escalation_batch``; same fields as ``open_escalation``."""

    now: datetime
    opened_by: str
    reason: str
    source_key: str
    tier: int = 1
    severity: str = Severity.LIGHT
    agent_id: str | None = None
    call_id: str | None = None
    customer_id: str | None = None


def open_escalation_batch(
    conn: Connection, settings: Settings, items: Sequence[NewEscalation]
) -> list[int]:
    """``open_escalation`` for many at once (the rules open them per feed batch).

    Three statements whatever the number: idempotent by ``source_key`` like the
    single form; returns the ids of those actually opened.
    """
    if not items:
        return []
    agents = list({i.agent_id for i in items if i.agent_id is not None})
    teams = (
        {
            aid: team
            for aid, team in conn.execute(
                select(Agent.id, Agent.team_id).where(Agent.id.in_(agents))
            )
        }
        if agents
        else {}
    )
    rows = [
        _values(
            settings,
            now=i.now,
            opened_by=i.opened_by,
            reason=i.reason,
            tier=i.tier,
            severity=i.severity,
            agent_id=i.agent_id,
            team_id=teams.get(i.agent_id or ""),
            call_id=i.call_id,
            customer_id=i.customer_id,
            source_key=i.source_key,
        )
        for i in items
    ]
    by_key = {r["source_key"]: r for r in rows}
    stmt = insert_ignore(conn, Escalation, ["source_key"]).returning(
        Escalation.id, Escalation.source_key
    )
    opened = conn.execute(stmt, list(by_key.values())).all()
    if opened:
        conn.execute(
            insert(EscalationEvent),
            [
                {
                    "escalation_id": esc_id,
                    "at": by_key[key]["opened_at"],
                    "actor": by_key[key]["opened_by"],
                    "action": "opened",
                    "to_tier": by_key[key]["tier"],
                    "from_tier": None,
                    "note": by_key[key]["reason"],
                }
                for esc_id, key in opened
            ],
        )
    return [int(esc_id) for esc_id, _ in opened]
