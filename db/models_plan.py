"""Guarantee-period plans and what they set in motion: reminders, patrols, care, nominations.

A plan file is stored whole (``plan_version.content``) so any version can be re-read
exactly as imported; the rows derived from it (periods, requirements) make the period
view and ``plan show`` cheap to query. Reminders are unique on ``(job_id,
scheduled_for)``: when two schedulers overlap for a moment during a takeover, the
database, not timing, decides that a reminder is recorded once.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime


def _utc(nullable: bool = True, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class ReminderStatus(StrEnum):
    DUE = "due"  # fired, waiting for the supervisor
    SNOOZED = "snoozed"
    DONE = "done"
    SKIPPED = "skipped"
    MISSED = "missed"  # came due while no scheduler ran; shown once, then handled like due


class ReminderKind(StrEnum):
    PATROL = "patrol"
    CARE = "care"
    NOMINATION = "nomination"
    FOLLOW_UP = "follow_up"  # a step-in the feed did not confirm: to its supervisor


class PlanVersion(SQLModel, table=True):
    __tablename__ = "plan_version"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    timezone: str = Field(max_length=64)
    source: str = Field(max_length=500)  # the file it came from
    sha256: str = Field(max_length=64)
    content: str = Field(sa_column=Column(Text, nullable=False))  # the TOML as imported
    imported_at: datetime = Field(sa_column=_utc(nullable=False, index=True))
    imported_by: str = Field(max_length=100)


class PlanPeriod(SQLModel, table=True):
    __tablename__ = "plan_period"
    __table_args__ = (UniqueConstraint("plan_version_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_version_id: int = Field(foreign_key="plan_version.id", index=True)
    name: str = Field(max_length=100)
    starts_at: datetime = Field(sa_column=_utc(nullable=False))
    ends_at: datetime = Field(sa_column=_utc(nullable=False))
    teams: str = Field(sa_column=Column(Text, nullable=False))  # comma-separated team ids


class PlanRequirement(SQLModel, table=True):
    __tablename__ = "plan_requirement"
    __table_args__ = (UniqueConstraint("plan_version_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_version_id: int = Field(foreign_key="plan_version.id", index=True)
    key: str = Field(max_length=100)
    period: str | None = Field(default=None, max_length=100)  # None: every period
    text: str = Field(sa_column=Column(Text, nullable=False))
    trigger_rule: str | None = Field(default=None, max_length=40)
    trigger_threshold: float | None = None
    metric: str | None = Field(default=None, max_length=60)
    baseline: float | None = None
    target: float | None = None


class Reminder(SQLModel, table=True):
    """One fired (or missed) reminder, addressed to a team's leaders or to one supervisor."""

    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint("job_id", "scheduled_for", name="uq_reminder_job_time"),
        Index("ix_reminder_status_team", "status", "team_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(max_length=200)  # the series: "patrol:t1", "care:tea:t1", ...
    scheduled_for: datetime = Field(sa_column=_utc(nullable=False, index=True))
    kind: str = Field(max_length=20)
    item: str | None = Field(default=None, max_length=100)  # care item / period name
    title: str = Field(max_length=300)
    detail: str | None = Field(default=None, sa_column=Column(Text))
    team_id: str | None = Field(default=None, max_length=64)
    supervisor_id: str | None = Field(default=None, max_length=100)
    agent_id: str | None = Field(default=None, max_length=200)
    due_by: datetime | None = Field(default=None, sa_column=_utc())
    status: str = Field(default=ReminderStatus.DUE, max_length=10)
    fired_at: datetime = Field(sa_column=_utc(nullable=False))
    fired_by: str = Field(max_length=100)  # the scheduler holder that recorded it
    snoozed_until: datetime | None = Field(default=None, sa_column=_utc())
    handled_at: datetime | None = Field(default=None, sa_column=_utc())
    handled_by: str | None = Field(default=None, max_length=100)
    note: str | None = Field(default=None, sa_column=Column(Text))
    plan_version_id: int | None = Field(default=None, foreign_key="plan_version.id")


class Patrol(SQLModel, table=True):
    """A floor patrol a team leader walked (or a patrol that was due and missed)."""

    __tablename__ = "patrol"
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=64, index=True)
    supervisor_id: str | None = Field(default=None, max_length=100, index=True)
    reminder_id: int | None = Field(default=None, foreign_key="reminder.id", unique=True)
    due_at: datetime | None = Field(default=None, sa_column=_utc())
    at: datetime = Field(sa_column=_utc(nullable=False, index=True))
    outcome: str = Field(max_length=10)  # done, late, missed, skipped
    note: str | None = Field(default=None, sa_column=Column(Text))


class CareLog(SQLModel, table=True):
    __tablename__ = "care_log"
    __table_args__ = (Index("ix_care_team_item_at", "team_id", "item", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_utc(nullable=False, index=True))
    item: str = Field(max_length=100)
    title: str = Field(max_length=300)
    team_id: str | None = Field(default=None, max_length=64)
    agent_id: str | None = Field(default=None, max_length=200, index=True)
    given_by: str = Field(max_length=100)
    reminder_id: int | None = Field(default=None, foreign_key="reminder.id")
    note: str | None = Field(default=None, sa_column=Column(Text))


class AgentLeave(SQLModel, table=True):
    """An agent's leave, so the first day back can be marked (a personal care moment)."""

    __tablename__ = "agent_leave"
    __table_args__ = (UniqueConstraint("agent_id", "starts_on"),)
    id: int | None = Field(default=None, primary_key=True)
    agent_id: str = Field(foreign_key="agent.id", max_length=200)
    starts_on: date
    ends_on: date  # last day away; the agent is back the day after


class Nomination(SQLModel, table=True):
    __tablename__ = "nomination"
    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(max_length=100, index=True)
    agent_id: str = Field(foreign_key="agent.id", max_length=200)
    dimension: str = Field(max_length=40)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    nominated_by: str = Field(max_length=100)
    at: datetime = Field(sa_column=_utc(nullable=False))
    plan_version_id: int | None = Field(default=None, foreign_key="plan_version.id")


class SchedulerLease(SQLModel, table=True):
    """Who runs the reminder scheduler: one holder at a time, renewed, taken over on expiry.

    ``covered_until`` is the instant up to which every scheduled reminder is accounted
    for (fired or recorded as missed): a new holder starts comparing from there.
    """

    __tablename__ = "scheduler_lease"
    name: str = Field(primary_key=True, max_length=40)
    holder: str | None = Field(default=None, max_length=200)
    acquired_at: datetime | None = Field(default=None, sa_column=_utc())
    expires_at: datetime | None = Field(default=None, sa_column=_utc())
    covered_until: datetime | None = Field(default=None, sa_column=_utc())
    epoch: int = Field(default=0)  # bumped on every change of holder
