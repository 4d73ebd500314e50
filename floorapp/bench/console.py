"""Console weight and speed: tick CPU, first paint, peak memory, by floor size and time of day.

Each run is its own process (so its VmHWM is the console's own): a seeded SQLite file with N
agents named in Chinese (坐席00001 ..., so the figures include reading names in pinyin order),
today's calls, open flags and 300 open escalations; the console opens headless at
200x50 with a frozen clock (and the reminder scheduler beside it, as ``floorapp console``
runs it);
then, each "second", a tenth of the agents change state (written through a separate
engine, as the feed would, at event times spread over the second) and one refresh is
measured: the worker's read of what changed + patching the tables + the 1-second tick + the
render.

Two references in the same run: a bare Textual app (one Static) opened the same way, the
floor under any console's memory; and, for tick CPU, the same floor late in a generated
27-hour day (the day's calls stored at a busy floor's rate, 17,000 flags left open), whose
ticks must cost what the fresh floor's do.
"""

from __future__ import annotations

import asyncio
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from floorapp.bench import Figure

T0 = datetime(2026, 3, 16, 10, 0, tzinfo=UTC)
STATES = ("available", "on_call", "after_call", "break", "offline")
ESCALATIONS = 300
CALLS_PER_AGENT = 6
LONG_DAY_HOURS = 27
LONG_DAY_OPEN_FLAGS = 17_000
LONG_DAY_CALLS_PER_AGENT_HOUR = 3  # ~75 a day: the figures bench's busy day


def seed(url: str, agents: int, at: datetime = T0) -> None:
    """A floor of ``agents`` as it stands at ``at`` (states, today's calls, flags, cases)."""
    from sqlalchemy import Connection, insert

    from db.engine import open_store, run_write
    from db.models import Agent, Call, Escalation, Flag, Supervisor, Team

    rng = random.Random(agents)
    engine = open_store(url)
    teams = max(agents // 20, 1)

    def tx(conn: Connection) -> None:
        c = conn
        c.execute(insert(Team), [{"id": f"T{t}", "name": f"team {t}"} for t in range(teams)])
        c.execute(
            insert(Supervisor),
            [
                {
                    "id": "bench",
                    "name": "bench",
                    "role": "floor_manager",
                    "active": True,
                }
            ],
        )
        rows, calls = [], []
        for i in range(agents):
            state = rng.choice(STATES)
            since = at - timedelta(seconds=rng.randrange(1, 1800))
            call_id = f"L{i}" if state == "on_call" else None
            rows.append(
                dict(
                    id=f"A{i:05d}",
                    name=f"坐席{i:05d}",
                    team_id=f"T{i % teams}",
                    state=state,
                    state_since=since,
                    current_call_id=call_id,
                    updated_at=since,
                )
            )
            for k in range(CALLS_PER_AGENT):
                off = at - timedelta(minutes=10 * (k + 1), seconds=rng.randrange(60))
                calls.append(
                    dict(
                        id=f"P{i}-{k}",
                        agent_id=f"A{i:05d}",
                        offered_at=off,
                        answered_at=off + timedelta(seconds=rng.randrange(2, 40)),
                        ended_at=off + timedelta(minutes=5),
                        outcome="completed",
                        complaint=rng.random() < 0.03,
                    )
                )
            if call_id:
                calls.append(
                    dict(
                        id=call_id,
                        agent_id=f"A{i:05d}",
                        offered_at=since,
                        answered_at=since,
                        ended_at=None,
                        outcome="in_progress",
                        complaint=False,
                    )
                )
        c.execute(insert(Agent), rows)
        c.execute(insert(Call), calls)
        flag_rows = []
        for i in range(0, agents, 50):
            # Raised through the last hour, as a floor's flags are, not all in one instant.
            raised = at - timedelta(seconds=60 + (i * 37) % 3600)
            flag_rows.append(
                dict(
                    agent_id=f"A{i:05d}",
                    kind="long_call",
                    severity=rng.choice(("light", "medium", "high")),
                    status="raised",
                    open_key=f"A{i:05d}|long_call",
                    raised_at=raised,
                    raised_by="rule",
                    updated_at=raised,
                )
            )
        c.execute(insert(Flag), flag_rows)
        c.execute(
            insert(Escalation),
            [
                dict(
                    agent_id=f"A{(i * 7) % agents:05d}",
                    team_id=f"T{i % teams}",
                    tier=1 + i % 3,
                    severity=rng.choice(("light", "medium", "high")),
                    reason=f"bench case {i}",
                    status="open",
                    opened_at=at - timedelta(minutes=i % 90),
                    opened_by="bench",
                    deadline=at + timedelta(minutes=(i % 120) - 30),
                    handoffs=i % 3,
                    updated_at=at - timedelta(minutes=i % 90),
                )
                for i in range(ESCALATIONS)
            ],
        )

    run_write(engine, tx)
    engine.dispose()


def long_day_end(settings: Any = None) -> datetime:
    """Ten minutes before the end of the centre's day that holds T0: the day's calls are
    all "today" (the most a recount would read)."""
    from floorapp.config import Settings
    from floorapp.figures.day import day_bounds

    return day_bounds(settings or Settings(), T0)[1] - timedelta(minutes=10)


def seed_long_day(url: str, agents: int, at: datetime) -> None:
    """A floor as it stands at ``at`` after LONG_DAY_HOURS of calls at a busy floor's rate,
    with LONG_DAY_OPEN_FLAGS flags raised through them, acknowledged and never closed (raised
    ones would all be sent on by the scheduler's overdue sweep: a burst, not a steady day)."""
    from sqlalchemy import insert

    from db.engine import make_engine
    from db.models import Call, Flag

    seed(url, agents, at)
    engine = make_engine(url)
    rng = random.Random(27)
    start = at - timedelta(hours=LONG_DAY_HOURS)
    per_hour = agents * LONG_DAY_CALLS_PER_AGENT_HOUR
    step = timedelta(hours=1) / per_hour
    batch: list[dict[str, Any]] = []
    try:
        with engine.begin() as conn:
            for k in range(per_hour * LONG_DAY_HOURS):
                off = start + step * k
                ans = off + timedelta(seconds=rng.randrange(2, 40))
                batch.append(
                    dict(
                        id=f"H{k}",
                        agent_id=f"A{k % agents:05d}",
                        offered_at=off,
                        answered_at=ans,
                        ended_at=ans + timedelta(minutes=4),
                        outcome="completed",
                        hold_seconds=(ans - off).seconds,
                        talk_seconds=240,
                        complaint=rng.random() < 0.03,
                    )
                )
                if len(batch) == 20_000:
                    conn.execute(insert(Call), batch)
                    batch = []
            if batch:
                conn.execute(insert(Call), batch)
            gap = timedelta(hours=LONG_DAY_HOURS) / LONG_DAY_OPEN_FLAGS
            conn.execute(
                insert(Flag),
                [
                    dict(
                        agent_id=f"A{i % agents:05d}",
                        kind=f"bench{i}",
                        severity="light",
                        status="acknowledged",
                        open_key=f"A{i % agents:05d}|bench{i}",
                        raised_at=start + gap * i,
                        raised_by="rule",
                        acknowledged_by="bench",
                        acknowledged_at=start + gap * i,
                        updated_at=start + gap * i,
                    )
                    for i in range(LONG_DAY_OPEN_FLAGS)
                ],
            )
    finally:
        engine.dispose()


def _bare() -> dict[str, float]:
    """The reference: a bare Textual app opened the way the console is."""
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("floor")

    async def run() -> None:
        app = Bare()
        async with app.run_test(size=(200, 50)) as pilot:
            await pilot.pause()

    asyncio.run(run())
    return {"peak_rss_mb": _peak_rss_mb()}


def _child(url: str, agents: int, ticks: int, at: datetime = T0) -> dict[str, float]:
    from sqlalchemy import update

    from db.changes import next_change
    from db.engine import make_engine, run_write
    from db.models import Agent
    from floorapp.clock import ManualClock
    from floorapp.context import AppContext
    from floorapp.scheduler import console_host
    from screens.app import FloorApp

    clock = ManualClock(at)
    ctx = AppContext(db_url=url, clock=clock, actor="bench")
    writer = make_engine(url)
    rng = random.Random(1)
    out: dict[str, float] = {}

    async def run() -> None:
        started = time.perf_counter()
        app = FloorApp(ctx, actor="bench")
        async with app.run_test(size=(200, 50)) as pilot:
            while not (app.loaded and app.board.row_count == agents):
                await pilot.pause(0.005)
            await pilot.pause()
            out["first_paint_s"] = time.perf_counter() - started
            # Each measured tick is exactly what the console's one-second timer does
            # (refresh, tick, one frame); the timer itself is held so it adds nothing.
            app.second_timer.pause()
            cpu: list[float] = []
            for _ in range(ticks):
                now = clock.advance(seconds=1)
                changed = rng.sample(range(agents), max(agents // 10, 1))
                # A feed's changes happen through the second, each at its own event time,
                # not all at one instant.
                step = timedelta(seconds=1) / len(changed)
                values = [
                    (f"A{i:05d}", rng.choice(STATES), now - timedelta(seconds=1) + step * (k + 1))
                    for k, i in enumerate(changed)
                ]

                def tx(conn: Any, values: list[tuple[str, str, datetime]] = values) -> None:
                    seq = next_change(conn)  # as the feed writes: one change number a batch
                    for aid, state, at in values:
                        conn.execute(
                            update(Agent)
                            .where(Agent.id == aid)
                            .values(
                                state=state,
                                state_since=at,
                                updated_at=at,
                                current_call_id=None,
                                seq=seq,
                            )
                        )

                run_write(writer, tx)
                refreshed = app.next_refresh()
                c0 = time.process_time()
                app.second()
                # Woken by the refresh, not polling for it: each wake-up of a polling loop
                # took the lock from the refresh's thread and was counted as the tick's cost.
                await refreshed
                await pilot.pause()
                cpu.append(time.process_time() - c0)
            out["tick_cpu_median_ms"] = statistics.median(cpu) * 1000
            out["tick_cpu_max_ms"] = max(cpu) * 1000

    # The reminder scheduler runs beside the console, as ``floorapp console`` runs it.
    host = console_host(ctx.engine, ctx.settings, clock, "bench")
    host.start()
    try:
        asyncio.run(run())
    finally:
        host.stop()
    writer.dispose()
    out["peak_rss_mb"] = _peak_rss_mb()
    return out


def _peak_rss_mb() -> float:
    # VmHWM is this process's own peak; ru_maxrss can carry the forking parent's peak over.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run_child(url: str, agents: int, ticks: int, at: datetime = T0) -> dict[str, float]:
    args = ["--bare"] if agents == 0 else [url, str(agents), str(ticks), at.isoformat()]
    proc = subprocess.run(
        [sys.executable, "-m", "floorapp.bench.console", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"console bench at {agents} agents failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def figures(quick: bool) -> Iterable[Figure]:
    sizes = (200, 2000) if quick else (200, 2000, 10_000)
    long_sizes = (2000,) if quick else (2000, 10_000)
    ticks = 6 if quick else 12
    # This machine is shared and its speed drifts by a fifth from one minute to the next.
    # Sizes run in rounds, back to back, each on a fresh copy of its seeded floor: a figure is
    # the median over rounds, and a ratio is taken within each round (both runs measured
    # under the same conditions) before its median is taken.
    rounds = 1 if quick else 3
    late = long_day_end()
    runs: dict[int, list[dict[str, float]]] = {n: [] for n in sizes}
    long_runs: dict[int, list[dict[str, float]]] = {n: [] for n in long_sizes}
    bare: list[float] = []
    with tempfile.TemporaryDirectory(prefix="floorapp-bench-console-") as tmp:
        seeded, seeded_long = {}, {}
        for n in sizes:
            seeded[n] = Path(tmp) / f"seed-{n}.db"
            seed(f"sqlite:///{seeded[n]}", n)
        for n in long_sizes:
            seeded_long[n] = Path(tmp) / f"seed-{n}-long.db"
            seed_long_day(f"sqlite:///{seeded_long[n]}", n, late)
        for r in range(rounds):
            bare.append(_run_child("", 0, 0)["peak_rss_mb"])
            for n in sizes:
                floor = Path(tmp) / f"floor-{n}-{r}.db"
                shutil.copyfile(seeded[n], floor)
                runs[n].append(_run_child(f"sqlite:///{floor}", n, ticks))
                floor.unlink()
            for n in long_sizes:
                floor = Path(tmp) / f"floor-{n}-long-{r}.db"
                shutil.copyfile(seeded_long[n], floor)
                long_runs[n].append(_run_child(f"sqlite:///{floor}", n, ticks, late))
                floor.unlink()
    bare_mb = statistics.median(bare)
    yield "textual_bare_app_peak_rss", round(bare_mb, 1), "MB (same run: the floor under it)"
    for n in sizes:
        rs = runs[n]
        yield (
            f"console_tick_cpu_median_{n}_agents",
            round(statistics.median(r["tick_cpu_median_ms"] for r in rs), 1),
            "ms",
        )
        yield (
            f"console_tick_cpu_max_{n}_agents",
            round(max(r["tick_cpu_max_ms"] for r in rs), 1),
            "ms",
        )
        yield (
            f"console_first_paint_{n}_agents",
            round(statistics.median(r["first_paint_s"] for r in rs), 3),
            "s",
        )
        peak = max(r["peak_rss_mb"] for r in rs)
        yield (
            f"console_peak_rss_{n}_agents",
            round(peak, 1),
            f"MB (bare Textual {bare_mb:.1f} MB: {peak / bare_mb:.1f} x, +{peak - bare_mb:.1f} MB)",
        )
    for n in long_sizes:
        ratios = [
            lr["tick_cpu_median_ms"] / fr["tick_cpu_median_ms"]
            for lr, fr in zip(long_runs[n], runs[n], strict=True)
        ]
        yield (
            f"console_tick_cpu_median_{n}_agents_after_{LONG_DAY_HOURS}h",
            round(statistics.median(r["tick_cpu_median_ms"] for r in long_runs[n]), 1),
            f"ms ({LONG_DAY_OPEN_FLAGS} open flags, "
            f"{n * LONG_DAY_CALLS_PER_AGENT_HOUR * LONG_DAY_HOURS} calls stored)",
        )
        yield (
            f"console_tick_ratio_{LONG_DAY_HOURS}h_vs_hour0_{n}_agents",
            round(statistics.median(ratios), 2),
            "x (target <= 1.10)",
        )
        yield (
            f"console_peak_rss_{n}_agents_after_{LONG_DAY_HOURS}h",
            round(max(r["peak_rss_mb"] for r in long_runs[n]), 1),
            "MB",
        )
    if 10_000 in runs:
        ratios = [
            big["tick_cpu_median_ms"] / mid["tick_cpu_median_ms"]
            for big, mid in zip(runs[10_000], runs[2000], strict=True)
        ]
        yield "console_tick_ratio_10000_vs_2000", round(statistics.median(ratios), 2), "x"
        yield (
            "console_tick_ratio_10000_vs_2000_rounds",
            round(max(ratios), 2),
            f"x worst of {rounds} (best {min(ratios):.2f} x)",
        )


if __name__ == "__main__":
    if sys.argv[1:] == ["--bare"]:
        print(json.dumps(_bare()))
    else:
        print(
            json.dumps(
                _child(
                    sys.argv[1],
                    int(sys.argv[2]),
                    int(sys.argv[3]),
                    datetime.fromisoformat(sys.argv[4]),
                )
            )
        )
