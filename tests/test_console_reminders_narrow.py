"""The reminders view (7) at 80x24: the team stays whole, the cursor row carries the ▶ mark
as every other table does, and Home / End move the cursor."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, insert

from db.engine import run_write
from db.models_plan import Reminder
from floorapp.context import AppContext
from tests.console_helpers import console, screen_text, sync, until

LONG = "Walk the floor and check every agent of the afternoon shift for signs of stress"


def _reminders(engine: Engine, now: object) -> None:
    rows = [
        dict(
            job_id=f"patrol:{team}:{i}",
            scheduled_for=now - timedelta(minutes=i),  # type: ignore[operator]
            kind="patrol",
            title=f"{LONG} ({i})",
            team_id=team,
            status="due",
            fired_at=now,
            fired_by="test",
        )
        for i, team in enumerate(["T1", "T2", "T1", "T2", "T1"], start=1)
    ]
    run_write(engine, lambda c: c.execute(insert(Reminder), rows))


@sync
async def test_reminders_at_80_columns_keep_the_team_mark_the_row_and_go_home(
    floor: AppContext, engine: Engine
) -> None:
    _reminders(engine, floor.clock.now())
    async with console(floor, actor="fm.zhou", size=(80, 24)) as (app, pilot):
        await pilot.press("7")
        await until(pilot, lambda: screen_text(app).count("Walk the floor") == 5, "reminders")
        lines = [ln for ln in screen_text(app).splitlines() if "Walk the floor" in ln]
        assert all(" T1 " in ln or " T2 " in ln for ln in lines), "\n".join(lines)
        marked = [ln for ln in lines if "▶" in ln]
        assert len(marked) == 1 and marked[0] == lines[0]
        await pilot.press("down", "down", "down")
        await pilot.pause()
        lines = [ln for ln in screen_text(app).splitlines() if "Walk the floor" in ln]
        assert "▶" in lines[3] and "▶" not in lines[0]
        await pilot.press("home")
        await pilot.pause()
        lines = [ln for ln in screen_text(app).splitlines() if "Walk the floor" in ln]
        assert "▶" in lines[0] and sum("▶" in ln for ln in lines) == 1
        await pilot.press("end")
        await pilot.pause()
        lines = [ln for ln in screen_text(app).splitlines() if "Walk the floor" in ln]
        assert "▶" in lines[-1]
