"""The shift view (9) on the console: today's events newest first, filters, a row opens its
record; sparklines in the view at 80 columns and in the header at 200."""

from __future__ import annotations

from floorapp.context import AppContext
from floorapp.services import flags
from screens.cursortable import CursorTable
from screens.detail import AgentDetailScreen
from screens.header import FloorHeader
from screens.shift import ShiftScreen
from tests.console_helpers import cell_texts, console, screen_text, sync, until


def _rows(app: object) -> str:
    """The shift table's rows as text: read from the table, not from the screen, whose
    column widths a starved event loop (a loaded CI machine) may not have grown yet."""
    screen = app.screen  # type: ignore[attr-defined]
    if not isinstance(screen, ShiftScreen):
        return ""
    return "\n".join("  ".join(r) for r in cell_texts(screen.query_one(CursorTable)))


@sync
async def test_the_shift_view_lists_filters_and_opens(floor: AppContext) -> None:
    floor.clock.advance(minutes=1)  # type: ignore[attr-defined]
    flags.raise_observed(
        floor.engine, "1003", "shouting at a colleague", actor="lead.wang", now=floor.clock.now()
    )
    floor.clock.advance(seconds=5)  # type: ignore[attr-defined]
    async with console(floor, size=(80, 24)) as (app, pilot):
        await pilot.press("9")
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, ShiftScreen)
                and app.screen.loaded
                and "flag raised" in _rows(app)
            ),
            "the shift view, loaded",
        )
        await until(pilot, lambda: "open flags" in screen_text(app), "the sparklines, drawn")
        text = screen_text(app)
        assert "The shift so far" in text and "waiting now" in text
        assert "escalation opened" in _rows(app)
        screen = app.screen
        # Newest first: the flag raised by hand a minute in tops the list.
        first = screen.selected()
        assert first is not None and first.agent == "Anna Smith"
        await pilot.press("k")
        await until(pilot, lambda: "Show which kind?" in screen_text(app), "the kinds")
        await pilot.press("5")  # nominations: none today
        await until(pilot, lambda: "0 events" in screen_text(app), "the filter")
        await pilot.press("k", "2")  # flags
        await until(pilot, lambda: "(all teams, flags)" in screen_text(app), "flags only")
        assert "escalation opened" not in _rows(app)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, AgentDetailScreen), "the record")
        assert app.screen.agent_id == "1003"


@sync
async def test_the_header_draws_the_shift_at_200_columns(floor: AppContext) -> None:
    async with console(floor, actor="fm.zhou", size=(200, 50)) as (app, pilot):
        header = app.query_one(FloorHeader)
        await until(pilot, lambda: header.sparks != "", "the series")
        header.refresh()
        await pilot.pause()
        first = screen_text(app).splitlines()[0]
        assert "waiting " in first and "flags " in first and "▁" in first
    async with console(floor, actor="fm.zhou", size=(120, 30)) as (app, pilot):
        header = app.query_one(FloorHeader)
        await until(pilot, lambda: header.sparks != "", "the series")
        await pilot.pause()
        assert "▁" not in screen_text(app).splitlines()[0]
