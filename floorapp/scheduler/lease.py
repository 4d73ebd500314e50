"""One holder at a time: a lease row, renewed by its holder, taken over on expiry.

The race between two consoles starting together is decided by a conditional UPDATE
(``WHERE holder = me OR expired``) and its rowcount, which gives exactly one winner
on SQLite and PostgreSQL alike (row locks are not relied on: SQLite has none).
The reminder scheduler holds the lease named ``reminders``; each followed feed has
one of its own (``floorapp.feed.lease``), so two followers never write one feed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, case, or_, select, update

from db.engine import run_write
from db.models_plan import SchedulerLease
from db.upsert import insert_ignore

LEASE_NAME = "reminders"
LEASE_TTL = timedelta(seconds=45)
RENEW_EVERY = timedelta(seconds=10)


@dataclass(frozen=True)
class LeaseState:
    held: bool
    took_over: bool  # this call made us the holder (we were not before)
    holder: str | None
    expires_at: datetime | None
    covered_until: datetime | None
    epoch: int


def try_acquire(
    engine: Engine,
    holder: str,
    now: datetime,
    ttl: timedelta = LEASE_TTL,
    *,
    name: str = LEASE_NAME,
    take_from: str | None = None,
) -> LeaseState:
    """Take or renew the lease ``name``; ``take_from`` is a holder known to be dead."""

    def tx(conn: Connection) -> LeaseState:
        conn.execute(
            insert_ignore(conn, SchedulerLease, ["name"]).values(name=name, holder=None, epoch=0)
        )
        before = conn.execute(
            select(SchedulerLease.holder).where(SchedulerLease.name == name)
        ).scalar()
        free = [
            SchedulerLease.holder == holder,
            SchedulerLease.holder.is_(None),
            SchedulerLease.expires_at < now,
        ]
        if take_from is not None:
            free.append(SchedulerLease.holder == take_from)
        res = conn.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == name, or_(*free))
            .values(
                holder=holder,
                expires_at=now + ttl,
                acquired_at=case(
                    (SchedulerLease.holder == holder, SchedulerLease.acquired_at), else_=now
                ),
                epoch=case(
                    (SchedulerLease.holder == holder, SchedulerLease.epoch),
                    else_=SchedulerLease.epoch + 1,
                ),
            )
        )
        row = conn.execute(
            select(
                SchedulerLease.holder,
                SchedulerLease.expires_at,
                SchedulerLease.covered_until,
                SchedulerLease.epoch,
            ).where(SchedulerLease.name == name)
        ).one()
        held = res.rowcount == 1
        return LeaseState(held, held and before != holder, row[0], row[1], row[2], row[3])

    return run_write(engine, tx)


def release(engine: Engine, holder: str, *, name: str = LEASE_NAME) -> None:
    """Give the lease up at once (a clean stop), so another console takes over without waiting."""
    run_write(
        engine,
        lambda conn: conn.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == name, SchedulerLease.holder == holder)
            .values(holder=None, expires_at=None)
        ),
    )


def advance_covered(conn: Connection, holder: str, until: datetime) -> bool:
    """Record that everything due up to ``until`` is accounted for; only the holder may."""
    res = conn.execute(
        update(SchedulerLease)
        .where(
            SchedulerLease.name == LEASE_NAME,
            SchedulerLease.holder == holder,
            or_(SchedulerLease.covered_until.is_(None), SchedulerLease.covered_until < until),
        )
        .values(covered_until=until)
    )
    return res.rowcount == 1


def read_lease(conn: Connection, name: str = LEASE_NAME) -> LeaseState | None:
    row = conn.execute(
        select(
            SchedulerLease.holder,
            SchedulerLease.expires_at,
            SchedulerLease.covered_until,
            SchedulerLease.epoch,
        ).where(SchedulerLease.name == name)
    ).first()
    if row is None:
        return None
    return LeaseState(False, False, row[0], row[1], row[2], row[3])
