"""The console survives any key burst: an error in a key's action is reported, never fatal."""

from __future__ import annotations

import random

from textual import events

from floorapp.context import AppContext
from tests.console_helpers import burst, console, screen_text, sync, until

# Keys a supervisor's hands (or a noisy SSH link) can send, paging keys and the palette
# included: ctrl+p followed at once by PageDown once killed the console inside Textual's
# OptionList before the palette had laid out its lines.
KEYS = [
    "ctrl+p",
    "pagedown",
    "pageup",
    "home",
    "end",
    "up",
    "down",
    "left",
    "right",
    "tab",
    "shift+tab",
    "escape",
    "enter",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "o",
    "t",
    "s",
    "/",
    "a",
    "h",
    "j",
    "k",
    "space",
    "backspace",
    "?",
]


@sync
async def test_palette_then_paging_keys_do_not_end_the_console(floor: AppContext) -> None:
    async with console(floor) as (app, pilot):
        for paging in ("pagedown", "pageup", "end", "home"):
            # Both keys in the same instant, as tmux send-keys delivers them: the palette
            # is open but has not laid out its options when the paging key reaches it.
            app.post_message(events.Key("ctrl+p", None))
            app.post_message(events.Key(paging, None))
            await pilot.pause()
            await pilot.pause()
            assert app.is_running
            await pilot.press("escape")
            await pilot.pause()
        await pilot.press("2")
        await until(pilot, lambda: app.active_view == "flags", "the flags view after the burst")


@sync
async def test_an_error_in_an_action_is_a_notice_and_logged(
    floor: AppContext, tmp_path, monkeypatch
) -> None:
    log = tmp_path / "console.log"
    monkeypatch.setenv("FLOORAPP_CONSOLE_LOG", str(log))
    async with console(floor) as (app, pilot):

        def broken() -> None:
            raise RuntimeError("boom in an action")

        app.action_broken_for_test = broken  # an action that fails, as a bug would
        await app.run_action("broken_for_test")
        await pilot.pause()
        assert app.is_running
        assert "boom in an action" in screen_text(app)
        assert "RuntimeError: boom in an action" in log.read_text(encoding="utf-8")
        await pilot.press("2")
        await until(pilot, lambda: app.active_view == "flags", "the next key still works")


@sync
async def test_random_key_bursts_leave_the_console_alive(floor: AppContext) -> None:
    rng = random.Random(20261207)
    async with console(floor, size=(80, 24)) as (app, pilot):
        for _ in range(15):
            keys = [rng.choice(KEYS) for _ in range(rng.randint(2, 8))]
            await burst(pilot, *keys)
            assert app.is_running, f"the console died on {keys}"
        # Close whatever the burst left open, then the last key must still work.
        for _ in range(4):
            await pilot.press("escape")
        await pilot.pause()
        await pilot.press("1")
        await until(pilot, lambda: app.active_view == "board", "the board after the bursts")
