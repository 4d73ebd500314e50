"""The simulator loads the floor it simulates: a 5,000-agent floor is as busy as a 200-agent
one, at the day's target occupancy, with as many callers a second as that takes."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from floorapp.clock import ManualClock
from floorapp.config import Settings
from floorapp.feed.events import EventKind
from floorapp.feed.states import AgentStatus, step
from floorapp.simulate import load_sim_roster, seed_demo_floor
from floorapp.simulate.generator import (
    MEAN_HANDLE_S,
    MEAN_TALK_S,
    FloorSimulator,
    target_occupancy,
)
from floorapp.simulate.runner import SimulationRunner
from tests.test_simulate import pure_roster

MORNING_PEAK = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
STAFFED = ("available", "on_call", "after_call")


def on_call_share(
    agents: int, minutes: int, start: datetime = MORNING_PEAK, settle_min: int = 5
) -> tuple[float, int, int]:
    """Mean share of staffed agents on a call (read off the feed, sampled every 10 s after
    the first ``settle_min`` minutes), the calls offered and the seconds sampled."""
    sim = FloorSimulator(pure_roster(agents, max(agents // 20, 1)), seed=1, start=start)
    agents_: dict[str, AgentStatus] = {}
    call_agent: dict[str, str] = {}
    shares: list[float] = []
    offered = 0
    for k in range(minutes * 60 + 1):
        for e in sim.advance(start + timedelta(seconds=k)):
            kind, call, agent = EventKind(e["type"]), e.get("call"), e.get("agent")
            if kind is EventKind.CALL_OFFERED and k > settle_min * 60:
                offered += 1
            if kind is EventKind.CALL_ANSWERED:
                call_agent[call] = agent
            agent = agent or call_agent.get(call)
            if agent is not None:  # the store's own state machine, as the board would show
                step(
                    agents_.setdefault(agent, AgentStatus()),
                    kind,
                    e,
                    call,
                    datetime.fromisoformat(e["ts"]),
                )
        if k >= settle_min * 60 and k % 10 == 0:
            values = [a.state for a in agents_.values()]
            staffed = sum(v in STAFFED for v in values)
            shares.append(values.count("on_call") / staffed)
    return statistics.mean(shares), offered, (minutes - settle_min) * 60


def test_a_large_floor_is_as_busy_as_a_small_one() -> None:
    want = target_occupancy(MORNING_PEAK + timedelta(minutes=30)) * MEAN_TALK_S / MEAN_HANDLE_S
    # A small floor wanders more from minute to minute: it is watched for longer.
    small, _, _ = on_call_share(200, 60, settle_min=10)
    large, offered, seconds = on_call_share(5000, 25, settle_min=10)
    assert abs(small - want) < 0.05, (small, want)
    assert abs(large - want) < 0.05, (large, want)
    assert abs(small - large) < 0.04, (small, large)
    # Several callers a second, not one at most: about 0.85 x 4,600 staffed / 400 s.
    assert offered / seconds > 5, offered / seconds


def test_the_day_has_a_morning_and_an_afternoon_peak() -> None:
    def at(hour: float) -> float:
        return target_occupancy(datetime(2026, 3, 10, tzinfo=UTC) + timedelta(hours=hour))

    assert at(10.5) == pytest.approx(0.845) and at(15) == pytest.approx(0.85)
    assert at(12.5) < at(10.5) - 0.05 and at(12.5) < at(15) - 0.05  # lunch dip
    assert at(3) < 0.6 and at(8) < at(9) < at(10)  # quiet night, the morning build-up
    # At night the floor is as much less busy as the curve says (once the warm start,
    # made for a day's load, has run down).
    three = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
    night, _, _ = on_call_share(200, 40, start=three, settle_min=15)
    want = target_occupancy(three + timedelta(minutes=27)) * MEAN_TALK_S / MEAN_HANDLE_S
    assert abs(night - want) < 0.06, (night, want)


def test_the_runner_gives_the_simulator_the_floors_time_zone(
    engine: Engine, clock: ManualClock, settings: Settings
) -> None:
    settings.timezone = ZoneInfo("Asia/Shanghai")
    seed_demo_floor(engine, agents=12, teams=2, seed=1, now=clock.now(), actor="lead.wang")
    sim = FloorSimulator(load_sim_roster(engine), seed=1, start=clock.now())
    SimulationRunner(engine, settings, sim, clock=clock)
    assert sim.zone == ZoneInfo("Asia/Shanghai")
    mine = FloorSimulator(load_sim_roster(engine), seed=1, start=clock.now(), zone=UTC)
    SimulationRunner(engine, settings, mine, clock=clock)
    assert mine.zone == UTC
