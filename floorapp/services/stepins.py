"""Closing the loop on a step-in that asked for something to happen on the floor. "Send on a
short break" is done when the feed shows the agent on a break; "take over" and "transfer"
are done when the feed shows the agent off that call. Either within the settings'
``flags.step_in_confirm`` minutes of stepping in: the flag's step-in is then ``confirmed``.
When the window passes with nothing seen, the step-in is ``not_seen`` and its supervisor
gets a follow-up reminder (their reminders view and the header's "reminders due"), so an
instruction nobody carried out does not pass unnoticed. Run by the scheduler lease holder,
like the flag deadline; each outcome is written once (a conditional UPDATE) and audited.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Row, select, update

from db.engine import run_write
from db.models import Agent, AgentState, AgentStateChange, Flag
from db.models_plan import Reminder, ReminderKind, ReminderStatus
from db.upsert import insert_ignore
from floorapp import audit
from floorapp.config import Settings

# What each checked intervention asks the feed to show: a state the agent enters.
EXPECTED = {
    "short_break": "break",
    "take_over": "off_call",
    "transfer": "off_call",
}
ACTOR = "feed"
# Step-ins older than this past their window are history (a database from before this
# check, or a floor left with no scheduler for hours): not chased up after the fact.
HISTORY = timedelta(hours=1)
CONFIRMED = "confirmed"
NOT_SEEN = "not_seen"


def _seen(conn: Connection, agent_id: str, expected: str, since: datetime, until: datetime) -> bool:
    q = select(AgentStateChange.state).where(
        AgentStateChange.agent_id == agent_id,
        AgentStateChange.started_at >= since,
        AgentStateChange.started_at <= until,
    )
    states = set(conn.execute(q).scalars())
    if expected == "break":
        return AgentState.BREAK in states
    return bool(states - {AgentState.ON_CALL})


def _already(conn: Connection, agent_id: str, expected: str) -> bool:
    """The agent was already where the step-in wanted them (the feed's last word)."""
    state = conn.execute(select(Agent.state).where(Agent.id == agent_id)).scalar()
    if expected == "break":
        return state == AgentState.BREAK
    return state is not None and state != AgentState.ON_CALL


def follow_up(engine: Engine, *, settings: Settings, now: datetime) -> dict[int, str]:
    """Settle every step-in waiting on the feed: flag id -> outcome, for those settled now."""
    within = settings.step_in_confirm

    def tx(conn: Connection) -> dict[int, str]:
        rows = conn.execute(
            select(
                Flag.id,
                Flag.agent_id,
                Flag.intervention,
                Flag.stepped_in_at,
                Flag.stepped_in_by,
                Agent.name,
                Agent.team_id,
            )
            .join(Agent, Agent.id == Flag.agent_id)
            .where(
                Flag.stepped_in_at >= now - within - HISTORY,
                Flag.step_in_outcome.is_(None),
                Flag.intervention.in_(list(EXPECTED)),
            )
        ).all()
        settled: dict[int, str] = {}
        for r in rows:
            expected = EXPECTED[r.intervention]
            deadline = r.stepped_in_at + within
            seen = _seen(conn, r.agent_id, expected, r.stepped_in_at, min(now, deadline))
            if not seen and now < deadline:
                if not _already(conn, r.agent_id, expected):
                    continue  # still time for the feed to show it
                seen = True
            outcome = CONFIRMED if seen else NOT_SEEN
            done = conn.execute(
                update(Flag)
                .where(Flag.id == r.id, Flag.step_in_outcome.is_(None))
                .values(step_in_outcome=outcome, updated_at=now)
            ).rowcount
            if done != 1:
                continue  # another holder settled it first
            settled[int(r.id)] = outcome
            what = "on a break" if expected == "break" else "off the call"
            audit.record(
                conn,
                at=now,
                actor=ACTOR,
                action=f"flag.step_in_{outcome}",
                target_kind="flag",
                target_id=r.id,
                detail=f"{r.intervention}: {r.name} {'' if seen else 'not '}seen {what}"
                f" within {int(within.total_seconds() // 60)} min",
            )
            if not seen:
                _remind(conn, r, expected, deadline, now, within)
        return settled

    return run_write(engine, tx)


def _remind(
    conn: Connection,
    r: Row[*tuple[Any, ...]],
    expected: str,
    deadline: datetime,
    now: datetime,
    within: timedelta,
) -> None:
    minutes = int(within.total_seconds() // 60)
    name = r.name
    title = (
        f"{name} has not gone on the break you asked for ({minutes} min)"
        if expected == "break"
        else f"{name} is still on the call you stepped in on ({minutes} min)"
    )
    conn.execute(
        insert_ignore(conn, Reminder, ["job_id", "scheduled_for"]).values(
            job_id=f"stepin:{r.id}",
            scheduled_for=deadline,
            kind=ReminderKind.FOLLOW_UP,
            item=r.intervention,
            title=title,
            detail=f"flag {r.id}",
            team_id=r.team_id,
            supervisor_id=r.stepped_in_by,
            agent_id=r.agent_id,
            due_by=now + within,
            status=ReminderStatus.DUE,
            fired_at=now,
            fired_by=ACTOR,
        )
    )


__all__ = ["CONFIRMED", "EXPECTED", "NOT_SEEN", "follow_up"]
