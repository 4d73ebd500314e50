"""The action registry (screens/actions.py) is the one place an action is defined: every
binding, help line and palette entry of the console comes from it, and every entry in it
can be reached by a key or from the palette."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest
from textual.binding import Binding
from textual.dom import DOMNode

import screens
from floorapp import i18n
from floorapp.context import AppContext
from floorapp.policy import POLICY
from screens.actions import (
    ACTIONS,
    BY_ID,
    SCOPES,
    VIEWS,
    key_names,
    palette_entries,
    palette_scopes,
)
from screens.help import help_text
from tests.console_helpers import console, screen_text, sync, type_text, until


def _classes_with_bindings() -> list[type[DOMNode]]:
    out = []
    for mod in pkgutil.iter_modules(screens.__path__):
        module = importlib.import_module(f"screens.{mod.name}")
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                cls.__module__ == module.__name__
                and issubclass(cls, DOMNode)
                and cls.__dict__.get("BINDINGS")
            ):
                out.append(cls)
    return out


def test_every_binding_comes_from_the_registry() -> None:
    bound: set[str] = set()
    for cls in _classes_with_bindings():
        scope = cls.__dict__.get("SCOPE")
        assert scope in SCOPES, f"{cls.__name__} declares no scope of the registry"
        for b in cls.__dict__["BINDINGS"]:
            assert isinstance(b, Binding) and b.id in BY_ID, (cls.__name__, b)
            action = BY_ID[b.id]
            assert action.scope == scope, (cls.__name__, b.id)
            assert b == action.binding(), (cls.__name__, b.id)
            bound.add(b.id)
    # Every keyed action is bound by the class of its scope, once.
    assert bound == {a.id for a in ACTIONS if a.keys}


def test_every_entry_is_reachable_and_names_a_real_policy_action() -> None:
    assert len(BY_ID) == len(ACTIONS), "an id is used twice"
    for a in ACTIONS:
        assert a.keys or a.palette, f"{a.id} has neither a key nor a palette entry"
        assert a.id.split(".")[0] == a.scope.split(".")[0], a.id
        assert a.policy is None or a.policy in POLICY, (a.id, a.policy)
        assert a.label, f"{a.id} has no words for the footer"


def test_every_help_line_is_a_registry_entry() -> None:
    text = help_text().plain
    lines = [ln for ln in text.splitlines() if ln.startswith("  ")]
    expected = {
        f"  {key_names(a.keys):<14}{a.words}"
        for title, scope in SCOPES.items()
        if scope.help
        for a in ACTIONS
        if a.scope == title and a.keys
    }
    assert set(lines) == expected
    for title, scope in SCOPES.items():
        if scope.help:
            assert scope.help in text, title


def test_the_palette_holds_every_view_and_every_action_of_the_main_screen() -> None:
    entries = palette_entries(palette_scopes(True, None))
    ids = {e.action.id for e in entries}
    main = {a.id for a in ACTIONS if a.palette and (a.scope == "app" or SCOPES[a.scope].views)}
    assert ids == main
    titles = [e.title for e in entries]
    assert len(titles) == len(set(titles)), "two palette entries read the same"
    for n, (_view, title) in enumerate(
        [
            ("board", "Board"),
            ("flags", "Flags"),
            ("tier1", "Tier 1"),
            ("tier2", "Tier 2"),
            ("tier3", "Desk"),
            ("all", "All esc."),
            ("reminders", "Remind"),
            ("period", "Period"),
        ],
        start=1,
    ):
        entry = next(e for e in entries if e.title == f"View: {title}")
        assert entry.help == f"key {n}"
    # Each entry's help names its key where it was defined, not restated by hand.
    ack = next(e for e in entries if e.action.id == "flags.acknowledge")
    assert ack.help == "a in Distress flags"


def test_a_screen_of_its_own_offers_its_own_actions_and_the_main_screens() -> None:
    ids = {e.action.id for e in palette_entries(palette_scopes(False, "agent"))}
    assert {"agent.note", "agent.raise_flag", "app.help"} <= ids
    # The main screen's too, so the palette is the same on every screen; where one reads
    # as the screen's own, the screen's own is offered (it acts on the agent shown).
    assert {"flags.acknowledge", "reminders.done", "app.view.board", "app.shift"} <= ids
    assert "board.raise_flag" not in ids
    main = {e.title for e in palette_entries(palette_scopes(True, None))}
    for scope, s in SCOPES.items():
        if s.views or scope == "app":
            continue
        entries = palette_entries(palette_scopes(False, scope))
        titles = [e.title for e in entries]
        assert len(titles) == len(set(titles)), scope
        assert main <= set(titles), (scope, main - set(titles))


def test_actions_that_show_a_view_or_a_screen_close_the_screens_over_the_views() -> None:
    from screens.actions import leaves_screens

    leaving = {a.id for a in ACTIONS if a.leaves_screens}
    assert {f"app.view.{v}" for v, _title in VIEWS} <= leaving
    assert {"app.shift", "app.abandoned", "app.sensitive", "app.measures"} <= leaving
    assert {"app.requests", "app.drills"} <= leaving
    assert all(BY_ID[i].scope == "app" for i in leaving)
    assert leaves_screens("view('flags')") and leaves_screens("app.shift")
    assert not leaves_screens("help") and not leaves_screens("app.raise_flag")


def _ranked(query: str) -> list[tuple[float, str, str]]:
    """(score, title, action id) of every entry matching ``query``, best first, ranked by
    Textual's own palette matcher."""
    from textual.fuzzy import Matcher

    matcher = Matcher(query)
    scored = [
        (matcher.match(e.title), e.title, e.action.id)
        for e in palette_entries(palette_scopes(True, None))
    ]
    return sorted((s for s in scored if s[0] > 0), reverse=True)


@pytest.mark.parametrize(
    ("query", "wanted"),
    [
        ("nomin", {"period.nominate", "reminders.done"}),
        ("snooze", {"reminders.snooze"}),
        ("patrol", {"reminders.done"}),
        ("care", {"reminders.done"}),
    ],
)
def test_palette_words_find_the_reminders_and_period_actions(query: str, wanted: set[str]) -> None:
    """What a supervisor types finds the action that does it, ranked above anything that
    only happens to hold the same letters."""
    i18n.set_language("en")
    ranked = _ranked(query)
    literal = [r for r in ranked if re.search(rf"\b{query}", r[1], re.IGNORECASE)]
    assert {r[2] for r in literal} == wanted, ranked[:5]
    assert ranked[: len(literal)] == literal, ranked[:5]


@sync
async def test_the_palette_opens_the_view_its_action_belongs_to(floor: AppContext) -> None:
    """A palette entry for a view's rows, chosen elsewhere, opens the view and asks for the
    row; chosen there, it runs on the selected row."""
    async with console(floor) as (app, pilot):
        await pilot.press("ctrl+p")
        await type_text(pilot, "nominate")
        await until(
            pilot, lambda: "Period: nominate a role model" in screen_text(app), "the nominate entry"
        )
        await pilot.press("enter")
        await until(pilot, lambda: app.active_view == "period", "the period view")


@sync
async def test_a_view_chosen_in_the_palette_from_a_detail_screen_shows_that_view(
    floor: AppContext,
) -> None:
    async with console(floor) as (app, pilot):
        await pilot.press("enter")  # the agent's detail, over the main screen
        await until(pilot, lambda: len(app.screen_stack) == 2, "the agent detail")
        await pilot.press("ctrl+p")
        await type_text(pilot, "view flags")
        await until(pilot, lambda: "View: Flags" in screen_text(app), "the view entry")
        await pilot.press("enter")
        await until(
            pilot,
            lambda: len(app.screen_stack) == 1 and app.active_view == "flags",
            "the flags view on the main screen",
        )
