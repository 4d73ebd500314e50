"""FloorApp: the live floor console. Screens call floorapp services, never SQL.

The app is put together from one module per concern: the live refresh and the collector's
tuning (``refresh.py``), what each key does (``flows.py``, ``escflows.py``), the palette
(``commands.py``), every action's keys and words (``actions.py``). Here: the layout, the
views, the language, and the guard that keeps any failing action from ending the console.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from textual.actions import ActionParseResult
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.command import CommandPalette
from textual.dom import DOMNode
from textual.filter import Monochrome
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import TabbedContent, TabPane

from floorapp import i18n
from floorapp.context import AppContext
from floorapp.i18n import N_, _
from floorapp.identity import Actor
from floorapp.services.board import BoardReader
from screens.actions import VIEWS, bindings, leaves_screens
from screens.board import SORTS, AgentBoard
from screens.commands import FloorCommands, FloorPalette
from screens.escflows import EscalationFlows
from screens.flags import FlagTable
from screens.footer import FloorFooter
from screens.guard import guard_option_list_paging, record_failure
from screens.header import FloorHeader
from screens.help import HelpScreen
from screens.nocolor import ReadableMonochrome
from screens.notices import ReplacingNotices
from screens.queues import QueueTable
from screens.refresh import QUEUE_TIERS, LiveRefresh
from screens.shift import ShiftScreen, header_sparks, keep_header_series
from screens.typeahead import TypeAhead

log = logging.getLogger(__name__)

__all__ = ["VIEWS", "FloorApp", "tab_title"]


# Textual's own palette words, in the catalog so the palette reads in the console's language.
TEXTUAL_WORDS = (
    N_("Theme"),
    N_("Change the current theme"),
    N_("Quit"),
    N_("Quit the application as soon as possible"),
    N_("Keys"),
    N_("Hide the keys and widget help panel"),
    N_("Show help for the focused widget and a summary of available keys"),
    N_("Minimize"),
    N_("Minimize the widget and restore to normal size"),
    N_("Maximize"),
    N_("Maximize the focused widget"),
    N_("Screenshot"),
    N_("Save an SVG 'screenshot' of the current screen"),
)


def tab_title(n: int, title: str) -> str:
    return f"{n} {_(title)}"


class FloorApp(ReplacingNotices, TypeAhead, LiveRefresh, EscalationFlows, App[None]):
    TITLE = "floorapp"
    CSS_PATH = "floor.tcss"
    COMMANDS = App.COMMANDS | {FloorCommands}
    SCOPE = "app"
    BINDINGS: ClassVar[list[BindingType]] = bindings("app")

    def __init__(
        self,
        ctx: AppContext,
        team: str | None = None,
        *,
        actor: str | None = None,
        poll_interval: float | None = None,
        lang: str | None = None,
    ) -> None:
        super().__init__()
        guard_option_list_paging()
        if self.no_color:
            # Textual's monochrome turned text and ground that differ in hue alone into one
            # grey; this one keeps every line readable (screens/nocolor.py).
            self._filters = [
                ReadableMonochrome() if isinstance(f, Monochrome) else f for f in self._filters
            ]
        self._typeahead_reset()
        self.ctx = ctx
        self.team = team
        self.actor = actor or ctx.actor
        self._choose_language(lang)
        self.actor_info: Actor | None = None
        self.reader = BoardReader(ctx.engine, team=team, settings=ctx.settings, actor=self.actor)
        self._init_refresh(poll_interval)

    def _choose_language(self, lang: str | None) -> None:
        """``lang`` if given; else the supervisor's own preference, unless ``--lang`` or
        FLOORAPP_LANG chose already (i18n.with_supervisor). Before compose: every label is
        drawn in it from the first frame."""
        if lang:
            i18n.choose(i18n.Choice(i18n.parse(lang, "lang"), "cli"))
            return
        try:
            preference = i18n.supervisor_lang(self.ctx.engine, self.actor)
        except Exception:  # the floor cannot be read yet: the first refresh will say so
            log.exception("could not read the supervisor's language")
            return
        i18n.choose(i18n.with_supervisor(i18n.chosen, preference))

    # --- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield FloorHeader(
            self.ctx.settings.timezone,
            self.actor,
            _("team {team}").format(team=self.team) if self.team else None,
            id="header",
        )
        with TabbedContent(initial="board", id="views"):
            with TabPane(tab_title(1, VIEWS[0][1]), id="board"):
                yield AgentBoard(id="board-table")
            with TabPane(tab_title(2, VIEWS[1][1]), id="flags"):
                yield FlagTable(id="flags-table")
            for n, (view, title) in enumerate(VIEWS[2:6], start=3):
                with TabPane(tab_title(n, title), id=view):
                    yield QueueTable(QUEUE_TIERS[view], id=f"{view}-table")
            # Mounted here so reminders reach the supervisor whichever view is showing.
            from screens.period import PeriodPanel
            from screens.reminders import RemindersPanel

            with TabPane(tab_title(7, VIEWS[6][1]), id="reminders"):
                yield RemindersPanel(self.ctx, self.actor, id="reminders-panel")
            with TabPane(tab_title(8, VIEWS[7][1]), id="period"):
                yield PeriodPanel(self.ctx, self.actor, team=self.team, id="period-panel")
        yield FloorFooter(compact=True)

    def on_mount(self) -> None:
        from floorapp.figures.settings import long_call_minutes

        long_call = long_call_minutes(self.ctx.settings) * 60
        self.board.long_call_seconds = long_call
        self.query_one(FloorHeader).long_call_seconds = long_call
        now = self.ctx.clock.now()
        for t in self.tables():
            t.now = now
        self.query_one(FloorHeader).tick(now)
        self.board.focus()
        self.second_timer = self.set_interval(1.0, self.second)
        self._start_poll()
        keep_header_series(self)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        table = self.table_for(event.pane.id or "")
        if table is not None:
            self.tick_table(table, self.ctx.clock.now())
            table.focus()
        elif event.pane.id in ("reminders", "period"):
            if event.pane.id == "period":
                from screens.period import PeriodPanel

                self.query_one(PeriodPanel).refresh_now()
            focusable = event.pane.query("DataTable")
            if focusable:
                focusable.first().focus()

    def action_sensitive(self) -> None:
        from screens.sensitive import SensitiveRosterScreen

        self.push_screen(SensitiveRosterScreen(self.ctx, team=self.team))

    def action_requests(self) -> None:
        from screens.requests import RequestsScreen

        self.push_screen(RequestsScreen(self.ctx, self.actor, team=self.team))

    def action_drills(self) -> None:
        from screens.drills import DrillsScreen

        self.push_screen(DrillsScreen(self.ctx, self.actor, team=self.team))

    def action_shift(self) -> None:
        self.push_screen(ShiftScreen(self.team))

    def action_measures(self) -> None:
        from screens.measures import MeasuresScreen

        self.push_screen(MeasuresScreen(self.ctx))

    def action_abandoned(self) -> None:
        from screens.abandoned import AbandonedScreen

        self.push_screen(AbandonedScreen(self.ctx, self.actor, team=self.team))

    def on_unmount(self) -> None:
        self._release_the_shift()

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        # Every key, palette entry and click runs through here: a bug in one action
        # becomes a notice and a log entry, and the console goes on.
        try:
            if isinstance(action, str) and leaves_screens(action):
                self.leave_screens()
            return await super().run_action(action, default_namespace, namespaces)
        except Exception as exc:
            line = record_failure(f"action {action}", exc)
            log.exception("action %s failed", action)
            self.notify(line, severity="error", markup=False, timeout=10)
            return True

    def leave_screens(self) -> None:
        """Close the screens over the views (a detail, the shift...), as escape would: a
        view or another such screen is about to show. Not a dialog: the keys do not reach
        the app past one (Textual's modal screens), and what was typed in it is kept."""
        while len(self.screen_stack) > 1 and not isinstance(self.screen, ModalScreen):
            self.pop_screen()

    async def action_quit(self) -> None:
        self._stopping = True
        self.exit()

    # --- views ------------------------------------------------------------------------------

    def action_view(self, view: str) -> None:
        self.query_one("#views", TabbedContent).active = view
        # Focus now, not on TabActivated: keys typed right after the view key (a fast
        # typist, a paste, tmux send-keys) must reach the new view, not the old one.
        table = self.table_for(view)
        if table is not None:
            table.focus()

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(
                FloorPalette(
                    id="--command-palette",
                    placeholder=_("Search for commands") + i18n.MARKS.loading,
                )
            )

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for cmd in super().get_system_commands(screen):
            yield SystemCommand(_(cmd.title), _(cmd.help), cmd.callback, cmd.discover)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_switch_language(self, code: str | None = None) -> None:
        """English <-> Chinese now, without a restart. Every label and row is drawn again
        from what is held at once; and the floor is read again in full, since what the
        reader words itself (a rule's flag detail) is held as worded when it was read."""
        if code is None:
            code = "en" if i18n.is_chinese() else "zh_CN"
        i18n.set_language(code)
        self.reader.read_all_next()
        self.relabel()
        self.poll_now()
        self.notify(
            _("Language: {name}").format(name=i18n.LANGUAGES[i18n.language()]),
            timeout=2,
            markup=False,
            kind="language",
        )

    def relabel(self) -> None:
        """Draw every label again in the current language."""
        tabs = self.query_one("#views", TabbedContent)
        for n, (view, title) in enumerate(VIEWS, start=1):
            tabs.get_tab(view).label = tab_title(n, title)
        header = self.query_one(FloorHeader)
        header.scope = _("team {team}").format(team=self.team) if self.team else None
        series = getattr(self, "shift_series", None)
        if series is not None:  # the shift's pictures are named in words too
            header.sparks = header_sparks(series)
        for table in self.tables():
            table.relabel()
        for widget in self.query("*"):
            relabel = getattr(widget, "relabel_language", None)
            if relabel is not None:
                relabel()
        self.refresh_header()
        self.refresh_bindings()
        self.tick()
        for screen in self.screen_stack[1:]:
            if not isinstance(screen, ModalScreen):  # a dialog keeps what was typed in it
                self.call_later(self._reword, screen)

    async def _reword(self, screen: Screen[Any]) -> None:
        """A screen over the views drawn again in the current language: composed anew
        (its titles and column headings) and its data read again (the words it holds)."""
        load = getattr(screen, "reload", None) or getattr(screen, "action_refresh_now", None)
        if load is None or not screen.is_attached:
            return
        await screen.recompose()
        load()

    def refresh_header(self) -> None:
        header = self.query_one(FloorHeader)
        note = self.board.describe_filters()
        sort = self.board.sort_name
        if sort != "attention":
            by = _("by {sort}").format(sort=_(SORTS[sort][0]))
            note = _(", ").join(p for p in (note, by) if p)
        header.view_note = note
        header.refresh()

    def view_widget(self, view: str) -> Widget:
        """The widget that shows ``view`` (its keys act on it)."""
        table = self.table_for(view)
        if table is not None:
            return table
        return self.query_one(f"#{view}-panel")

    def on_agent_board_view_changed(self, _message: AgentBoard.ViewChanged) -> None:
        self.refresh_header()

    def action_sort(self, name: str) -> None:
        """The board, sorted by ``name`` (SORTS)."""
        self.action_view("board")
        self.board.set_sort(name)
