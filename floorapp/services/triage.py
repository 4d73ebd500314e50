"""Triage when flags flood in: acknowledge many at once, and send a flag nobody acknowledged
in time to the floor manager.

A bulk acknowledge is the single-flag action repeated, each in its own transaction: every
flag gets its own policy check and audit row, and one flag someone else took first does not
undo the others. The deadline escalation is the floor's own act (no supervisor pressed a
key), so it is audited under ``DEADLINE_ACTOR``; a supervisor escalating by hand goes
through the policy like any other action.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, select, update

from db.engine import run_write
from db.models import Flag, FlagStatus
from floorapp import audit, policy
from floorapp.config import DEFAULT_FLAG_ACK_DEADLINE_MIN, Settings
from floorapp.services import ServiceError
from floorapp.services import flags as flag_service
from floorapp.services.flags import FlagError, FlagRefused, FlagView
from floorapp.services.scope import OutOfScope
from floorapp.text import clean

# Who the audit log names for an escalation the deadline made.
DEADLINE_ACTOR = "deadline"


def ack_deadline(settings: Settings, severity: str) -> timedelta:
    """How long a flag of ``severity`` may wait unacknowledged (settings flags.ack_deadline)."""
    minutes = settings.flag_ack_deadline_min.get(
        severity, DEFAULT_FLAG_ACK_DEADLINE_MIN.get(severity, 10)
    )
    return timedelta(minutes=minutes)


def is_overdue(f: FlagView, *, settings: Settings, now: datetime) -> bool:
    """Raised, nobody acknowledged it, and its severity's deadline has passed."""
    return f.status == FlagStatus.RAISED and f.raised_at + ack_deadline(settings, f.severity) <= now


@dataclass
class BulkResult:
    done: list[FlagView] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)  # (flag id, why)


def acknowledge_many(
    engine: Engine, flag_ids: Iterable[int], *, actor: str, now: datetime
) -> BulkResult:
    """Acknowledge each flag; those already taken or out of scope are reported, not fatal."""
    result = BulkResult()
    for flag_id in dict.fromkeys(flag_ids):  # once each, in the order given
        try:
            result.done.append(flag_service.acknowledge(engine, flag_id, actor=actor, now=now))
        except ServiceError as exc:  # refused (audited by the service) or gone
            result.refused.append((flag_id, str(exc)))
    return result


def escalate(engine: Engine, flag_id: int, *, actor: str, now: datetime) -> FlagView:
    """Send an open flag to the floor manager by hand."""
    who = clean(actor) or "?"

    def tx(conn: Connection) -> FlagView:
        current = flag_service._get(conn, flag_id)
        policy.check(
            conn,
            "flag.escalate",
            who,
            team=current.team_id,
            target_kind="flag",
            target_id=flag_id,
            error=OutOfScope,
        )
        if not _mark(conn, flag_id, now, who, statuses=flag_service.OPEN_STATUSES):
            reason = (
                f"flag {flag_id} is already with the floor manager"
                if current.escalated_at is not None
                else f"flag {flag_id} is already resolved"
            )
            raise FlagRefused("flag.escalate", who, reason, target_kind="flag", target_id=flag_id)
        audit.record(
            conn,
            at=now,
            actor=who,
            action="flag.escalate",
            target_kind="flag",
            target_id=flag_id,
            detail="by hand",
        )
        return flag_service._get(conn, flag_id)

    return policy.write(engine, tx, now=now)


def _mark(
    conn: Connection, flag_id: int, now: datetime, by: str, statuses: tuple[str, ...]
) -> bool:
    res = conn.execute(
        update(Flag)
        .where(
            Flag.id == flag_id,
            Flag.status.in_(statuses),
            Flag.escalated_at.is_(None),
        )
        .values(escalated_at=now, escalated_by=by, updated_at=now)
    )
    return bool(res.rowcount == 1)


def escalate_overdue(engine: Engine, *, settings: Settings, now: datetime) -> list[int]:
    """Every raised flag past its acknowledge deadline goes to the floor manager, once.

    Safe to run from every console at once: the conditional UPDATE lets one of them win
    per flag, and only the winner writes the audit row."""
    # The earliest any severity can fall due: a bound for the scan, checked exactly below.
    shortest = min(
        (ack_deadline(settings, s) for s in flag_service.SEVERITY_RANK),
        default=timedelta(minutes=2),
    )

    def tx(conn: Connection) -> list[int]:
        rows = conn.execute(
            select(Flag.id, Flag.severity, Flag.raised_at).where(
                Flag.status == FlagStatus.RAISED,
                Flag.escalated_at.is_(None),
                Flag.raised_at <= now - shortest,
            )
        ).all()
        done: list[int] = []
        for r in rows:
            late = now - (r.raised_at + ack_deadline(settings, r.severity))
            if late < timedelta(0):
                continue
            if _mark(conn, r.id, now, DEADLINE_ACTOR, statuses=(FlagStatus.RAISED,)):
                minutes = int(ack_deadline(settings, r.severity).total_seconds() // 60)
                audit.record(
                    conn,
                    at=now,
                    actor=DEADLINE_ACTOR,
                    action="flag.escalate",
                    target_kind="flag",
                    target_id=r.id,
                    detail=f"{r.severity} flag not acknowledged within {minutes} min",
                )
                done.append(int(r.id))
        return done

    return run_write(engine, tx)


__all__ = [
    "DEADLINE_ACTOR",
    "BulkResult",
    "FlagError",
    "ack_deadline",
    "acknowledge_many",
    "escalate",
    "escalate_overdue",
    "is_overdue",
]
