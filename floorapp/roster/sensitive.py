"""Single roster changes: an agent designated for sensitive customers, and the list of
sensitive customers itself."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, Engine, delete, select, update

from db.changes import next_change
from db.engine import run_write
from db.models import Agent, SensitiveCustomer
from db.upsert import upsert
from floorapp import audit
from floorapp.text import clean


class RosterError(LookupError):
    """An unknown agent or customer named in a roster command."""


def designate(engine: Engine, agent_id: str, on: bool, *, actor: str, now: datetime) -> bool:
    """Mark an agent as designated (or not) for sensitive customers; False if already so."""

    def work(conn: Connection) -> bool:
        current = conn.execute(
            select(Agent.sensitive_designated).where(Agent.id == agent_id)
        ).first()
        if current is None:
            raise RosterError(f"no agent {agent_id!r} on the roster")
        if bool(current[0]) == on:
            return False
        conn.execute(
            update(Agent)
            .where(Agent.id == agent_id)
            .values(sensitive_designated=on, updated_at=now, seq=next_change(conn))
        )
        audit.record(
            conn,
            at=now,
            actor=clean(actor) or "?",
            action="roster.designate" if on else "roster.undesignate",
            target_kind="agent",
            target_id=agent_id,
        )
        return True

    return run_write(engine, work)


def add_sensitive_customers(
    engine: Engine,
    customers: Iterable[tuple[str, str | None]],
    *,
    actor: str,
    now: datetime,
    source: str = "cli",
) -> tuple[int, int]:
    """Upsert (customer id, note) pairs; returns (added, updated). Unchanged ones count neither."""
    items = [
        (clean(c.strip()) or "", clean(n, multiline=False) if n else None) for c, n in customers
    ]
    items = [(c, n) for c, n in items if c]

    def work(conn: Connection) -> tuple[int, int]:
        added = updated = 0
        old: dict[str, str | None] = (
            {
                c: n
                for c, n in conn.execute(
                    select(SensitiveCustomer.customer_id, SensitiveCustomer.note).where(
                        SensitiveCustomer.customer_id.in_([c for c, _ in items])
                    )
                )
            }
            if items
            else {}
        )
        for cid, note in items:
            if cid in old and old[cid] == note:
                continue
            conn.execute(
                upsert(conn, SensitiveCustomer, ["customer_id"], ["note"]).values(
                    customer_id=cid, note=note
                )
            )
            is_new = cid not in old
            if is_new:
                added += 1
            else:
                updated += 1
            old[cid] = note
            audit.record(
                conn,
                at=now,
                actor=clean(actor) or "?",
                action="sensitive_customer.add" if is_new else "sensitive_customer.update",
                target_kind="customer",
                target_id=cid,
                detail=note or source,
            )
        return added, updated

    return run_write(engine, work)


def remove_sensitive_customer(
    engine: Engine, customer_id: str, *, actor: str, now: datetime
) -> bool:
    def work(conn: Connection) -> bool:
        n = conn.execute(
            delete(SensitiveCustomer).where(SensitiveCustomer.customer_id == customer_id)
        ).rowcount
        if n:
            audit.record(
                conn,
                at=now,
                actor=clean(actor) or "?",
                action="sensitive_customer.remove",
                target_kind="customer",
                target_id=customer_id,
            )
        return bool(n)

    return run_write(engine, work)
