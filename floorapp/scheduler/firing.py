"""Recording reminders: on time (fired), or after downtime (missed), each exactly once.

A row is unique on ``(job_id, scheduled_for)``; every insert is an INSERT ... ON
CONFLICT DO NOTHING, so two holders overlapping for a moment, the APScheduler job
and the sweep racing for the same minute, or a restart replaying a window all end
with one row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, func, select

from db.engine import run_write
from db.models import Agent, Call
from db.models_plan import Reminder, ReminderKind, ReminderStatus
from db.types import not_null
from db.upsert import insert_ignore
from floorapp.config import Settings
from floorapp.plan.store import StoredPlan, load_plan
from floorapp.scheduler import lease
from floorapp.scheduler.schedule import Occurrence, occurrences, read_roster
from floorapp.text import clean

# A reminder recorded later than this after its time is "missed", not fired late.
GRACE = timedelta(minutes=2)
# After a long downtime, look back no further than this (a week with every console
# closed should not greet the morning shift with hundreds of missed patrols).
MAX_LOOKBACK = timedelta(hours=24)
DEFAULT_LONG_CALL_MIN = 20.0


@dataclass
class SweepResult:
    fired: int = 0
    missed: int = 0


def record(
    conn: Connection,
    occ: Occurrence,
    *,
    status: str,
    now: datetime,
    holder: str,
    plan_version_id: int | None,
) -> int | None:
    """Insert the reminder row for ``occ``; returns its id, or None if it was already there."""
    stmt = insert_ignore(conn, Reminder, ["job_id", "scheduled_for"]).values(
        job_id=occ.job_id,
        scheduled_for=occ.at,
        kind=occ.kind,
        item=occ.item,
        title=clean(occ.title) or "?",
        detail=clean(occ.detail, multiline=True),
        team_id=occ.team_id,
        agent_id=occ.agent_id,
        due_by=occ.due_by,
        status=status,
        fired_at=now,
        fired_by=holder,
        plan_version_id=plan_version_id,
    )
    rid = conn.execute(stmt.returning(Reminder.id)).scalar()
    return None if rid is None else int(rid)


def long_call_minutes(settings: Settings) -> float:
    try:
        from floorapp.rules.definitions import load_rules

        return float(load_rules(settings.rules)["long_call"]["threshold"])
    except ImportError:
        return float(settings.rules.get("long_call", {}).get("threshold", DEFAULT_LONG_CALL_MIN))


def water_occurrences(
    conn: Connection,
    stored: StoredPlan | None,
    settings: Settings,
    start: datetime,
    end: datetime,
) -> list[Occurrence]:
    """A care reminder for each call longer than the long-call threshold that ended in the window.

    Read from the calls themselves (not from the rule's flags), so it works whether or
    not the long-call rule is switched on and whichever process wrote the call.
    """
    threshold_s = long_call_minutes(settings) * 60
    plan = stored.plan if stored else None
    title = plan.water_title if plan else "Bring {agent} a glass of water after a long call"
    within = timedelta(minutes=plan.water_within_min if plan else 5)
    talk = func.coalesce(Call.talk_seconds, 0)
    rows = conn.execute(
        select(Call.id, Call.agent_id, not_null(Call.ended_at), Agent.name, Agent.team_id, talk)
        .join(Agent, Agent.id == Call.agent_id)
        .where(
            # offered_at is indexed; no real call lasts 12 hours.
            Call.offered_at >= start - timedelta(hours=12),
            Call.ended_at > start,
            Call.ended_at <= end,
            talk >= threshold_s,
        )
    ).all()
    return [
        Occurrence(
            job_id=f"care:water:{call_id}",
            at=ended,
            kind=ReminderKind.CARE,
            title=title.replace("{agent}", name),
            team_id=team,
            agent_id=agent,
            item="water",
            due_by=ended + within,
            detail=f"call {call_id} lasted {int(secs) // 60} min {int(secs) % 60:02d} s",
        )
        for call_id, agent, ended, name, team, secs in rows
    ]


def sweep(
    engine: Engine,
    settings: Settings,
    *,
    holder: str,
    now: datetime,
    since: datetime | None = None,
    grace: timedelta = GRACE,
) -> SweepResult | None:
    """Account for everything due in ``(covered_until, now]``: fire what is on time, mark
    what is older than ``grace`` missed, and move ``covered_until`` to ``now``.

    Runs only while ``holder`` holds the lease (the UPDATE of ``covered_until`` is
    conditional on it); returns None when it does not.
    """

    def tx(conn: Connection) -> SweepResult | None:
        state = lease.read_lease(conn)
        if state is None or state.holder != holder:
            return None
        # The first holder ever: only what is due within the grace, on time; nothing ran
        # before it, so nothing can have been missed.
        start = since or state.covered_until or now - grace
        start = max(start, now - MAX_LOOKBACK)
        if start >= now:
            lease.advance_covered(conn, holder, now)
            return SweepResult()
        stored = load_plan(conn)
        due: list[Occurrence] = []
        if stored is not None:
            due += occurrences(stored.plan, read_roster(conn), start, now)
        due += water_occurrences(conn, stored, settings, start, now)
        result = SweepResult()
        vid = stored.version_id if stored else None
        for occ in due:
            late = now - occ.at > grace
            status = ReminderStatus.MISSED if late else ReminderStatus.DUE
            if record(conn, occ, status=status, now=now, holder=holder, plan_version_id=vid):
                if late:
                    result.missed += 1
                else:
                    result.fired += 1
        lease.advance_covered(conn, holder, now)
        return result

    return run_write(engine, tx)


def fire(
    engine: Engine,
    occ: Occurrence,
    *,
    holder: str,
    now: datetime,
    plan_version_id: int | None = None,
) -> int | None:
    """Record one occurrence on time (an APScheduler job calls this at its minute)."""
    return run_write(
        engine,
        lambda conn: record(
            conn,
            occ,
            status=ReminderStatus.DUE,
            now=now,
            holder=holder,
            plan_version_id=plan_version_id,
        ),
    )


def upcoming(engine: Engine, now: datetime, horizon: timedelta) -> list[Occurrence]:
    from db.engine import read_tx

    with read_tx(engine) as conn:
        stored = load_plan(conn)
        if stored is None:
            return []
        return occurrences(stored.plan, read_roster(conn), now, now + horizon)
