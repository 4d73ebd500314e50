"""A busy floor through the console's incremental paths: after rounds of state changes from
another process, the board reads exactly as a fresh console would (order, cells, header),
and the cursor stays on the agent the supervisor was on."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from db.changes import next_change
from db.engine import make_engine, run_write
from db.models import Agent
from floorapp.bench.console import STATES, T0, seed
from floorapp.clock import ManualClock
from floorapp.context import AppContext
from floorapp.services.board import BoardReader
from screens.app import FloorApp
from screens.board import attention_key
from screens.cells import STATE_WORDS
from screens.header import FloorHeader
from tests.console_helpers import settle, until

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

AGENTS = 300


def test_board_stays_in_order_under_churn(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'floor.db'}"
    seed(url, AGENTS)
    clock = ManualClock(T0)
    ctx = AppContext(db_url=url, clock=clock, actor="bench")
    writer = make_engine(url)
    rng = random.Random(7)

    async def run() -> None:
        app = FloorApp(ctx, actor="bench", poll_interval=3600)
        async with app.run_test(size=(120, 30)) as pilot:
            await until(pilot, lambda: app.loaded and app.board.row_count == AGENTS, "load")
            board = app.board
            for _ in range(12):  # the supervisor picks an agent: the cursor follows them now
                await pilot.press("down")
            await pilot.pause()
            assert board.cursor_row == 12
            on = board.cursor_key()
            top = int(board.scroll_y)
            for round_ in range(9):
                now = clock.advance(seconds=1)
                ids = [f"A{i:05d}" for i in rng.sample(range(AGENTS), AGENTS // 10)]
                ids = [a for a in ids if a != on]
                # Now and then a call older than every call on the floor comes in late (a
                # feed catching up): it becomes the longest call in the header.
                old_call = ids.pop() if round_ % 2 else None
                long_ago = T0 - timedelta(hours=2, seconds=round_)

                def tx(
                    conn: object,
                    ids: list[str] = ids,
                    now: object = now,
                    old_call: str | None = old_call,
                    long_ago: object = long_ago,
                ) -> None:
                    seq = next_change(conn)  # type: ignore[arg-type]
                    for aid in ids:
                        conn.execute(
                            update(Agent)
                            .where(Agent.id == aid)
                            .values(  # type: ignore[attr-defined]
                                state=rng.choice(STATES),
                                state_since=now,
                                updated_at=now,
                                current_call_id=None,
                                seq=seq,
                            )
                        )
                    if old_call is not None:
                        conn.execute(
                            update(Agent)
                            .where(Agent.id == old_call)
                            .values(  # type: ignore[attr-defined]
                                state="on_call",
                                state_since=long_ago,
                                updated_at=now,
                                current_call_id=None,
                                seq=seq,
                            )
                        )

                run_write(writer, tx)
                await settle(pilot)

                fresh = BoardReader(ctx.engine, settings=ctx.settings, actor="bench")
                truth = fresh.poll(now=ctx.clock.now())
                want = [a.id for a in sorted(truth.agents, key=attention_key)]
                if round_ % 3 == 2:
                    # The whole order, now and then: reading it all brings every row out,
                    # and rows below the screen must also come out right after rounds in
                    # which only the screen was looked at.
                    assert [board.row_key_at(i) for i in range(board.row_count)] == want
                else:
                    assert [board.row_key_at(i) for i in range(top, top + 20)] == want[
                        top : top + 20
                    ]
                assert board.cursor_key() == on
                assert int(board.scroll_y) == top
                far = (AGENTS // 2, AGENTS - 1) if round_ % 3 == 2 else ()
                for i in (0, 5, top + 3, *far):  # on screen and, now and then, off it
                    agent = fresh.agents[want[i]]
                    cells = board.get_row_at(i)
                    assert cells[1].plain == agent.name
                    assert cells[2].plain == STATE_WORDS[agent.state]  # type: ignore[index]
                got = app.query_one(FloorHeader).figures
                assert got is not None
                assert got.by_state == truth.figures.by_state
                assert got.longest_call_since == truth.figures.longest_call_since

    try:
        asyncio.run(run())
    finally:
        writer.dispose()
