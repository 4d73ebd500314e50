"""The simulated floor behind the demo: a demo roster, a generator, and a runner.

``seed_demo_floor`` writes a roster (teams, agents with Chinese and Latin names, team
leaders, one floor manager, sensitive customers) through the roster service, audited;
``load_sim_roster`` reads whatever roster the store holds for the generator;
``FloorSimulator`` (generator) and ``SimulationRunner`` (runner) do the rest.
"""

from __future__ import annotations

import random
from datetime import datetime

from sqlalchemy import Engine, select

from db.models import Agent, SensitiveCustomer, Supervisor, SupervisorTeam
from floorapp.roster import RosterReport, add_sensitive_customers, import_roster
from floorapp.simulate.generator import SENSITIVE_NOTES, FloorSimulator, SimAgent, SimRoster
from floorapp.simulate.names import team_names, unique_names

__all__ = [
    "FloorSimulator",
    "SimAgent",
    "SimRoster",
    "demo_roster_rows",
    "load_sim_roster",
    "seed_demo_floor",
]

FIRST_AGENT_ID = 1001
DEMO_FLOOR_MANAGER = ("fm.zhou", "周建华")


def demo_roster_rows(*, agents: int, teams: int, seed: int) -> list[dict[str, str]]:
    """The demo roster as the rows of a roster CSV (see docs/roster.md)."""
    if agents < 1 or teams < 1:
        raise ValueError("a demo floor needs at least one agent and one team")
    teams = min(teams, agents)
    rng = random.Random(f"demo-roster-{seed}")
    names = unique_names(rng, agents + teams + 1)
    team_ids = team_names(teams)
    rows: list[dict[str, str]] = []
    for i in range(agents):
        team = team_ids[i % teams]
        tier = rng.choices(("1", "2", "3"), weights=(70, 20, 10))[0]
        # One agent in seven, spread over the teams, takes the sensitive customers (入线控制).
        designated = i % 7 == 0
        rows.append(
            {
                "id": str(FIRST_AGENT_ID + i),
                "name": names[i],
                "team": team,
                "tier": tier,
                "sensitive": "yes" if designated else "no",
                "role": "agent",
            }
        )
    for j, team in enumerate(team_ids):
        rows.append(
            {"id": f"tl.{team}", "name": names[agents + j], "team": team, "role": "team_leader"}
        )
    rows.append(
        {"id": DEMO_FLOOR_MANAGER[0], "name": DEMO_FLOOR_MANAGER[1], "role": "floor_manager"}
    )
    return rows


def demo_sensitive_customers(seed: int, n: int = 6) -> list[tuple[str, str]]:
    rng = random.Random(f"demo-sensitive-{seed}")
    return [
        (f"C9{rng.randrange(10**6, 10**7)}", SENSITIVE_NOTES[i % len(SENSITIVE_NOTES)])
        for i in range(n)
    ]


def seed_demo_floor(
    engine: Engine,
    *,
    agents: int = 40,
    teams: int = 4,
    seed: int = 1,
    now: datetime,
    actor: str,
) -> RosterReport:
    """Write the demo roster and sensitive-customer list (idempotent: re-seeding adds nothing)."""
    report = import_roster(
        engine, demo_roster_rows(agents=agents, teams=teams, seed=seed), actor, now
    )
    add_sensitive_customers(
        engine, demo_sensitive_customers(seed), actor=actor, now=now, source="demo"
    )
    return report


def has_agents(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(Agent.id).limit(1)).first() is not None


def load_sim_roster(
    engine: Engine, *, limit: int | None = None, only: list[str] | None = None
) -> SimRoster:
    """The roster in the store, as the generator wants it (agents sorted by id)."""
    with engine.connect() as conn:
        stmt = select(Agent.id, Agent.name, Agent.team_id, Agent.sensitive_designated).order_by(
            Agent.id
        )
        if only is not None:
            stmt = stmt.where(Agent.id.in_(only))
        agents = [
            SimAgent(r.id, r.name, r.team_id, bool(r.sensitive_designated))
            for r in conn.execute(stmt)
        ]
        leaders: dict[str, str] = {}
        for sid, tid in conn.execute(
            select(SupervisorTeam.supervisor_id, SupervisorTeam.team_id)
            .join(Supervisor, Supervisor.id == SupervisorTeam.supervisor_id)
            .where(Supervisor.active.is_(True), Supervisor.role == "team_leader")
            .order_by(SupervisorTeam.supervisor_id)
        ):
            leaders.setdefault(tid, sid)
        fm = (
            conn.execute(
                select(Supervisor.id)
                .where(Supervisor.role == "floor_manager", Supervisor.active.is_(True))
                .order_by(Supervisor.id)
            )
            .scalars()
            .first()
        )
        sensitive = list(
            conn.execute(
                select(SensitiveCustomer.customer_id).order_by(SensitiveCustomer.customer_id)
            ).scalars()
        )
    if limit is not None:
        agents = agents[:limit]
    return SimRoster(agents, leaders, fm, sensitive)
