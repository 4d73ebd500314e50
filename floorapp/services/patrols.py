"""The patrol log: done, late, missed; and the last patrol per team with how long ago.

A patrol reminder done before its ``due_by`` (the next patrol's time) is "done", after
it "late"; one never handled by then, or recorded as missed after downtime, is
"missed". A team leader may also log a patrol nobody reminded them of.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, func, insert, select

from db.engine import read_tx
from db.models import Agent
from db.models_plan import Patrol, Reminder, ReminderKind, ReminderStatus
from floorapp import audit, pinyin, policy
from floorapp.services.scope import OutOfScope
from floorapp.text import clean


@dataclass(frozen=True)
class PatrolEntry:
    team_id: str
    due_at: datetime | None  # None: a patrol nobody was reminded of
    at: datetime | None  # when it was walked (None: missed / still open)
    outcome: str  # done, late, missed, skipped, open
    supervisor: str | None
    note: str | None


@dataclass(frozen=True)
class LastPatrol:
    team_id: str
    at: datetime
    by: str | None
    minutes_ago: int


def patrol_log(
    engine: Engine,
    *,
    now: datetime,
    since: datetime,
    team: str | None = None,
    actor: str | None = None,
) -> list[PatrolEntry]:
    """Every patrol due (or walked) since ``since``, oldest first; with ``actor``, of
    their teams only (the policy's ``patrols.read``)."""
    teams = None
    if actor is not None:
        scope = policy.require(
            engine,
            "patrols.read",
            actor,
            now=now,
            **({"team": team} if team is not None else {}),
        )
        teams = None if scope.all_teams else scope.teams
    with read_tx(engine) as conn:
        stmt = (
            select(
                Reminder.team_id,
                Reminder.scheduled_for,
                Reminder.due_by,
                Reminder.status,
                Patrol.at,
                Patrol.outcome,
                Patrol.supervisor_id,
                Patrol.note,
            )
            .outerjoin(Patrol, Patrol.reminder_id == Reminder.id)
            .where(
                Reminder.kind == ReminderKind.PATROL,
                Reminder.scheduled_for >= since,
                Reminder.scheduled_for <= now,
            )
        )
        adhoc = select(Patrol.team_id, Patrol.at, Patrol.supervisor_id, Patrol.note).where(
            Patrol.reminder_id.is_(None), Patrol.at >= since
        )
        if team is not None:
            stmt = stmt.where(Reminder.team_id == team)
            adhoc = adhoc.where(Patrol.team_id == team)
        if teams is not None:
            stmt = stmt.where(Reminder.team_id.in_(teams))
            adhoc = adhoc.where(Patrol.team_id.in_(teams))
        rows = conn.execute(stmt).all()
        extra = conn.execute(adhoc).all()
    out: list[PatrolEntry] = []
    for team_id, due, due_by, status, at, outcome, sup, note in rows:
        if outcome is None:
            if status == ReminderStatus.MISSED or (due_by is not None and now > due_by):
                outcome = "missed"
            else:
                outcome = "open"
        if team_id is None:  # a patrol reminder always names its team
            continue
        out.append(PatrolEntry(team_id, due, at, outcome, sup, note))
    out += [PatrolEntry(t, None, at, "done", sup, note) for t, at, sup, note in extra]
    return sorted(out, key=lambda e: (e.due_at or e.at or now, e.team_id))


def counts(entries: list[PatrolEntry]) -> Counter[str]:
    return Counter(e.outcome for e in entries)


def last_patrols(engine: Engine, *, now: datetime) -> dict[str, LastPatrol]:
    """The last patrol walked per team (done or late), for the console's header/period view."""
    last = (
        select(Patrol.team_id, func.max(Patrol.at).label("at"))
        .where(Patrol.outcome.in_(("done", "late")))
        .group_by(Patrol.team_id)
        .subquery()
    )
    with read_tx(engine) as conn:
        rows = conn.execute(
            select(Patrol.team_id, Patrol.at, Patrol.supervisor_id).join(
                last, (last.c.team_id == Patrol.team_id) & (last.c.at == Patrol.at)
            )
        ).all()
    return {t: LastPatrol(t, at, by, int((now - at).total_seconds() // 60)) for t, at, by in rows}


def record_patrol(
    engine: Engine, *, team: str, actor: str, now: datetime, note: str | None = None
) -> int:
    """A patrol walked without a reminder (it still counts for "last patrol")."""

    def tx(conn: Connection) -> int:
        policy.check(
            conn,
            "patrol.record",
            actor,
            team=team,
            target_kind="team",
            target_id=team,
            error=OutOfScope,
        )
        pid = conn.execute(
            insert(Patrol)
            .values(
                team_id=team,
                supervisor_id=actor,
                at=now,
                outcome="done",
                note=clean(note, multiline=True),
            )
            .returning(Patrol.id)
        ).scalar_one()
        audit.record(
            conn,
            at=now,
            actor=actor,
            action="patrol.record",
            target_kind="team",
            target_id=team,
            detail=note,
        )
        return int(pid)

    return policy.write(engine, tx, now=now)


def team_agents(engine: Engine, team: str) -> list[tuple[str, str]]:
    """(id, name) of a team's agents in pinyin order of their names (as on the board), for
    picking who was seen struggling on a patrol."""
    with read_tx(engine) as conn:
        rows = conn.execute(select(Agent.id, Agent.name).where(Agent.team_id == team)).all()
    return sorted(((a, n) for a, n in rows), key=lambda r: (pinyin.sort_key(r[1]), r[1], r[0]))


def team_of(engine: Engine, agent_id: str) -> str | None:
    with read_tx(engine) as conn:
        return conn.execute(select(Agent.team_id).where(Agent.id == agent_id)).scalar()
