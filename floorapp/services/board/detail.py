"""Everything about one agent today, for the agent detail view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from db.engine import read_tx
from db.models import Agent, AgentNote, Call, Team
from floorapp.config import Settings
from floorapp.figures import store as fstore
from floorapp.services import ServiceError, escalations, flags
from floorapp.services.board.agents import CALL, agent_select, build_rows
from floorapp.services.board.open_items import marker_of
from floorapp.services.board.views import AgentRow, day_start
from floorapp.services.escalations import EscalationView
from floorapp.services.flags import FlagView
from floorapp.services.scope import load_scope, refuse


@dataclass(frozen=True)
class CallView:
    id: str
    queue: str | None
    customer_id: str | None
    offered_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    outcome: str
    talk_seconds: int | None
    satisfaction: int | None
    complaint: bool


@dataclass(frozen=True)
class NoteView:
    at: datetime
    author: str
    text: str


@dataclass(frozen=True)
class AgentDetail:
    agent: AgentRow
    calls: tuple[CallView, ...]
    flags: tuple[FlagView, ...]
    escalations: tuple[EscalationView, ...]
    notes: tuple[NoteView, ...]


def agent_detail(
    engine: Engine, agent_id: str, *, settings: Settings, actor: str, now: datetime
) -> AgentDetail:
    """Everything about one agent today: calls, flags, escalations, notes."""
    start = day_start(settings, now)
    with read_tx(engine) as conn:
        # Read whatever the team: an agent outside the supervisor's teams is refused (and the
        # refusal audited) below, not passed off as unknown.
        found = conn.execute(agent_select().where(Agent.id == agent_id)).first()
        if found is None:
            raise ServiceError(f"no agent {agent_id!r} on this floor")
        raw = tuple(found)
        team = raw[2]
        team_name = conn.execute(select(Team.name).where(Team.id == team)).scalar() or team
        answered = {}
        if raw[CALL] is not None:
            at = conn.execute(select(Call.answered_at).where(Call.id == raw[CALL])).scalar()
            if at is not None:
                answered[raw[CALL]] = at
    if not load_scope(engine, actor).allows_team(team):
        raise refuse(
            engine,
            now=now,
            actor=actor,
            action="agent.detail",
            target_kind="agent",
            target_id=agent_id,
            team=team,
        )
    with read_tx(engine) as conn:
        counts = fstore.completed_by_agent(conn, start, [agent_id])
        calls = tuple(
            CallView(**r._mapping)
            for r in conn.execute(
                select(
                    Call.id,
                    Call.queue,
                    Call.customer_id,
                    Call.offered_at,
                    Call.answered_at,
                    Call.ended_at,
                    Call.outcome,
                    Call.talk_seconds,
                    Call.satisfaction,
                    Call.complaint,
                )
                .where(Call.agent_id == agent_id, Call.offered_at >= start)
                .order_by(Call.offered_at.desc())
            )
        )
        notes = tuple(
            NoteView(**r._mapping)
            for r in conn.execute(
                select(AgentNote.at, AgentNote.author, AgentNote.text)
                .where(AgentNote.agent_id == agent_id)
                .order_by(AgentNote.at.desc())
                .limit(50)
            )
        )
    agent_flags = tuple(flags.flags_for_agent(engine, agent_id, actor=actor, since=start))
    marker = marker_of(agent_flags)
    [row] = build_rows({agent_id: raw}, {team: team_name}, counts, answered, lambda _aid: marker)
    escs = tuple(escalations.escalations_for_agent(engine, agent_id, actor=actor, since=start))
    return AgentDetail(row, calls, agent_flags, escs, notes)
