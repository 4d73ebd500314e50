"""Keys typed faster than the console reacts (a burst over SSH, a paste) reach the screen
they were meant for, in order: the dialog a key opens gets the keys typed after it."""

from __future__ import annotations

from sqlalchemy import Engine, select
from textual import events

from db.models import Escalation, Flag
from floorapp.context import AppContext
from screens.app import FloorApp
from screens.detail import AgentDetailScreen
from tests.console_helpers import console, screen_text, settle, sync, until
from tests.test_console import one

KEY_NAMES = {" ": "space", "/": "slash"}


def burst(app: FloorApp, *keys: str) -> None:
    """Post keys all at once, as a terminal delivers a burst it read in one go."""
    for key in keys:
        if len(key) == 1:
            app.post_message(events.Key(KEY_NAMES.get(key, key), key))
        else:
            app.post_message(events.Key(key, None))


def chars(text: str) -> list[str]:
    return list(text)


@sync
async def test_a_burst_opening_an_escalation_fills_both_dialogs(
    floor: AppContext, engine: Engine
) -> None:
    async with console(floor) as (app, pilot):
        burst(
            app,
            "/",
            *chars("1007"),
            "enter",  # find 陈杰
            "e",
            "3",  # escalate, high severity
            "down",
            *chars("wants a manager"),
            "enter",
        )  # tier 2, the reason, save
        wanted = select(Escalation).where(Escalation.reason == "wants a manager")
        await until(pilot, lambda: rows(engine, wanted), "the escalation")
        await settle(pilot)
        e = one(engine, wanted)
        assert (e.agent_id, e.severity, e.tier, e.opened_by) == (  # type: ignore[attr-defined]
            "1007",
            "high",
            2,
            "lead.wang",
        )
        # None of the typed letters leaked to the board behind the dialogs ("s" is the state
        # filter, "t" the team filter, "a"..): the board is as it was, filtered by the search.
        assert app.board.state_filter is None and app.board.team_filter is None
        assert app.active_view == "board"


@sync
async def test_a_burst_of_table_keys_keeps_its_order(floor: AppContext, engine: Engine) -> None:
    async with console(floor) as (app, pilot):
        first_three = [app.board.row_key_at(i) for i in range(3)]
        burst(app, "down", "down", "enter")  # the third agent's detail
        await until(pilot, lambda: isinstance(app.screen, AgentDetailScreen), "the detail")
        name = app.board.model[first_three[2]].name  # type: ignore[index]
        await until(pilot, lambda: name in screen_text(app), "the third agent's detail")
        burst(app, "escape", "2")  # back, then the flags view
        await until(pilot, lambda: app.active_view == "flags", "the flags view")
        assert not isinstance(app.screen, AgentDetailScreen)


@sync
async def test_keys_after_a_cancelled_dialog_go_on_to_the_board(
    floor: AppContext, engine: Engine
) -> None:
    async with console(floor) as (app, pilot):
        burst(app, "r", "escape", "r", *chars("shouting"), "enter")
        observed = select(Flag).where(Flag.kind == "observed", Flag.detail == "shouting")
        await until(pilot, lambda: rows(engine, observed), "the flag")
        await settle(pilot)
        assert len(rows(engine, observed)) == 1
        assert not app.screen.is_modal


def rows(engine: Engine, stmt: object) -> list[object]:
    with engine.connect() as c:
        return list(c.execute(stmt))  # type: ignore[call-overload]


@sync
async def test_a_pasted_block_goes_into_the_note_whole(floor: AppContext, engine: Engine) -> None:
    """A paste of several lines into a one-line note keeps every line, joined by spaces
    (the text box used to keep the first line and drop the rest)."""
    async with console(floor) as (app, pilot):
        await pilot.press("r")
        await until(pilot, lambda: app.screen.is_modal, "the note dialog")
        app.screen.query_one("#note").post_message(
            events.Paste("shouting at the customer\n\n  then hung up\n")
        )
        await pilot.pause()
        await pilot.press("enter")
        observed = select(Flag).where(Flag.kind == "observed")
        await until(pilot, lambda: rows(engine, observed), "the flag")
        [flag] = rows(engine, observed)
        assert flag.detail == "shouting at the customer then hung up"  # type: ignore[attr-defined]
