"""Queue figures: what each call counts for, added up per floor, queue, team and agent.

A call belongs to the interval it was *offered* in (it entered the queue then), whatever
happens to it later, as in Asterisk's queue_log reports. Each call is reduced once to a
``Fact`` (what it counts for); a ``Tally`` adds facts up and can take one back, so the
console's live figures move with the calls that changed, never re-reading the day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, overload

from floorapp.figures import service_level as sl

# Kinds of call: answered (in progress or finished), the four unanswered exits, and waiting.
ANSWERED, ABANDONED, EXIT_WITH_KEY, TIMED_OUT, EXIT_EMPTY, WAITING = (
    "answered",
    "abandoned",
    "exitwithkey",
    "timeout",
    "exitempty",
    "waiting",
)
UNANSWERED = (ABANDONED, EXIT_WITH_KEY, TIMED_OUT, EXIT_EMPTY)
_EXIT = {
    "abandon": ABANDONED,
    "exitwithkey": EXIT_WITH_KEY,
    "exitwithtimeout": TIMED_OUT,
    "exitempty": EXIT_EMPTY,
}
# An answered call is finished (its agent completed it) once it ended completed or
# transferred: Asterisk counts a member's call when the bridge ends, either way.
FINISHED = ("completed", "transferred")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@overload
def aware(value: str | datetime | int) -> datetime: ...
@overload
def aware(value: str | datetime | int | None) -> datetime | None: ...


def aware(value: str | datetime | int | None) -> datetime | None:
    """A stored time, raw (ISO text on SQLite, naive datetime elsewhere, or microseconds
    since 1970 for the feed's columns: db.types.UTCMicros), as aware UTC."""
    if value is None:
        return None
    if isinstance(value, int):
        return _EPOCH + timedelta(microseconds=value)
    if isinstance(value, str):
        # Parsing the offset with the text is ~6x cheaper than replace(tzinfo=) afterwards,
        # and a busy console tick converts a few thousand of these.
        try:
            return datetime.fromisoformat(value + "+00:00")
        except ValueError:  # the text carried an offset of its own
            value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class CallRow(NamedTuple):
    """A call as the figures read it. Times are as the driver gave them (microseconds
    since 1970: db.types.UTCMicros) and turned into aware UTC by ``aware`` only where a figure
    needs the time itself: most calls carry the PBX's own hold and talk seconds, and
    parsing three times per call was a third of a day report."""

    id: str
    queue: str | None
    agent: str | None
    team: str | None
    customer: str | None
    offered_at: Any
    answered_at: Any
    ended_at: Any
    outcome: str
    exit_reason: str | None
    hold_seconds: int | None
    talk_seconds: int | None
    complaint: bool | None  # the board's per-agent complaints (figures do not count it)


class Fact(NamedTuple):
    """What one call counts for."""

    queue: str | None
    agent: str | None
    team: str | None
    kind: str
    wait: float  # seconds in the queue: to the answer, or to leaving unanswered
    in_sl: bool  # answered within its queue's threshold
    short: bool  # abandoned under the short-abandon limit
    finished: bool  # answered and ended (completed or transferred)
    talk: float  # seconds, finished calls
    acw: float  # after-call work that followed it, seconds


def kind_of(row: CallRow) -> str:
    if row.answered_at is not None:
        return ANSWERED
    if row.outcome == "abandoned":
        return EXIT_WITH_KEY if row.exit_reason == "exitwithkey" else ABANDONED
    if row.outcome == "timeout":
        return EXIT_EMPTY if row.exit_reason == "exitempty" else TIMED_OUT
    if row.ended_at is not None:  # ended unanswered some other way (a lost line's fallout)
        return _EXIT.get(row.exit_reason or "", ABANDONED)
    return WAITING


def fact_of(
    row: CallRow, threshold: Callable[[str | None], int], short_s: int, acw: float = 0.0
) -> Fact:
    kind = kind_of(row)
    wait = 0.0
    if row.hold_seconds is not None:  # the PBX's own count (queue_log's holdtime/waittime)
        wait = float(row.hold_seconds)
    elif row.offered_at is not None:
        until = aware(row.answered_at if kind == ANSWERED else row.ended_at)
        if until is not None:
            wait = max((until - aware(row.offered_at)).total_seconds(), 0.0)
    finished = kind == ANSWERED and row.outcome in FINISHED
    talk = 0.0
    if finished:
        if row.talk_seconds is not None:
            talk = float(row.talk_seconds)
        elif row.ended_at is not None and row.answered_at is not None:
            talk = max(
                (aware(row.ended_at) - aware(row.answered_at)).total_seconds(),
                0.0,
            )
    return Fact(
        row.queue,
        row.agent,
        row.team,
        kind,
        wait,
        kind == ANSWERED and wait <= threshold(row.queue),
        kind == ABANDONED and wait < short_s,
        finished,
        talk,
        acw if finished else 0.0,
    )


class Tally:
    """Sums of facts; ``add(fact, -1)`` takes one back (a call that moved on)."""

    __slots__ = (
        "abandon_wait",
        "acw",
        "answered",
        "exit_empty",
        "exit_with_key",
        "finished",
        "hold",
        "in_sl",
        "kinds",
        "longest_abandon",
        "offered",
        "short",
        "talk",
    )

    def __init__(self) -> None:
        self.offered = self.answered = self.in_sl = self.short = self.finished = 0
        self.kinds: dict[str, int] = dict.fromkeys((*UNANSWERED, WAITING), 0)
        self.exit_with_key = self.exit_empty = 0
        self.hold = self.abandon_wait = self.talk = self.acw = 0.0
        self.longest_abandon = 0.0  # only grows: an abandoned call never comes back

    def merge(self, other: Tally) -> None:
        """Add another tally's calls (the floor is the sum of its queues)."""
        self.offered += other.offered
        self.answered += other.answered
        self.in_sl += other.in_sl
        self.short += other.short
        self.finished += other.finished
        for k, n in other.kinds.items():
            self.kinds[k] += n
        self.hold += other.hold
        self.abandon_wait += other.abandon_wait
        self.talk += other.talk
        self.acw += other.acw
        self.longest_abandon = max(self.longest_abandon, other.longest_abandon)

    def add_answered(
        self, n: int, hold: float, in_sl: int, finished: int, talk: float, acw: float
    ) -> None:
        """Add ``n`` answered calls at once, by their sums (a report's bulk of calls)."""
        self.offered += n
        self.answered += n
        self.hold += hold
        self.in_sl += in_sl
        self.finished += finished
        self.talk += talk
        self.acw += acw

    def add(self, f: Fact, sign: int = 1) -> None:
        self.offered += sign
        kind = f.kind
        if kind == ANSWERED:
            self.answered += sign
            self.hold += sign * f.wait
            if f.in_sl:
                self.in_sl += sign
            if f.finished:
                self.finished += sign
                self.talk += sign * f.talk
                self.acw += sign * f.acw
            return
        self.kinds[kind] += sign
        if kind == ABANDONED:
            self.abandon_wait += sign * f.wait
            if f.short:
                self.short += sign
            if sign > 0 and f.wait > self.longest_abandon:
                self.longest_abandon = f.wait


def _avg(total: float, n: int) -> float | None:
    return None if n <= 0 else total / n


@dataclass(frozen=True)
class QueueFigures:
    """The figures of one cut (the floor, a queue, a team, an agent) over an interval."""

    offered: int
    answered: int
    abandoned: int
    short_abandons: int
    exit_with_key: int
    timed_out: int
    exit_empty: int
    waiting: int  # offered in the interval, no outcome yet
    asa_s: float | None  # average speed of answer: the hold time of answered calls
    avg_abandon_wait_s: float | None
    longest_abandon_wait_s: float | None
    completed: int  # answered and finished
    aht_s: float | None  # (talk + after-call work) / completed
    avg_talk_s: float | None
    avg_acw_s: float | None
    service_level: sl.ServiceLevel

    @property
    def unanswered(self) -> int:
        return self.abandoned + self.exit_with_key + self.timed_out + self.exit_empty

    def as_json(self) -> dict[str, Any]:
        def r(v: float | None) -> float | None:
            return None if v is None else round(v, 3)

        return {
            "offered": self.offered,
            "answered": self.answered,
            "abandoned": self.abandoned,
            "short_abandons": self.short_abandons,
            "exit_with_key": self.exit_with_key,
            "timed_out": self.timed_out,
            "exit_empty": self.exit_empty,
            "waiting": self.waiting,
            "completed": self.completed,
            "asa_s": r(self.asa_s),
            "avg_abandon_wait_s": r(self.avg_abandon_wait_s),
            "longest_abandon_wait_s": r(self.longest_abandon_wait_s),
            "aht_s": r(self.aht_s),
            "avg_talk_s": r(self.avg_talk_s),
            "avg_acw_s": r(self.avg_acw_s),
            "service_level": self.service_level.as_json(),
        }


def figures_of(t: Tally, definition: str, threshold_s: int) -> QueueFigures:
    k = t.kinds
    unanswered = sum(k[x] for x in UNANSWERED)
    level = sl.compute(
        definition,
        threshold_s,
        answered=t.answered,
        in_sl=t.in_sl,
        unanswered=unanswered,
        short_abandons=t.short,
    )
    return QueueFigures(
        offered=t.offered,
        answered=t.answered,
        abandoned=k[ABANDONED],
        short_abandons=t.short,
        exit_with_key=k[EXIT_WITH_KEY],
        timed_out=k[TIMED_OUT],
        exit_empty=k[EXIT_EMPTY],
        waiting=k[WAITING],
        asa_s=_avg(t.hold, t.answered),
        avg_abandon_wait_s=_avg(t.abandon_wait, k[ABANDONED]),
        longest_abandon_wait_s=t.longest_abandon if k[ABANDONED] else None,
        completed=t.finished,
        aht_s=_avg(t.talk + t.acw, t.finished),
        avg_talk_s=_avg(t.talk, t.finished),
        avg_acw_s=_avg(t.acw, t.finished),
        service_level=level,
    )
