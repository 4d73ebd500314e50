"""The console at 80 columns (a laptop over SSH) and at 200: whole footer keys, measures that
fit, and the tier chosen when a supervisor opens an escalation by hand."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, insert, select
from textual.widgets import DataTable
from textual.widgets._footer import FooterKey

from db.engine import run_write
from db.models import Escalation, Supervisor
from floorapp.context import AppContext
from screens.app import FloorApp
from screens.footer import FloorFooter
from tests.console_helpers import (
    console,
    screen_text,
    settle,
    sync,
    type_text,
    until,
)

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


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
    async with console(floor, size=(80, 24)) as (app, pilot):
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
    floor: AppContext,
) -> None:
    async with console(floor, size=(200, 50)) as (app, pilot):
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


async def open_escalation_dialog(app: FloorApp, pilot: Any, agent: str, severity_key: str) -> None:
    await pilot.press("slash")
    await type_text(pilot, agent)
    await pilot.press("enter")
    await until(pilot, lambda: app.board.row_count == 1, "the search")
    await pilot.press("e", severity_key)
    await until(pilot, lambda: "which tier takes it" in screen_text(app), "the reason dialog")


@sync
async def test_escalation_opened_by_hand_at_the_tier_chosen(
    floor: AppContext, engine: Engine
) -> None:
    async with console(floor, size=(80, 24)) as (app, pilot):
        await open_escalation_dialog(app, pilot, "1007", "3")  # high severity
        text = screen_text(app)
        # The three tiers with their deadlines for this severity, whole at 80 columns.
        for tier in (1, 2, 3):
            minutes = int(floor.settings.deadline(tier, "high").total_seconds() // 60)
            assert f"deadline {minutes} min)" in text
        assert "complaint desk" in text
        await pilot.press("down", "down", "up")  # tier 3, then back to tier 2
        assert "▶ tier 2: specialists" in screen_text(app)
        await type_text(pilot, "needs a specialist 2nd line")  # digits are text, not a tier
        await pilot.press("enter")
        await settle(pilot)
        with engine.connect() as c:
            e = c.execute(
                select(Escalation).where(Escalation.reason == "needs a specialist 2nd line")
            ).one()
        assert (e.agent_id, e.call_id, e.tier, e.severity) == ("1007", "C3", 2, "high")
        assert e.deadline - e.opened_at == floor.settings.deadline(2, "high")
        await pilot.press("4")  # the tier 2 queue shows it
        await until(pilot, lambda: "needs a specialist" in screen_text(app), "the tier 2 row")


@sync
async def test_escalation_by_hand_defaults_to_tier_1_and_escape_opens_nothing(
    floor: AppContext, engine: Engine
) -> None:
    async with console(floor, size=(80, 24)) as (app, pilot):
        await open_escalation_dialog(app, pilot, "1007", "1")  # light
        await type_text(pilot, "asks again")
        await pilot.press("enter")
        await settle(pilot)
        await open_escalation_dialog(app, pilot, "1007", "2")
        await pilot.press("down")
        await type_text(pilot, "never sent")
        await pilot.press("escape")
        await settle(pilot)
        with engine.connect() as c:
            rows = c.execute(
                select(Escalation.reason, Escalation.tier, Escalation.severity).where(
                    Escalation.agent_id == "1007"
                )
            ).all()
        assert [tuple(r) for r in rows] == [("asks again", 1, "light")]


LONG_NAME = "Maximiliano Fernández-Ortega"


@sync
async def test_flag_measures_keep_every_column_at_80_and_spell_them_out_at_200(
    floor: AppContext, engine: Engine
) -> None:
    run_write(
        engine,
        lambda c: c.execute(
            insert(Supervisor).values(
                id="lead.max", name=LONG_NAME, role="team_leader", active=True
            )
        ),
    )
    async with console(floor, size=(80, 24)) as (app, pilot):
        await pilot.press("M")
        await until(pilot, lambda: "Flags on" in screen_text(app), "the measures")
        await until(
            pilot,
            lambda: app.screen.query_one("#measures-teams", DataTable).row_count == 2,
            "the team rows",
        )
        lines = screen_text(app).splitlines()
        header = next(line for line in lines if line.lstrip().startswith("team"))
        assert header.split() == [
            "team",
            "raised",
            "ack'd",
            "median",
            "ack",
            "stepped",
            "in",
            "median",
            "step-in",
            "open",
        ]
        # mobile (T1) has the one flag, still open: the last column is there to read.
        assert next(line for line in lines if line.lstrip().startswith("mobile")).split()[-1] == "1"
        assert any(line.lstrip().startswith("Maximiliano F…") for line in lines)  # cut, marked
        assert LONG_NAME not in screen_text(app)
        assert_whole(app, await footer_keys(app, pilot))
        await pilot.resize_terminal(200, 50)
        # The floor line above the tables says "median to step in" at any width: wait for
        # what only the wide layout shows.
        await until(
            pilot,
            lambda: "unresolved" in screen_text(app) and LONG_NAME in screen_text(app),
            "the wide headers and the whole name",
        )
        await pilot.resize_terminal(80, 24)
        await until(pilot, lambda: "median step-in" in screen_text(app), "the narrow headers")
        assert any(
            line.rstrip().endswith("1") and line.lstrip().startswith("mobile")
            for line in screen_text(app).splitlines()
        )


@sync
async def test_help_wraps_long_descriptions_under_themselves_at_80_columns(
    floor: AppContext,
) -> None:
    async with console(floor, size=(80, 24)) as (app, pilot):
        await pilot.press("question_mark")
        await until(pilot, lambda: "sensitive-customer roster" in screen_text(app), "the help")
        body = str(app.screen.query_one("#help-body").render()).splitlines()
        roster = next(i for i, line in enumerate(body) if "sensitive-customer roster" in line)
        assert body[roster].startswith("  S ")
        # Too long for 80 columns: the rest continues in the description column, not under S.
        assert body[roster + 1].startswith(" " * 16) and body[roster + 1].strip()
        assert "tier (1 basic service by" in " ".join(body)  # the escalation dialog's keys
        assert max(len(line) for line in body) <= 72
