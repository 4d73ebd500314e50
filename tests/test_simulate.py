"""The simulator: deterministic, a clean feed, and a warm start that trips every rule early."""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from db.models import Agent, Call, Escalation, FeedEventRow, Flag, SensitiveCustomer, Supervisor
from floorapp.clock import ManualClock
from floorapp.config import Settings
from floorapp.feed.events import FeedEvent
from floorapp.feed.jsonl import event_to_json, parse_jsonl
from floorapp.simulate import (
    demo_roster_rows,
    load_sim_roster,
    seed_demo_floor,
)
from floorapp.simulate.generator import FloorSimulator, SimAgent, SimRoster
from floorapp.simulate.runner import SimulationRunner
from tests.conftest import T0

TEN_MIN = timedelta(minutes=10)
RULE_KINDS = {
    "long_call",
    "complaint_streak",
    "hostile_streak",
    "refused_explanations",
    "after_call_overrun",
    "no_break",
    "raised_hand",
    "sensitive_customer",
}


def pure_roster(agents: int = 40, teams: int = 4, seed: int = 1) -> SimRoster:
    rows = demo_roster_rows(agents=agents, teams=teams, seed=seed)
    sim_agents = [
        SimAgent(r["id"], r["name"], r["team"], r["sensitive"] == "yes")
        for r in rows
        if r["role"] == "agent"
    ]
    leaders = {r["team"]: r["id"] for r in rows if r["role"] == "team_leader"}
    return SimRoster(sim_agents, leaders, "fm.zhou", ["C90000001", "C90000002"])


def simulate(
    seed: int, minutes: float = 10, roster: SimRoster | None = None, start: datetime = T0
) -> list[dict[str, Any]]:
    sim = FloorSimulator(roster or pure_roster(), seed=seed, start=start)
    events: list[dict[str, Any]] = []
    for k in range(int(minutes * 60) + 1):
        events += sim.advance(start + timedelta(seconds=k))
    return events


def ts(e: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(e["ts"])


# --- the stream -----------------------------------------------------------------------


def test_same_seed_same_events_other_seed_other_events() -> None:
    a, b = simulate(5, minutes=3), simulate(5, minutes=3)
    assert a == b and len(a) > 100
    c = simulate(6, minutes=3)
    assert [e["type"] for e in c] != [e["type"] for e in a]


def test_stepping_does_not_change_the_stream() -> None:
    sim = FloorSimulator(pure_roster(), seed=9, start=T0)
    coarse = sim.advance(T0 + timedelta(minutes=5))
    assert coarse == simulate(9, minutes=5)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_stream_parses_with_zero_rejects_in_time_order(seed: int) -> None:
    events = simulate(seed)
    lines = [event_to_json(e) for e in events]
    parsed = list(parse_jsonl(lines, "sim"))
    assert len(parsed) == len(events)
    assert all(isinstance(p, FeedEvent) for p in parsed), [
        p for p in parsed if not isinstance(p, FeedEvent)
    ][:3]
    times = [ts(e) for e in events]
    assert times == sorted(times)
    assert len({p.key for p in parsed}) == len(parsed)  # every event is its own


def test_floor_looks_like_a_floor() -> None:
    events = simulate(1)
    kinds = {e["type"] for e in events}
    assert {
        "agent_login",
        "state",
        "call_offered",
        "call_answered",
        "call_update",
        "call_ended",
        "raise_hand",
        "escalation",
        "observation",
    } <= kinds
    logins = {e["agent"] for e in events if e["type"] == "agent_login" and ts(e) < T0}
    assert 30 <= len(logins) < 40  # mid-shift: most agents on, a few not started yet
    breaks = {e.get("reason") for e in events if e.get("state") == "break"}
    assert breaks & {"lunch", "restroom", "coffee", "coaching"}
    # Calls already in progress at the start: some of them 15-19 minutes old.
    ages = [T0 - ts(e) for e in events if e["type"] == "call_answered" and ts(e) < T0]
    assert any(timedelta(minutes=15) <= a <= timedelta(minutes=19) for a in ages)
    names = {r["name"] for r in demo_roster_rows(agents=40, teams=4, seed=1)}
    assert any(re.search(r"[\u4e00-\u9fff]", n) for n in names)
    assert any(re.fullmatch(r"[A-Za-z' üéíá]+", n) for n in names)


def _situations(
    events: list[dict[str, Any]], designated: set[str], sensitive: set[str]
) -> set[str]:
    """Which rule conditions the stream meets by T0 + 10 min (read off the events alone)."""
    end = T0 + TEN_MIN
    found: set[str] = set()
    answered: dict[str, tuple[str, datetime]] = {}
    ended: dict[str, datetime] = {}
    customer: dict[str, str] = {}
    negative: set[str] = set()
    complaints: dict[str, list[datetime]] = defaultdict(list)
    recent: dict[str, list[bool]] = defaultdict(list)
    hard_acw: dict[str, datetime] = {}
    worked_since: dict[str, datetime] = {}
    last_hard: dict[str, bool] = {}
    for e in events:
        t, kind, agent, call = ts(e), e["type"], e.get("agent"), e.get("call")
        if t > end:
            break
        if kind == "call_offered":
            customer[call] = e["customer"]
        elif kind == "call_answered":
            answered[call] = (agent, t)
            if customer.get(call) in sensitive and agent not in designated:
                found.add("sensitive_customer")
        elif kind == "call_update":
            if e.get("negative_sentiment"):
                negative.add(call)
            if e.get("refused_explanations", 0) >= 3:
                found.add("refused_explanations")
        elif kind in ("call_ended", "call_transferred"):
            ended[call] = t
            who = answered.get(call, (agent, t))[0]
            neg = call in negative or bool(e.get("negative_sentiment"))
            if e.get("complaint"):
                complaints[who].append(t)
                if len(complaints[who]) >= 2 and t - complaints[who][-2] <= timedelta(hours=1):
                    found.add("complaint_streak")
            recent[who] = (recent[who] + [neg])[-5:]
            if neg and sum(recent[who]) >= 3:
                found.add("hostile_streak")
            last_hard[who] = neg or bool(e.get("complaint"))
        elif kind == "raise_hand" and t >= T0:
            found.add("raised_hand")
        elif kind == "agent_login":
            worked_since[agent] = t
        if kind == "state" or kind == "call_answered":
            if agent in hard_acw and t - hard_acw.pop(agent) > timedelta(minutes=5):
                found.add("after_call_overrun")
            if kind == "state" and e["state"] == "after_call" and last_hard.get(agent):
                hard_acw[agent] = t
            if kind == "state" and e["state"] in ("break", "offline"):
                worked_since.pop(agent, None)
    for call, (_agent, t) in answered.items():
        if call not in ended and t + timedelta(minutes=20) <= end:
            found.add("long_call")
        elif call in ended and ended[call] - t > timedelta(minutes=20):
            found.add("long_call")
    if any(end - t > timedelta(minutes=5) for t in hard_acw.values()):
        found.add("after_call_overrun")
    if any(end - t > timedelta(minutes=150) for t in worked_since.values()):
        found.add("no_break")
    return found


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_warm_start_sets_up_every_rule_within_ten_minutes(seed: int) -> None:
    roster = pure_roster()
    events = simulate(seed, roster=roster)
    found = _situations(
        events, {a.id for a in roster.agents if a.designated}, set(roster.sensitive_customers)
    )
    assert found == RULE_KINDS


def test_small_floor_still_runs() -> None:
    events = simulate(3, minutes=5, roster=pure_roster(agents=3, teams=2))
    parsed = list(parse_jsonl([event_to_json(e) for e in events], "sim"))
    assert parsed and all(isinstance(p, FeedEvent) for p in parsed)


# --- through the writer and the rules ------------------------------------------------


@pytest.mark.parametrize("seed", [1, 7])
def test_ten_minutes_of_demo_floor_raise_every_kind_of_flag(
    engine: Engine, clock: ManualClock, settings: Settings, seed: int
) -> None:
    seed_demo_floor(engine, agents=40, teams=4, seed=seed, now=T0, actor="lead.wang")
    sim = FloorSimulator(load_sim_roster(engine), seed=seed, start=T0)
    runner = SimulationRunner(engine, settings, sim, clock=clock)
    total = runner.run_for(600)
    assert clock.now() == T0 + TEN_MIN
    assert total.rejected == 0 and total.accepted > 300
    with engine.connect() as conn:
        kinds = set(conn.execute(select(Flag.kind).where(Flag.raised_at <= T0 + TEN_MIN)).scalars())
        auto = conn.execute(
            select(func.count()).select_from(Escalation).where(Escalation.reason.like("%refused%"))
        ).scalar_one()
        states = {
            s: n for s, n in conn.execute(select(Agent.state, func.count()).group_by(Agent.state))
        }
        in_progress = conn.execute(
            select(func.count()).select_from(Call).where(Call.outcome == "in_progress")
        ).scalar_one()
    assert RULE_KINDS <= kinds, RULE_KINDS - kinds
    assert auto >= 1  # refused explanations escalate to the team leader
    assert states.get("on_call", 0) >= 8 and in_progress >= 8
    assert sum(states.values()) == 40


def test_rerunning_the_same_floor_adds_nothing(engine: Engine, settings: Settings) -> None:
    seed_demo_floor(engine, agents=12, teams=3, seed=2, now=T0, actor="x")
    first = SimulationRunner(
        engine, settings, FloorSimulator(load_sim_roster(engine), seed=2, start=T0)
    )
    first.run_for(120)
    again = SimulationRunner(
        engine, settings, FloorSimulator(load_sim_roster(engine), seed=2, start=T0)
    )
    total = again.run_for(120)
    assert total.accepted == 0 and total.duplicates == first.total.accepted


def test_run_paces_by_the_clock_and_catches_up_without_sleeping(
    engine: Engine, settings: Settings
) -> None:
    seed_demo_floor(engine, agents=8, teams=2, seed=4, now=T0, actor="x")
    sim = FloorSimulator(load_sim_roster(engine), seed=4, start=T0)
    runner = SimulationRunner(engine, settings, sim)
    fake = itertools.count(0.0, 2.0)  # each look at the clock: 2 s later (always behind)
    steps: list[datetime] = []
    runner.run(
        speed=10,
        duration=300,
        monotonic=lambda: next(fake),
        on_step=lambda at, _s: steps.append(at),
    )
    assert steps[-1] == T0 + timedelta(seconds=300) and sim.now == steps[-1]
    assert steps == sorted(steps) and len(steps) < 300  # catching up, not one per second
    with engine.connect() as conn:
        last = conn.execute(select(func.max(FeedEventRow.ts))).scalar_one()
    assert last <= T0 + timedelta(seconds=300)


def test_seed_demo_floor_is_idempotent(engine: Engine) -> None:
    first = seed_demo_floor(engine, agents=40, teams=4, seed=1, now=T0, actor="lead.wang")
    again = seed_demo_floor(engine, agents=40, teams=4, seed=1, now=T0, actor="lead.wang")
    assert first.agents_added == 40 and again.agents_added == again.agents_updated == 0
    roster = load_sim_roster(engine)
    assert len(roster.agents) == 40 and len({a.team for a in roster.agents}) == 4
    assert set(roster.leaders) == {a.team for a in roster.agents}
    assert roster.floor_manager == "fm.zhou"
    assert 4 <= sum(a.designated for a in roster.agents) <= 8
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(SensitiveCustomer)).scalar() == 6
        assert conn.execute(select(func.count()).select_from(Supervisor)).scalar() == 5


# --- the command ------------------------------------------------------------------------


def test_cli_simulate_creates_the_demo_roster_and_runs_for_a_duration(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from floorapp.cli import main

    rc = main(
        [
            "--db",
            db_url,
            "simulate",
            "--agents",
            "12",
            "--teams",
            "3",
            "--seed",
            "2",
            "--speed",
            "100000",
            "--duration",
            "90",
        ]
    )
    assert rc == 0
    err = capsys.readouterr().err
    assert "demo roster: 12 agents in 3 teams" in err and "0 rejected" in err
    from db.engine import open_store

    eng = open_store(db_url)
    with eng.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Agent)).scalar() == 12
        assert conn.execute(select(func.count()).select_from(FeedEventRow)).scalar() > 50
    eng.dispose()


def test_sigterm_stops_cleanly(tmp_path: Path) -> None:
    db = tmp_path / "floor.db"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "floorapp",
            "--db",
            str(db),
            "simulate",
            "--agents",
            "10",
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        import sqlite3

        deadline = time.monotonic() + 60
        rows = 0
        while time.monotonic() < deadline and rows == 0:
            time.sleep(0.2)
            if db.exists():
                try:
                    con = sqlite3.connect(db)
                    rows = con.execute("select count(*) from feed_event").fetchone()[0]
                    con.close()
                except sqlite3.OperationalError:
                    rows = 0
        assert rows > 0, proc.stderr.read() if proc.poll() is not None else "no events yet"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
