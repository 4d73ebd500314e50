"""Notices of one kind replace each other instead of stacking over the board."""

from __future__ import annotations

from floorapp.context import AppContext
from tests.console_helpers import console, screen_text, settle, sync


def _shown(app: object) -> list[str]:
    return app.shown_notices()  # type: ignore[attr-defined,no-any-return]


@sync
async def test_six_sorts_leave_one_sorted_by_notice(floor: AppContext) -> None:
    async with console(floor, size=(80, 24)) as (app, pilot):
        for _ in range(6):
            await pilot.press("o")
        await settle(pilot)
        sorted_by = [m for m in _shown(app) if m.startswith("Sorted by")]
        assert len(sorted_by) == 1, _shown(app)
        assert screen_text(app).count("Sorted by") == 1


@sync
async def test_different_notices_still_stack(floor: AppContext) -> None:
    async with console(floor) as (app, pilot):
        app.notify("first thing", markup=False)
        app.notify("second thing", markup=False)
        app.notify("second thing", markup=False)  # the same again: one of it
        await pilot.pause()
        assert sorted(_shown(app)) == ["first thing", "second thing"]
