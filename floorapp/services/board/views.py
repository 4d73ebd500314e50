"""What the board hands the screens: one row per agent, the header's figures, a tick's delta."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import Connection
from sqlalchemy.sql import Select

from db.models import AgentState
from floorapp.config import Settings
from floorapp.figures import day as fday
from floorapp.figures.clock import FloorClock
from floorapp.figures.queue import QueueFigures
from floorapp.figures.service_level import ServiceLevel
from floorapp.services.escalations import EscalationView
from floorapp.services.flags import FlagView

if TYPE_CHECKING:  # the plan services load on first use, not with the board
    from floorapp.services.periods import PeriodInfo

STATES = tuple(s.value for s in AgentState)


class AgentRow(NamedTuple):
    """One agent as the board shows it. A named tuple: a busy second at 10,000 agents builds
    and compares a thousand of these, and a tuple's are done in C (a frozen dataclass's
    ``__init__`` and ``__eq__`` were a quarter of the read)."""

    id: str
    name: str
    team_id: str
    team_name: str
    state: str
    state_reason: str | None
    state_since: datetime | None
    call_started: datetime | None
    calls_today: int  # calls completed today (finished, the one in progress not yet)
    complaints_today: int
    flag_severity: str | None  # the most severe open flag, or None
    flag_status: str | None


@dataclass(frozen=True)
class FloorFigures:
    """The header's figures: agents by state, flags and escalations held by the reader, and
    the day's queue figures from floorapp.figures (the one place they are computed)."""

    as_of: datetime  # the wall clock of the read
    by_state: dict[str, int]
    calls_waiting: int  # in a queue now (floorapp.figures.store.calls_waiting)
    longest_call_since: datetime | None
    longest_call_agent: str | None
    open_flags: int
    unhandled_flags: int
    open_escalations: int
    past_deadline: int
    queue: QueueFigures | None = None  # the centre's day so far
    guarantee: PeriodInfo | None = None
    last_event_at: datetime | None = None  # the newest feed event: a dead feed must not
    # pass for a quiet floor
    longest_wait_since: datetime | None = None
    # When each raised flag passes its acknowledge deadline (floorapp.services.triage),
    # sorted: the header counts the overdue ones each second without a pass over them.
    ack_due: tuple[datetime, ...] = ()

    def flags_overdue(self, now: datetime) -> int:
        """Raised flags nobody acknowledged within their severity's deadline, at ``now``."""
        return bisect_right(self.ack_due, now)

    def clock(self, wall: datetime) -> FloorClock:
        """The floor's clock at ``wall``: durations stop at the last event once it is quiet."""
        return FloorClock(wall, self.last_event_at)

    @property
    def abandoned(self) -> int:
        return 0 if self.queue is None else self.queue.abandoned

    @property
    def service_level(self) -> ServiceLevel | None:
        return None if self.queue is None else self.queue.service_level


@dataclass(frozen=True)
class BoardDelta:
    agents: tuple[AgentRow, ...]
    flags: tuple[FlagView, ...]
    flags_gone: tuple[int, ...]
    escalations: tuple[EscalationView, ...]
    escalations_gone: tuple[int, ...]
    figures: FloorFigures
    full: bool = False  # first load or a new day: the view should rebuild

    @property
    def empty(self) -> bool:
        return not (
            self.agents
            or self.flags
            or self.flags_gone
            or self.escalations
            or self.escalations_gone
        )


def day_start(settings: Settings, now: datetime) -> datetime:
    """The start of the centre's day (floorapp.figures.day) that contains ``now``."""
    return fday.day_bounds(settings, now)[0]


def raw_rows(conn: Connection, q: Select[*tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """All rows of ``q`` as plain tuples.

    When no selected column converts its values (true of the agent read: strings and raw
    times), the driver's own tuples are taken as they are: making a Row of each and copying
    it to a tuple was ~1 ms of a 10,000-agent tick, for a thousand or two rows that are
    mostly compared and dropped.
    """
    result = conn.execute(q)
    dialect = conn.dialect
    if all(
        c.type.dialect_impl(dialect).result_processor(dialect, None) is None
        for c in q.selected_columns
    ):
        with result:
            rows: Any = result.cursor.fetchall()
        if not rows or type(rows[0]) is tuple:
            return rows
        return list(map(tuple, rows))
    return list(map(tuple, result.all()))
