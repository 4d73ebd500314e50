"""What the rules remember per agent and per open call, and the names both the engine and
its restart (``resume``) use for states and due-time kinds.

Split out of the engine so that ``resume`` (rebuilding this memory from the store) and the
engine (keeping it from the feed) both depend on it and not on each other.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta
from typing import Any

from db.models import AgentState
from floorapp.feed.states import AgentStatus

AVAILABLE = AgentState.AVAILABLE.value
ON_CALL = AgentState.ON_CALL.value
AFTER_CALL = AgentState.AFTER_CALL.value
BREAK = AgentState.BREAK.value
OFFLINE = AgentState.OFFLINE.value
_STATES = frozenset(s.value for s in AgentState)

# Calls offered but never ended (a feed that lost the end line) are dropped after this.
STALE_CALL = timedelta(hours=12)

# Heap entry kinds
_LONG = 0
_NO_BREAK = 1
_OVERRUN = 2
_STREAK_END = 3


class AgentTrack(AgentStatus):
    """An agent as the rules see it: the shared state machine's status plus rule memory."""

    __slots__ = (
        "complaints",
        "designated",
        "flagged",
        "id",
        "last_hard",
        "last_hard_call",
        "name",
        "recent",
    )

    def __init__(self, agent_id: str, name: str, complaints: int, recent: int) -> None:
        super().__init__()
        self.id = agent_id
        self.name = name
        self.designated = False
        self.complaints: deque[datetime] = deque(maxlen=complaints)
        self.recent: deque[bool] = deque(maxlen=recent)
        self.last_hard = False  # the last call ended was a complaint or negative call
        self.last_hard_call: str | None = None
        # kind -> what it fired for (call id, stretch start), for open flags whose
        # condition still holds: decides "already flagged" and "condition ended".
        self.flagged: dict[str, Any] = {}

    @property
    def logged_in(self) -> datetime | None:
        return self.logged_in_since


class CallTrack:
    __slots__ = (
        "agent",
        "answered",
        "complaint",
        "complaint_counted",
        "customer",
        "hand",
        "id",
        "last_agent",
        "long_fired",
        "negative",
        "offered",
        "refused",
        "refused_fired",
        "sens_done",
        "sensitive",
    )

    def __init__(self, call_id: str, offered: datetime) -> None:
        self.id = call_id
        self.offered = offered
        self.agent: str | None = None  # who answered it
        self.last_agent: str | None = None  # the last agent a line put on it (as the store)
        self.answered: datetime | None = None
        self.customer: str | None = None
        self.sensitive = False
        self.complaint = False
        self.complaint_counted = False
        self.negative = False
        self.refused = 0
        self.refused_fired = False
        self.long_fired = False
        self.sens_done = False
        self.hand = False
