"""The roster read back: agents, the sensitive customers, the feed's other names.

Supervisors are listed by ``floorapp.supervisors.list_supervisors``, their one home.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, select

from db.models import Agent, AgentAlias, SensitiveCustomer


@dataclass(frozen=True, slots=True)
class RosterAgent:
    id: str
    name: str
    team: str
    tier: int
    sensitive: bool
    birthday: date | None
    from_feed: bool


def list_agents(engine: Engine, team: str | None = None) -> list[RosterAgent]:
    stmt = select(Agent).order_by(Agent.team_id, Agent.id)
    if team is not None:
        stmt = stmt.where(Agent.team_id == team)
    with engine.connect() as conn:
        return [
            RosterAgent(
                r.id,
                r.name,
                r.team_id,
                r.tier,
                bool(r.sensitive_designated),
                r.birthday,
                bool(r.from_feed),
            )
            for r in conn.execute(stmt)
        ]


def list_sensitive_customers(engine: Engine) -> list[tuple[str, str | None]]:
    with engine.connect() as conn:
        return [
            (c, n)
            for c, n in conn.execute(
                select(SensitiveCustomer.customer_id, SensitiveCustomer.note).order_by(
                    SensitiveCustomer.customer_id
                )
            )
        ]


@dataclass(frozen=True, slots=True)
class RosterAlias:
    alias: str
    agent_id: str
    agent_name: str
    source: str  # roster or learned
    learned_at: datetime
    evidence: str | None


def list_aliases(engine: Engine) -> list[RosterAlias]:
    """Every other name the feed uses for an agent: given by the roster or learned."""
    with engine.connect() as conn:
        return [
            RosterAlias(al, aid, name, src, at, ev)
            for al, aid, name, src, at, ev in conn.execute(
                select(
                    AgentAlias.alias,
                    AgentAlias.agent_id,
                    Agent.name,
                    AgentAlias.source,
                    AgentAlias.learned_at,
                    AgentAlias.evidence,
                )
                .join(Agent, Agent.id == AgentAlias.agent_id)
                .order_by(AgentAlias.agent_id, AgentAlias.alias)
            )
        ]
