"""The console's pickers offer only what the policy allows the supervisor at the keyboard."""

from __future__ import annotations

import pytest
from textual.widgets import OptionList

from floorapp.context import AppContext
from tests.console_helpers import console, settle, sync

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def _options(app: object) -> list[str]:
    options = app.screen.query_one("#choices", OptionList)  # type: ignore[attr-defined]
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


@sync
async def test_the_team_picker_offers_only_the_actors_teams(floor: AppContext) -> None:
    async with console(floor, actor="lead.zhao") as (app, pilot):  # leads T2 only
        await pilot.press("t")
        await settle(pilot)
        teams = _options(app)
        assert any("T2" in t for t in teams) and not any("T1" in t for t in teams)
        await pilot.press("escape")


@sync
async def test_the_assign_picker_offers_only_who_may_take_the_case(floor: AppContext) -> None:
    async with console(floor, actor="fm.zhou", size=(160, 40)) as (app, pilot):
        await pilot.press("3", "a")  # tier 1 queue: escalation 1, team T1
        await settle(pilot)
        offered = " ".join(_options(app))
        # Zhao leads T2 only: not offered for a T1 case (and not refused after choosing).
        assert "lead.zhao" not in offered
        assert "lead.wang" in offered and "lead.li" in offered and "fm.zhou" in offered
        await pilot.press("escape")
