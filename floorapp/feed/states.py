"""The agent state machine, once: (an agent's status, one event) -> the transitions it makes.

Pure: no store, no clock, no I/O. The feed writer (what the store and the board show) and
the distress rules (what they judge) both run every event through ``step``, so they can
never disagree on an agent's state; tests/test_feed_states.py feeds both the same random
streams and compares.

Rules of the machine:
- A login starts the agent in the state it names (available unless it says otherwise);
  with a queue, membership is per queue and the agent goes offline when the last goes.
- A pause asked for during a call (Asterisk allows it) starts when the call ends; so does
  the pause a call was answered in (a member paused in one queue takes another's calls).
- The end of the call the agent is on leads to after-call work if the feed says so, else
  to what they asked for during the call (or the pause they answered it in), else
  available. An end for another call is stale, unless its answer comes after it (lines out
  of time order): then the answer ends at once, at the end's time.
- A first ring for an agent never seen before means they are logged in (a log read from
  mid-shift: the queue only rings logged-in members).
- Late events: an event older than the agent's current state (``ts < since``) is history,
  not news. Its transitions are returned (marked late) so the history holds them in event
  order, but the agent's current status is left as the later event set it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from db.models import AgentState
from floorapp.feed.events import EventKind

AVAILABLE, ON_CALL, AFTER_CALL, BREAK, OFFLINE = (
    AgentState.AVAILABLE.value,
    AgentState.ON_CALL.value,
    AgentState.AFTER_CALL.value,
    AgentState.BREAK.value,
    AgentState.OFFLINE.value,
)
STATES = frozenset(s.value for s in AgentState)
REASON_MAX = 200

_AGENT_LOGIN = EventKind.AGENT_LOGIN
_AGENT_LOGOUT = EventKind.AGENT_LOGOUT
_STATE = EventKind.STATE
_CALL_ANSWERED = EventKind.CALL_ANSWERED
_CALL_ENDED = EventKind.CALL_ENDED
_CALL_RING_NO_ANSWER = EventKind.CALL_RING_NO_ANSWER
# The call is over for the agent on it.
CALL_OVER = frozenset({EventKind.CALL_ENDED, EventKind.CALL_ABANDONED, EventKind.CALL_TRANSFERRED})


class Transition(NamedTuple):
    old: str  # the state before
    state: str
    reason: str | None
    at: datetime
    late: bool  # history only: the agent's current state was set by a later event


class AgentStatus:
    """What the machine knows of one agent (the writer and the rules each keep one)."""

    __slots__ = (
        "call",
        "ended",
        "last_break_end",
        "logged_in_since",
        "pending",
        "queues",
        "reason",
        "since",
        "state",
    )

    def __init__(self) -> None:
        self.state: str = OFFLINE
        self.reason: str | None = None
        self.since: datetime | None = None
        self.logged_in_since: datetime | None = None
        self.last_break_end: datetime | None = None
        self.call: str | None = None
        # The end of a call this agent was not known to be on, and when: its answer may
        # yet come (lines out of time order), and then the call is already over.
        self.ended: tuple[str, datetime] | None = None
        self.pending: tuple[str, str | None] | None = None  # asked for during a call
        self.queues: set[str] = set()  # queue_log membership

    def copy_from(self, other: AgentStatus) -> None:
        self.state, self.reason, self.since = other.state, other.reason, other.since
        self.logged_in_since, self.last_break_end = other.logged_in_since, other.last_break_end
        self.call, self.pending, self.queues = other.call, other.pending, set(other.queues)
        self.ended = other.ended

    def work_start(self) -> datetime | None:
        """Start of the current stretch without a break."""
        if self.logged_in_since is None:
            return None
        if self.last_break_end is not None and self.last_break_end > self.logged_in_since:
            return self.last_break_end
        return self.logged_in_since


_NONE: tuple[Transition, ...] = ()


def _go(
    s: AgentStatus, state: str, reason: str | None, ts: datetime, late: bool
) -> tuple[Transition, ...]:
    if reason:
        reason = reason[:REASON_MAX]
    else:
        reason = None
    old = s.state
    if old == state and s.reason == reason:
        return _NONE
    if old == BREAK and state != BREAK:
        s.last_break_end = ts
    if state == OFFLINE:
        s.logged_in_since = None
        s.call = None
        s.pending = None
        s.queues.clear()
    elif old == OFFLINE or s.logged_in_since is None:
        s.logged_in_since = ts
    s.state, s.reason, s.since = state, reason, ts
    return (Transition(old, state, reason, ts, late),)


def step(
    s: AgentStatus,
    kind: EventKind,
    data: dict[str, Any],
    call: str | None,
    ts: datetime,
    late: bool = False,
) -> tuple[Transition, ...]:
    """Apply one event that names (or, for a call's end, reaches) this agent.

    Returns the transitions, in order (none, one, or for a late event those it would have
    made, marked late). ``s`` is changed only by an event that is not late.
    """
    since = s.since
    if since is not None and ts < since and not late:
        ghost = AgentStatus()
        ghost.copy_from(s)
        return step(ghost, kind, data, call, ts, True)
    if kind is _STATE:
        state = data.get("state")
        if state not in STATES:
            return _NONE
        if s.state == ON_CALL and s.call is not None and state in (AVAILABLE, BREAK):
            s.pending = None if state == AVAILABLE else (state, data.get("reason"))
            return _NONE
        if state != ON_CALL:
            s.call = None
        s.pending = None
        return _go(s, state, data.get("reason"), ts, late)
    if kind is _CALL_ANSWERED:
        if call is None:
            return _NONE
        if s.state == BREAK:
            # Answered while paused (paused in another queue than the call's): the pause
            # outlives the call, as in Asterisk, where only an unpause ends it.
            s.pending = (BREAK, s.reason)
        s.call = call
        answered = _go(s, ON_CALL, None, ts, late)
        ended = s.ended
        if ended is not None and ended[0] == call and ts <= ended[1]:
            s.ended = None  # its end was read first: the call is over
            return answered + step(s, _CALL_ENDED, {}, call, ended[1], late)
        return answered
    if kind in CALL_OVER:
        if call is None or (s.call != call and not (s.call is None and s.state == ON_CALL)):
            if call is not None and not late:
                s.ended = (call, ts)
            return _NONE  # a stale end for a call the agent is no longer on (or not yet)
        s.call = None
        if data.get("after_call"):
            state, reason = AFTER_CALL, None
        elif s.pending is not None:
            state, reason = s.pending
        else:
            state, reason = AVAILABLE, None
        s.pending = None
        return _go(s, state, reason, ts, late)
    if kind is _AGENT_LOGIN:
        queue = data.get("queue")
        if queue:
            s.queues.add(queue)
        if s.state != OFFLINE:
            return _NONE
        state = data.get("state", AVAILABLE)
        return _go(s, state if state in STATES else AVAILABLE, data.get("reason"), ts, late)
    if kind is _AGENT_LOGOUT:
        queue = data.get("queue")
        if queue:
            s.queues.discard(queue)
            if s.queues:
                return _NONE  # still a member of another queue
        return _go(s, OFFLINE, None, ts, late)
    if kind is _CALL_RING_NO_ANSWER:
        if s.state == OFFLINE and s.since is None:
            return _go(s, AVAILABLE, None, ts, late)
        return _NONE
    return _NONE


def touches_agent(kind: EventKind) -> bool:
    """Whether ``step`` can change an agent for this kind of event."""
    return kind in _KINDS


_KINDS = frozenset(
    {_STATE, _CALL_ANSWERED, _AGENT_LOGIN, _AGENT_LOGOUT, _CALL_RING_NO_ANSWER, *CALL_OVER}
)
