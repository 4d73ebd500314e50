"""Snapshots of the main views in Chinese (zh-CN) at 80x24 and 200x50, beside the English ones
in test_console_snapshots.py (clock frozen).

Regenerate after an intended change with:
pytest tests/test_console_snapshots_zh.py --snapshot-update
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from floorapp.context import AppContext
from screens.app import FloorApp
from tests.console_helpers import screen_text, until
from tests.test_words import plan_floor

SIZES = [(80, 24), (200, 50)]
# (view, keys pressed once the floor is on screen, text that says the view has loaded)
VIEWS: list[tuple[str, tuple[str, ...], str]] = [
    ("board", ("1",), "姓名"),
    ("flags", ("2",), "待确认"),
    ("queue_all", ("6",), "剩余时限"),
    ("escalate_tier", ("1", "e", "3", "down"), "> 二线"),
    ("detail", ("2", "enter"), "今日通话"),
    ("measures", ("M",), "预警  发起"),  # the floor line, written when the figures arrive
    ("period", ("8",), "未达标"),
    ("help", ("question_mark",), "任何界面"),
]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("view,keys,loaded", VIEWS, ids=[v[0] for v in VIEWS])
def test_snapshot_zh(
    snap_compare: Any,
    ctx: AppContext,
    engine: Engine,
    size: tuple[int, int],
    view: str,
    keys: tuple[str, ...],
    loaded: str,
) -> None:
    floor = plan_floor(ctx, engine)
    app = FloorApp(floor, actor="lead.wang", poll_interval=60, lang="zh-CN")

    async def ready(pilot: Any) -> None:
        await until(pilot, lambda: app.loaded and app.board.row_count == 7, "the first load")
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        await until(pilot, lambda: loaded in screen_text(app), view)
        await pilot.wait_for_scheduled_animations()
        app.tick()  # the clock is frozen: one tick renders the times on screen
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=ready)
