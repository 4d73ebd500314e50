"""At 80x24, from the keyboard: a request recorded on the board, acknowledged, answered and
closed; a drill run from the drills view; the period view's drill coverage."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from db.models import Agent
from db.models_requests import Drill
from floorapp.context import AppContext
from floorapp.plan.store import import_plan
from floorapp.services import drills
from floorapp.services import requests as req
from screens.dialogs import ChoiceNoteDialog, NoteDialog
from screens.drills import DrillsScreen
from screens.requests import RequestsScreen
from tests.console_helpers import console, screen_text, type_text, until
from tests.test_drills import HOT
from tests.test_plan_support import seed_floor

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
SIZE = (80, 24)


def test_a_request_from_the_board_to_closed_at_80x24(ctx: AppContext, engine) -> None:
    seed_floor(engine)

    async def run() -> None:
        async with console(ctx, actor="lead.t1", size=SIZE) as (app, pilot):
            app.board.focus()
            await pilot.press("w")  # on the highlighted agent's row
            await until(pilot, lambda: isinstance(app.screen, ChoiceNoteDialog), "the dialog")
            await pilot.press("down")  # schedule
            await type_text(pilot, "swap Friday late shift")
            await pilot.press("enter")
            await until(
                pilot,
                lambda: len(req.listing(engine, actor="lead.t1", now=ctx.clock.now())) == 1,
                "recorded",
            )
            await pilot.press("R")
            await until(pilot, lambda: isinstance(app.screen, RequestsScreen), "the view")
            screen = app.screen
            await until(pilot, lambda: "swap Friday" in screen_text(app), "the request")
            assert "ack 1h00" in screen_text(app) and "heard on" in screen_text(app)
            await pilot.press("a")
            await until(
                pilot,
                lambda: (
                    "answer" in screen_text(app)
                    and next(iter(screen.requests.values())).status == "acknowledged"
                ),
                "ack",
            )
            await pilot.press("w")
            await until(pilot, lambda: isinstance(app.screen, NoteDialog), "the answer box")
            await type_text(pilot, "swapped with Li Na")
            await pilot.press("enter")
            await until(
                pilot,
                lambda: (
                    app.screen is screen
                    and next(iter(screen.requests.values())).status == "answered"
                ),
                "answered",
            )
            await pilot.press("x")
            await until(pilot, lambda: not screen.requests, "closed and gone")
        (v,) = req.listing(engine, actor="lead.t1", now=ctx.clock.now(), include_closed=True)
        assert (v.category, v.status, v.answer) == ("schedule", "closed", "swapped with Li Na")

    asyncio.run(run())


def test_a_drill_is_run_from_the_drills_view_and_counted_at_80x24(ctx: AppContext, engine) -> None:
    seed_floor(engine)
    now = ctx.clock.now()  # 2026-03-10 09:00 UTC: HOT's refund is due at 12:00
    import_plan(engine, HOT, source="t.toml", actor="boss", now=now - timedelta(hours=20))
    with engine.begin() as conn:
        conn.execute(update(Agent).values(state="available"))
        conn.execute(update(Drill).values(planned_at=now))
    drills.fire_due(engine, now=now, holder="test")

    async def run() -> None:
        async with console(ctx, actor="lead.t1", size=SIZE) as (app, pilot):
            await pilot.press("D")
            await until(pilot, lambda: isinstance(app.screen, DrillsScreen), "the view")
            screen = app.screen
            await until(pilot, lambda: len(screen.drills) == 4, "the drills")
            text = screen_text(app)
            assert "Scenario: The customer wants a month refunded." in text
            assert "due now" in text
            await pilot.press("p")
            await until(pilot, lambda: len(screen.drills) == 3, "one passed")
            await pilot.press("n")
            await until(pilot, lambda: isinstance(app.screen, NoteDialog), "the note")
            await type_text(pilot, "credit rule")
            await pilot.press("enter")
            await until(
                pilot, lambda: any(d.attempt == 2 for d in screen.drills.values()), "the re-drill"
            )
            await pilot.press("escape")
            await pilot.press("8")
            await until(
                pilot, lambda: "drilled 2/4 passed 1 practice 1" in screen_text(app), "coverage"
            )
            app.action_agent_detail("a2")  # the agent's own drills, in their detail
            await until(pilot, lambda: "credit rule" in screen_text(app), "the agent's drills")
            assert "Needs practice" in screen_text(app)

    asyncio.run(run())
    with engine.connect() as conn:
        assert conn.execute(select(Drill.status).where(Drill.attempt == 2)).scalar() == "planned"
