"""Helpers for the console's pilot tests: read the screen as text, wait for the refresh."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot


def screen_text(app: object) -> str:
    """What a supervisor would read on the terminal right now (no colours)."""
    strips = app.screen._compositor.render_strips()  # type: ignore[attr-defined]
    return "\n".join(strip.text for strip in strips)


async def until(pilot: Pilot, cond: Callable[[], object], what: str = "condition",
                tries: int = 200) -> None:
    """Let the app run until ``cond()`` holds (workers, timers); fail naming what never came."""
    for _ in range(tries):
        if cond():
            return
        await pilot.pause(0.03)
    raise AssertionError(f"timed out waiting for {what}\n{screen_text(pilot.app)}")


async def settle(pilot: Pilot) -> None:
    """Wait for running action workers and the next refresh to land on screen."""
    app = pilot.app
    await app.workers.wait_for_complete()  # type: ignore[attr-defined]
    polls = app.polls  # type: ignore[attr-defined]
    app.poll_now()  # type: ignore[attr-defined]
    await until(pilot, lambda: app.polls > polls, "a refresh")  # type: ignore[attr-defined]
    await pilot.pause()
