"""The console at 80 columns (a laptop over SSH) and at 200: whole footer keys, measures that
fit, and the tier chosen when a supervisor opens an escalation by hand."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, select
from textual.widgets import DataTable
from textual.widgets._footer import FooterKey

from db.models import Escalation
from floorapp.context import AppContext
from screens.app import FloorApp
from screens.footer import FloorFooter
from tests.console_helpers import make_floor, screen_text, settle, until

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def sync(fn: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(fn(*args, **kwargs))

    return run


@pytest.fixture
def floor(ctx: AppContext, engine: Engine) -> AppContext:
    make_floor(engine, ctx.clock.now())
    return ctx


@asynccontextmanager
async def console(ctx: AppContext, size: tuple[int, int]) -> AsyncIterator[tuple[FloorApp, Any]]:
    app = FloorApp(ctx, actor="lead.wang", poll_interval=0.2)
    async with app.run_test(size=size, notifications=True) as pilot:
        await until(pilot, lambda: app.loaded and app.board.row_count > 0, "the first load")
        await pilot.pause()
        yield app, pilot


async def type_text(pilot: Any, text: str) -> None:
    for ch in text:
        await pilot.press("space" if ch == " " else ch)


def footer_line(app: FloorApp) -> str:
    return screen_text(app).splitlines()[-1]


async def footer_keys(app: FloorApp, pilot: Any) -> list[FooterKey]:
    """The footer's keys once it has caught up with the focused view's bindings."""
    footer = app.screen.query_one(FloorFooter)
    await until(pilot, lambda: footer.query(FooterKey), "the footer keys")
    await pilot.pause()
    return list(footer.query(FooterKey))


def assert_whole(app: FloorApp, keys: list[FooterKey]) -> None:
    """Every key shown ends before the palette key starts, and its words are on screen."""
    palette = next(k for k in keys if k.has_class("-command-palette"))
    line = footer_line(app)
    for k in keys:
        if k is palette:
            continue
        assert k.region.right <= palette.region.x, f"{k.description!r} runs under the palette"
        assert f"{k.key_display} {k.description}" in line


VIEW_KEYS = ["1", "2", "3", "4", "5", "6", "7", "8"]


@sync
async def test_footer_keys_are_whole_at_80_columns_in_every_view(floor: AppContext) -> None:
    async with console(floor, (80, 24)) as (app, pilot):
        for key in VIEW_KEYS:
            await pilot.press(key)
            await pilot.pause()
            keys = await footer_keys(app, pilot)
            assert_whole(app, keys)
            # Help is how a new supervisor finds the keys that made way.
            assert "? Help" in footer_line(app), f"view {key}: {footer_line(app)!r}"
        await pilot.press("3")  # the queue's six keys, Help and Quit do not all fit
        await pilot.pause()
        await footer_keys(app, pilot)
        line = footer_line(app)
        assert "c Claim" in line and "⏎ History" in line and "q Quit" not in line
        assert "Qui" not in line


@sync
async def test_footer_shows_every_key_at_200_columns_and_refits_on_resize(
        floor: AppContext) -> None:
    async with console(floor, (200, 50)) as (app, pilot):
        await pilot.press("3")
        await pilot.pause()
        keys = await footer_keys(app, pilot)
        assert_whole(app, keys)
        assert "q Quit" in footer_line(app)
        await pilot.resize_terminal(80, 24)
        await until(pilot, lambda: "q Quit" not in footer_line(app), "the footer to refit")
        assert_whole(app, await footer_keys(app, pilot))
        await pilot.resize_terminal(200, 50)
        await until(pilot, lambda: "q Quit" in footer_line(app), "Quit back at 200 columns")
