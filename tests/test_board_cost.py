"""A console's tick costs what changed, not what is open or how long the day has run.

The reader's rows are counted at the driver (a counting sqlite3 cursor): once warm, a second
of a quiet floor, sweep included, reads the same rows on a floor with a handful of open
flags and a short day as on one with hundreds of open flags and thousands of calls.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, insert, update

from db.engine import make_engine, open_store, run_write
from db.models import Call, FeedEventRow, Flag
from floorapp.clock import ManualClock
from floorapp.context import AppContext
from floorapp.services.board import BoardReader
from floorapp.services.board.reader import SWEEP_EVERY
from tests.conftest import T0
from tests.console_helpers import make_floor

AGENTS = ("1001", "1002", "1003", "1004", "1005", "1006", "1007")


class _CountingCursor(sqlite3.Cursor):
    rows = 0

    def fetchone(self) -> Any:
        row = super().fetchone()
        _CountingCursor.rows += row is not None
        return row

    def fetchmany(self, size: int | None = None) -> list[Any]:
        rows = super().fetchmany(size) if size is not None else super().fetchmany()
        _CountingCursor.rows += len(rows)
        return rows

    def fetchall(self) -> list[Any]:
        rows = super().fetchall()
        _CountingCursor.rows += len(rows)
        return rows


class _CountingConnection(sqlite3.Connection):
    def cursor(self, factory: Any = _CountingCursor) -> Any:  # type: ignore[override]
        return super().cursor(factory)


def _floor(tmp: Path, open_flags: int, calls: int) -> tuple[AppContext, Engine]:
    url = f"sqlite:///{tmp / f'floor-{open_flags}-{calls}.db'}"
    open_store(url).dispose()
    engine = make_engine(url, connect_args={"factory": _CountingConnection})
    now = T0
    make_floor(engine, now)

    def tx(conn: Any) -> None:
        if open_flags:
            # Raised through the last hours, as a long day's unhandled flags are.
            conn.execute(
                insert(Flag),
                [
                    dict(
                        agent_id=AGENTS[i % len(AGENTS)],
                        kind=f"kind{i}",
                        severity="medium",
                        status="raised",
                        open_key=f"{AGENTS[i % len(AGENTS)]}|kind{i}",
                        raised_at=now - timedelta(hours=3, seconds=-i),
                        updated_at=now - timedelta(hours=3, seconds=-i),
                        raised_by="rule",
                    )
                    for i in range(open_flags)
                ],
            )
        if calls:
            conn.execute(
                insert(Call),
                [
                    dict(
                        id=f"D{i}",
                        agent_id=AGENTS[i % len(AGENTS)],
                        offered_at=now - timedelta(hours=8, seconds=-i),
                        answered_at=now - timedelta(hours=8, seconds=-i - 5),
                        ended_at=now - timedelta(hours=8, seconds=-i - 60),
                        outcome="completed",
                        complaint=i % 10 == 0,
                    )
                    for i in range(calls)
                ],
            )

    run_write(engine, tx)
    ctx = AppContext(db_url=url, clock=ManualClock(now), actor="lead.wang")
    ctx.__dict__["engine"] = engine
    return ctx, engine


def _quiet_ticks(ctx: AppContext, engine: Engine, seconds: int) -> tuple[int, int]:
    """Rows and statements of ``seconds`` one-second ticks of a warm reader."""
    reader = BoardReader(ctx.engine, settings=ctx.settings, actor="lead.wang")
    reader.poll(now=ctx.clock.now())
    ctx.clock.advance(seconds=SWEEP_EVERY.total_seconds() + 1)  # type: ignore[attr-defined]
    reader.poll(now=ctx.clock.now())  # warm through a sweep too
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine, "after_cursor_execute", count)
    _CountingCursor.rows = 0
    try:
        for _ in range(seconds):
            ctx.clock.advance(seconds=1)  # type: ignore[attr-defined]
            assert reader.poll(now=ctx.clock.now()).empty
    finally:
        event.remove(engine, "after_cursor_execute", count)
    return _CountingCursor.rows, statements


@pytest.fixture
def floors(tmp_path: Path) -> Iterator[list[tuple[AppContext, Engine]]]:
    made = [_floor(tmp_path, 3, 20), _floor(tmp_path, 400, 3000)]
    yield made
    for _, engine in made:
        engine.dispose()


def test_a_quiet_tick_reads_the_same_rows_whatever_is_open_and_however_long_the_day(
    floors: list[tuple[AppContext, Engine]],
) -> None:
    seconds = int(SWEEP_EVERY.total_seconds()) + 1  # at least one sweep
    small, big = (_quiet_ticks(ctx, engine, seconds) for ctx, engine in floors)
    assert small == big
    assert small[1] >= seconds  # it did read each second


def test_counts_follow_changes_without_a_recount(tmp_path: Path) -> None:
    ctx, engine = _floor(tmp_path, 0, 0)
    try:
        reader = BoardReader(ctx.engine, settings=ctx.settings, actor="lead.wang")
        f = reader.poll(now=ctx.clock.now()).figures
        assert (f.open_flags, f.unhandled_flags, f.past_deadline) == (1, 1, 1)
        # A deadline passes with nothing written: the count follows the clock.
        ctx.clock.advance(minutes=6)  # type: ignore[attr-defined]
        assert reader.poll(now=ctx.clock.now()).figures.past_deadline == 2
        now = ctx.clock.now()
        run_write(
            engine,
            lambda c: c.execute(
                update(Flag).values(
                    status="acknowledged",
                    acknowledged_by="lead.wang",
                    acknowledged_at=now,
                    updated_at=now,
                )
            ),
        )
        f = reader.poll(now=ctx.clock.now()).figures
        assert (f.open_flags, f.unhandled_flags) == (1, 0)
        # A complaint marked on a finished call through the feed reaches the agent's row
        # from the call that changed, not from a recount of the day.
        before = reader.agents["1002"].complaints_today
        run_write(
            engine, lambda c: c.execute(update(Call).where(Call.id == "C0").values(complaint=False))
        )
        run_write(
            engine,
            lambda c: c.execute(
                insert(FeedEventRow).values(
                    key="00000001",
                    source_id=None,
                    line_no=1,
                    kind="call_update",
                    ts=now,
                    call_id="C0",
                    agent_id="1002",
                    payload="{}",
                )
            ),
        )
        d = reader.poll(now=ctx.clock.now())
        assert [(a.id, a.complaints_today) for a in d.agents] == [("1002", before - 1)]
    finally:
        engine.dispose()


def test_the_live_tally_holds_the_calls_in_play_and_agrees_with_a_fresh_one(tmp_path: Path) -> None:
    """Calls that ended long ago are counted and let go; what the feed says later about one
    (a complaint) still reaches its agent's count, a call offered and ended between two
    looks is counted, and the running tally ends where a fresh one starts."""
    from db.engine import read_tx
    from floorapp.figures.live import RETIRE_AFTER, LiveTally

    ctx, engine = _floor(tmp_path, 0, 3000)
    try:
        live = LiveTally(ctx.settings)
        with read_tx(engine) as conn:
            live.poll(conn, ctx.clock.now())
        # 3,000 calls ended hours ago: none held; the three in progress and the one that
        # ended three minutes ago are.
        assert sorted(live.facts) == ["C0", "C1", "C2", "C3"]
        ctx.clock.advance(seconds=RETIRE_AFTER.total_seconds() + 60)  # type: ignore[attr-defined]
        now = ctx.clock.now()
        n = 0

        def event(kind: str, call: str, agent: str) -> dict[str, Any]:
            nonlocal n
            n += 1
            return dict(
                key=f"{n:08x}",
                source_id=None,
                line_no=n,
                kind=kind,
                ts=now,
                agent_id=agent,
                call_id=call,
                payload="{}",
            )

        def tx(c: Any) -> None:
            c.execute(update(Call).where(Call.id == "D5").values(complaint=True))
            c.execute(
                insert(Call).values(
                    id="N1",
                    agent_id="1003",
                    offered_at=now - timedelta(seconds=50),
                    answered_at=now - timedelta(seconds=45),
                    ended_at=now,
                    outcome="completed",
                )
            )
            c.execute(
                insert(FeedEventRow),
                [
                    event("call_update", "D5", "1006"),
                    event("call_offered", "N1", "1003"),
                    event("call_ended", "N1", "1003"),
                ],
            )

        run_write(engine, tx)
        with read_tx(engine) as conn:
            kept = live.poll(conn, now)
        assert "C0" not in live.facts  # ended over RETIRE_AFTER ago: let go
        fresh = LiveTally(ctx.settings)
        with read_tx(engine) as conn:
            first = fresh.poll(conn, now)
        assert kept.queue == first.queue
        assert {a: v for a, v in live.by_agent.items() if v != (0, 0)} == {
            a: v for a, v in fresh.by_agent.items() if v != (0, 0)
        }
        assert live.by_agent["1006"][1] == fresh.by_agent["1006"][1] > 0
    finally:
        engine.dispose()
