"""Care actions: the log per agent and team, and the warning when care starts repeating itself.

"The same mooncake box every year stops meaning anything": when an item went to the
same team within the plan's ``repeat_days``, the console says so and proposes another
item from the plan that the team has not had in that time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, Engine, func, insert, select

from db.engine import read_tx
from db.models import Agent
from db.models_plan import AgentLeave, CareLog
from db.upsert import upsert
from floorapp import audit, policy
from floorapp.i18n import _
from floorapp.plan.model import Plan
from floorapp.plan.store import load_plan
from floorapp.services import ServiceError
from floorapp.services.scope import OutOfScope
from floorapp.text import clean

# Items that answer a moment, not a plan choice: they never "repeat" in the plan's sense.
MOMENT_ITEMS = ("water", "birthday", "back_from_leave")


class CareError(ServiceError):
    pass


@dataclass(frozen=True)
class RepeatWarning:
    item: str
    team: str
    last_at: datetime
    days_ago: int
    alternative: str | None  # a care item key from the plan, or None if every one repeats
    alternative_title: str | None

    @property
    def message(self) -> str:
        when = "today" if self.days_ago == 0 else f"{self.days_ago} days ago"
        msg = f"team {self.team} already had {self.item!r} {when}"
        if self.alternative_title:
            msg += f": try {self.alternative_title!r} instead"
        else:
            msg += " (every care item in the plan was given recently)"
        return msg


@dataclass(frozen=True)
class CareEntry:
    id: int
    at: datetime
    item: str
    title: str
    team_id: str | None
    agent_id: str | None
    given_by: str
    note: str | None


def last_given(conn: Connection, team: str, item: str, *, before: datetime) -> datetime | None:
    return conn.execute(
        select(func.max(CareLog.at)).where(
            CareLog.team_id == team, CareLog.item == item, CareLog.at <= before
        )
    ).scalar()


def repeat_warning(
    conn: Connection, plan: Plan, team: str, item: str, *, now: datetime
) -> RepeatWarning | None:
    if item in MOMENT_ITEMS or plan.repeat_days <= 0:
        return None
    window = timedelta(days=plan.repeat_days)
    last = last_given(conn, team, item, before=now)
    if last is None or now - last > window:
        return None
    alt = None
    for candidate in plan.care_items:
        if candidate.key == item:
            continue
        prev = last_given(conn, team, candidate.key, before=now)
        if prev is None or now - prev > window:
            alt = candidate
            break
    return RepeatWarning(
        item, team, last, (now - last).days, alt.key if alt else None, alt.title if alt else None
    )


def check_repeat(engine: Engine, team: str, item: str, *, now: datetime) -> RepeatWarning | None:
    with read_tx(engine) as conn:
        stored = load_plan(conn)
        if stored is None:
            return None
        return repeat_warning(conn, stored.plan, team, item, now=now)


def log_care(
    conn: Connection,
    *,
    at: datetime,
    item: str,
    title: str,
    team_id: str | None,
    agent_id: str | None,
    given_by: str,
    reminder_id: int | None = None,
    note: str | None = None,
) -> int:
    """Write one care-log row in the caller's transaction."""
    if team_id is None and agent_id is not None:
        team_id = conn.execute(select(Agent.team_id).where(Agent.id == agent_id)).scalar()
    return int(
        conn.execute(
            insert(CareLog)
            .values(
                at=at,
                item=clean(item) or "?",
                title=clean(title) or "?",
                team_id=team_id,
                agent_id=agent_id,
                given_by=clean(given_by) or "?",
                reminder_id=reminder_id,
                note=clean(note, multiline=True),
            )
            .returning(CareLog.id)
        ).scalar_one()
    )


def give_care(
    engine: Engine,
    *,
    actor: str,
    now: datetime,
    item: str,
    team_id: str | None = None,
    agent_id: str | None = None,
    title: str | None = None,
    note: str | None = None,
) -> int:
    """Record care given outside a reminder (an unplanned kindness counts too)."""
    if team_id is None and agent_id is None:
        raise CareError(_("say which team or agent the care went to"))

    def tx(conn: Connection) -> int:
        team = team_id
        if agent_id is not None:
            team = conn.execute(select(Agent.team_id).where(Agent.id == agent_id)).scalar()
        policy.check(
            conn,
            "care.give",
            actor,
            team=team,
            target_kind="team" if agent_id is None else "agent",
            target_id=agent_id or team_id,
            error=OutOfScope,
        )
        stored = load_plan(conn)
        plan_item = stored.plan.care_item(item) if stored else None
        cid = log_care(
            conn,
            at=now,
            item=item,
            title=title or (plan_item.title if plan_item else item),
            team_id=team,
            agent_id=agent_id,
            given_by=actor,
            note=note,
        )
        audit.record(
            conn,
            at=now,
            actor=actor,
            action="care.give",
            target_kind="care",
            target_id=cid,
            detail=f"{item} to {agent_id or team_id}",
        )
        return cid

    return policy.write(engine, tx, now=now)


def care_log(
    engine: Engine,
    *,
    team: str | None = None,
    agent: str | None = None,
    since: datetime | None = None,
    limit: int = 200,
) -> list[CareEntry]:
    stmt = select(
        CareLog.id,
        CareLog.at,
        CareLog.item,
        CareLog.title,
        CareLog.team_id,
        CareLog.agent_id,
        CareLog.given_by,
        CareLog.note,
    )
    if team is not None:
        stmt = stmt.where(CareLog.team_id == team)
    if agent is not None:
        stmt = stmt.where(CareLog.agent_id == agent)
    if since is not None:
        stmt = stmt.where(CareLog.at >= since)
    with read_tx(engine) as conn:
        rows = conn.execute(stmt.order_by(CareLog.at.desc()).limit(limit)).all()
    return [CareEntry(*r) for r in rows]


def record_leave(
    engine: Engine, *, agent_id: str, starts_on: date, ends_on: date, actor: str, now: datetime
) -> None:
    """An agent's leave (last day away = ``ends_on``): the day after is a personal moment."""
    if ends_on < starts_on:
        raise CareError(
            _("leave ends {ends_on} before it starts {starts_on}").format(
                ends_on=ends_on, starts_on=starts_on
            )
        )

    def tx(conn: Connection) -> None:
        agent = conn.execute(select(Agent.team_id).where(Agent.id == agent_id)).first()
        policy.check(
            conn,
            "leave.record",
            actor,
            **({"team": agent.team_id} if agent is not None else {}),
            target_kind="agent",
            target_id=agent_id,
            error=OutOfScope,
        )
        if agent is None:
            raise CareError(_("no agent {agent_id!r} on this floor").format(agent_id=agent_id))
        conn.execute(
            upsert(conn, AgentLeave, ["agent_id", "starts_on"], ["ends_on"]).values(
                agent_id=agent_id, starts_on=starts_on, ends_on=ends_on
            )
        )
        audit.record(
            conn,
            at=now,
            actor=actor,
            action="leave.record",
            target_kind="agent",
            target_id=agent_id,
            detail=f"{starts_on} to {ends_on}",
        )

    policy.write(engine, tx, now=now)
