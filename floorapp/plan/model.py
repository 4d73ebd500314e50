"""A guarantee plan as plain, validated data (see docs/plan.md for the file format)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

SHIFT_END = "shift_end"  # a care/recognition time that follows each team's shift end

# When a scheduled care item happens.
CARE_ON = ("every_day", "period_days", "dense_days", "day_after_period", "never")

DIMENSIONS = ("hardest_escalations", "raised_early", "sensitive_no_complaint", "improvement")


@dataclass(frozen=True)
class Period:
    name: str
    start: datetime  # aware UTC
    end: datetime
    teams: tuple[str, ...]
    dense_days: tuple[date, ...] = ()


@dataclass(frozen=True)
class Requirement:
    key: str
    text: str
    period: str | None = None
    trigger_rule: str | None = None
    trigger_threshold: float | None = None
    metric: str | None = None
    baseline: float | None = None
    target: float | None = None


@dataclass(frozen=True)
class Shift:
    start: time
    end: time


@dataclass(frozen=True)
class Cadence:
    normal: int  # minutes between patrols outside a period
    period: int  # ... inside a period that covers the team


@dataclass(frozen=True)
class CareItem:
    key: str
    title: str
    on: str = "never"  # one of CARE_ON; "never" = only proposed as an alternative
    at: str | None = None  # "HH:MM" or SHIFT_END
    teams: tuple[str, ...] = ()  # empty: the teams of the period (or every team for every_day)


@dataclass(frozen=True)
class Personal:
    title: str
    at: time


@dataclass(frozen=True)
class HotIssue:
    """A hot or hard issue of a period (热点难点问题) that every agent of its teams practises."""

    key: str
    title: str
    scenario: str  # what the drill caller plays
    teams: tuple[str, ...]
    period: str
    drill_from: datetime  # aware UTC: the run-up's first drill may be planned from here
    due_by: datetime  # ... and each agent must have practised it by here
    answer: str | None = None  # the model answer (口径)
    answer_ref: str | None = None  # or where it is written

    @property
    def model_answer(self) -> str:
        return self.answer or self.answer_ref or ""


@dataclass(frozen=True)
class Plan:
    name: str
    timezone: ZoneInfo
    periods: tuple[Period, ...]
    requirements: tuple[Requirement, ...] = ()
    shift: Shift = field(default_factory=lambda: Shift(time(8), time(20)))
    team_shifts: dict[str, Shift] = field(default_factory=dict)
    cadence: Cadence = field(default_factory=lambda: Cadence(60, 20))
    team_cadence: dict[str, Cadence] = field(default_factory=dict)
    patrol_teams: tuple[str, ...] = ()  # empty: every team in the store
    care_items: tuple[CareItem, ...] = ()
    repeat_days: int = 30
    water_title: str = "Bring {agent} a glass of water after a long call"
    water_within_min: int = 5
    birthday: Personal | None = None
    back_from_leave: Personal | None = None
    recognition_at: tuple[str, ...] = ()  # "HH:MM" or SHIFT_END, on period days
    dimensions: tuple[str, ...] = DIMENSIONS
    improvement_requirement: str | None = None
    hot_issues: tuple[HotIssue, ...] = ()
    drill_max_per_day: int = 2  # drills per agent per day
    drill_minutes: int = 15  # how long a drill takes the team leader and the agent

    def hot_issue(self, key: str) -> HotIssue | None:
        return next((h for h in self.hot_issues if h.key == key), None)

    def shift_for(self, team: str) -> Shift:
        return self.team_shifts.get(team, self.shift)

    def cadence_for(self, team: str) -> Cadence:
        return self.team_cadence.get(team, self.cadence)

    def period(self, name: str) -> Period | None:
        return next((p for p in self.periods if p.name == name), None)

    def active_period(self, at: datetime, team: str | None = None) -> Period | None:
        for p in self.periods:
            if p.start <= at < p.end and (team is None or team in p.teams):
                return p
        return None

    def care_item(self, key: str) -> CareItem | None:
        return next((c for c in self.care_items if c.key == key), None)

    def measurable(self) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if r.metric is not None)
