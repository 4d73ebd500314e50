"""Pilot test: a patrol reminder reaches the panel, is completed from it, and raises a flag."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select
from textual.app import App
from textual.widgets import DataTable

from db.models import Flag
from db.models_plan import Reminder
from floorapp.config import Settings
from floorapp.context import AppContext
from floorapp.scheduler import SchedulerHost
from screens.dialogs import ChoiceDialog, NoteDialog
from screens.period import PeriodPanel
from screens.reminders import RemindersScreen
from tests.console_helpers import ScreenHost, cell_texts, until
from tests.test_plan_support import load_test_plan, seed_floor

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def test_complete_a_patrol_from_the_panel_and_raise_a_flag(ctx: AppContext, engine) -> None:
    seed_floor(engine)
    load_test_plan(engine, ctx.clock.now())
    host = SchedulerHost(
        engine, Settings(), ctx.clock, holder_id="other-console", use_apscheduler=False
    )

    async def run() -> None:
        screen = RemindersScreen(ctx, "lead.t1", poll_interval=0.1)
        app = ScreenHost(screen)
        async with app.run_test(size=(100, 30), notifications=True) as pilot:
            panel = screen.panel
            await until(pilot, lambda: panel.loaded, "the first read")
            table = panel.query_one(DataTable)
            assert table.row_count == 0
            # Another console's scheduler fires the 09:00 patrol: it appears here, with a bell.
            host.step()
            await until(pilot, lambda: table.row_count == 1, "the patrol reminder")
            assert cell_texts(table)[0][:4] == ["due", "09:00", "Patrol the floor: team t1", "t1"]
            assert app.bells == 1
            # The notice is a message to the app: wait for it rather than race it.
            await until(
                pilot,
                lambda: any("Patrol the floor" in n for n in app.shown_notices()),
                "the notice",
            )
            table.focus()
            await pilot.press("f")  # done + flag: pick the agent, say what was seen
            await until(pilot, lambda: isinstance(app.screen, ChoiceDialog), "the choice")
            await pilot.press("1")  # Li Na (agents by name)
            await until(pilot, lambda: isinstance(app.screen, NoteDialog), "the note")
            for ch in "voice raised":
                await pilot.press("space" if ch == " " else ch)
            await pilot.press("enter")
            await until(pilot, lambda: table.row_count == 0, "the reminder to leave the panel")
        with engine.connect() as conn:
            status, by, note = conn.execute(
                select(Reminder.status, Reminder.handled_by, Reminder.note).where(
                    Reminder.team_id == "t1"
                )
            ).one()
            flag = conn.execute(select(Flag.agent_id, Flag.kind, Flag.detail)).one()
        assert (status, by, note) == ("done", "lead.t1", "voice raised")
        assert flag[:2] == ("a2", "observed") and "voice raised" in flag[2]

    asyncio.run(run())


def test_the_consoles_scheduler_fills_the_panel_and_lets_go_on_exit(
    ctx: AppContext, engine
) -> None:
    """The console process owns the scheduler (floorapp.commands.console), not the panel:
    while it runs, the panel shows what it records; once stopped, the lease is free."""
    from floorapp.scheduler import console_host

    seed_floor(engine)
    load_test_plan(engine, ctx.clock.now())
    host = console_host(engine, ctx.settings, ctx.clock, "boss")
    assert not host.use_apscheduler  # a manual clock: the sweep alone records reminders

    async def run() -> None:
        screen = RemindersScreen(ctx, "boss", poll_interval=0.1)
        app = ScreenHost(screen)
        host.start()
        try:
            async with app.run_test(size=(100, 30)) as pilot:
                table = screen.panel.query_one(DataTable)
                await until(pilot, lambda: table.row_count == 2, "both teams' 09:00 patrols")
                assert host.is_holder
        finally:
            host.stop()
        assert not host.is_holder
        with engine.connect() as conn:
            from db.models_plan import SchedulerLease

            assert conn.execute(select(SchedulerLease.holder)).scalar() is None  # released

    asyncio.run(run())


def test_after_a_snooze_the_cursor_is_on_the_next_reminder(ctx: AppContext, engine) -> None:
    seed_floor(engine)
    load_test_plan(engine, ctx.clock.now())
    host = SchedulerHost(
        engine, Settings(), ctx.clock, holder_id="other-console", use_apscheduler=False
    )

    async def run() -> None:
        screen = RemindersScreen(ctx, "boss", poll_interval=0.1)
        app = ScreenHost(screen)
        async with app.run_test(size=(100, 30)) as pilot:
            panel = screen.panel
            table = panel.query_one(DataTable)
            host.step()
            await until(pilot, lambda: table.row_count == 2, "both teams' patrols")
            table.focus()
            first, second = (cell_texts(table)[i][3] for i in (0, 1))
            await pilot.press("s", "1")  # snooze the first 5 minutes: it goes to the end
            await until(
                pilot,
                lambda: cell_texts(table)[0][0] != "due" or cell_texts(table)[1][0] == "snoozed",
                "the snooze",
            )
            # The cursor is on the reminder that is now first, not on the snoozed one.
            await until(
                pilot,
                lambda: cell_texts(table)[table.cursor_row][3] == second,
                "the cursor on the next reminder",
            )
            assert second != first

    asyncio.run(run())


def test_period_panel_shows_targets_and_patrols(ctx: AppContext, engine) -> None:
    seed_floor(engine)
    load_test_plan(engine, ctx.clock.now())
    ctx.clock.advance(timedelta(hours=4))  # 13:00, inside period P

    async def run() -> None:
        panel = PeriodPanel(ctx, poll_interval=0.1)

        class _App(App[None]):
            def compose(self):  # type: ignore[no-untyped-def]
                yield panel

        app = _App()
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: panel.loaded, "the period summary")
            title = panel.query_one("#period-title").render()
            assert "P" in str(title) and "in force" in str(title)
            reqs = cell_texts(panel.query_one("#period-reqs", DataTable))
            # id, status, now, target, baseline, trigger, requirement
            assert reqs[0][0] == "attitude" and reqs[0][1] == "no data"
            assert reqs[1][0] == "refusals" and "refused explanations ≥ 3" in reqs[1][5]

    asyncio.run(run())


def test_period_view_is_read_when_shown_not_behind_another_tab(ctx: AppContext, engine) -> None:
    """Behind the board the period view is not re-read (each read laid the screen out again);
    opening it shows the period as it is now."""
    from screens.app import FloorApp

    seed_floor(engine)
    load_test_plan(engine, ctx.clock.now())  # 09:00: period P starts at 12:00

    def title(panel: PeriodPanel) -> str:
        return str(panel.query_one("#period-title").render())

    async def run() -> None:
        app = FloorApp(ctx, actor="lead.t1", poll_interval=0.2)
        async with app.run_test(size=(120, 40)) as pilot:
            panel = app.query_one(PeriodPanel)
            await until(pilot, lambda: panel.loaded, "the period summary")
            assert "not started" in title(panel)
            ctx.clock.advance(timedelta(hours=4))  # type: ignore[attr-defined]
            panel._poll()  # the panel's timer fires while the board is showing
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert "not started" in title(panel)
            await pilot.press("8")
            await until(pilot, lambda: "in force" in title(panel), "the period, now in force")

    asyncio.run(run())
