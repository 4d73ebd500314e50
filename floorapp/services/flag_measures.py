"""How the floor answers its distress flags today: raised, time to acknowledge and to step in.

Two cuts of the same flags (raised -> acknowledged -> stepped in -> resolved):

- **per team**: the flags raised today on the team's agents; the medians are over those
  of them that were acknowledged / stepped in on (by anyone); ``unresolved`` counts the
  team's flags open now, whatever day they were raised (yesterday's open flag still
  needs someone).
- **per supervisor**: ``raised`` counts the flags *they* raised by hand today (the rules'
  flags are nobody's); ``unresolved`` is over the teams they lead (``supervisor_team``; a
  floor manager with no team of their own covers the floor); the medians measure the
  supervisor's own response: the flags raised today that *they* acknowledged / stepped
  in on.

Stepping in on a flag nobody had acknowledged also records it as acknowledged (at the same
instant, by the same supervisor); that is not counted as an acknowledgement here: the flag
was never acknowledged before someone acted.

"Today" is the centre's calendar day (``settings.timezone``). Pure queries returning
plain dataclasses; one short read transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import Connection, Engine, or_, select

from db.engine import read_tx
from db.models import Agent, Flag, FlagStatus, Supervisor, SupervisorRole, SupervisorTeam, Team
from floorapp import policy
from floorapp.config import Settings
from floorapp.rules.today import day_bounds


@dataclass(frozen=True, slots=True)
class FlagMeasures:
    key: str  # team id or supervisor id ("" for the whole floor)
    label: str
    raised: int
    acknowledged: int
    median_to_acknowledge: timedelta | None
    stepped_in: int
    median_to_step_in: timedelta | None
    unresolved: int


@dataclass(frozen=True, slots=True)
class MeasuresReport:
    day: str  # ISO date of the centre's day
    floor: FlagMeasures
    teams: list[FlagMeasures]
    supervisors: list[FlagMeasures]


@dataclass(frozen=True, slots=True)
class _Row:
    team_id: str
    raised_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    raised_by: str
    stepped_in_at: datetime | None
    stepped_in_by: str | None
    open: bool
    today: bool


def _median(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    return timedelta(seconds=median(v.total_seconds() for v in values))


def _measure(key: str, label: str, rows: Iterable[_Row], actor: str | None = None) -> FlagMeasures:
    raised = 0
    unresolved = 0
    to_ack: list[timedelta] = []
    to_step: list[timedelta] = []
    for r in rows:
        if r.open:
            unresolved += 1
        if not r.today:
            continue
        if actor is None or r.raised_by == actor:
            raised += 1
        if (
            r.acknowledged_at is not None
            and not _ack_by_stepping_in(r)
            and (actor is None or r.acknowledged_by == actor)
        ):
            to_ack.append(max(r.acknowledged_at - r.raised_at, timedelta(0)))
        if r.stepped_in_at is not None and (actor is None or r.stepped_in_by == actor):
            to_step.append(max(r.stepped_in_at - r.raised_at, timedelta(0)))
    return FlagMeasures(
        key, label, raised, len(to_ack), _median(to_ack), len(to_step), _median(to_step), unresolved
    )


def _ack_by_stepping_in(r: _Row) -> bool:
    """Acknowledged only as part of stepping in (flags.step_in writes both at once)."""
    return (
        r.stepped_in_at is not None
        and r.acknowledged_at == r.stepped_in_at
        and r.acknowledged_by == r.stepped_in_by
    )


def _rows(conn: Connection, start: datetime, end: datetime) -> list[_Row]:
    q = (
        select(
            Agent.team_id,
            Flag.raised_at,
            Flag.acknowledged_at,
            Flag.acknowledged_by,
            Flag.raised_by,
            Flag.stepped_in_at,
            Flag.stepped_in_by,
            Flag.status,
        )
        .join(Agent, Agent.id == Flag.agent_id)
        .where(
            or_(
                (Flag.raised_at >= start) & (Flag.raised_at < end),
                Flag.status != FlagStatus.RESOLVED,
            )
        )
    )
    return [
        _Row(
            team,
            raised,
            ack,
            ack_by,
            raised_by,
            step,
            step_by,
            status != FlagStatus.RESOLVED,
            start <= raised < end,
        )
        for team, raised, ack, ack_by, raised_by, step, step_by, status in conn.execute(q)
    ]


def measures_today(
    engine: Engine, *, settings: Settings, now: datetime, actor: str | None = None
) -> MeasuresReport:
    """Today's measures for the whole floor; with ``actor``, if the policy lets them read
    them (the console's view is behind the console's door)."""
    if actor is not None:
        policy.require(engine, "measures.read", actor, now=now)
    start, end, day = day_bounds(settings, now)
    with read_tx(engine) as conn:
        rows = _rows(conn, start, end)
        teams = list(conn.execute(select(Team.id, Team.name).order_by(Team.name)))
        sups = list(
            conn.execute(
                select(Supervisor.id, Supervisor.name, Supervisor.role)
                .where(Supervisor.active.is_(True))
                .order_by(Supervisor.name)
            )
        )
        led: dict[str, set[str]] = defaultdict(set)
        for sup_id, team_id in conn.execute(
            select(SupervisorTeam.supervisor_id, SupervisorTeam.team_id)
        ):
            led[sup_id].add(team_id)
    by_team: dict[str, list[_Row]] = defaultdict(list)
    for r in rows:
        by_team[r.team_id].append(r)
    team_measures = [
        _measure(tid, name, by_team.get(tid, []))
        for tid, name in teams
        if tid in by_team or tid in {t for ts in led.values() for t in ts}
    ]
    sup_measures = []
    for sid, name, role in sups:
        mine = led.get(sid)
        if not mine and role == SupervisorRole.FLOOR_MANAGER:
            scope = rows
        else:
            scope = [r for r in rows if r.team_id in (mine or ())]
        sup_measures.append(_measure(sid, name, scope, actor=sid))
    return MeasuresReport(
        day.isoformat(), _measure("", "whole floor", rows), team_measures, sup_measures
    )


def format_duration(d: timedelta | None) -> str:
    """``1:05`` (min:s) or ``1 h 02 min``; a dash when there is nothing to measure."""
    if d is None:
        return "-"
    s = int(d.total_seconds())
    if s >= 3600:
        return f"{s // 3600} h {(s % 3600) // 60:02d} min"
    return f"{s // 60}:{s % 60:02d}"
