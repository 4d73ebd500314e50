"""How busy the simulated floor is, by size: the load every demo and bench runs on.

A demo roster of N agents (teams of 20) is simulated from 10:00 (the morning peak) through
the real path, feed writer and rules included, into a SQLite file. After the warm start has
settled, the agent table is read once a simulated minute, as the board reads it: the share
of staffed agents (available, on a call, in after-call work) who are on a call, and who are
busy (on a call or in after-call work). The same-run reference is what the arrival model
aims at: the day's target occupancy at that hour, times the talk share of a handled call.
"""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from floorapp.bench import Figure

START = datetime(2026, 3, 17, 10, 0, tzinfo=UTC)  # a Tuesday, the morning peak
SETTLE_S = 600  # the warm start's calls run down over the first minutes


def busy_shares(agents: int, seconds: int) -> dict[str, float]:
    from sqlalchemy import func, select

    from db.engine import open_store
    from db.models import Agent, Call
    from floorapp.clock import ManualClock
    from floorapp.config import Settings
    from floorapp.simulate import load_sim_roster, seed_demo_floor
    from floorapp.simulate.generator import FloorSimulator
    from floorapp.simulate.runner import SimulationRunner

    with tempfile.TemporaryDirectory(prefix="floorapp-bench-simulate-") as tmp:
        engine = open_store(f"sqlite:///{Path(tmp) / 'floor.db'}")
        settings = Settings(timezone=ZoneInfo("UTC"))
        clock = ManualClock(START)
        seed_demo_floor(
            engine, agents=agents, teams=max(agents // 20, 1), seed=1, now=START, actor="bench"
        )
        sim = FloorSimulator(load_sim_roster(engine), seed=1, start=START)
        runner = SimulationRunner(engine, settings, sim, clock=clock)
        runner.run_for(SETTLE_S)
        on_call: list[float] = []
        busy: list[float] = []
        for _ in range(max((seconds - SETTLE_S) // 60, 1)):
            runner.run_for(60)
            with engine.connect() as conn:
                counts = dict(
                    conn.execute(select(Agent.state, func.count()).group_by(Agent.state)).all()
                )
            staffed = sum(counts.get(s, 0) for s in ("available", "on_call", "after_call"))
            on_call.append(counts.get("on_call", 0) / staffed)
            busy.append((counts.get("on_call", 0) + counts.get("after_call", 0)) / staffed)
        window_start = START + timedelta(seconds=SETTLE_S)
        with engine.connect() as conn:
            offered = conn.execute(
                select(func.count()).select_from(Call).where(Call.offered_at >= window_start)
            ).scalar_one()
        window = (clock.now() - window_start).total_seconds()
        engine.dispose()
    return {
        "on_call": statistics.mean(on_call),
        "busy": statistics.mean(busy),
        "calls_per_s": offered / window,
    }


def figures(quick: bool) -> Iterable[Figure]:
    from floorapp.simulate.generator import MEAN_HANDLE_S, MEAN_TALK_S, target_occupancy

    seconds = 1200 if quick else 2400
    target = target_occupancy(START + timedelta(seconds=(SETTLE_S + seconds) / 2))
    want = target * MEAN_TALK_S / MEAN_HANDLE_S
    found = {n: busy_shares(n, seconds) for n in (200, 10_000)}
    for n, got in found.items():
        yield (
            f"simulate_on_call_share_{n}_agents",
            round(got["on_call"], 3),
            f"of staffed agents (model's aim {want:.3f})",
        )
        yield (
            f"simulate_busy_share_{n}_agents",
            round(got["busy"], 3),
            f"on a call or after-call work (target occupancy {target:.3f})",
        )
        yield f"simulate_calls_per_s_{n}_agents", round(got["calls_per_s"], 2), "calls/s"
    yield (
        "simulate_on_call_share_10000_vs_200",
        round(found[10_000]["on_call"] / found[200]["on_call"], 3),
        "x",
    )
