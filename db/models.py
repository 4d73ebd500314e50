"""The floor store: every table floorapp reads or writes.

Times are aware UTC datetimes in Python and naive UTC in the database
(see ``db.types.UTCDateTime``), except in the feed's high-volume rows (events, calls,
state history), which hold microseconds since 1970 (``db.types.UTCMicros``, what each
column costs: docs/storage.md). Enumerations are stored as short strings so the
same rows read the same on SQLite and PostgreSQL and in a plain ``sqlite3`` shell.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import HexKey, UTCDateTime, UTCMicros

UNASSIGNED_TEAM = "unassigned"


class AgentState(StrEnum):
    AVAILABLE = "available"
    ON_CALL = "on_call"
    AFTER_CALL = "after_call"
    BREAK = "break"
    OFFLINE = "offline"


class Severity(StrEnum):
    LIGHT = "light"
    MEDIUM = "medium"
    HIGH = "high"


class FlagStatus(StrEnum):
    RAISED = "raised"
    ACKNOWLEDGED = "acknowledged"
    STEPPED_IN = "stepped_in"
    RESOLVED = "resolved"


class EscalationStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    RESOLVED = "resolved"


class SupervisorRole(StrEnum):
    TEAM_LEADER = "team_leader"
    FLOOR_MANAGER = "floor_manager"


def _utc(nullable: bool = True, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


def _micros(nullable: bool = True, index: bool = False) -> Column[datetime]:
    """A time in a high-volume row: 8 bytes instead of 26 (``db.types.UTCMicros``)."""
    return Column(UTCMicros(), nullable=nullable, index=index)


class Team(SQLModel, table=True):
    __tablename__ = "team"
    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)


class Agent(SQLModel, table=True):
    """An agent as the feed names them, with their *current* state denormalised.

    The current state lives on the row (not only in history) so the board reads
    one table; ``agent_state_history`` keeps every transition.
    """

    __tablename__ = "agent"
    id: str = Field(primary_key=True, max_length=200)
    name: str = Field(max_length=200)
    team_id: str = Field(foreign_key="team.id", index=True, max_length=64)
    tier: int = Field(default=1)
    sensitive_designated: bool = Field(default=False)
    birthday: date | None = None
    from_feed: bool = Field(default=False)  # created because the feed named an unknown agent
    state: str = Field(default=AgentState.OFFLINE, max_length=16)
    state_reason: str | None = Field(default=None, max_length=200)
    state_since: datetime | None = Field(default=None, sa_column=_utc())
    logged_in_since: datetime | None = Field(default=None, sa_column=_utc())
    last_break_end: datetime | None = Field(default=None, sa_column=_utc())
    current_call_id: str | None = Field(default=None, max_length=200)
    updated_at: datetime | None = Field(default=None, sa_column=_utc(index=True))
    # The number of the change that last wrote the row, in commit order (db/changes.py):
    # a console reads the rows past the last change it saw, whatever clock stamped them.
    seq: int = Field(
        default=0, sa_column=Column(BigInteger, nullable=False, index=True, server_default="0")
    )


class AgentAlias(SQLModel, table=True):
    """Another name the feed uses for an agent (interface, member name, Agent/N, Local/N@...).

    ``source`` is ``roster`` (given in the roster CSV) or ``learned`` (the feed writer saw
    Asterisk pair an interface with a member name); ``learned_at`` is when it was given or
    learned (feed time for a learned one), ``evidence`` the lines it was learned from.
    """

    __tablename__ = "agent_alias"
    alias: str = Field(primary_key=True, max_length=200)
    agent_id: str = Field(foreign_key="agent.id", index=True, max_length=200)
    source: str = Field(max_length=16)
    learned_at: datetime = Field(sa_column=_utc(nullable=False))
    evidence: str | None = Field(default=None, sa_column=Column(Text))


class ChangeCounter(SQLModel, table=True):
    """The number of the last change written, per kind of change (db/changes.py)."""

    __tablename__ = "change_counter"
    name: str = Field(primary_key=True, max_length=40)
    n: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))


class Supervisor(SQLModel, table=True):
    __tablename__ = "supervisor"
    id: str = Field(primary_key=True, max_length=100)  # login name
    name: str = Field(max_length=200)
    role: str = Field(default=SupervisorRole.TEAM_LEADER, max_length=16)
    active: bool = Field(default=True)
    # The console's language for this supervisor (``en``, ``zh_CN``); None: the settings
    # file's or the locale's. Stored per supervisor so a shared SSH account gets each one's.
    lang: str | None = Field(default=None, max_length=16)


class SupervisorTeam(SQLModel, table=True):
    __tablename__ = "supervisor_team"
    supervisor_id: str = Field(foreign_key="supervisor.id", primary_key=True, max_length=100)
    team_id: str = Field(foreign_key="team.id", primary_key=True, max_length=64)


class AgentStateChange(SQLModel, table=True):
    __tablename__ = "agent_state_history"
    # Covering: the figures' pass over a day's history reads only the index, in (agent,
    # time, id) order, however the rows lie (a live feed stores them in time order, every
    # agent interleaved: a table look-up per row tripled the pass). ``id`` before ``state``
    # so changes at the same microsecond stay in the order they happened.
    __table_args__ = (
        Index("ix_state_history_agent_at", "agent_id", "started_at", "id", "state", "reason"),
    )
    id: int | None = Field(default=None, primary_key=True)
    agent_id: str = Field(foreign_key="agent.id", max_length=200)
    state: str = Field(max_length=16)
    reason: str | None = Field(default=None, max_length=200)
    started_at: datetime = Field(sa_column=_micros(nullable=False))


class Call(SQLModel, table=True):
    """One customer contact. ``id`` is the feed's call id (Asterisk uniqueid)."""

    __tablename__ = "call"
    __table_args__ = (
        Index("ix_call_agent_offered", "agent_id", "offered_at"),
        # Service level re-tallies (offered, answered) over the day: served from the index alone.
        Index("ix_call_offered_answered", "offered_at", "answered_at"),
        # The console's header counts calls waiting and abandoned today on every refresh.
        Index("ix_call_outcome_offered", "outcome", "offered_at"),
    )
    id: str = Field(primary_key=True, max_length=200)
    queue: str | None = Field(default=None, max_length=100)
    customer_id: str | None = Field(default=None, max_length=200)
    agent_id: str | None = Field(default=None, max_length=200)
    offered_at: datetime | None = Field(default=None, sa_column=_micros())
    answered_at: datetime | None = Field(default=None, sa_column=_micros())
    ended_at: datetime | None = Field(default=None, sa_column=_micros())
    # waiting, in_progress, completed, abandoned, timeout, transferred
    outcome: str = Field(default="waiting", max_length=20)
    # How an unanswered call left the queue, as the PBX said it (abandon, exitwithkey,
    # exitwithtimeout, exitempty): the outcome alone folds these into two, and the figures
    # report each (floorapp/figures).
    exit_reason: str | None = Field(default=None, max_length=20)
    hold_seconds: int | None = None
    talk_seconds: int | None = None
    satisfaction: int | None = None
    effort: int | None = None
    complaint: bool = Field(default=False)
    negative_sentiment: bool = Field(default=False)
    refused_explanations: int = Field(default=0)
    sensitive_customer: bool = Field(default=False)


class SensitiveCustomer(SQLModel, table=True):
    __tablename__ = "sensitive_customer"
    customer_id: str = Field(primary_key=True, max_length=200)
    note: str | None = Field(default=None, max_length=500)


class Flag(SQLModel, table=True):
    """A distress flag on an agent.

    ``open_key`` is ``"<agent>|<kind>"`` while the flag is not resolved and NULL
    after: a unique index on it gives "one open flag per agent per rule" on both
    SQLite and PostgreSQL (NULLs never collide) without partial-index syntax.
    """

    __tablename__ = "flag"
    id: int | None = Field(default=None, primary_key=True)
    agent_id: str = Field(foreign_key="agent.id", index=True, max_length=200)
    kind: str = Field(max_length=40)
    severity: str = Field(default=Severity.MEDIUM, max_length=10)
    status: str = Field(default=FlagStatus.RAISED, max_length=16, index=True)
    open_key: str | None = Field(default=None, unique=True, max_length=260)
    detail: str | None = Field(default=None, sa_column=Column(Text))
    call_id: str | None = Field(default=None, max_length=200)
    count: int = Field(default=1)
    raised_at: datetime = Field(sa_column=_utc(nullable=False, index=True))
    raised_by: str = Field(default="rule", max_length=100)
    last_seen: datetime | None = Field(default=None, sa_column=_utc())
    condition_ended_at: datetime | None = Field(default=None, sa_column=_utc())
    acknowledged_at: datetime | None = Field(default=None, sa_column=_utc())
    acknowledged_by: str | None = Field(default=None, max_length=100)
    stepped_in_at: datetime | None = Field(default=None, sa_column=_utc())
    stepped_in_by: str | None = Field(default=None, max_length=100)
    intervention: str | None = Field(default=None, max_length=40)
    intervention_note: str | None = Field(default=None, sa_column=Column(Text))
    resolved_at: datetime | None = Field(default=None, sa_column=_utc())
    resolved_by: str | None = Field(default=None, max_length=100)
    resolution_note: str | None = Field(default=None, sa_column=Column(Text))
    updated_at: datetime | None = Field(default=None, sa_column=_utc(index=True))
    # Sent to the floor manager: unacknowledged past its severity's deadline, or by hand.
    escalated_at: datetime | None = Field(default=None, sa_column=_utc())
    escalated_by: str | None = Field(default=None, max_length=100)
    # A step-in that asked for a state change: "confirmed" once the feed showed it,
    # "not_seen" when it did not in time (the supervisor then gets a reminder).
    step_in_outcome: str | None = Field(default=None, max_length=16)


class Escalation(SQLModel, table=True):
    __tablename__ = "escalation"
    id: int | None = Field(default=None, primary_key=True)
    source_key: str | None = Field(default=None, unique=True, max_length=200)  # feed idempotency
    agent_id: str | None = Field(default=None, foreign_key="agent.id", index=True, max_length=200)
    team_id: str | None = Field(default=None, max_length=64, index=True)
    call_id: str | None = Field(default=None, max_length=200)
    customer_id: str | None = Field(default=None, max_length=200)
    tier: int = Field(default=1)
    severity: str = Field(default=Severity.LIGHT, max_length=10)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=EscalationStatus.OPEN, max_length=16, index=True)
    opened_at: datetime = Field(sa_column=_utc(nullable=False))
    opened_by: str = Field(max_length=100)
    deadline: datetime = Field(sa_column=_utc(nullable=False, index=True))
    holder: str | None = Field(default=None, max_length=100)
    claimed_at: datetime | None = Field(default=None, sa_column=_utc())
    handoffs: int = Field(default=0)
    resolved_at: datetime | None = Field(default=None, sa_column=_utc())
    resolved_by: str | None = Field(default=None, max_length=100)
    resolution_note: str | None = Field(default=None, sa_column=Column(Text))
    updated_at: datetime | None = Field(default=None, sa_column=_utc(index=True))


class EscalationEvent(SQLModel, table=True):
    """An escalation's history: opened, claimed, assigned, handed off, noted, resolved."""

    __tablename__ = "escalation_event"
    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True)
    at: datetime = Field(sa_column=_utc(nullable=False))
    actor: str = Field(max_length=100)
    action: str = Field(max_length=20)
    from_tier: int | None = None
    to_tier: int | None = None
    note: str | None = Field(default=None, sa_column=Column(Text))


class AgentNote(SQLModel, table=True):
    """Free-text notes on an agent: supervisor observations from the feed or the console."""

    __tablename__ = "agent_note"
    id: int | None = Field(default=None, primary_key=True)
    source_key: str | None = Field(default=None, unique=True, max_length=200)
    agent_id: str = Field(foreign_key="agent.id", index=True, max_length=200)
    at: datetime = Field(sa_column=_utc(nullable=False))
    author: str = Field(max_length=100)
    text: str = Field(sa_column=Column(Text, nullable=False))


class AuditEntry(SQLModel, table=True):
    """Who did what, when. Refusals are written too (``outcome='refused'``)."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_utc(nullable=False, index=True))
    actor: str = Field(max_length=100, index=True)
    action: str = Field(max_length=40)
    target_kind: str | None = Field(default=None, max_length=20)
    target_id: str | None = Field(default=None, max_length=200)
    outcome: str = Field(default="ok", max_length=10)
    detail: str | None = Field(default=None, sa_column=Column(Text))


class FeedSource(SQLModel, table=True):
    """A feed's name (its path, ``simulate:...``), stored once for all of its events."""

    __tablename__ = "feed_source"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=500)


class FeedEventRow(SQLModel, table=True):
    """Every accepted feed event, keyed for idempotent re-ingest.

    The row is the feed's record, so it is kept small (docs/storage.md): the key as
    12 bytes, the source as a number (``feed_source``), the time as microseconds.
    """

    __tablename__ = "feed_event"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_column=Column(HexKey(), unique=True, nullable=False))
    source_id: int | None = None  # feed_source.id (no FOREIGN KEY: no lookup per insert)
    line_no: int
    ts: datetime = Field(sa_column=_micros(nullable=False))
    kind: str = Field(max_length=30)
    agent_id: str | None = Field(default=None, max_length=200)
    call_id: str | None = Field(default=None, max_length=200)
    payload: str | None = Field(default=None, sa_column=Column(Text))


class FeedCursor(SQLModel, table=True):
    """Where a followed feed was read up to, so a restart resumes without loss or doubling."""

    __tablename__ = "feed_cursor"
    source: str = Field(primary_key=True, max_length=500)
    file_id: str | None = Field(default=None, max_length=100)  # device:inode of the file read
    # A month of queue_log passes 2 GiB: offsets and line numbers are 64-bit.
    offset: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    line_no: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    updated_at: datetime | None = Field(default=None, sa_column=_utc())
    # "N:hash" of the file's first N bytes: tells the same file from a new one that took
    # its inode or its name (copytruncate, delete and re-create) while nothing followed it.
    fingerprint: str | None = Field(default=None, max_length=80)
    # The idempotency keys' memory of repeated lines (feed/keys.py), rebuilt on resume by
    # re-reading the lines from replay_offset up to offset: its latest second, and where
    # the earliest line it still remembers starts.
    key_horizon: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    replay_offset: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    replay_line_no: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class RejectedInput(SQLModel, table=True):
    __tablename__ = "rejected_input"
    __table_args__ = (UniqueConstraint("source", "line_no", "raw_hash"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_utc(nullable=False))
    source: str = Field(max_length=500)
    line_no: int
    reason: str = Field(sa_column=Column(Text, nullable=False))
    raw: str = Field(sa_column=Column(Text, nullable=False))
    raw_hash: str = Field(max_length=64)


ALL_TABLES = SQLModel.metadata
