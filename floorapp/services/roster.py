"""The roster as a supervisor reaches it: import, list, designate, the sensitive-customer list.

The work itself is ``floorapp.roster``'s; every function here asks the access policy first
(``floorapp.policy``), so the CLI and the console reach the roster only through here. The
check reads before the write's own transaction: a refusal writes nothing, and a role changed
in between is the same race as a role changed a moment later.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, select

from db.engine import read_tx
from db.models import Agent
from floorapp import policy, roster
from floorapp.policy import NO_TEAM
from floorapp.supervisors import SupervisorInfo, list_supervisors


@dataclass(frozen=True)
class RosterListing:
    agents: list[roster.RosterAgent]
    supervisors: list[SupervisorInfo]


def import_roster(engine: Engine, path: Path, *, actor: str, now: datetime) -> roster.RosterReport:
    policy.require(engine, "roster.import", actor, now=now)
    return roster.import_roster(engine, path, actor, now)


def listing(engine: Engine, *, actor: str, now: datetime, team: str | None = None) -> RosterListing:
    """Agents and supervisors of ``team``, or of every team the actor may see."""
    scope = policy.require(
        engine, "roster.read", actor, now=now, team=team if team is not None else NO_TEAM
    )
    agents = roster.list_agents(engine, team)
    sups = list_supervisors(engine, team=team, order="role")
    if not scope.all_teams:
        agents = [a for a in agents if a.team in scope.teams]
        sups = [s for s in sups if s.role == "floor_manager" or set(s.teams) & scope.teams]
    return RosterListing(agents, sups)


def aliases(engine: Engine, *, actor: str, now: datetime) -> list[roster.RosterAlias]:
    """The feed's other names for the agents the actor may see (roster and learned)."""
    scope = policy.require(engine, "roster.read", actor, now=now, team=NO_TEAM)
    found = roster.list_aliases(engine)
    if not scope.all_teams:
        with read_tx(engine) as conn:
            teams = (
                dict(
                    conn.execute(
                        select(Agent.id, Agent.team_id).where(
                            Agent.id.in_({a.agent_id for a in found})
                        )
                    ).all()
                )
                if found
                else {}
            )
        found = [a for a in found if teams.get(a.agent_id) in scope.teams]
    return found


def designate(engine: Engine, agent_id: str, on: bool, *, actor: str, now: datetime) -> bool:
    with read_tx(engine) as conn:
        team = conn.execute(select(Agent.team_id).where(Agent.id == agent_id)).first()
    # An unknown agent is roster.designate's to report; a known one must be the actor's.
    policy.require(
        engine,
        "roster.designate",
        actor,
        now=now,
        team=team[0] if team is not None else NO_TEAM,
        what=policy.target_words("agent", agent_id),
    )
    return roster.designate(engine, agent_id, on, actor=actor, now=now)


def require_sensitive_edit(engine: Engine, *, actor: str, now: datetime) -> None:
    """Before reading a file of customers: refuse at once, not after reading it."""
    policy.require(engine, "sensitive.edit", actor, now=now)


def add_sensitive_customers(
    engine: Engine,
    customers: Iterable[tuple[str, str | None]],
    *,
    actor: str,
    now: datetime,
    source: str = "cli",
) -> tuple[int, int]:
    policy.require(engine, "sensitive.edit", actor, now=now)
    return roster.add_sensitive_customers(engine, customers, actor=actor, now=now, source=source)


def remove_sensitive_customer(
    engine: Engine, customer_id: str, *, actor: str, now: datetime
) -> bool:
    policy.require(engine, "sensitive.edit", actor, now=now)
    return roster.remove_sensitive_customer(engine, customer_id, actor=actor, now=now)


def sensitive_customers(
    engine: Engine, *, actor: str, now: datetime
) -> list[tuple[str, str | None]]:
    policy.require(engine, "sensitive.read", actor, now=now)
    return roster.list_sensitive_customers(engine)


__all__ = [
    "RosterListing",
    "add_sensitive_customers",
    "designate",
    "import_roster",
    "listing",
    "remove_sensitive_customer",
    "require_sensitive_edit",
    "sensitive_customers",
]
