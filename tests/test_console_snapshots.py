"""Snapshots of the board, the flags view, a queue view, the flag measures and the escalation
tier dialog at 80x24 and 160x48 (clock frozen); the views that show words for the store's
codes (flags, an agent's day, measures, the guarantee period) at 80x24 and 200x50.

Regenerate after an intended change with: pytest tests/test_console_snapshots.py --snapshot-update
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from floorapp.context import AppContext
from screens.app import FloorApp
from tests.console_helpers import screen_text, until
from tests.test_words import plan_floor

SIZES = [(80, 24), (160, 48)]
# Keys pressed once the floor is on screen; the last two are screens pushed over the board.
VIEWS: list[tuple[str, tuple[str, ...]]] = [
    ("board", ("1",)),
    ("flags", ("2",)),
    ("queue_all", ("6",)),
    ("measures", ("M",)),
    ("escalate_tier", ("1", "e", "3", "down")),
]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("view,keys", VIEWS, ids=[v[0] for v in VIEWS])
def test_snapshot(
    snap_compare: Any, floor: AppContext, size: tuple[int, int], view: str, keys: tuple[str, ...]
) -> None:
    app = FloorApp(floor, actor="lead.wang", poll_interval=60)

    async def ready(pilot: Any) -> None:
        await until(pilot, lambda: app.loaded and app.board.row_count == 7, "the first load")
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        if view == "measures":
            await until(pilot, lambda: "Flags on" in screen_text(app), "the measures")
        elif view == "escalate_tier":
            await until(pilot, lambda: "▶ tier 2" in screen_text(app), "the tier dialog")
        else:
            table = app.table_for(app.active_view)
            assert table is not None
            table.focus()
        await pilot.wait_for_scheduled_animations()
        app.tick()  # the clock is frozen: one tick renders the times on screen
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=ready)


WORD_SIZES = [(80, 24), (200, 50)]
# (view, keys, text that says the view has loaded)
WORD_VIEWS: list[tuple[str, tuple[str, ...], str]] = [
    ("flags", ("2",), "call over 20 minutes"),
    ("detail", ("2", "enter"), "Calls today"),
    ("measures", ("M",), "Flags on"),
    ("period", ("8",), "OFF TRACK"),
]


@pytest.mark.parametrize("size", WORD_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("view,keys,loaded", WORD_VIEWS, ids=[v[0] for v in WORD_VIEWS])
def test_words_snapshot(
    snap_compare: Any,
    ctx: AppContext,
    engine: Engine,
    size: tuple[int, int],
    view: str,
    keys: tuple[str, ...],
    loaded: str,
) -> None:
    floor = plan_floor(ctx, engine)
    app = FloorApp(floor, actor="lead.wang", poll_interval=60)

    async def ready(pilot: Any) -> None:
        await until(pilot, lambda: app.loaded and app.board.row_count == 7, "the first load")
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        await until(pilot, lambda: loaded in screen_text(app), view)
        await pilot.wait_for_scheduled_animations()
        app.tick()
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=ready)
