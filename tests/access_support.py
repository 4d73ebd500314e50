"""The floor the access tests act on (no tests here).

Teams t1 and t2. ``boss`` manages the floor, ``lead.t1`` leads t1, ``lead.t2`` leads t2,
``gone`` led t1 and was removed, ``stranger`` was never a supervisor. Every target the tests
act on (agent a1, flag 1, escalation 1, reminders 1-3) is t1's; agent b1 is t2's.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, insert, select
from sqlmodel import SQLModel

from db.engine import write_tx
from db.models import AuditEntry, Escalation, Flag, Supervisor, SupervisorTeam
from db.models_plan import Reminder
from db.registry import import_all_models
from tests.test_plan_support import load_test_plan, seed_floor

# Who acts, by their relation to the target's team t1.
ACTORS = {
    "floor manager": "boss",
    "team leader of the team": "lead.t1",
    "team leader of another team": "lead.t2",
    "removed supervisor": "gone",
    "unknown name": "stranger",
}


def access_floor(engine: Engine, now: datetime) -> None:
    seed_floor(engine)
    load_test_plan(engine, now)
    with write_tx(engine) as conn:
        conn.execute(
            insert(Supervisor).values(id="gone", name="Gone", role="team_leader", active=False)
        )
        conn.execute(insert(SupervisorTeam).values(supervisor_id="gone", team_id="t1"))
        conn.execute(
            insert(Flag).values(
                agent_id="a1",
                kind="long_call",
                severity="high",
                status="raised",
                open_key="a1|long_call",
                raised_at=now - timedelta(minutes=3),
                updated_at=now,
            )
        )
        conn.execute(
            insert(Escalation).values(
                agent_id="a1",
                team_id="t1",
                tier=1,
                severity="medium",
                reason="wants a manager",
                status="open",
                opened_at=now - timedelta(minutes=5),
                opened_by="a1",
                deadline=now + timedelta(minutes=10),
                handoffs=0,
                updated_at=now,
            )
        )
        for n in (1, 2, 3):
            conn.execute(
                insert(Reminder).values(
                    job_id=f"patrol:t1:{n}",
                    scheduled_for=now - timedelta(minutes=n),
                    kind="patrol",
                    title="Patrol the floor: team t1",
                    team_id="t1",
                    status="due",
                    due_by=now + timedelta(minutes=60),
                    fired_at=now,
                    fired_by="test",
                )
            )


def snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table but the audit log: what a refusal must leave alone."""
    import_all_models()
    out: dict[str, list[tuple[object, ...]]] = {}
    with engine.connect() as conn:
        for name, table in sorted(SQLModel.metadata.tables.items()):
            if name == AuditEntry.__tablename__:
                continue
            out[name] = sorted((tuple(r) for r in conn.execute(select(table))), key=repr)
    return out


def audit_rows(conn: Connection) -> list[tuple[str, str, str, str | None]]:
    return [
        tuple(r)  # type: ignore[misc]
        for r in conn.execute(
            select(
                AuditEntry.actor, AuditEntry.action, AuditEntry.outcome, AuditEntry.detail
            ).order_by(AuditEntry.id)
        )
    ]


def audit_of(engine: Engine) -> list[tuple[str, str, str, str | None]]:
    with engine.connect() as conn:
        return audit_rows(conn)
