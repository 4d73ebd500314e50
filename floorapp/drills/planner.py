"""Where each drill goes: quiet slots of the run-up, pure and deterministic.

A drill takes the team leader and one agent off the phones for ``plan.drill_minutes``.
Slots are the team's shift cut into drills' lengths; a team leader runs one drill at a
time (one per team per slot), an agent takes at most ``plan.drill_max_per_day`` a day,
and each team's drills are spread evenly over the days of the run-up, each day in its
quietest hours first (fewest calls offered at that hour of the day in the recent past).
A slot is a plan, not a promise: the drill fires only once the agent is off the phone
(``floorapp.services.drills.fire_due``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from floorapp.plan.model import HotIssue, Plan


@dataclass(frozen=True)
class PlannedDrill:
    hot_issue: str
    agent_id: str
    team_id: str
    at: datetime  # aware UTC
    due_by: datetime


@dataclass(frozen=True)
class Placement:
    drills: tuple[PlannedDrill, ...]
    unplaced: tuple[tuple[str, str], ...]  # (hot issue, agent) with no slot left before due


# Calls offered per local hour of the day (0-23), per team: lower is quieter.
Load = Mapping[str, Mapping[int, float]]


def _local(plan: Plan, day: date, t: time) -> datetime:
    return datetime.combine(day, t, tzinfo=plan.timezone).astimezone(UTC)


def team_slots(plan: Plan, team: str, start: datetime, end: datetime) -> list[datetime]:
    """Every drill's start in ``team``'s shift hours with the whole drill in [start, end)."""
    length = timedelta(minutes=plan.drill_minutes)
    shift = plan.shift_for(team)
    first = start.astimezone(plan.timezone).date()
    last = end.astimezone(plan.timezone).date()
    out: list[datetime] = []
    day = first
    while day <= last:
        t, stop = _local(plan, day, shift.start), _local(plan, day, shift.end)
        while t + length <= stop:
            if t >= start and t + length <= end:
                out.append(t)
            t += length
        day += timedelta(days=1)
    return out


def place(
    plan: Plan,
    agents: Sequence[tuple[str, str]],
    *,
    not_before: datetime,
    load: Load | None = None,
    taken: Iterable[tuple[str, datetime]] = (),
    issues: Sequence[HotIssue] | None = None,
) -> Placement:
    """A drill for each (hot issue, agent of its teams), in quiet slots before it is due.

    ``agents``: (agent id, team). ``taken``: (agent id, time) of drills already planned
    (a re-drill must respect them). ``not_before``: nothing is planned in the past.
    """
    load = load or {}
    by_team: dict[str, list[str]] = defaultdict(list)
    for agent_id, team in sorted(agents):
        by_team[team].append(agent_id)
    length = timedelta(minutes=plan.drill_minutes)
    per_day: dict[tuple[str, date], int] = defaultdict(int)
    busy_agent: set[tuple[str, datetime]] = set()
    for agent_id, at in taken:
        per_day[(agent_id, at.astimezone(plan.timezone).date())] += 1
        busy_agent.add((agent_id, at))
    busy_team: set[tuple[str, datetime]] = set()
    out: list[PlannedDrill] = []
    unplaced: list[tuple[str, str]] = []
    for team in sorted(by_team):
        wanted = [
            (h, a)
            for h in (issues if issues is not None else plan.hot_issues)
            if team in h.teams
            for a in by_team[team]
        ]
        if not wanted:
            continue
        team_load = load.get(team, {})

        def order(t: datetime, tl: Mapping[int, float] = team_load) -> tuple[date, float, datetime]:
            local = t.astimezone(plan.timezone)
            return (local.date(), tl.get(local.hour, 0.0), t)

        # Each issue's own window; drills of the same team share the leader's slots.
        windows = {
            h.key: team_slots(plan, team, max(h.drill_from, not_before), h.due_by)
            for h, _ in wanted
        }
        days = {t.astimezone(plan.timezone).date() for ts in windows.values() for t in ts}
        quota = math.ceil(len(wanted) / max(1, len(days)))
        team_day: dict[date, int] = defaultdict(int)
        for spread in (True, False):  # evenly over the days first; then wherever it fits
            left: list[tuple[HotIssue, str]] = []
            for h, agent_id in wanted:
                slots = sorted(windows[h.key], key=order)
                chosen = None
                for t in slots:
                    day = t.astimezone(plan.timezone).date()
                    if (spread and team_day[day] >= quota) or (team, t) in busy_team:
                        continue
                    if per_day[(agent_id, day)] >= plan.drill_max_per_day:
                        continue
                    if any((agent_id, t + k * length) in busy_agent for k in (-1, 0, 1)):
                        continue  # not two drills back to back for one agent
                    chosen = t
                    break
                if chosen is None:
                    left.append((h, agent_id))
                    continue
                day = chosen.astimezone(plan.timezone).date()
                team_day[day] += 1
                per_day[(agent_id, day)] += 1
                busy_team.add((team, chosen))
                busy_agent.add((agent_id, chosen))
                out.append(PlannedDrill(h.key, agent_id, team, chosen, h.due_by))
            wanted = left
            if not wanted:
                break
        unplaced += [(h.key, a) for h, a in wanted]
    return Placement(
        tuple(sorted(out, key=lambda d: (d.at, d.team_id, d.agent_id))), tuple(unplaced)
    )
