"""Tables of the distress rules: what fired when, and the care they propose.

``rule_firing`` is an append-only log (one row per trigger, including re-triggers
that only bump an open flag's count), so "fired today" is a count over a day and
does not depend on whether a human has since resolved the flag.
``care_proposal`` holds care actions a rule proposes (bring water after a long
call) for the plan/reminders feature to act on; ``source_key`` keeps it to one
proposal per cause.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime


class RuleFiring(SQLModel, table=True):
    __tablename__ = "rule_firing"
    __table_args__ = (Index("ix_rule_firing_at_rule", "at", "rule"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    rule: str = Field(max_length=40)
    agent_id: str | None = Field(default=None, max_length=200)
    call_id: str | None = Field(default=None, max_length=200)


class CareProposal(SQLModel, table=True):
    __tablename__ = "care_proposal"
    id: int | None = Field(default=None, primary_key=True)
    source_key: str = Field(unique=True, max_length=200)  # e.g. "long_call:<call id>"
    agent_id: str = Field(foreign_key="agent.id", index=True, max_length=200)
    team_id: str | None = Field(default=None, max_length=64)
    call_id: str | None = Field(default=None, max_length=200)
    kind: str = Field(max_length=40)  # "bring_water"
    reason: str = Field(sa_column=Column(Text, nullable=False))
    proposed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    due_by: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # proposed -> done | skipped, written by whoever acts on it: the reminders offer it, and
    # a supervisor who brought the water or let it pass closes it.
    status: str = Field(default="proposed", max_length=16, index=True)
    handled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    handled_by: str | None = Field(default=None, max_length=100)
    updated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), index=True))
