"""FloorApp: the live floor console. Screens call floorapp services, never SQL.

Refresh follows Dolphie's pattern: one thread worker reads what changed (``BoardReader``),
hands the delta to the UI thread, which patches the tables inside ``batch_update`` and then
re-arms the timer, so refreshes never overlap and a slow database never blocks a key press.
Actions run in thread workers too (a write can wait on SQLite's lock).
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from textual import work
from textual.actions import ActionParseResult
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette
from textual.css.query import NoMatches
from textual.dom import DOMNode
from textual.filter import Monochrome
from textual.screen import Screen
from textual.widgets import TabbedContent, TabPane

from floorapp import i18n, words
from floorapp.context import AppContext
from floorapp.i18n import N_, _, ngettext
from floorapp.identity import Actor
from floorapp.services import ServiceError, supervisors
from floorapp.services import escalations as esc_service
from floorapp.services import flags as flag_service
from floorapp.services.board import BoardDelta, BoardReader
from floorapp.services.escalations import TIER_NAMES, EscalationView, HandoffLimit
from floorapp.services.flags import INTERVENTIONS, FlagView
from screens.board import SORTS, AgentBoard
from screens.cells import STATE_WORDS
from screens.commands import FloorCommands
from screens.detail import AgentDetailScreen, EscalationDetailScreen
from screens.dialogs import ChoiceDialog, ChoiceNoteDialog, ConfirmDialog, NoteDialog
from screens.flags import FlagTable
from screens.footer import FloorFooter
from screens.guard import guard_option_list_paging, record_failure
from screens.header import FloorHeader
from screens.help import HelpScreen
from screens.nocolor import ReadableMonochrome
from screens.notices import ReplacingNotices
from screens.queues import QueueTable
from screens.shift import ShiftScreen, keep_header_series, read_header_series
from screens.table import LiveTable
from screens.triage import header_counts
from screens.typeahead import TypeAhead

log = logging.getLogger(__name__)

# (view, tab title): the title is marked here and translated where the tab is drawn.
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


# Textual's own palette words, in the catalog so the palette reads in the console's language.
TEXTUAL_WORDS = (
    N_("Theme"), N_("Change the current theme"), N_("Quit"),
    N_("Quit the application as soon as possible"), N_("Keys"),
    N_("Hide the keys and widget help panel"),
    N_("Show help for the focused widget and a summary of available keys"),
    N_("Minimize"), N_("Minimize the widget and restore to normal size"), N_("Maximize"),
    N_("Maximize the focused widget"), N_("Screenshot"),
    N_("Save an SVG 'screenshot' of the current screen"),
)


def tab_title(n: int, title: str) -> str:
    return f"{n} {_(title)}"

QUEUE_TIERS = {"tier1": 1, "tier2": 2, "tier3": 3, "all": None}
# Allocations between young-generation collections once the floor is loaded (CPython's
# default is 700). A busy tick allocates tens of thousands of short-lived objects, nearly all
# freed by refcounting; collecting every 700 walked them anyway.
GC_YOUNG = 20_000


class FloorApp(ReplacingNotices, TypeAhead, App[None]):
    TITLE = "floorapp"
    CSS_PATH = "floor.tcss"
    COMMANDS = App.COMMANDS | {FloorCommands}
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("question_mark", "help", N_("Help"), id="app.help"),
        Binding("q", "quit", N_("Quit"), id="app.quit"),
        *[Binding(str(n), f"view('{v}')", title, show=False, id=f"app.view.{v}")
          for n, (v, title) in enumerate(VIEWS, start=1)],
        Binding("S", "sensitive", N_("Sensitive customers"), show=False, id="app.sensitive",
                tooltip=N_("The sensitive-customer roster: designated agents and their load")),
        Binding("M", "measures", N_("Flag measures"), show=False, id="app.measures",
                tooltip=N_("Today's flag measures per team and supervisor")),
        Binding("R", "requests", N_("Requests"), show=False, id="app.requests",
                tooltip=N_("Agents' requests, with time left")),
        Binding("D", "drills", N_("Drills"), show=False, id="app.drills",
                tooltip=N_("Drills on the hot issues")),
        Binding("9", "shift", N_("The shift so far"), show=False, id="app.shift",
                tooltip=N_("Today in time order, and sparklines of the last hours")),
        Binding("L", "switch_language", N_("Language"), show=False, id="app.language",
                tooltip=N_("Switch the console between English and Chinese (中文)")),
        Binding("A", "abandoned", N_("Abandoned calls"), show=False, id="app.abandoned",
                tooltip=N_("Today's abandoned calls; how SL is defined")),
    ]
    # Seconds between reads of what changed: under the one-second promise with room
    # for the read itself, and slow enough to keep the bytes sent over SSH modest.
    # The once-a-second tick starts the refresh, and the tick's own changes (clock, time in
    # state) are drawn in the same frame as what the refresh found: one frame a second on
    # a quiet console, which keeps an SSH link's bytes low. A shorter interval (tests)
    # adds polls between ticks.
    POLL_INTERVAL = 1.0

    def __init__(self, ctx: AppContext, team: str | None = None, *,
                 actor: str | None = None, poll_interval: float | None = None,
                 start_scheduler: bool = False, lang: str | None = None) -> None:
        super().__init__()
        guard_option_list_paging()
        if self.no_color:
            # Textual's monochrome turned text and ground that differ in hue alone into one
            # grey; this one keeps every line readable (screens/nocolor.py).
            self._filters = [ReadableMonochrome() if isinstance(f, Monochrome) else f
                             for f in self._filters]
        self._typeahead_reset()
        self.start_scheduler = start_scheduler
        self.ctx = ctx
        self.team = team
        self.actor = actor or ctx.actor
        self._choose_language(lang)
        self.actor_info: Actor | None = None
        self.reader = BoardReader(ctx, self.actor, team=team)
        self.poll_interval = poll_interval if poll_interval is not None else self.POLL_INTERVAL
        self.loaded = False
        self.polls = 0
        # Waiters for the next applied refresh (the benchmark): woken, not polled for.
        self._refresh_waiters: list[asyncio.Future[None]] = []
        self._polling = False
        self._poll_again = False
        self._stopping = False
        self._tick_due = False
        self._gc_thresholds: tuple[int, int, int] | None = None

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
        yield FloorHeader(self.ctx.settings.timezone, self.actor,
                          _("team {team}").format(team=self.team) if self.team else None,
                          id="header")
        with TabbedContent(initial="board", id="views"):
            with TabPane(tab_title(1, VIEWS[0][1]), id="board"):
                yield AgentBoard(id="board-table")
            with TabPane(tab_title(2, VIEWS[1][1]), id="flags"):
                yield FlagTable(id="flags-table")
            for n, (view, title) in enumerate(VIEWS[2:6], start=3):
                with TabPane(tab_title(n, title), id=view):
                    yield QueueTable(QUEUE_TIERS[view], id=f"{view}-table")
            # Written by the plan-and-reminders engineer; mounted here so reminders reach
            # the supervisor whichever view is showing.
            from screens.period import PeriodPanel
            from screens.reminders import RemindersPanel

            with TabPane(tab_title(7, VIEWS[6][1]), id="reminders"):
                yield RemindersPanel(self.ctx, self.actor, start_scheduler=self.start_scheduler,
                                     id="reminders-panel")
            with TabPane(tab_title(8, VIEWS[7][1]), id="period"):
                yield PeriodPanel(self.ctx, self.actor, team=self.team, id="period-panel")
        yield FloorFooter(compact=True)

    @property
    def board(self) -> AgentBoard:
        return self.query_one("#board-table", AgentBoard)

    @property
    def flag_table(self) -> FlagTable:
        return self.query_one("#flags-table", FlagTable)

    def queue(self, view: str) -> QueueTable:
        return self.query_one(f"#{view}-table", QueueTable)

    def tables(self) -> list[LiveTable]:
        return [self.board, self.flag_table, *[self.queue(v) for v in QUEUE_TIERS]]

    @property
    def active_view(self) -> str:
        return self.query_one("#views", TabbedContent).active

    def floor_now(self) -> Any:
        """The floor's clock (floorapp.figures.clock): the wall clock while the feed is live,
        its last event once quiet; time in state and call lengths run on it."""
        wall = self.ctx.clock.now()
        figures = self.reader_figures
        return wall if figures is None else figures.clock(wall).now

    reader_figures: Any = None

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
            table.tick(self.floor_now() if table is self.board else self.ctx.clock.now())
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

    def action_agent_request(self, agent_id: str | None = None) -> None:
        from floorapp.services import requests as request_service
        from screens.requests import category_choices

        agent_id = agent_id or self.current_agent_id()
        if agent_id is None:
            self.notify(_("No agent selected."), markup=False)
            return
        name = self.agent_name(agent_id)

        def done(result: object) -> None:
            if isinstance(result, tuple) and result[1]:
                self.perform(_("Request recorded for {name}").format(name=name),
                             lambda: request_service.record(
                                 self.ctx.engine, self.ctx.settings, agent_id, str(result[0]),
                                 str(result[1]), actor=self.actor, now=self.ctx.clock.now()))

        self.push_screen(ChoiceNoteDialog(
            _("What did {name} ask for?").format(name=name), category_choices(),
            choosing=_("about"), placeholder=_("what the agent asked")), done)
    def action_shift(self) -> None:
        self.push_screen(ShiftScreen(self.team))

    def action_measures(self) -> None:
        from screens.measures import MeasuresScreen

        self.push_screen(MeasuresScreen(self.ctx))

    def action_abandoned(self) -> None:
        from screens.abandoned import AbandonedScreen

        self.push_screen(AbandonedScreen(self.ctx, self.actor, team=self.team))

    def table_for(self, view: str) -> LiveTable | None:
        if view == "board":
            return self.board
        if view == "flags":
            return self.flag_table
        if view in QUEUE_TIERS:
            return self.queue(view)
        return None

    # --- live refresh -------------------------------------------------------------------

    def second(self) -> None:
        """What the console does each second: refresh, and tick with the refresh's result
        in the same frame; tick alone if a refresh is stuck."""
        if self.poll_interval > 1.0:
            # Refreshing less often than the clock ticks (set by tests and the benchmark,
            # which drive refreshes themselves): the clock still ticks every second.
            self.tick()
            return
        if self._tick_due:  # the last refresh has not come back within a second
            self.tick()
        self._tick_due = True
        self._start_poll()

    def tick(self) -> None:
        """Once a second: the clock, time-in-state and deadlines of the rows on screen."""
        now = self.ctx.clock.now()
        try:
            header = self.query_one(FloorHeader)
        except NoMatches:  # closing
            return
        header.past_now = sum(1 for e in self.reader_escalations() if e.deadline <= now)
        header.flags_overdue, header.reminders_due = header_counts(self, now)
        header.tick(now)
        table = self.table_for(self.active_view)
        if table is not None:
            # Deadlines are for people and run on the wall clock; the board's durations
            # run on the floor's.
            table.tick(self.floor_now() if table is self.board else now)

    def reader_escalations(self) -> list[EscalationView]:
        return list(self.queue("all").model.values())

    def next_refresh(self) -> asyncio.Future[None]:
        """A future done when the next refresh has been applied to the screen."""
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._refresh_waiters.append(fut)
        return fut

    def poll_now(self) -> None:
        self._start_poll()

    def _start_poll(self) -> None:
        if self._stopping:
            return
        if self._polling:
            self._poll_again = True
            return
        self._polling = True
        self._poll_worker()

    @work(thread=True, group="poll", exit_on_error=False)
    def _poll_worker(self) -> None:
        try:
            if self.actor_info is None:
                self.actor_info = supervisors.actor_of(self.ctx, self.actor)
            delta = self.reader.poll()
        except Exception as exc:  # the database went away, a lock outlived the timeout...
            log.exception("refresh failed")
            self._safe_call(self._poll_failed, exc)
            return
        if not self.loaded:  # the shift's pictures arrive with the floor's first frame
            read_header_series(self)
        self._safe_call(self._apply_delta, delta)

    def _safe_call(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            self.call_from_thread(fn, *args)
        except RuntimeError:  # the app closed while the worker was reading
            pass

    def _poll_failed(self, exc: Exception) -> None:
        self.notify(_("Could not read the floor: {error}").format(error=exc), severity="error",
                    markup=False, timeout=5)
        self._polling = False
        self.set_timer(max(self.poll_interval, 2.0), self._start_poll)

    def _apply_delta(self, delta: BoardDelta) -> None:
        try:
            self._patch(delta)
        except NoMatches:  # the console is closing: its widgets are already gone
            self._polling = False
            return
        if delta.full:
            # The floor's rows, cells and caches now live for the shift: take them out of the
            # cyclic collector's walks. A full collection visited all of them, a stall of
            # ~130 ms every dozen seconds on a 10,000-agent floor; refcounting still frees them.
            gc.freeze()
            if self._gc_thresholds is None:
                self._gc_thresholds = gc.get_threshold()
                gc.set_threshold(GC_YOUNG, *self._gc_thresholds[1:])
        self.loaded = True
        self.polls += 1
        waiters, self._refresh_waiters = self._refresh_waiters, []
        for w in waiters:
            if not w.done():
                w.set_result(None)
        self._polling = False
        if self._poll_again:
            self._poll_again = False
            self._start_poll()
        elif self.poll_interval < 1.0:
            self.set_timer(self.poll_interval, self._start_poll)

    def _patch(self, delta: BoardDelta) -> None:
        now = delta.figures.as_of
        self.reader_figures = delta.figures
        with self.batch_update():
            for t in self.tables():
                t.now = now
            self.board.now = self.floor_now()
            if delta.full or delta.agents:
                self.board.apply(delta.agents, full=delta.full)
            if delta.full or delta.flags or delta.flags_gone:
                self.flag_table.apply(delta.flags, delta.flags_gone, full=delta.full)
            if delta.full or delta.escalations or delta.escalations_gone:
                for view in QUEUE_TIERS:
                    self.queue(view).apply(delta.escalations, delta.escalations_gone,
                                           full=delta.full)
            self.query_one(FloorHeader).update_figures(delta.figures)
            if self._tick_due:
                self._tick_due = False
                self.tick()

    def on_unmount(self) -> None:
        gc.unfreeze()  # what this console held can be collected again (tests run many)
        if self._gc_thresholds is not None:
            gc.set_threshold(*self._gc_thresholds)

    async def run_action(self, action: str | ActionParseResult,
                         default_namespace: DOMNode | None = None) -> bool:
        # Every key, palette entry and click runs through here: a bug in one action
        # becomes a notice and a log entry, and the console goes on.
        try:
            return await super().run_action(action, default_namespace)
        except Exception as exc:
            line = record_failure(f"action {action}", exc)
            log.exception("action %s failed", action)
            self.notify(line, severity="error", markup=False, timeout=10)
            return True

    async def action_quit(self) -> None:
        self._stopping = True
        self.exit()

    # --- running actions off the UI thread ----------------------------------------------

    def perform(self, label: str, fn: Callable[[], Any], *,
                then: Callable[[], None] | None = None,
                on_error: Callable[[ServiceError], bool] | None = None) -> None:
        """Run a service call in a thread; tell the supervisor how it went; refresh."""

        def job() -> None:
            try:
                fn()
            except ServiceError as exc:
                self._safe_call(self._action_failed, label, exc, on_error)
                return
            except Exception as exc:
                log.exception("%s failed", label)
                self._safe_call(self._action_failed, label, ServiceError(str(exc)), None)
                return
            self._safe_call(self._action_done, label, then)

        self.run_worker(job, thread=True, group="action", exit_on_error=False)

    def _action_done(self, label: str, then: Callable[[], None] | None) -> None:
        self.notify(label, timeout=3, markup=False)
        self.poll_now()
        if then is not None:
            then()

    def _action_failed(self, label: str, exc: ServiceError,
                       on_error: Callable[[ServiceError], bool] | None) -> None:
        if on_error is not None and on_error(exc):
            return
        self.notify(str(exc), title=_("Refused"), severity="error", markup=False, timeout=8)

    # --- targets --------------------------------------------------------------------------

    def current_agent_id(self) -> str | None:
        view = self.active_view
        if view == "board":
            a = self.board.selected()
            return a.id if a else None
        if view == "flags":
            f = self.flag_table.selected()
            return f.agent_id if f else None
        if view in QUEUE_TIERS:
            e = self.queue(view).selected()
            return e.agent_id if e else None
        return None

    def current_flag(self) -> FlagView | None:
        if self.active_view != "flags":
            self.action_view("flags")
            self.notify(_("Pick a flag in the flags view, then press the key again."),
                        markup=False, timeout=4)
            return None
        f = self.flag_table.selected()
        if f is None:
            self.notify(_("No open flag selected."), markup=False)
        return f  # type: ignore[no-any-return]

    def current_escalation(self) -> EscalationView | None:
        view = self.active_view
        if view not in QUEUE_TIERS:
            self.action_view("all")
            self.notify(_("Pick an escalation in a queue, then press the key again."),
                        markup=False, timeout=4)
            return None
        e = self.queue(view).selected()
        if e is None:
            self.notify(_("No escalation selected."), markup=False)
        return e  # type: ignore[no-any-return]

    def agent_name(self, agent_id: str) -> str:
        a = self.board.model.get(agent_id)
        return a.name if a else agent_id

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
            self.push_screen(CommandPalette(
                id="--command-palette",
                placeholder=_("Search for commands") + i18n.MARKS.loading))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for cmd in super().get_system_commands(screen):
            yield SystemCommand(_(cmd.title), _(cmd.help), cmd.callback, cmd.discover)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(list(self.BINDINGS)))  # type: ignore[arg-type]

    def action_switch_language(self, code: str | None = None) -> None:
        """English <-> Chinese now, without a restart: labels are translated where they are
        drawn, so only the static labels and the rows on screen are drawn again."""
        if code is None:
            code = "en" if i18n.is_chinese() else "zh_CN"
        i18n.set_language(code)
        self.relabel()
        self.notify(_("Language: {name}").format(name=i18n.LANGUAGES[i18n.language()]),
                    timeout=2, markup=False, kind="language")

    def relabel(self) -> None:
        """Draw every label again in the current language."""
        tabs = self.query_one("#views", TabbedContent)
        for n, (view, title) in enumerate(VIEWS, start=1):
            tabs.get_tab(view).label = tab_title(n, title)  # type: ignore[assignment]
        header = self.query_one(FloorHeader)
        header.scope = _("team {team}").format(team=self.team) if self.team else None
        for table in self.tables():
            table.relabel()
        for widget in self.query("*"):
            relabel = getattr(widget, "relabel_language", None)
            if relabel is not None:
                relabel()
        self.refresh_header()
        self.refresh_bindings()
        self.tick()

    def refresh_header(self) -> None:
        header = self.query_one(FloorHeader)
        note = self.board.describe_filters()
        sort = self.board.sort_name
        if sort != "attention":
            by = _("by {sort}").format(sort=_(SORTS[sort][0]))
            note = _(", ").join(p for p in (note, by) if p)
        header.view_note = note
        header.refresh()

    def action_agent_detail(self, agent_id: str | None = None) -> None:
        agent_id = agent_id or self.current_agent_id()
        if agent_id is None:
            self.notify(_("No agent selected."), markup=False)
            return
        self.push_screen(AgentDetailScreen(agent_id))

    def action_escalation_detail(self, esc_id: int | None = None) -> None:
        if esc_id is None:
            e = self.current_escalation()
            if e is None:
                return
            esc_id = e.id
        self.push_screen(EscalationDetailScreen(esc_id))

    def action_team_filter(self) -> None:
        teams = sorted({(a.team_id, a.team_name) for a in self.board.model.values()})
        choices = [("*", _("all teams")), *[(tid, f"{name} ({tid})") for tid, name in teams]]
        self.action_view("board")

        def chosen(value: object) -> None:
            if value is not None:
                self.board.set_filters(team=None if value == "*" else str(value))

        self.push_screen(ChoiceDialog(_("Show which team?"), choices), chosen)

    def action_state_filter(self) -> None:
        choices = [("*", _("all states")), *[(s.value, w) for s, w in STATE_WORDS.items()]]
        self.action_view("board")

        def chosen(value: object) -> None:
            if value is not None:
                self.board.set_filters(state=None if value == "*" else str(value))

        self.push_screen(ChoiceDialog(_("Show which state?"), choices), chosen)

    def action_search(self) -> None:
        self.action_view("board")

        def chosen(value: object) -> None:
            if value is not None:
                self.board.set_filters(search=str(value))

        self.push_screen(NoteDialog(_("Search agents by name, pinyin or id (empty: show all)"),
                                    placeholder=_("e.g. hcy, huchunyan, 胡"),
                                    required=False, value=self.board.search or ""), chosen)

    def action_sort(self, name: str) -> None:
        self.action_view("board")
        self.board.set_sort(name)

    # --- agent actions --------------------------------------------------------------------

    def action_raise_flag(self, agent_id: str | None = None,
                          then: Callable[[], None] | None = None) -> None:
        agent_id = agent_id or self.current_agent_id()
        if agent_id is None:
            self.notify(_("No agent selected."), markup=False)
            return

        def noted(answer: object) -> None:
            if not isinstance(answer, tuple):
                return
            severity, text = str(answer[0]), str(answer[1])
            self.perform(_("Flag raised on {name} ({severity})").format(
                             name=self.agent_name(agent_id), severity=words.severity(severity)),
                         lambda: flag_service.raise_observed(self.ctx, self.actor, agent_id,
                                                             text, severity=severity),
                         then=then)

        # Medium stays the default (Enter alone raises it, as before); up and down choose.
        self.push_screen(ChoiceNoteDialog(
            _("Raise a flag on {name}: what did you observe?").format(
                name=self.agent_name(agent_id)),
            [("light", _("light: worth watching")),
             ("medium", _("medium: needs a word soon")),
             ("high", _("high: step in now"))],
            choosing=_("severity"), default=1,
            placeholder=_("observed agitated: raised voice, hit the desk")), noted)

    def action_escalate(self, agent_id: str | None = None,
                        then: Callable[[], None] | None = None) -> None:
        agent_id = agent_id or self.current_agent_id()
        if agent_id is None:
            self.notify(_("No agent selected."), markup=False)
            return
        name = self.agent_name(agent_id)
        row = self.board.model.get(agent_id)
        on_call = row is not None and row.call_started is not None
        what = (_("{name}'s call") if on_call else _("{name} (no call in progress)")).format(
            name=name)

        def minutes(severity: str, tier: int = 1) -> str:
            n = int(self.ctx.settings.deadline(tier, severity).total_seconds() // 60)
            return ngettext("{n} min", "{n} min", n).format(n=n)

        def severity_chosen(severity: object) -> None:
            if severity is None:
                return
            sev = str(severity)

            def given(answer: object) -> None:
                if not isinstance(answer, tuple):
                    return
                tier, reason = int(answer[0]), str(answer[1])
                self.perform(_("Escalation opened for {name} ({tier})").format(
                                 name=name, tier=words.tier(tier)),
                             lambda: esc_service.open_by_hand(
                                 self.ctx, self.actor, agent_id, reason, tier=tier,
                                 severity=sev), then=then)

            # Tier 1 stays the default (Enter alone opens there, as before): most cases
            # start at the bottom of the funnel, and a supervisor skips it only on purpose.
            self.push_screen(ChoiceNoteDialog(
                _("Escalate {what} ({severity}): the reason, and which tier takes it").format(
                    what=what, severity=words.severity(sev)),
                [("1", _("tier 1: basic service (deadline {m})").format(m=minutes(sev, 1))),
                 ("2", _("tier 2: specialists (deadline {m})").format(m=minutes(sev, 2))),
                 ("3", _("tier 3: complaint desk, the last line (deadline {m})").format(
                     m=minutes(sev, 3)))],
                choosing=_("tier")), given)

        self.push_screen(ChoiceDialog(
            _("Open an escalation for {what}: how severe?").format(what=what),
            [("light", _("light: routine, no dispute (tier 1 deadline {m})").format(
                m=minutes("light"))),
             ("medium", _("medium: disputed, hard, long (tier 1 deadline {m})").format(
                 m=minutes("medium"))),
             ("high", _("high: a risk case (tier 1 deadline {m})").format(
                 m=minutes("high")))]),
            severity_chosen)

    # --- flag actions -----------------------------------------------------------------------

    def action_acknowledge_flag(self) -> None:
        f = self.current_flag()
        if f is not None:
            self.perform(_("Flag on {name} acknowledged").format(name=f.agent_name),
                         lambda: flag_service.acknowledge(self.ctx, self.actor, f.id))

    def action_step_in(self) -> None:
        f = self.current_flag()
        if f is None:
            return

        def chosen(intervention: object) -> None:
            if intervention is None:
                return

            def noted(note: object) -> None:
                if note is None:
                    return
                self.perform(_("Stepped in on {name}: {how}").format(
                                 name=f.agent_name, how=words.intervention(str(intervention))),
                             lambda: flag_service.step_in(self.ctx, self.actor, f.id,
                                                          str(intervention), str(note) or None))

            self.push_screen(NoteDialog(_("A note on stepping in (optional)"), required=False),
                             noted)

        self.push_screen(ChoiceDialog(_("Step in with {name}: how?").format(name=f.agent_name),
                                      [(code, words.intervention(code))
                                       for code in INTERVENTIONS]), chosen)

    def action_resolve_flag(self) -> None:
        f = self.current_flag()
        if f is None:
            return

        def noted(note: object) -> None:
            if note:
                self.perform(_("Flag on {name} resolved").format(name=f.agent_name),
                             lambda: flag_service.resolve(self.ctx, self.actor, f.id, str(note)))

        self.push_screen(NoteDialog(_("Resolve the flag on {name}: what was done?").format(
            name=f.agent_name)), noted)

    # --- escalation actions ---------------------------------------------------------------

    def action_claim(self) -> None:
        e = self.current_escalation()
        if e is not None:
            self.perform(_("You hold escalation #{id}").format(id=e.id),
                         lambda: esc_service.claim(self.ctx, self.actor, e.id))

    def action_assign(self) -> None:
        e = self.current_escalation()
        if e is None:
            return

        def load() -> None:
            # Only those who may take this escalation: a refusal after choosing is too late.
            try:
                sups = esc_service.assign_candidates(self.ctx, self.actor, e.id)
            except ServiceError as exc:
                self._safe_call(self._action_failed, "assign", exc, None)
                return
            except Exception as exc:
                self._safe_call(self.notify,
                                _("Could not list supervisors: {error}").format(error=exc))
                return
            self._safe_call(show, sups)

        def show(sups: list[esc_service.SupervisorChoice]) -> None:
            if not sups:
                self.notify(_("Nobody else may take escalation #{id}.").format(id=e.id),
                            markup=False)
                return
            choices = [(s.id, f"{s.name} ({s.id}, {_(', ').join(s.teams) or words.role(s.role)})")
                       for s in sups]

            def chosen(to: object) -> None:
                if to is None:
                    return

                def override(reason: str) -> None:
                    self.perform(_("Escalation #{id} assigned to {to} (override)").format(
                                     id=e.id, to=to),
                                 lambda: esc_service.assign(self.ctx, self.actor, e.id, str(to),
                                                            override_reason=reason))

                self.perform(_("Escalation #{id} assigned to {to}").format(id=e.id, to=to),
                             lambda: esc_service.assign(self.ctx, self.actor, e.id, str(to)),
                             on_error=self._handoff_override(override))

            self.push_screen(ChoiceDialog(_("Assign escalation #{id} to").format(id=e.id),
                                          choices), chosen)

        self.run_worker(load, thread=True, group="action", exit_on_error=False)

    def _handoff_override(self, retry: Callable[[str], None]) -> Callable[[ServiceError], bool]:
        """On a refused hand-off, a floor manager is offered the override (with a reason)."""

        def on_error(exc: ServiceError) -> bool:
            if not isinstance(exc, HandoffLimit):
                return False
            if self.actor_info is None or not self.actor_info.is_floor_manager:
                return False

            def reason_given(reason: object) -> None:
                if reason:
                    retry(str(reason))

            self.push_screen(NoteDialog(f"{exc}\n" + _("As floor manager you may override: "
                                                      "give the reason (escape: leave it)")),
                             reason_given)
            return True

        return on_error

    def action_next_tier(self) -> None:
        e = self.current_escalation()
        if e is None:
            return
        if e.tier >= max(TIER_NAMES):
            self.notify(_("Escalation #{id} is at the complaint desk, the last line: "
                          "resolve it there.").format(id=e.id), markup=False)
            return
        target = words.tier(e.tier + 1)

        def override(reason: str) -> None:
            self.perform(_("Escalation #{id} handed to {target} (override)").format(
                             id=e.id, target=target),
                         lambda: esc_service.next_tier(self.ctx, self.actor, e.id,
                                                       override_reason=reason))

        def confirmed(yes: object) -> None:
            if yes:
                self.perform(_("Escalation #{id} handed to {target}").format(
                                 id=e.id, target=target),
                             lambda: esc_service.next_tier(self.ctx, self.actor, e.id),
                             on_error=self._handoff_override(override))

        so_far = ngettext("{n} hand-off so far", "{n} hand-offs so far", e.handoffs).format(
            n=e.handoffs)
        self.push_screen(ConfirmDialog(_("Hand escalation #{id} ({so_far}) to {target}?").format(
            id=e.id, so_far=so_far, target=target)), confirmed)

    def action_resolve_escalation(self) -> None:
        e = self.current_escalation()
        if e is None:
            return

        def noted(note: object) -> None:
            if note:
                self.perform(_("Escalation #{id} resolved").format(id=e.id),
                             lambda: esc_service.resolve(self.ctx, self.actor, e.id, str(note)))

        self.push_screen(NoteDialog(_("Resolve escalation #{id}: what was done?").format(id=e.id)),
                         noted)

    def action_escalation_note(self, esc_id: int | None = None,
                               then: Callable[[], None] | None = None) -> None:
        if esc_id is None:
            e = self.current_escalation()
            if e is None:
                return
            esc_id = e.id
        target = esc_id

        def noted(note: object) -> None:
            if note:
                self.perform(_("Note added to escalation #{id}").format(id=target),
                             lambda: esc_service.add_note(self.ctx, self.actor, target,
                                                          str(note)), then=then)

        self.push_screen(NoteDialog(_("A note on escalation #{id}").format(id=target)), noted)

    # --- the command palette ------------------------------------------------------------------

    def command_entries(self) -> list[tuple[str, str, Callable[[], Any]]]:
        """(title, help, action): the palette's entries in the current language."""
        entries: list[tuple[str, str, Callable[[], Any]]] = []
        for n, (view, title) in enumerate(VIEWS, start=1):
            entries.append((_("View: {name}").format(name=_(title)),
                            _("key {key}").format(key=n), lambda v=view: self.action_view(v)))
        entries += [
            (_("Agent: open detail"), _("enter on the board"), self.action_agent_detail),
            (_("Agent: raise a flag (observed)"), _("r on the board"), self.action_raise_flag),
            (_("Agent: open an escalation for the call"), _("e on the board"),
             self.action_escalate),
            (_("Board: filter by team"), "t", self.action_team_filter),
            (_("Board: filter by state"), "s", self.action_state_filter),
            (_("Board: search by name, pinyin or id"), "/", self.action_search),
            (_("Board: clear filters"), _("escape"), self.board.action_clear_filters),
        ]
        for name, (label, _key) in SORTS.items():
            entries.append((_("Board: sort by {sort}").format(sort=_(label)), _("o cycles"),
                            lambda n=name: self.action_sort(n)))
        entries += [
            (_("Flag: acknowledge"), _("a in flags"), self.action_acknowledge_flag),
            (_("Flag: step in"), _("i in flags"), self.action_step_in),
            (_("Flag: resolve with a note"), _("x in flags"), self.action_resolve_flag),
            (_("Escalation: claim"), _("c in a queue"), self.action_claim),
            (_("Escalation: assign to a supervisor"), _("a in a queue"), self.action_assign),
            (_("Escalation: move to the next tier"), _("n in a queue"), self.action_next_tier),
            (_("Escalation: resolve with a note"), _("x in a queue"),
             self.action_resolve_escalation),
            (_("Escalation: add a note"), _("m in a queue"), self.action_escalation_note),
            (_("Escalation: history"), _("enter in a queue"), self.action_escalation_detail),
            (_("View: sensitive-customer roster"), "S", self.action_sensitive),
            (_("View: today's flag measures"), "M", self.action_measures),
            (_("View: the shift so far"), "9", self.action_shift),
            (_("View: today's abandoned calls and the service level"), "A",
             self.action_abandoned),
            (_("Help: every key"), "?", self.action_help),
        ]
        # Both languages by their own name, so a supervisor who cannot read the current one
        # still finds the other.
        entries += [(f"{_('Language')}: {i18n.LANGUAGES[code]} / Language", "L",
                     lambda c=code: self.action_switch_language(c))
                    for code in i18n.LANGUAGES if code != i18n.language()]
        return entries


def run_console(ctx: AppContext, team: str | None = None) -> int:
    FloorApp(ctx, team=team).run()
    return 0

