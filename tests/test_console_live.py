"""The live refresh keeps going whatever goes wrong in drawing it, and a language switch
re-words every row on screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, update

from db.changes import next_change
from db.engine import run_write
from db.models import Agent
from floorapp.context import AppContext
from floorapp.services import flags as flag_service
from tests.console_helpers import console, screen_text, settle, sync, until


def set_state(floor: AppContext, engine: Engine, agent_id: str, state: str) -> None:
    """Another process moves an agent to ``state`` (as the feed writer would)."""
    now = floor.clock.now()
    run_write(
        engine,
        lambda c: c.execute(
            update(Agent)
            .where(Agent.id == agent_id)
            .values(
                state=state,
                current_call_id=None,
                state_since=now,
                updated_at=now,
                seq=next_change(c),
            )
        ),
    )


@sync
async def test_a_refresh_that_fails_to_draw_is_said_and_the_next_one_catches_up(
    floor: AppContext, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "console.log"
    monkeypatch.setenv("FLOORAPP_CONSOLE_LOG", str(log))
    async with console(floor) as (app, pilot):
        flags = app.flag_table
        real_apply = flags.apply
        failures: list[int] = []

        def apply_once_broken(*args: Any, **kwargs: Any) -> None:
            if not failures and not kwargs.get("full"):
                failures.append(1)
                raise RuntimeError("boom in drawing the flags")
            real_apply(*args, **kwargs)

        flags.apply = apply_once_broken
        # One delta with an agent's change (drawn before the flags) and a new flag (lost
        # with the failure unless the floor is read again).
        set_state(floor, engine, "1006", "available")
        flag_service.raise_observed(
            engine, "1003", "shouting at a customer", actor="lead.wang", now=floor.clock.now()
        )
        await until(pilot, lambda: failures, "the broken refresh")
        await until(
            pilot,
            lambda: any("Could not draw the latest changes" in n for n in app.shown_notices()),
            "the notice of the failure",
        )
        assert "RuntimeError: boom in drawing the flags" in log.read_text(encoding="utf-8")
        # Made after the failure: the refresh goes on and shows it, and what the failed
        # delta carried is there too.
        set_state(floor, engine, "1002", "break")
        await settle(pilot)
        await until(
            pilot,
            lambda: app.board.model["1002"].state == "break",
            "a change made after the failure",
        )
        assert app.board.model["1006"].state == "available"
        assert any(f.detail == "shouting at a customer" for f in flags.model.values())
        await pilot.press("2")
        await until(pilot, lambda: "shouting at a customer" in screen_text(app), "the new flag")
        notices = [n for n in app.shown_notices() if "Could not draw" in n]
        assert len(notices) == 1, notices
