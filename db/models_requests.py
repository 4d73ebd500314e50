"""Drills on a period's hot issues and agents' requests to their leaders.

A drill (模拟拨测) is one agent practising one hot issue of a plan version: planned at
import into a quiet slot of the run-up, fired to the team leader once the agent is free,
and closed with a result. A "needs practice" result plans the next attempt as a new row,
so every attempt keeps its own result and note.

An agent's request (员工诉求) carries its deadlines as computed when it arrived (the
settings may change later; a promise made stays the promise made).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime


def _utc(nullable: bool = True, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


# What an agent's request is about; the JSONL ``agent_request`` event's ``category``.
REQUEST_CATEGORIES = ("equipment", "schedule", "process", "wellbeing", "other")


class DrillStatus(StrEnum):
    PLANNED = "planned"  # slot chosen, reminder not yet sent
    DUE = "due"  # reminder sent to the team leader
    PASSED = "passed"
    PRACTICE = "practice"  # needs practice: a re-drill is planned
    CANCELLED = "cancelled"  # a newer plan version replaced it before it was run


class RequestStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    ANSWERED = "answered"
    CLOSED = "closed"


class Drill(SQLModel, table=True):
    __tablename__ = "drill"
    __table_args__ = (
        UniqueConstraint("plan_version_id", "hot_issue", "agent_id", "attempt"),
        Index("ix_drill_status_planned", "status", "planned_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    plan_version_id: int = Field(foreign_key="plan_version.id", index=True)
    hot_issue: str = Field(max_length=100)
    agent_id: str = Field(foreign_key="agent.id", max_length=200, index=True)
    team_id: str = Field(max_length=64, index=True)
    attempt: int = Field(default=1)
    planned_at: datetime = Field(sa_column=_utc(nullable=False))
    due_by: datetime = Field(sa_column=_utc(nullable=False))
    status: str = Field(default=DrillStatus.PLANNED, max_length=12)
    fired_at: datetime | None = Field(default=None, sa_column=_utc())
    deferred: int = Field(default=0)  # times the agent was on a call when it came due
    reminder_id: int | None = Field(default=None, foreign_key="reminder.id")
    result_at: datetime | None = Field(default=None, sa_column=_utc())
    result_by: str | None = Field(default=None, max_length=100)
    note: str | None = Field(default=None, sa_column=Column(Text))
    updated_at: datetime = Field(sa_column=_utc(nullable=False, index=True))


class AgentRequest(SQLModel, table=True):
    __tablename__ = "agent_request"
    __table_args__ = (Index("ix_agent_request_status_team", "status", "team_id"),)
    id: int | None = Field(default=None, primary_key=True)
    # The feed event's idempotency key (a desktop request); None when heard on a patrol.
    source_key: str | None = Field(default=None, max_length=200, unique=True)
    agent_id: str = Field(foreign_key="agent.id", max_length=200, index=True)
    team_id: str | None = Field(default=None, max_length=64)
    category: str = Field(max_length=20)
    text: str = Field(sa_column=Column(Text, nullable=False))
    raised_at: datetime = Field(sa_column=_utc(nullable=False, index=True))
    recorded_by: str | None = Field(default=None, max_length=100)  # a supervisor, on patrol
    ack_due: datetime = Field(sa_column=_utc(nullable=False))
    answer_due: datetime = Field(sa_column=_utc(nullable=False))
    status: str = Field(default=RequestStatus.OPEN, max_length=14)
    acknowledged_at: datetime | None = Field(default=None, sa_column=_utc())
    acknowledged_by: str | None = Field(default=None, max_length=100)
    answered_at: datetime | None = Field(default=None, sa_column=_utc())
    answered_by: str | None = Field(default=None, max_length=100)
    answer: str | None = Field(default=None, sa_column=Column(Text))
    closed_at: datetime | None = Field(default=None, sa_column=_utc())
    closed_by: str | None = Field(default=None, max_length=100)
    # 0: on time so far; 1: late, its leader reminded; 2: the floor manager reminded too.
    late_stage: int = Field(default=0)
    updated_at: datetime = Field(sa_column=_utc(nullable=False, index=True))
