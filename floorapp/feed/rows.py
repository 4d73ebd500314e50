"""What one feed batch writes: the agents' memory as rows, the column lists, the bulk
statements and look-ups the writer runs, a call's row as it starts, the payload encoder.

Built once at import: the writer's per-event path only fills lists and dicts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import bindparam, func, insert, select

from db.models import (
    UNASSIGNED_TEAM,
    Agent,
    AgentAlias,
    AgentStateChange,
    Call,
    FeedEventRow,
    FeedSource,
)
from db.upsert import upsert
from floorapp.feed.aliases import Learned
from floorapp.feed.bulk import BulkStatement
from floorapp.feed.events import FeedEvent
from floorapp.feed.states import AgentStatus


class AgentMemory(AgentStatus):
    __slots__ = ("from_feed", "id", "updated_at")

    def __init__(self, agent_id: str) -> None:
        super().__init__()
        self.id = agent_id
        self.updated_at: datetime | None = None
        self.from_feed = True

    def row(self, seq: int) -> tuple[Any, ...]:
        """Values in _AGENT_COLS order (name and team only matter for a new agent)."""
        return (
            self.id,
            self.id,
            UNASSIGNED_TEAM,
            1,
            False,
            True,
            self.state,
            self.reason,
            self.since,
            self.logged_in_since,
            self.last_break_end,
            self.call,
            self.updated_at,
            seq,
        )


_AGENT_STATE_COLS = (
    "state",
    "state_reason",
    "state_since",
    "logged_in_since",
    "last_break_end",
    "current_call_id",
    "updated_at",
    "seq",
)
_AGENT_COLS = (
    "id",
    "name",
    "team_id",
    "tier",
    "sensitive_designated",
    "from_feed",
    *_AGENT_STATE_COLS,
)
_CALL_COLS = tuple(c.name for c in Call.__table__.columns)
CALL_ROW = itemgetter(*_CALL_COLS)  # a call's dict as a row in _CALL_COLS order
# What the machine remembers beyond the agent row: memberships, a pause asked for mid-call.
_FEED_COLS = ("key", "source_id", "line_no", "ts", "kind", "agent_id", "call_id", "payload")
_HISTORY_COLS = ("agent_id", "state", "reason", "started_at")


def _columns(model: Any, names: Sequence[str]) -> list[Any]:
    return [model.__table__.c[n] for n in names]


# Only the state columns are updated on conflict: name, team and tier belong to the roster.
AGENT_UPSERT = BulkStatement(
    lambda conn: upsert(conn, Agent, ["id"], _AGENT_STATE_COLS), _columns(Agent, _AGENT_COLS)
)
FEED_INSERT = BulkStatement(lambda conn: insert(FeedEventRow), _columns(FeedEventRow, _FEED_COLS))
CALL_UPSERT = BulkStatement(
    lambda conn: upsert(conn, Call, ["id"], _CALL_COLS[1:]), _columns(Call, _CALL_COLS)
)
HISTORY_INSERT = BulkStatement(
    lambda conn: insert(AgentStateChange), _columns(AgentStateChange, _HISTORY_COLS)
)
# ORDER BY ... LIMIT 1, not max(): PostgreSQL has no max() of bytea; both read the index's end.
HIGHEST_KEY = (
    select(FeedEventRow.__table__.c.key).order_by(FeedEventRow.__table__.c.key.desc()).limit(1)
)
# One expanding parameter for the whole list: no per-value expression objects.
STORED_KEYS = select(FeedEventRow.__table__.c.key).where(
    FeedEventRow.__table__.c.key.in_(bindparam("keys", expanding=True))
)
CALLS_BY_ID = select(Call.__table__).where(
    Call.__table__.c.id.in_(bindparam("ids", expanding=True))
)
_SOURCE_C = FeedSource.__table__.c
SOURCE_ID = select(_SOURCE_C.id).where(_SOURCE_C.name == bindparam("name"))
_ALIAS_C = AgentAlias.__table__.c
ALIASES = select(_ALIAS_C.alias, _ALIAS_C.agent_id)
ALIAS_MARK = select(func.count(), func.max(_ALIAS_C.learned_at))


def _payload_encoder() -> Any:
    """Compact JSON for feed payloads, from the C encoder built once.

    ``JSONEncoder.encode`` builds a new C encoder on every call, which was half the
    cost for these small dicts. The direct one is used only where it exists (CPython)
    and writes the same text, checked here; otherwise the plain encoder.
    """
    plain = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return plain.encode
    # No circular-reference markers: payloads are flat dicts of text, numbers and flags.
    fast = make(
        None, plain.default, json.encoder.encode_basestring, None, ":", ",", False, False, True
    )

    def encode(obj: dict[str, Any]) -> str:
        return "".join(fast(obj, 0))

    probe = {"reason": '午休 "lunch"\n', "hold_seconds": 3, "complaint": True, "to": None}
    return encode if encode(probe) == plain.encode(probe) else plain.encode


ENCODE = _payload_encoder()
CALL_FACTS = {
    "customer": "customer_id",
    "queue": "queue",
    "complaint": "complaint",
    "negative_sentiment": "negative_sentiment",
    "refused_explanations": "refused_explanations",
    "sensitive_customer": "sensitive_customer",
    "satisfaction": "satisfaction",
    "effort": "effort",
    "hold_seconds": "hold_seconds",
    "talk_seconds": "talk_seconds",
    "exit": "exit_reason",
}


def new_call(call_id: str) -> dict[str, Any]:
    return {
        "id": call_id,
        "queue": None,
        "customer_id": None,
        "agent_id": None,
        "offered_at": None,
        "answered_at": None,
        "ended_at": None,
        "outcome": "waiting",
        "exit_reason": None,
        "hold_seconds": None,
        "talk_seconds": None,
        "satisfaction": None,
        "effort": None,
        "complaint": False,
        "negative_sentiment": False,
        "refused_explanations": 0,
        "sensitive_customer": False,
    }


class Batch:
    """What one batch will write, gathered while applying its events."""

    __slots__ = (
        "agents",
        "aliases",
        "calls",
        "escalations",
        "events",
        "history",
        "new_agents",
        "notes",
        "source_ids",
    )

    def __init__(self) -> None:
        self.aliases: list[Learned] = []
        self.events: list[tuple[Any, ...]] = []
        self.history: list[tuple[Any, ...]] = []
        self.agents: dict[str, AgentMemory] = {}
        self.new_agents = False
        self.calls: dict[str, dict[str, Any]] = {}
        self.notes: list[dict[str, Any]] = []
        self.escalations: list[FeedEvent] = []
        self.source_ids: dict[str, int] = {}
