"""Figures: the day report of a busy floor, and the console header's figures per tick.

- ``figures_day_report_2000_s``: ``floorapp report``'s model (queue, team and agent figures,
  abandoned calls with call backs, after-call work and pauses from the state history,
  flags, escalations, handover) for a 2,000-agent floor's busy day, about 150,000 calls,
  on SQLite. Target: under 2 s.
- ``figures_header_tick_<N>_ms``: one console tick of the header's figures
  (``floorapp.figures.live.LiveTally.poll``) on an N-agent floor with a busy day already
  stored, while the feed writes a second's worth of call events between ticks (offers,
  answers, ends, about 6 events per 1,000 agents a second: a busy floor's rate). Median
  over the ticks; target under 3 ms. ``..._first_load_s`` is the read of the day when the
  console opens (once a day).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from floorapp.bench import Figure

DAY = datetime(2026, 3, 16, 0, 0, tzinfo=UTC)
OPEN, CLOSE = 8, 20  # the floor's busy hours (UTC: the bench's centre runs on UTC)
CALLS_PER_AGENT = 75  # a busy day: 150,000 calls on 2,000 agents
TICKS = 40


def _settings() -> Any:
    """The bench's centre: UTC, midnight, Asterisk's definition, the defaults."""
    from floorapp.config import Settings

    return Settings(timezone=ZoneInfo("UTC"))


def _seed(url: str, agents: int, per_agent: int, history: bool) -> datetime:
    """A floor with a busy day of calls; returns the time the day's traffic ends."""
    from sqlalchemy import insert

    from db.engine import open_store, run_write
    from db.models import Agent, AgentStateChange, Call, Supervisor, Team

    rng = random.Random(agents)
    engine = open_store(url)
    teams = max(agents // 20, 1)
    span = (CLOSE - OPEN) * 3600
    blank = dict(
        queue=None,
        customer_id=None,
        agent_id=None,
        answered_at=None,
        ended_at=None,
        exit_reason=None,
        hold_seconds=None,
        talk_seconds=None,
        complaint=False,
    )
    end = DAY + timedelta(hours=CLOSE)

    def tx(conn: Any) -> None:
        conn.execute(insert(Team), [{"id": f"T{t}", "name": f"team {t}"} for t in range(teams)])
        conn.execute(
            insert(Supervisor),
            [{"id": "bench", "name": "bench", "role": "floor_manager", "active": True}],
        )
        conn.execute(
            insert(Agent),
            [
                dict(
                    id=f"A{i:05d}",
                    name=f"坐席{i:05d}",
                    team_id=f"T{i % teams}",
                    state="available",
                    state_since=end,
                )
                for i in range(agents)
            ],
        )
        calls: list[dict[str, Any]] = []
        hist: list[dict[str, Any]] = []
        callers = [f"1{n:010d}" for n in range(agents * per_agent // 3)]
        for i in range(agents):
            aid = f"A{i:05d}"
            slots = sorted(rng.randrange(span - 600) for _ in range(per_agent))
            for k, at in enumerate(slots):
                offered = DAY + timedelta(hours=OPEN, seconds=at)
                hold = int(rng.expovariate(1 / 15))
                cid = f"C{i}-{k}"
                caller = rng.choice(callers)
                r = rng.random()
                if r < 0.08:  # gave up waiting
                    calls.append(
                        dict(
                            id=cid,
                            queue=f"Q{i % 8}",
                            customer_id=caller,
                            offered_at=offered,
                            ended_at=offered + timedelta(seconds=hold),
                            outcome="abandoned",
                            exit_reason="abandon",
                            hold_seconds=hold,
                        )
                    )
                    continue
                if r < 0.09:
                    calls.append(
                        dict(
                            id=cid,
                            queue=f"Q{i % 8}",
                            customer_id=caller,
                            offered_at=offered,
                            ended_at=offered + timedelta(seconds=300),
                            outcome="timeout",
                            exit_reason="exitwithtimeout",
                            hold_seconds=300,
                        )
                    )
                    continue
                talk = int(rng.expovariate(1 / 200)) + 20
                answered = offered + timedelta(seconds=hold)
                ended = answered + timedelta(seconds=talk)
                calls.append(
                    dict(
                        id=cid,
                        queue=f"Q{i % 8}",
                        customer_id=caller,
                        agent_id=aid,
                        offered_at=offered,
                        answered_at=answered,
                        ended_at=ended,
                        outcome="completed",
                        hold_seconds=hold,
                        talk_seconds=talk,
                        complaint=rng.random() < 0.02,
                    )
                )
                if history:
                    hist += [
                        dict(agent_id=aid, state="on_call", reason=None, started_at=answered),
                        dict(agent_id=aid, state="after_call", reason=None, started_at=ended),
                        dict(
                            agent_id=aid,
                            state="available",
                            reason=None,
                            started_at=ended + timedelta(seconds=rng.randrange(5, 60)),
                        ),
                    ]
            if history:
                for b in range(3):
                    brk = DAY + timedelta(hours=OPEN + 3 * b + 1, seconds=rng.randrange(600))
                    hist += [
                        dict(
                            agent_id=aid,
                            state="break",
                            reason=("lunch", "toilet", "coaching")[b],
                            started_at=brk,
                        ),
                        dict(
                            agent_id=aid,
                            state="available",
                            reason=None,
                            started_at=brk + timedelta(minutes=rng.randrange(5, 30)),
                        ),
                    ]
        # Stored in time order, as a live feed stores them (a call's row when it is offered,
        # a state change when it happens, every agent interleaved), not agent by agent:
        # the order the rows lie in is what a read in another order pays for.
        calls.sort(key=lambda c: c["offered_at"])
        hist.sort(key=lambda h: h["started_at"])
        for i in range(0, len(calls), 20_000):
            conn.execute(insert(Call), [blank | c for c in calls[i : i + 20_000]])
        for i in range(0, len(hist), 20_000):
            conn.execute(insert(AgentStateChange), hist[i : i + 20_000])

    run_write(engine, tx)
    engine.dispose()
    return end


def day_report(quick: bool) -> Iterable[Figure]:
    from db.engine import open_store
    from floorapp.figures.report import build_report
    from floorapp.services.scope import Scope

    agents = 200 if quick else 2000
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'report.db'}"
        end = _seed(url, agents, CALLS_PER_AGENT, history=True)
        engine = open_store(url)
        scope = Scope("bench", all_teams=True, teams=frozenset())
        times, cpu = [], []
        report = None
        for _ in range(3):
            started, started_cpu = time.perf_counter(), time.process_time()
            report = build_report(
                engine,
                _settings(),
                DAY,
                DAY + timedelta(days=1),
                end + timedelta(hours=1),
                title="bench",
                actor="bench",
                scope=scope,
            )
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        engine.dispose()
    assert report is not None
    yield (f"figures_day_report_{agents}_s", min(times), "s")
    # CPU time (SQLite runs in this process): what the report costs on a machine that is
    # not shared; the wall time above also holds whatever else the machine was doing.
    yield (f"figures_day_report_{agents}_cpu_s", min(cpu), "s")
    yield (f"figures_day_report_{agents}_calls", report.figures.floor.offered, "calls")


def _tick_writes(
    conn: Any, rng: random.Random, at: datetime, agents: int, state: dict[str, Any]
) -> None:
    """A second of feed: new calls offered, waiting ones answered, answered ones ended; each
    with its feed event, as the feed writer stores them."""
    from sqlalchemy import insert, update

    from db.models import Call, FeedEventRow

    per_second = max(1, agents * 6 // 1000)
    events = []
    calls = []
    for _ in range(per_second // 3 + 1):
        state["n"] += 1
        cid = f"L{state['n']}"
        calls.append(dict(id=cid, queue="Q0", offered_at=at, outcome="waiting"))
        state["waiting"].append(cid)
        events.append(cid)
    if calls:
        conn.execute(insert(Call), calls)
    for _ in range(per_second // 3):
        if state["waiting"]:
            cid = state["waiting"].pop(0)
            conn.execute(
                update(Call)
                .where(Call.id == cid)
                .values(
                    answered_at=at,
                    agent_id=f"A{rng.randrange(agents):05d}",
                    outcome="in_progress",
                    hold_seconds=rng.randrange(30),
                )
            )
            state["talking"].append(cid)
            events.append(cid)
        if len(state["talking"]) > 5:
            cid = state["talking"].pop(0)
            conn.execute(
                update(Call)
                .where(Call.id == cid)
                .values(ended_at=at, outcome="completed", talk_seconds=rng.randrange(60, 600))
            )
            events.append(cid)
    conn.execute(
        insert(FeedEventRow),
        [
            dict(
                key=f"{at.timestamp():.0f}-{state['n']}-{j}",
                line_no=j,
                ts=at,
                kind="call_answered",
                call_id=cid,
            )
            for j, cid in enumerate(events)
        ],
    )


def header_tick(quick: bool) -> Iterable[Figure]:
    from db.engine import open_store, read_tx, run_write
    from floorapp.figures.live import LiveTally

    sizes = (200, 1000) if quick else (2000, 10000)
    for agents in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'tick.db'}"
            end = _seed(url, agents, CALLS_PER_AGENT if agents <= 2000 else 30, history=False)
            engine = open_store(url)
            live = LiveTally(_settings())
            rng = random.Random(7)
            state: dict[str, Any] = {"n": 0, "waiting": [], "talking": []}
            wall = end - timedelta(hours=1)
            started = time.perf_counter()
            with read_tx(engine) as conn:
                first = live.poll(conn, wall)
            load = time.perf_counter() - started
            ticks, cpu = [], []
            for _ in range(TICKS):
                wall += timedelta(seconds=1)
                run_write(
                    engine, partial(_tick_writes, rng=rng, at=wall, agents=agents, state=state)
                )
                started, started_cpu = time.perf_counter(), time.process_time()
                with read_tx(engine) as conn:
                    live.poll(conn, wall)
                ticks.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
            engine.dispose()
        yield (f"figures_header_tick_{agents}_ms", statistics.median(ticks) * 1000, "ms")
        yield (f"figures_header_tick_{agents}_cpu_ms", statistics.median(cpu) * 1000, "ms")
        yield (
            f"figures_header_tick_{agents}_p95_ms",
            sorted(ticks)[int(len(ticks) * 0.95) - 1] * 1000,
            "ms",
        )
        yield (f"figures_header_first_load_{agents}_s", load, "s")
        yield (f"figures_header_day_calls_{agents}", first.queue.offered, "calls")


def figures(quick: bool) -> Iterable[Figure]:
    yield from day_report(quick)
    yield from header_tick(quick)
