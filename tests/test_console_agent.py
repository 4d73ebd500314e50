"""Raising a flag by hand with its severity; an agent detail that stays live, with a note key."""

from __future__ import annotations

from sqlalchemy import Engine, select

from db.models import AuditEntry, Flag
from floorapp.context import AppContext
from tests.console_helpers import console, screen_text, settle, sync, type_text, until


async def _open(pilot: object, app: object, agent: str) -> None:
    await pilot.press("slash")  # type: ignore[attr-defined]
    await type_text(pilot, agent)  # type: ignore[arg-type]
    await pilot.press("enter")  # type: ignore[attr-defined]


@sync
async def test_a_flag_raised_by_hand_takes_the_severity_chosen(
    floor: AppContext, engine: Engine
) -> None:
    async with console(floor) as (app, pilot):
        await _open(pilot, app, "1007")
        await pilot.press("r")
        await until(pilot, lambda: "step in now" in screen_text(app), "the severities")
        await pilot.press("down")  # medium is chosen to start with: one down is high
        await type_text(pilot, "shouting at the screen")
        await pilot.press("enter")
        await settle(pilot)
        with engine.connect() as c:
            f = c.execute(select(Flag).where(Flag.kind == "observed")).one()
        assert (f.severity, f.detail) == ("high", "shouting at the screen")


@sync
async def test_agent_detail_moves_on_with_the_clock_and_takes_a_note(
    floor: AppContext, engine: Engine
) -> None:
    async with console(floor) as (app, pilot):
        await _open(pilot, app, "1003")  # Anna Smith: available for 1:00
        await pilot.press("enter")
        await until(
            pilot,
            lambda: "Anna Smith" in screen_text(app) and "for 1:00" in screen_text(app),
            "the detail",
        )
        floor.clock.advance(seconds=17)  # type: ignore[attr-defined]
        await until(pilot, lambda: "for 1:17" in screen_text(app), "the detail to move on")
        await pilot.press("n")
        await until(pilot, lambda: "A note on this agent" in screen_text(app), "the note box")
        await type_text(pilot, "back from coaching, calm")
        await pilot.press("enter")
        await until(
            pilot,
            lambda: "lead.wang: back from coaching, calm" in screen_text(app),
            "the note in the detail",
        )
    with engine.connect() as c:
        audit = c.execute(select(AuditEntry).where(AuditEntry.action == "agent.note")).one()
    assert (audit.actor, audit.target_id, audit.outcome) == ("lead.wang", "1003", "ok")
