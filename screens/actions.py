"""Every action of the console, defined once: its id, keys, words, where it applies and the
access-policy action its service checks (after Harlequin's ``actions.py``).

Everything a supervisor reads about an action comes from here: the ``BINDINGS`` of every
screen and widget (``bindings(scope)``), so the footer too; the ``?`` help
(``help_sections()``); and the ctrl+p palette (``palette_entries()``), so a key, its help
line and its palette entry cannot drift apart. ``tests/test_actions.py`` checks that every
binding, help line and palette entry comes from this table and that every entry here is
reachable by a key or from the palette.

A widget that only forwards a key to the app binds an ``app.`` action here instead of a
method of its own; what an app action acts on (the selected row, or the agent or escalation
a detail screen shows) the app finds itself. Words are marked (``N_``) and translated where
they are drawn, so a language switch needs no rebuild.

One module past 400 lines on purpose: it is the one table of the console's actions, and a
table split in two would be two registries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.binding import Binding, BindingType

from floorapp import i18n
from floorapp.i18n import N_, _

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from screens.app import FloorApp


@dataclass(frozen=True)
class Scope:
    """Where actions apply. ``views`` are the main screen's tabs it covers (empty: a screen
    or dialog of its own, or everywhere); ``help`` is its section title in ``?``."""

    help: str | None = None
    views: tuple[str, ...] = ()


SCOPES: dict[str, Scope] = {
    "app": Scope(N_("Everywhere")),
    "board": Scope(N_("Agent board"), ("board",)),
    "flags": Scope(N_("Distress flags"), ("flags",)),
    "queue": Scope(N_("Escalation queues"), ("all", "tier1", "tier2", "tier3")),
    "reminders": Scope(N_("Reminders (7)"), ("reminders",)),
    "period": Scope(N_("Guarantee period (8)"), ("period",)),
    "sensitive": Scope(N_("Sensitive customers (S)")),
    "measures": Scope(N_("Flag measures (M)")),
    "abandoned": Scope(N_("Abandoned calls (A)")),
    "agent": Scope(N_("Agent detail")),
    "escalation": Scope(N_("Escalation history")),
    # Screens whose keys their own footer shows; not sections of the help.
    "requests": Scope(),
    "drills": Scope(),
    "shift": Scope(),
    "reminders_screen": Scope(),
    "period_screen": Scope(),
    # Keys every table, dialog and the help itself share.
    "grid": Scope(),
    "cursor_table": Scope(),
    "dialog": Scope(),
    "choice_note": Scope(),
    "confirm": Scope(),
    "help": Scope(),
}


@dataclass(frozen=True)
class ConsoleAction:
    id: str
    scope: str
    # The Textual action run in the scope's widget or screen (``app.`` for the app's).
    action: str
    keys: str = ""  # Textual key names, comma separated; empty: the palette only
    label: str = ""  # the footer's word (marked)
    about: str = ""  # the help line and the palette's help, when longer than the label
    palette: str | None = None  # the palette's title ({name}: the label); None: keys only
    show: bool = True  # in the footer
    policy: str | None = None  # the floorapp.policy action its service checks
    row: bool = False  # acts on the row selected in its view
    # Several palette entries from one action: (title, action) in the current language.
    variants: Callable[[], list[tuple[str, str]]] | None = None
    # Shows a view or a screen of its own: pressed on a screen over the views (a detail,
    # the shift...), that screen closes first, as escape would, so a view key works on
    # every screen and these screens replace each other instead of piling up.
    leaves_screens: bool = False

    def binding(self) -> Binding:
        return Binding(
            self.keys, self.action, self.label, show=self.show, id=self.id, tooltip=self.about
        )

    @property
    def words(self) -> str:
        """What the help says the action does (marked)."""
        return self.about or self.label


def _view(n: int, view: str, title: str) -> ConsoleAction:
    return ConsoleAction(
        f"app.view.{view}",
        "app",
        f"view('{view}')",
        str(n),
        title,
        palette=N_("View: {name}"),
        show=False,
        leaves_screens=True,
    )


def _sorts() -> list[tuple[str, str]]:
    from screens.board import SORTS

    return [
        (_("Board: sort by {sort}").format(sort=_(label)), f"sort('{name}')")
        for name, (label, _key) in SORTS.items()
    ]


def _languages() -> list[tuple[str, str]]:
    # Both languages by their own name, so a supervisor who cannot read the current one
    # still finds the other.
    return [
        (f"{_('Language')}: {i18n.LANGUAGES[code]} / Language", f"switch_language('{code}')")
        for code in i18n.LANGUAGES
        if code != i18n.language()
    ]


# (view, tab title), in key order 1-8: the title is translated where the tab is drawn.
VIEWS: tuple[tuple[str, str], ...] = (
    ("board", N_("Board")),
    ("flags", N_("Flags")),
    ("tier1", N_("Tier 1")),
    ("tier2", N_("Tier 2")),
    ("tier3", N_("Desk")),
    ("all", N_("All esc.")),
    ("reminders", N_("Remind")),
    ("period", N_("Period")),
)

A = ConsoleAction
ACTIONS: tuple[ConsoleAction, ...] = (
    # --- everywhere -------------------------------------------------------------------------
    A("app.help", "app", "help", "question_mark", N_("Help"), palette=N_("Help: every key")),
    A("app.quit", "app", "quit", "q", N_("Quit")),  # Textual's own palette has Quit
    *(_view(n, view, title) for n, (view, title) in enumerate(VIEWS, start=1)),
    A(
        "app.sensitive",
        "app",
        "sensitive",
        "S",
        N_("Sensitive customers"),
        N_("The sensitive-customer roster: designated agents and their load"),
        N_("View: sensitive-customer roster"),
        show=False,
        policy="sensitive.read",
        leaves_screens=True,
    ),
    A(
        "app.measures",
        "app",
        "measures",
        "M",
        N_("Flag measures"),
        N_("Today's flag measures per team and supervisor"),
        N_("View: today's flag measures"),
        show=False,
        policy="measures.read",
        leaves_screens=True,
    ),
    A(
        "app.requests",
        "app",
        "requests",
        "R",
        N_("Requests"),
        N_("Agents' requests, with time left"),
        N_("View: agents' requests"),
        show=False,
        policy="requests.read",
        leaves_screens=True,
    ),
    A(
        "app.drills",
        "app",
        "drills",
        "D",
        N_("Drills"),
        N_("Drills on the hot issues"),
        N_("View: drills on the hot issues"),
        show=False,
        policy="drills.read",
        leaves_screens=True,
    ),
    A(
        "app.shift",
        "app",
        "shift",
        "9",
        N_("The shift so far"),
        N_("Today in time order, and sparklines of the last hours"),
        N_("View: the shift so far"),
        show=False,
        policy="shift.read",
        leaves_screens=True,
    ),
    A(
        "app.language",
        "app",
        "switch_language",
        "L",
        N_("Language"),
        N_("Switch the console between English and Chinese (中文)"),
        N_("Language"),
        show=False,
        variants=_languages,
    ),
    A(
        "app.abandoned",
        "app",
        "abandoned",
        "A",
        N_("Abandoned calls"),
        N_("Today's abandoned calls; how SL is defined"),
        N_("View: today's abandoned calls and the service level"),
        show=False,
        leaves_screens=True,
    ),
    # --- the agent board --------------------------------------------------------------------
    A(
        "board.detail",
        "board",
        "app.agent_detail",
        "enter",
        N_("Detail"),
        N_("The agent's day: calls, flags, escalations, notes"),
        N_("Agent: open detail"),
        row=True,
    ),
    A(
        "board.raise_flag",
        "board",
        "app.raise_flag",
        "r",
        N_("Flag"),
        N_("Raise a flag on the agent (observed, free text)"),
        N_("Agent: raise a flag (observed)"),
        policy="flag.raise",
        row=True,
    ),
    A(
        "board.escalate",
        "board",
        "app.escalate",
        "e",
        N_("Escal."),
        N_("Open an escalation for the agent's call in progress"),
        N_("Agent: open an escalation for the call"),
        policy="escalation.open",
        row=True,
    ),
    A(
        "board.sort",
        "board",
        "cycle_sort",
        "o",
        N_("Sort"),
        N_("Sort: attention, name (pinyin order), team, state, time in state, calls, complaints"),
        N_("Board: sort by {sort}"),
        variants=_sorts,
    ),
    A(
        "board.team",
        "board",
        "app.team_filter",
        "t",
        N_("Team"),
        N_("Filter by team"),
        N_("Board: filter by team"),
    ),
    A(
        "board.state",
        "board",
        "app.state_filter",
        "s",
        N_("State"),
        N_("Filter by state"),
        N_("Board: filter by state"),
    ),
    A(
        "board.search",
        "board",
        "app.search",
        "slash",
        N_("Find"),
        N_("Search agents by name, pinyin (hcy, huchunyan) or id"),
        N_("Board: search by name, pinyin or id"),
    ),
    A(
        "board.clear",
        "board",
        "clear_filters",
        "escape",
        N_("Clear filters"),
        palette=N_("Board: clear filters"),
        show=False,
    ),
    A(
        "board.request",
        "board",
        "app.agent_request",
        "w",
        N_("Request"),
        N_("Record what the agent asked for (heard on a patrol)"),
        N_("Agent: record what they asked for"),
        show=False,
        policy="request.record",
        row=True,
    ),
    # --- distress flags ---------------------------------------------------------------------
    A(
        "flags.acknowledge",
        "flags",
        "acknowledge",
        "a",
        N_("Ack"),
        N_("Acknowledge the flag, or every marked flag at once"),
        N_("Flag: acknowledge"),
        policy="flag.acknowledge",
        row=True,
    ),
    A(
        "flags.mark",
        "flags",
        "mark",
        "space",
        N_("Mark"),
        N_("Mark or unmark the flag for a bulk action"),
        N_("Flag: mark or unmark"),
        row=True,
    ),
    A(
        "flags.mark_new",
        "flags",
        "mark_new",
        "asterisk",
        N_("Mark new"),
        N_("Mark every new flag shown"),
        N_("Flag: mark every new flag"),
        show=False,
    ),
    A("flags.mark_down", "flags", "mark_down", "shift+down", N_("Mark down"), show=False),
    A("flags.mark_up", "flags", "mark_up", "shift+up", N_("Mark up"), show=False),
    A(
        "flags.unmark",
        "flags",
        "unmark",
        "escape",
        N_("Unmark all"),
        palette=N_("Flag: unmark all"),
        show=False,
    ),
    A(
        "flags.step_in",
        "flags",
        "app.step_in",
        "i",
        N_("Step in"),
        N_("Step in: take over, transfer, coach, short break, other (+ note)"),
        N_("Flag: step in"),
        policy="flag.step_in",
        row=True,
    ),
    A(
        "flags.resolve",
        "flags",
        "app.resolve_flag",
        "x",
        N_("Resolve"),
        N_("Resolve with a note"),
        N_("Flag: resolve with a note"),
        policy="flag.resolve",
        row=True,
    ),
    A(
        "flags.escalate",
        "flags",
        "escalate",
        "E",
        N_("To manager"),
        N_("Send the flag to the floor manager"),
        N_("Flag: send to the floor manager"),
        show=False,
        policy="flag.escalate",
        row=True,
    ),
    A("flags.detail", "flags", "app.agent_detail", "enter", N_("Agent")),
    # --- escalation queues ------------------------------------------------------------------
    A(
        "queue.claim",
        "queue",
        "app.claim",
        "c",
        N_("Claim"),
        palette=N_("Escalation: claim"),
        policy="escalation.claim",
        row=True,
    ),
    A(
        "queue.assign",
        "queue",
        "app.assign",
        "a",
        N_("Assign"),
        palette=N_("Escalation: assign to a supervisor"),
        policy="escalation.assign",
        row=True,
    ),
    A(
        "queue.next_tier",
        "queue",
        "app.next_tier",
        "n",
        N_("Next tier"),
        palette=N_("Escalation: move to the next tier"),
        policy="escalation.next_tier",
        row=True,
    ),
    A(
        "queue.resolve",
        "queue",
        "app.resolve_escalation",
        "x",
        N_("Resolve"),
        palette=N_("Escalation: resolve with a note"),
        policy="escalation.resolve",
        row=True,
    ),
    A(
        "queue.note",
        "queue",
        "app.escalation_note",
        "m",
        N_("Note"),
        palette=N_("Escalation: add a note"),
        policy="escalation.note",
        row=True,
    ),
    A(
        "queue.detail",
        "queue",
        "app.escalation_detail",
        "enter",
        N_("History"),
        palette=N_("Escalation: history"),
        policy="escalation.history",
        row=True,
    ),
    # --- reminders (7) ----------------------------------------------------------------------
    A(
        "reminders.done",
        "reminders",
        "done",
        "d",
        N_("Done"),
        palette=N_("Reminder: done (a patrol walked, care given, a nomination made)"),
        policy="reminder.done",
        row=True,
    ),
    A(
        "reminders.done_flag",
        "reminders",
        "done_flag",
        "f",
        N_("Done+flag"),
        palette=N_("Reminder: done, and raise a flag on an agent seen struggling"),
        policy="reminder.done",
        row=True,
    ),
    A(
        "reminders.snooze",
        "reminders",
        "snooze",
        "s",
        N_("Snooze"),
        palette=N_("Reminder: snooze 5, 10 or 15 minutes"),
        policy="reminder.snooze",
        row=True,
    ),
    A(
        "reminders.skip",
        "reminders",
        "skip",
        "k",
        N_("Skip"),
        palette=N_("Reminder: skip, with a reason"),
        policy="reminder.skip",
        row=True,
    ),
    # --- the guarantee period (8) -----------------------------------------------------------
    A(
        "period.nominate",
        "period",
        "nominate",
        "n",
        N_("Nominate"),
        palette=N_("Period: nominate a role model"),
        policy="nomination.add",
    ),
    A(
        "period.requirement",
        "period",
        "show_requirement",
        "enter",
        N_("Whole text"),
        palette=N_("Period: a requirement's whole text"),
        row=True,
    ),
    # --- screens of their own ---------------------------------------------------------------
    A("sensitive.close", "sensitive", "close", "escape,q", N_("Back")),
    A("sensitive.refresh", "sensitive", "refresh_now", "r", N_("Refresh")),
    A("measures.close", "measures", "close", "escape,q", N_("Back")),
    A("measures.refresh", "measures", "refresh_now", "r", N_("Refresh")),
    A("abandoned.close", "abandoned", "close", "escape,q", N_("Back")),
    A("abandoned.refresh", "abandoned", "refresh_now", "r", N_("Refresh")),
    A("agent.close", "agent", "close", "escape,q", N_("Back")),
    A(
        "agent.raise_flag",
        "agent",
        "app.raise_flag",
        "r",
        N_("Raise flag"),
        palette=N_("Agent: raise a flag (observed)"),
        policy="flag.raise",
    ),
    A(
        "agent.escalate",
        "agent",
        "app.escalate",
        "e",
        N_("Escalate"),
        palette=N_("Agent: open an escalation for the call"),
        policy="escalation.open",
    ),
    A(
        "agent.note",
        "agent",
        "note",
        "n",
        N_("Note"),
        N_("Add a note on the agent"),
        N_("Agent: add a note"),
        policy="agent.note",
    ),
    A("escalation.close", "escalation", "close", "escape,q", N_("Back")),
    A(
        "escalation.note",
        "escalation",
        "app.escalation_note",
        "m",
        N_("Note"),
        palette=N_("Escalation: add a note"),
        policy="escalation.note",
    ),
    A("requests.close", "requests", "close", "escape,q", N_("Back")),
    A(
        "requests.ack",
        "requests",
        "acknowledge",
        "a",
        N_("Ack"),
        palette=N_("Request: acknowledge"),
        policy="request.acknowledge",
    ),
    A(
        "requests.answer",
        "requests",
        "answer",
        "w",
        N_("Answer"),
        palette=N_("Request: answer"),
        policy="request.answer",
    ),
    A(
        "requests.close_request",
        "requests",
        "close_request",
        "x",
        N_("Close"),
        palette=N_("Request: close"),
        policy="request.close",
    ),
    A("requests.refresh", "requests", "refresh_now", "r", N_("Refresh"), show=False),
    A("drills.close", "drills", "close", "escape,q", N_("Back")),
    A(
        "drills.passed",
        "drills",
        "passed",
        "p",
        N_("Passed"),
        palette=N_("Drill: passed"),
        policy="drill.result",
    ),
    A(
        "drills.practice",
        "drills",
        "practice",
        "n",
        N_("Needs practice"),
        palette=N_("Drill: needs practice"),
        policy="drill.result",
    ),
    A("drills.refresh", "drills", "refresh_now", "r", N_("Refresh"), show=False),
    A("shift.close", "shift", "close", "escape,q", N_("Back")),
    A(
        "shift.team",
        "shift",
        "team",
        "t",
        N_("Team"),
        N_("Show one team"),
        N_("Shift: show one team"),
    ),
    A(
        "shift.kind",
        "shift",
        "kind",
        "k",
        N_("Kind"),
        N_("Show one kind"),
        N_("Shift: show one kind"),
    ),
    A("shift.open", "shift", "open", "enter", N_("Open"), N_("Open the record")),
    A("reminders_screen.back", "reminders_screen", "app.pop_screen", "escape", N_("Back")),
    A("period_screen.back", "period_screen", "app.pop_screen", "escape", N_("Back")),
    # --- keys shared by every table and dialog ----------------------------------------------
    A("grid.up", "grid", "cursor_up", "up", N_("Up"), show=False),
    A("grid.down", "grid", "cursor_down", "down", N_("Down"), show=False),
    A("grid.page_up", "grid", "page_up", "pageup", N_("Page up"), show=False),
    A("grid.page_down", "grid", "page_down", "pagedown", N_("Page down"), show=False),
    A("grid.first", "grid", "first", "home", N_("First"), show=False),
    A("grid.last", "grid", "last", "end", N_("Last"), show=False),
    A("cursor_table.first", "cursor_table", "first", "home", N_("First"), show=False),
    A("cursor_table.last", "cursor_table", "last", "end", N_("Last"), show=False),
    A("dialog.cancel", "dialog", "cancel", "escape", N_("Cancel")),
    A("choice_note.previous", "choice_note", "move(-1)", "up", N_("Previous option"), show=False),
    A("choice_note.next", "choice_note", "move(1)", "down", N_("Next option"), show=False),
    A("confirm.yes", "confirm", "confirm", "y,enter", N_("Yes")),
    A("confirm.no", "confirm", "cancel", "n,escape", N_("No")),
    A("help.close", "help", "close", "escape,q,question_mark", N_("Close")),
)
del A

BY_ID: dict[str, ConsoleAction] = {a.id: a for a in ACTIONS}


def _name(action: str) -> str:
    """The action's method name: ``view`` of ``app.view('flags')``."""
    return action.removeprefix("app.").split("(", 1)[0]


_LEAVING = frozenset(_name(a.action) for a in ACTIONS if a.leaves_screens and a.scope == "app")


def leaves_screens(action: str) -> bool:
    """Whether the app's ``action`` (as a key or the palette runs it) shows a view or a
    screen of its own (``ConsoleAction.leaves_screens``)."""
    return _name(action) in _LEAVING


def bindings(scope: str) -> list[BindingType]:
    """The ``BINDINGS`` of the widget or screen that is ``scope``: its keyed actions."""
    return [a.binding() for a in ACTIONS if a.scope == scope and a.keys]


def key_names(keys: str) -> str:
    """Keys as a supervisor reads them: ``/``, ``?``, ``esc``."""
    names = {"slash": "/", "question_mark": "?", "escape": "esc", "asterisk": "*"}
    return " / ".join(names.get(k.strip(), k.strip()) for k in keys.split(","))


def help_sections() -> list[tuple[str, list[ConsoleAction]]]:
    """(section title, keyed actions) for the ``?`` screen, both marked, in help order."""
    return [
        (scope.help, [a for a in ACTIONS if a.scope == name and a.keys])
        for name, scope in SCOPES.items()
        if scope.help
    ]


@dataclass(frozen=True)
class PaletteEntry:
    title: str  # translated
    help: str  # translated
    action: ConsoleAction
    run: str  # the Textual action to run (a variant's own, or the action's)


def _where(action: ConsoleAction) -> str:
    keys = key_names(action.keys)
    scope = SCOPES[action.scope]
    if not keys:
        return _(action.words)
    if action.scope == "app" or scope.help is None:
        return _("key {key}").format(key=keys)
    return _("{key} in {where}").format(key=keys, where=_(scope.help))


def palette_scopes(on_main_screen: bool, screen_scope: str | None) -> set[str]:
    """The scopes the palette offers: the same on every screen (everywhere's and the main
    screen's views; a view's entry chosen on a screen over the views closes that screen),
    and on a screen of its own, that screen's too (they act on what it shows)."""
    main = {"app", *(n for n, s in SCOPES.items() if s.views)}
    if on_main_screen or not screen_scope:
        return main
    return main | {screen_scope}


def palette_entries(scopes: set[str]) -> list[PaletteEntry]:
    """The palette's entries for ``scopes``, in the current language. Where a screen's own
    entry reads as one of a view's ("Agent: raise a flag" on the agent's detail and on the
    board), the screen's own is offered: it acts on what the screen shows."""
    own: list[PaletteEntry] = []
    out: list[PaletteEntry] = []
    for a in ACTIONS:
        if a.palette is None or a.scope not in scopes:
            continue
        where = _where(a)
        found = (
            [PaletteEntry(title, where, a, run) for title, run in a.variants()]
            if a.variants is not None
            else [PaletteEntry(_(a.palette).format(name=_(a.label)), where, a, a.action)]
        )
        mine = a.scope != "app" and not SCOPES[a.scope].views
        (own if mine else out).extend(found)
    titles = {e.title for e in own}
    return [e for e in out if e.title not in titles] + own


def scope_of(node: DOMNode) -> str | None:
    """The scope a widget or screen class declared with ``SCOPE``."""
    return getattr(type(node), "SCOPE", None)


def console(node: DOMNode) -> FloorApp:
    """The console app a widget lives in, typed: its services, perform and targets."""
    # Textual: DOMNode.app is typed App[Any]; every screen here runs in FloorApp.
    return node.app  # type: ignore[return-value]  # Textual: .app is App[Any]
