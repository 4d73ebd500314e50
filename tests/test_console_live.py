"""The live refresh keeps going whatever goes wrong in drawing it, and a language switch
re-words every row on screen."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, update

from db.changes import next_change
from db.engine import run_write
from db.models import Agent
from floorapp.context import AppContext
from floorapp.services import flags as flag_service
from screens.actions import VIEWS
from screens.app import FloorApp
from tests.console_helpers import console, screen_text, settle, sync, type_text, until


@pytest.fixture(autouse=True)
def console_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """What the console logs goes to the test's own directory."""
    log = tmp_path / "console.log"
    monkeypatch.setenv("FLOORAPP_CONSOLE_LOG", str(log))
    return log


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
    floor: AppContext, engine: Engine, console_log: Path
) -> None:
    log = console_log
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


def shown(app: Any, words: str) -> Callable[[], bool]:
    return lambda: words in screen_text(app)


def on_top_is(app: Any, name: str) -> Callable[[], bool]:
    return lambda: type(app.screen).__name__ == name


def record_patch_failures(app: Any) -> list[BaseException]:
    """Every exception the refresh's drawing raises, kept for the test to see."""
    failures: list[BaseException] = []
    real = app._patch

    def patch(delta: Any) -> None:
        try:
            real(delta)
        except Exception as exc:
            failures.append(exc)
            raise

    app._patch = patch
    return failures


@sync
async def test_language_switches_on_other_views_and_screens_never_break_the_refresh(
    floor: AppContext, engine: Engine
) -> None:
    """Switching language while the flags are on a hidden view (or under a detail screen)
    and the flags change under it: every refresh is drawn, none fails."""
    async with console(floor, size=(80, 24)) as (app, pilot):
        failures = record_patch_failures(app)
        agents = ["1002", "1003", "1005", "1007"]
        for n, agent in enumerate(agents):
            await pilot.press("2")  # the flags drawn once, so their rows are built
            await until(pilot, lambda: app.active_view == "flags", "the flags view")
            await pilot.press("6")
            await until(pilot, lambda: app.active_view == "all", "all escalations")
            await pilot.press("L")
            if n % 2:  # and now and then from a detail screen over the views
                await pilot.press("down", "enter")
                await until(pilot, lambda: len(app.screen_stack) == 2, "the detail screen")
                await pilot.press("L")
            # A new flag for another agent regroups the flags under the hidden view.
            flag_service.raise_observed(
                engine, agent, f"observed {n}", actor="lead.wang", now=floor.clock.now()
            )
            await settle(pilot)
            await settle(pilot)
            assert not failures, failures
            while len(app.screen_stack) > 1:
                await pilot.press("escape")
        assert app.flag_table.model and all(
            app.flag_table.item(k) is not None for k in app.flag_table.rows
        )
        await pilot.press("2")
        await until(pilot, lambda: "observed 3" in screen_text(app), "the last flag on screen")
        assert not failures, failures


@sync
async def test_a_language_switch_rewords_the_rows_already_on_screen(
    floor: AppContext, engine: Engine
) -> None:
    """A rule's flag detail is stored as its message and worded when read: after L every
    row reads in the new language, the flag's detail too, however often it is pressed."""
    from db.models import Flag
    from floorapp import i18n

    detail = i18n.stored(
        i18n.message(
            "{n} complaint calls within {duration} (latest {call})",
            n=2,
            duration=i18n.minutes(38),
            call="C9",
        )
    )
    run_write(engine, lambda c: c.execute(update(Flag).values(detail=detail)))
    app = FloorApp(floor, actor="lead.wang", poll_interval=0.2, lang="zh_CN")
    async with app.run_test(size=(160, 30), notifications=True) as pilot:
        await until(pilot, lambda: app.loaded, "the first load")
        await pilot.press("2")
        await until(pilot, lambda: "38 分钟内 2 通投诉来电" in screen_text(app), "the detail")
        for n in range(5):
            await pilot.press("L")
            english = n % 2 == 0
            want = "2 complaint calls within 38 min" if english else "38 分钟内 2 通投诉来电"
            gone = "分钟内" if english else "complaint calls"
            await until(pilot, shown(app, want), want)
            await settle(pilot)
            text = screen_text(app)
            assert want in text and gone not in text, text
            # Every row, not only the flag's: the status words too.
            assert ("OVERDUE" in text) == english and ("逾期" in text) != english, text


@sync
async def test_a_language_switch_rewords_a_screen_over_the_views(floor: AppContext) -> None:
    async with console(floor) as (app, pilot):
        await pilot.press("A")
        await until(pilot, lambda: "answered within" in screen_text(app), "the abandoned calls")
        english = screen_text(app)
        await pilot.press("L")
        await until(pilot, lambda: "放弃" in screen_text(app), "the screen in Chinese")
        await settle(pilot)
        await pilot.pause()
        text = screen_text(app)
        for word in ("answered within", "Back", "abandoned", "caller"):
            assert word in english and word not in text, text


SCREEN_KEYS = {
    "9": "ShiftScreen",
    "A": "AbandonedScreen",
    "S": "SensitiveRosterScreen",
    "M": "MeasuresScreen",
    "R": "RequestsScreen",
    "D": "DrillsScreen",
}


@sync
async def test_view_keys_work_on_every_screen_and_screens_replace_each_other(
    floor: AppContext,
) -> None:
    """The keys the help lists under "Everywhere" work on every screen: a view key closes
    the screens over the views and shows the view; a screen's key shows that screen in
    place of the one showing."""
    async with console(floor) as (app, pilot):
        keys = list(SCREEN_KEYS)
        for n, key in enumerate(keys):
            await pilot.press(key)
            await until(pilot, on_top_is(app, SCREEN_KEYS[key]), SCREEN_KEYS[key])
            after = keys[(n + 1) % len(keys)]
            await pilot.press(after)
            await until(pilot, on_top_is(app, SCREEN_KEYS[after]), SCREEN_KEYS[after])
            assert len(app.screen_stack) == 2, app.screen_stack
            view = str(n % 8 + 1)
            await pilot.press(view)
            await until(pilot, lambda: len(app.screen_stack) == 1, f"view {view} on top")
            assert app.active_view == VIEWS[n % 8][0]
        # And from an agent's detail.
        await pilot.press("1", "enter")
        await until(pilot, on_top_is(app, "AgentDetailScreen"), "the agent detail")
        await pilot.press("2")
        await until(
            pilot,
            lambda: len(app.screen_stack) == 1 and app.active_view == "flags",
            "the flags view",
        )


@sync
async def test_the_palette_on_a_screen_over_the_views_finds_what_it_finds_on_the_board(
    floor: AppContext,
) -> None:
    app = FloorApp(floor, actor="lead.wang", poll_interval=0.2, lang="zh_CN")
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await until(pilot, lambda: app.loaded, "the first load")
        await pilot.press("9")
        await until(pilot, lambda: type(app.screen).__name__ == "ShiftScreen", "the shift")
        await pilot.press("ctrl+p")
        await type_text(pilot, "xunchang")
        await until(pilot, lambda: "提醒：完成" in screen_text(app), "the reminder's entry")
        assert "没有匹配的命令" not in screen_text(app)
        await pilot.press("enter")
        # Chosen there, it closes the shift and opens the reminders, asking for a row.
        await until(
            pilot,
            lambda: len(app.screen_stack) == 1 and app.active_view == "reminders",
            "the reminders view",
        )


@sync
async def test_the_team_filter_lists_teams_by_name_in_pinyin_order(floor: AppContext) -> None:
    from textual.widgets import OptionList

    async with console(floor) as (app, pilot):
        await pilot.press("t")
        await until(pilot, lambda: type(app.screen).__name__ == "ChoiceDialog", "the choice")
        options = app.screen.query_one(OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        # After "all teams": billing (T2) before mobile (T1), by name, not by id.
        assert [label.split(" ", 1)[1] for label in labels[1:]] == ["billing (T2)", "mobile (T1)"]


@sync
async def test_a_language_switch_redraws_the_headers_pictures_of_the_shift(
    floor: AppContext,
) -> None:
    """The header's sparklines are named in words, and left out in Chinese (their blocks
    are ambiguous-width there): L redraws them from the series held, not a minute later."""
    from screens.header import FloorHeader

    async with console(floor, size=(200, 40)) as (app, pilot):
        header = app.query_one(FloorHeader)
        await until(pilot, lambda: header.sparks.startswith("waiting"), "the pictures")
        await pilot.press("L")
        await until(pilot, lambda: "排队" in screen_text(app), "the header in Chinese")
        assert header.sparks == "" and "waiting" not in screen_text(app)
        await pilot.press("L")
        await until(pilot, lambda: "waiting " in screen_text(app), "the header in English")
        assert header.sparks.startswith("waiting")
