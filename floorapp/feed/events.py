"""The normalised feed event every parser produces and the writer consumes.

Parsers turn each input line into exactly one of ``FeedEvent`` (accepted),
``Rejected`` (malformed: kept with its line number and reason) or ``Ignored``
(well-formed but of no interest, e.g. an unknown queue_log event; counted).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    AGENT_LOGIN = "agent_login"
    AGENT_LOGOUT = "agent_logout"
    STATE = "state"  # explicit state change: data["state"], data["reason"]
    CALL_OFFERED = "call_offered"  # entered a queue: queue, customer
    CALL_RING_NO_ANSWER = "call_ring_no_answer"
    CALL_ANSWERED = "call_answered"  # agent picked up: hold_seconds
    CALL_UPDATE = "call_update"  # mid-call: refused_explanations, negative_sentiment, complaint
    CALL_ENDED = "call_ended"  # outcome, talk_seconds, satisfaction, effort, complaint, ...
    CALL_ABANDONED = "call_abandoned"  # left the queue unanswered: outcome abandoned|timeout
    CALL_TRANSFERRED = "call_transferred"
    RAISE_HAND = "raise_hand"  # the agent asked for help
    ESCALATION = "escalation"  # the agent opened one: reason, severity, tier
    OBSERVATION = "observation"  # a supervisor's observation: supervisor, text


@dataclass(slots=True)
class FeedEvent:
    key: str  # idempotency key: the same input line always yields the same key
    source: str
    line_no: int
    ts: datetime  # aware, UTC
    kind: EventKind
    agent: str | None = None
    call: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Rejected:
    source: str
    line_no: int
    reason: str
    raw: str


@dataclass(slots=True)
class Ignored:
    source: str
    line_no: int
    what: str  # e.g. the unknown queue_log event name


ParsedLine = FeedEvent | Rejected | Ignored
