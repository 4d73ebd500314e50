"""Sensitive customers: the designated roster with state and load, and its console view."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import update
from textual.app import App
from textual.widgets import DataTable, Static

from db.changes import next_change
from db.engine import write_tx
from db.models import Agent, SensitiveCustomer, Team
from floorapp.context import AppContext
from floorapp.feed.events import EventKind as K
from floorapp.services.sensitive import (
    available_designated,
    available_names_text,
    is_sensitive,
    roster,
)
from screens.sensitive import SensitiveRosterScreen
from tests.test_rules import Feed, at, flags


@pytest.fixture
def floor(ctx: AppContext) -> Feed:
    with write_tx(ctx.engine) as conn:
        conn.execute(Team.__table__.insert().values(id="t1", name="Hotline"))
        for aid, name, designated in (
            ("d1", "王芳", True),
            ("d2", "[bold]Li[/bold]", True),
            ("a1", "Anna", False),
        ):
            conn.execute(
                Agent.__table__.insert().values(
                    id=aid, name=name, team_id="t1", sensitive_designated=designated
                )
            )
        conn.execute(
            SensitiveCustomer.__table__.insert().values(customer_id="VIP-1", note="media contact")
        )
        conn.execute(SensitiveCustomer.__table__.insert().values(customer_id="VIP-2"))
    feed = Feed(ctx.engine, ctx.settings, ctx.clock)  # type: ignore[arg-type]
    for a in ("d1", "d2", "a1"):
        feed.login(a, 0)
    feed.call("d1", "c1", 1, 5, customer="VIP-1")  # from the list
    feed.call("d1", "c2", 6, 9, customer="someone")  # ordinary
    feed.call("d2", "c3", 2, customer="walk-in")  # marked by the feed, in progress
    feed.send(feed.ev(K.CALL_UPDATE, 3, call="c3", sensitive_customer=True))
    feed.call("a1", "c4", 10, 12, customer="VIP-2")  # reached an undesignated agent
    return feed


def test_roster_shows_state_and_todays_sensitive_load(ctx: AppContext, floor: Feed) -> None:
    r = roster(ctx.engine, settings=ctx.settings, now=at(15))
    agents = {a.id: a for a in r.agents}
    assert set(agents) == {"d1", "d2"}  # only the designated
    d1, d2 = agents["d1"], agents["d2"]
    assert (d1.state, d1.sensitive_calls_today, d1.calls_today) == ("available", 1, 2)
    assert (d2.state, d2.sensitive_calls_today, d2.on_sensitive_call) == ("on_call", 1, True)
    assert d2.current_call_id == "c3" and not d1.on_sensitive_call
    assert [a.id for a in r.available] == ["d1"]
    assert (r.sensitive_calls_today, r.undesignated_calls_today) == (3, 1)
    customers = {c.customer_id: c for c in r.customers}
    assert customers["VIP-1"].calls_today == 1 and customers["VIP-1"].undesignated_today == 0
    assert customers["VIP-2"].undesignated_today == 1 and customers["VIP-1"].note == "media contact"


def test_available_designated_now(ctx: AppContext, floor: Feed) -> None:
    assert [
        a.name for a in available_designated(ctx.engine, settings=ctx.settings, now=at(15))
    ] == ["王芳"]
    floor.call("d1", "c9", 16, customer="x")
    assert available_designated(ctx.engine, settings=ctx.settings, now=at(16)) == []


def test_the_rule_flagged_the_undesignated_call_naming_who_was_free(
    ctx: AppContext, floor: Feed
) -> None:
    [f] = flags(ctx.engine, "sensitive_customer")
    assert f["agent_id"] == "a1" and f["call_id"] == "c4"
    assert "designated agents available now: 王芳" in f["detail"]


def test_sensitive_check_and_wording() -> None:
    assert is_sensitive("VIP-1", False, {"VIP-1"}) and is_sensitive(None, True, set())
    assert not is_sensitive("x", False, {"VIP-1"}) and not is_sensitive(None, False, {"VIP"})
    assert available_names_text([]) == "no designated agent is available now"
    many = [f"n{i:02d}" for i in range(10)]
    assert available_names_text(many).endswith("n07 and 2 more")


class Host(App[None]):
    def __init__(self, screen: Any) -> None:
        super().__init__()
        self.screen_to_show = screen

    def on_mount(self) -> None:
        self.push_screen(self.screen_to_show)


def _cells(table: DataTable[Any]) -> dict[str, list[str]]:
    return {rk.value: [str(c) for c in table.get_row(rk)] for rk in table.rows}  # type: ignore[misc]


def test_roster_screen_lists_designated_agents_and_follows_changes(
    ctx: AppContext, floor: Feed
) -> None:
    asyncio.run(_roster_screen(ctx))


async def _roster_screen(ctx: AppContext) -> None:
    ctx.clock.set(at(15))  # type: ignore[attr-defined]
    screen = SensitiveRosterScreen(ctx, refresh_seconds=3600)
    app = Host(screen)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        agents = screen.query_one("#sens-agents", DataTable)
        rows = _cells(agents)
        assert rows["d1"][:3] == ["王芳", "Hotline", "available"]
        assert rows["d2"][0] == "[bold]Li[/bold]"  # literally, not as markup
        assert rows["d2"][2] == "on call" and rows["d2"][6] == "SENSITIVE CALL"
        assert rows["d1"][4] == "1" and rows["d1"][5] == "2"
        summary = str(screen.query_one("#sens-summary", Static).content)
        assert "1 of 2 designated agents available now" in summary
        assert "1 reached an undesignated agent" in summary
        customers = _cells(screen.query_one("#sens-customers", DataTable))
        assert customers["VIP-2"][2] == "1" and customers["VIP-1"][3] == "media contact"

        agents.move_cursor(row=1)
        with write_tx(ctx.engine) as conn:  # another process: d1 goes on break
            conn.execute(
                update(Agent)
                .where(Agent.id == "d1")
                .values(state="break", state_since=at(14), seq=next_change(conn))
            )
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert _cells(agents)["d1"][2:4] == ["break", "1:00"]
        assert agents.cursor_row == 1  # patched in place: the cursor did not jump
        assert "0 of 2 designated agents" in str(screen.query_one("#sens-summary", Static).content)
        await pilot.press("escape")
        assert app.screen is not screen
