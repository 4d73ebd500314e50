"""The simulated ACD hands a waiting caller to a free agent of the team within a ring time.

Read off the feed (and off the store, as the board reads it): at no second may a caller
have waited more than ``GRACE`` while an agent who could take them has been sitting
available for more than ``GRACE``. "Could take them": an agent of the caller's team
(queue), and after ``FLOOR_OVERFLOW_S`` anyone on the floor (the grace runs from there).
A sensitive caller is held for a designated agent of any team and overflows to their own
team (and the floor) after ``SENSITIVE_OVERFLOW_S`` (入线控制): until then an undesignated
agent does not count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from db.models import Agent, Call, SensitiveCustomer
from floorapp.clock import ManualClock
from floorapp.config import Settings
from floorapp.feed.events import EventKind
from floorapp.feed.states import CALL_OVER, AgentStatus, step
from floorapp.simulate import load_sim_roster, seed_demo_floor
from floorapp.simulate.generator import (
    FLOOR_OVERFLOW_S,
    SENSITIVE_OVERFLOW_S,
    FloorSimulator,
    SimRoster,
)
from floorapp.simulate.runner import SimulationRunner
from tests.conftest import T0
from tests.test_simulate import pure_roster

GRACE = timedelta(seconds=10)
FLOOR = timedelta(seconds=FLOOR_OVERFLOW_S)


@dataclass
class _Waiting:
    queue: str
    offered: datetime
    sensitive: bool


@dataclass(frozen=True)
class Stall:
    at: datetime
    call: str
    waited_s: int
    agent: str
    idle_s: int


@dataclass
class Replay:
    stalls: list[Stall]  # each second a caller waited beside an idle agent who could take them
    mid_call: list[dict[str, Any]]  # state changes sent while the agent was on a call
    states: dict[str, tuple[str, datetime]]  # each agent's state and since, at the end


def replay(
    roster: SimRoster, events: list[dict[str, Any]], *, since: datetime, until: datetime
) -> Replay:
    """The floor as the writer would store it, looked at each second in [since, until]."""
    team = {a.id: a.team for a in roster.agents}
    designated = {a.id for a in roster.agents if a.designated}
    sensitive_ids = set(roster.sensitive_customers)
    agents: dict[str, AgentStatus] = {}
    call_agent: dict[str, str] = {}
    waiting: dict[str, _Waiting] = {}
    mid_call: list[dict[str, Any]] = []
    found: list[Stall] = []
    i, n = 0, len(events)
    t = min(since, datetime.fromisoformat(events[0]["ts"])) if events else since
    while t <= until:
        while i < n and datetime.fromisoformat(events[i]["ts"]) <= t:
            e = events[i]
            i += 1
            at, kind, agent, call = (
                datetime.fromisoformat(e["ts"]),
                EventKind(e["type"]),
                e.get("agent"),
                e.get("call"),
            )
            if kind is EventKind.CALL_OFFERED:
                waiting[call] = _Waiting(e["queue"], at, e["customer"] in sensitive_ids)
            elif kind is EventKind.CALL_ANSWERED:
                waiting.pop(call, None)
                call_agent[call] = agent
            elif kind in CALL_OVER:
                waiting.pop(call, None)
                agent = agent or call_agent.get(call)
            if agent is None:
                continue
            status = agents.setdefault(agent, AgentStatus())
            if (
                kind is EventKind.STATE
                and status.state == "on_call"
                and status.call is not None
                and e["state"] in ("available", "break")
            ):
                # The machine holds this until the call ends (a pause asked mid-call); the
                # simulator never means it, so it is a slip of its own.
                mid_call.append(e)
            step(status, kind, e, call, at)  # the store's own state machine
        if t >= since:
            idle = [(a, st.since) for a, st in agents.items() if st.state == "available"]
            for cid, w in waiting.items():
                overflow = w.offered + timedelta(seconds=SENSITIVE_OVERFLOW_S)
                for a, s in idle:
                    if w.sensitive and a in designated:
                        free_for_it = max(w.offered, s)
                    elif team.get(a) == w.queue:
                        free_for_it = max(overflow if w.sensitive else w.offered, s)
                    else:
                        free_for_it = max(
                            max(overflow, w.offered + FLOOR) if w.sensitive else w.offered + FLOOR,
                            s,
                        )
                    if t - free_for_it > GRACE:
                        found.append(
                            Stall(
                                t,
                                cid,
                                int((t - w.offered).total_seconds()),
                                a,
                                int((t - s).total_seconds()),
                            )
                        )
                        break
        t += timedelta(seconds=1)
    return Replay(found, mid_call, {a: (st.state, st.since) for a, st in agents.items()})


def run(roster: SimRoster, seed: int, minutes: float) -> list[dict[str, Any]]:
    sim = FloorSimulator(roster, seed=seed, start=T0)
    events: list[dict[str, Any]] = []
    for k in range(0, int(minutes * 60) + 1, 5):
        events += sim.advance(T0 + timedelta(seconds=k))
    return events


def served_and_waited(events: list[dict[str, Any]]) -> tuple[int, int]:
    """Answered calls, and how many of them waited more than ``GRACE`` (a full team)."""
    offered: dict[str, datetime] = {}
    answered = waited = 0
    for e in events:
        if e["type"] == "call_offered":
            offered[e["call"]] = datetime.fromisoformat(e["ts"])
        elif e["type"] == "call_answered" and e["call"] in offered:
            answered += 1
            waited += datetime.fromisoformat(e["ts"]) - offered[e["call"]] > GRACE
    return answered, waited


@pytest.mark.parametrize(
    ("agents", "teams", "seed"),
    [(40, 4, 1), (40, 4, 2), (40, 4, 5), (12, 3, 2), (12, 3, 5), (5, 2, 3)],
)
def test_no_caller_waits_beside_an_idle_agent(agents: int, teams: int, seed: int) -> None:
    roster = pure_roster(agents, teams)
    events = run(roster, seed, minutes=120)
    seen = replay(roster, events, since=T0, until=T0 + timedelta(minutes=120))
    assert seen.stalls == [], seen.stalls[:5]
    assert seen.mid_call == [], seen.mid_call[:5]
    # Not vacuous: the floor is busy enough that callers do queue when their team is full,
    # and idle agents do take calls.
    answered, waited = served_and_waited(events)
    assert answered > agents * 3 and waited > 0


def test_the_checker_sees_a_caller_left_waiting_beside_an_idle_agent() -> None:
    roster = pure_roster(4, 1)
    a, b = roster.agents[0].id, roster.agents[1].id
    at = T0.isoformat()
    later = (T0 + timedelta(seconds=40)).isoformat()
    events = [
        {"type": "agent_login", "agent": a, "ts": at},
        {"type": "agent_login", "agent": b, "ts": at},
        {
            "type": "call_offered",
            "call": "x",
            "queue": roster.agents[0].team,
            "customer": "C1",
            "ts": at,
        },
        {"type": "call_answered", "call": "x", "agent": a, "ts": later},
    ]
    found = replay(roster, events, since=T0, until=T0 + timedelta(seconds=60)).stalls
    # Waiting from T0; a and b idle from T0: stalled from 11 s until a answers at 40 s.
    assert [f.at - T0 for f in found] == [timedelta(seconds=s) for s in range(11, 40)]
    assert {f.agent for f in found} <= {a, b}


def test_the_warm_start_is_a_floor_the_acd_could_have_made() -> None:
    """At the start, nobody waits beside an idle team mate and no agent was sent a state
    while already on a call (the back-dated history is in time order)."""
    for seed in range(1, 9):
        roster = pure_roster(40 if seed % 2 else 12, 4 if seed % 2 else 3)
        events = FloorSimulator(roster, seed=seed, start=T0).advance(T0)
        seen = replay(roster, events, since=T0, until=T0)
        assert seen.stalls == [] and seen.mid_call == [], (seed, seen)
        # Whoever is free at the start came free in the last minutes, not at their login
        # or the end of a break an hour ago.
        idle = {a: T0 - s for a, (st, s) in seen.states.items() if st == "available"}
        assert idle and max(idle.values()) < timedelta(minutes=3), (seed, idle)


def test_the_board_never_shows_an_idle_agent_beside_a_waiting_caller(
    engine: Engine, clock: ManualClock, settings: Settings
) -> None:
    seed_demo_floor(engine, agents=40, teams=4, seed=5, now=T0, actor="lead.wang")
    sim = FloorSimulator(load_sim_roster(engine), seed=5, start=T0)
    runner = SimulationRunner(engine, settings, sim, clock=clock)
    looked = queued = 0
    for _ in range(15 * 12):
        runner.run_for(5)
        now = clock.now()
        with engine.connect() as conn:
            idle_teams = set(
                conn.execute(
                    select(Agent.team_id).where(
                        Agent.state == "available", Agent.state_since < now - GRACE
                    )
                ).scalars()
            )
            sensitive = select(SensitiveCustomer.customer_id)
            stuck = list(
                conn.execute(
                    select(Call.id, Call.queue).where(
                        Call.outcome == "waiting",
                        Call.ended_at.is_(None),
                        Call.offered_at < now - GRACE,
                        Call.customer_id.not_in(sensitive),
                    )
                )
            )
            long_stuck = list(
                conn.execute(
                    select(Call.id).where(
                        Call.outcome == "waiting",
                        Call.ended_at.is_(None),
                        Call.offered_at < now - FLOOR - GRACE,
                    )
                ).scalars()
            )
        looked += 1
        queued += bool(stuck)
        assert not [c for c in stuck if c.queue in idle_teams], (now, stuck, idle_teams)
        # Past the floor overflow, anyone idle on the floor takes the caller.
        assert not (long_stuck and idle_teams), (now, long_stuck, idle_teams)
    assert looked == 180 and clock.now() == T0 + timedelta(minutes=15)
    assert queued > 0  # callers did queue, where their whole team was busy
