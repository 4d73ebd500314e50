"""The plan as a timetable: every reminder it schedules in a time window, computed, not stored.

The same pure function feeds the APScheduler jobs (what fires next), missed detection
(what should have fired while nothing ran) and ``floorapp reminders``. Because the
timetable is recomputed from the plan for each window, a period starting or ending
changes the patrol cadence without any restart: the step after a boundary is taken
at the boundary itself, then at the new cadence.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, select

from db.models import Agent, Team
from db.models_plan import AgentLeave, ReminderKind
from floorapp.i18n import N_, message, stored
from floorapp.plan.model import SHIFT_END, CareItem, Period, Plan

# How long after it came due a reminder counts as overdue (patrols: until the next one).
CARE_DUE_MIN = 30
NOMINATION_DUE_MIN = 60


@dataclass(frozen=True)
class RosterAgent:
    id: str
    name: str
    team: str
    birthday: date | None = None
    back_on: tuple[date, ...] = ()  # first days back from leave


@dataclass(frozen=True)
class Roster:
    teams: tuple[str, ...]
    agents: tuple[RosterAgent, ...] = ()


def read_roster(conn: Connection) -> Roster:
    """The parts of the roster the timetable needs: teams, birthdays, returns from leave."""
    teams = tuple(conn.execute(select(Team.id).order_by(Team.id)).scalars())
    back: dict[str, list[date]] = {}
    for agent_id, ends_on in conn.execute(select(AgentLeave.agent_id, AgentLeave.ends_on)):
        back.setdefault(agent_id, []).append(ends_on + timedelta(days=1))
    rows = conn.execute(
        select(Agent.id, Agent.name, Agent.team_id, Agent.birthday).where(
            (Agent.birthday.is_not(None)) | (Agent.id.in_(list(back)))
        )
    ).all()
    agents = tuple(RosterAgent(a, n, t, b, tuple(sorted(back.get(a, ())))) for a, n, t, b in rows)
    return Roster(teams, agents)


@dataclass(frozen=True)
class Occurrence:
    job_id: str  # the series: "patrol:billing", "care:afternoon-tea:billing", ...
    at: datetime  # aware UTC: the scheduled time
    kind: str
    title: str
    team_id: str | None = None
    agent_id: str | None = None
    item: str | None = None
    due_by: datetime | None = None
    detail: str | None = None

    @property
    def key(self) -> str:
        """One APScheduler job id per occurrence (the job store caps ids at 191 characters)."""
        raw = f"{self.job_id}@{self.at.isoformat()}"
        if len(raw) <= 180:
            return raw
        return f"{raw[:120]}#{hashlib.sha256(raw.encode()).hexdigest()[:40]}"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["at"] = self.at.isoformat()
        d["due_by"] = self.due_by.isoformat() if self.due_by else None
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Occurrence:
        d = dict(d)
        d["at"] = datetime.fromisoformat(d["at"])
        d["due_by"] = datetime.fromisoformat(d["due_by"]) if d.get("due_by") else None
        return cls(**d)


def _local(plan: Plan, day: date, t: time) -> datetime:
    return datetime.combine(day, t, tzinfo=plan.timezone).astimezone(UTC)


def _days(plan: Plan, start: datetime, end: datetime) -> list[date]:
    first = start.astimezone(plan.timezone).date() - timedelta(days=1)
    last = end.astimezone(plan.timezone).date() + timedelta(days=1)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _at(plan: Plan, team: str, day: date, at: str) -> datetime:
    t = plan.shift_for(team).end if at == SHIFT_END else time.fromisoformat(at)
    return _local(plan, day, t)


def _boundaries(plan: Plan, team: str) -> list[datetime]:
    out = []
    for p in plan.periods:
        if team in p.teams:
            out += [p.start, p.end]
    return sorted(out)


def patrol_times(plan: Plan, team: str, day: date) -> list[tuple[datetime, datetime, str]]:
    """(time, due by, cadence label) of each patrol for ``team`` in its shift on ``day``."""
    shift = plan.shift_for(team)
    t, end = _local(plan, day, shift.start), _local(plan, day, shift.end)
    cad = plan.cadence_for(team)
    bounds = _boundaries(plan, team)
    out: list[tuple[datetime, datetime, str]] = []
    while t < end:
        period = plan.active_period(t, team)
        step = timedelta(minutes=cad.period if period else cad.normal)
        nxt = t + step
        # A period starting or ending inside the step: the next patrol is at the boundary.
        nxt = min([b for b in bounds if t < b < nxt] + [nxt])
        # Stored as a message, worded for each reader; the period's name as the plan wrote it.
        label = (
            stored(message(N_("every {n} min ({period})"), n=cad.period, period=period.name))
            if period
            else stored(message(N_("every {n} min"), n=cad.normal))
        )
        out.append((t, min(nxt, end), label))
        t = nxt
    return out


def _period_days(plan: Plan, p: Period) -> list[date]:
    first = p.start.astimezone(plan.timezone).date()
    last = (p.end - timedelta(microseconds=1)).astimezone(plan.timezone).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _care_teams(item: CareItem, default: tuple[str, ...]) -> tuple[str, ...]:
    if not item.teams:
        return default
    return tuple(t for t in default if t in item.teams)


def _care(plan: Plan, roster: Roster, days: set[date]) -> list[Occurrence]:
    out: list[Occurrence] = []

    def add(item: CareItem, team: str, day: date, period: Period | None) -> None:
        assert item.at is not None
        at = _at(plan, team, day, item.at)
        if (
            item.on == "period_days"
            and period is not None
            and not (period.start <= at <= period.end)
        ):
            return
        out.append(
            Occurrence(
                job_id=f"care:{item.key}:{team}",
                at=at,
                kind=ReminderKind.CARE,
                title=item.title,
                team_id=team,
                item=item.key,
                due_by=at + timedelta(minutes=CARE_DUE_MIN),
                detail=f"{period.name}" if period else None,
            )
        )

    for item in plan.care_items:
        if item.on == "never" or item.at is None:
            continue
        if item.on == "every_day":
            for day in sorted(days):
                for team in _care_teams(item, roster.teams):
                    add(item, team, day, plan.active_period(_local(plan, day, time(12)), team))
            continue
        for p in plan.periods:
            if item.on == "period_days":
                chosen = _period_days(plan, p)
            elif item.on == "dense_days":
                chosen = list(p.dense_days)
            else:  # day_after_period
                chosen = [_period_days(plan, p)[-1] + timedelta(days=1)]
            for day in chosen:
                if day in days:
                    for team in _care_teams(item, p.teams):
                        add(item, team, day, p)
    return out


def _personal(plan: Plan, roster: Roster, days: set[date]) -> list[Occurrence]:
    out: list[Occurrence] = []
    for a in roster.agents:
        if plan.birthday and a.birthday:
            for day in days:
                bday = a.birthday
                # Born on 29 February: celebrated on the 28th in other years.
                if (bday.month, bday.day) == (day.month, day.day) or (
                    (bday.month, bday.day) == (2, 29)
                    and (day.month, day.day) == (2, 28)
                    and not _leap(day.year)
                ):
                    at = _local(plan, day, plan.birthday.at)
                    out.append(
                        Occurrence(
                            job_id=f"care:birthday:{a.id}",
                            at=at,
                            kind=ReminderKind.CARE,
                            title=plan.birthday.title.replace("{agent}", a.name),
                            team_id=a.team,
                            agent_id=a.id,
                            item="birthday",
                            due_by=at + timedelta(minutes=CARE_DUE_MIN),
                        )
                    )
        if plan.back_from_leave:
            for day in a.back_on:
                if day in days:
                    at = _local(plan, day, plan.back_from_leave.at)
                    out.append(
                        Occurrence(
                            job_id=f"care:back:{a.id}",
                            at=at,
                            kind=ReminderKind.CARE,
                            title=plan.back_from_leave.title.replace("{agent}", a.name),
                            team_id=a.team,
                            agent_id=a.id,
                            item="back_from_leave",
                            due_by=at + timedelta(minutes=CARE_DUE_MIN),
                        )
                    )
    return out


def _leap(y: int) -> bool:
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def _recognition(plan: Plan, days: set[date]) -> list[Occurrence]:
    out: list[Occurrence] = []
    for p in plan.periods:
        for day in _period_days(plan, p):
            if day not in days:
                continue
            for team in p.teams:
                for when in plan.recognition_at:
                    at = _at(plan, team, day, when)
                    if not p.start <= at <= p.end:
                        continue
                    out.append(
                        Occurrence(
                            job_id=f"nominate:{p.name}:{team}",
                            at=at,
                            kind=ReminderKind.NOMINATION,
                            # Stored as its message id: each supervisor reads it in their language.
                            title=stored(
                                message(N_("Nominate role models for {period}"), period=p.name)
                            ),
                            team_id=team,
                            item=p.name,
                            due_by=at + timedelta(minutes=NOMINATION_DUE_MIN),
                        )
                    )
    return out


def occurrences(
    plan: Plan,
    roster: Roster,
    start: datetime,
    end: datetime,
    only_teams: Collection[str] | None = None,
) -> list[Occurrence]:
    """Every reminder the plan schedules with ``start < at <= end``, in time order
    (only for ``only_teams`` when given: a team leader's panel needs no one else's)."""
    days = _days(plan, start, end)
    out: list[Occurrence] = []
    teams = plan.patrol_teams or roster.teams
    if only_teams is not None:
        keep = set(only_teams)
        teams = tuple(t for t in teams if t in keep)
        roster = Roster(
            tuple(t for t in roster.teams if t in keep),
            tuple(a for a in roster.agents if a.team in keep),
        )
    for team in teams:
        for day in days:
            for at, due_by, label in patrol_times(plan, team, day):
                out.append(
                    Occurrence(
                        job_id=f"patrol:{team}",
                        at=at,
                        kind=ReminderKind.PATROL,
                        title=stored(message(N_("Patrol the floor: team {team}"), team=team)),
                        team_id=team,
                        due_by=due_by,
                        detail=label,
                    )
                )
    day_set = set(days)
    out += _care(plan, roster, day_set)
    out += _personal(plan, roster, day_set)
    out += _recognition(plan, day_set)
    return sorted(
        (o for o in out if start < o.at <= end and (only_teams is None or o.team_id in only_teams)),
        key=lambda o: (o.at, o.job_id),
    )
