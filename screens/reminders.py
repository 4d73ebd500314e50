"""The reminders panel: what is due, overdue, missed and coming next, with done/snooze/skip keys.

``RemindersPanel(ctx, supervisor)`` is a widget (the console's view 7);
``RemindersScreen(ctx, supervisor)`` is the panel as a full screen with a footer. The
scheduler that records the reminders is not the panel's: the console command runs one per
console process (floorapp.scheduler.console_host), and only the lease holder schedules.
Every ``poll_interval`` seconds (default 1 s) a thread worker reads
``floorapp.services.reminders.open_reminders``; a reminder that newly becomes actionable
(fired, missed, or back from a snooze) raises a notification and rings the terminal bell,
so every console of the supervisor shows it within 2 seconds.

Keys: ``d`` done (optional note), ``f`` done and raise an "observed" flag on an agent
seen struggling (a patrol: pick from the team; a reminder about one agent, e.g. water after
a long call: that agent is preselected), ``s`` snooze 5/10/15 min, ``k`` skip (reason
required). Agents are named by name, the id in brackets.
Reminder titles come from the plan and the roster: shown as ``rich.text.Text``, never markup.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Static

from floorapp import i18n
from floorapp.context import AppContext
from floorapp.i18n import MARKS, N_, _, ngettext
from floorapp.services import ServiceError
from floorapp.services import reminders as svc
from floorapp.services.patrols import team_agents, team_of
from screens import cells
from screens.actions import bindings
from screens.cursortable import CursorTable
from screens.dialogs import ChoiceDialog, NoteDialog
from screens.footer import FloorFooter

# The panel is read every second: its fixed words are translated once per language.
_W: dict[str, str] = {}


def _translate() -> None:
    _W.update(
        summary=_("{overdue} overdue · {due} due · {missed} missed · {snoozed} snoozed"),
        coming=_("coming next: "),
        coming_none=_("coming next: nothing in the plan"),
    )


i18n.on_change(_translate)
_translate()

# State shown as a word and a style: never colour alone (NO_COLOR, 16 colours).
STATE_STYLE = {
    "overdue": (N_("OVERDUE"), "bold reverse red"),
    "due": (N_("due"), "bold yellow"),
    "missed": (N_("missed"), "magenta"),
    "snoozed": (N_("snoozed"), "dim"),
}
COLUMNS = (N_("state"), N_("due"), N_("what"), N_("team"), N_("note"))


# The scheduler words the reminders it makes itself in English (floorapp.scheduler.schedule);
# shown in the console's language when the title is still exactly that. A plan's own titles
# (care, birthdays) are the plan's words and are shown as written.
_PATROL_EN = "Patrol the floor: team {team}"
_NOMINATE_EN = "Nominate role models for "


def reminder_title(kind: str, title: str, team_id: str | None) -> str:
    if kind == "patrol" and team_id and title == _PATROL_EN.format(team=team_id):
        return _("Patrol the floor: team {team}").format(team=team_id)
    if kind == "nomination" and title.startswith(_NOMINATE_EN):
        return _("Nominate role models for {period}").format(
            period=title.removeprefix(_NOMINATE_EN)
        )
    return title


def shown(r: svc.ReminderView) -> str:
    return reminder_title(r.kind, r.title, r.team_id)


def _hm(t: datetime | None, ctx: AppContext) -> str:
    if t is None:
        return ""
    return i18n.clock(t, ctx.settings.timezone, seconds=False)


class RemindersPanel(Widget):
    SCOPE = "reminders"
    BINDINGS: ClassVar[list[BindingType]] = bindings("reminders")
    DEFAULT_CSS = """
    RemindersPanel { height: 1fr; }
    RemindersPanel #rem-summary { height: 1; padding: 0 1; }
    RemindersPanel DataTable { height: 1fr; }
    RemindersPanel #rem-coming { height: auto; max-height: 7; padding: 0 1; color: $text-muted; }
    """

    def __init__(
        self,
        ctx: AppContext,
        supervisor: str,
        *,
        poll_interval: float = 1.0,
        bell: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.ctx = ctx
        self.supervisor = supervisor
        self.poll_interval = poll_interval
        self.bell = bell
        self.view: svc.OpenReminders | None = None
        self._seen: set[tuple[int, str]] | None = None  # (id, state) already notified
        self._rows: list[tuple[Any, ...]] = []
        self._acted_on: int | None = None  # the reminder an action just handled
        self._shown: dict[str, str] = {}  # what each Static says now
        self.loaded = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(_("reminders: loading") + MARKS.loading), id="rem-summary")
            table: DataTable[Any] = CursorTable(id="rem-table", cursor_type="row")
            table.add_columns(*[_(c) for c in COLUMNS])
            yield table
            yield Static(Text(""), id="rem-coming")

    def on_mount(self) -> None:
        self.refresh_now()
        self.set_interval(self.poll_interval, self.refresh_now)

    # --- reading ----------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="reminders-poll", exit_on_error=False)
    def refresh_now(self) -> None:
        view = svc.open_reminders(self.ctx.engine, actor=self.supervisor, now=self.ctx.clock.now())
        self.app.call_from_thread(self._apply, view)

    def _apply(self, view: svc.OpenReminders) -> None:
        self.view = view
        actionable = view.actionable
        keys = {(r.id, r.state if r.state != "overdue" else "due") for r in actionable}
        if self._seen is not None:
            fresh = [
                r
                for r in actionable
                if (r.id, r.state if r.state != "overdue" else "due") not in self._seen
            ]
            for r in fresh[:3]:
                word = _(STATE_STYLE[r.state][0]) if r.state in STATE_STYLE else r.state
                self.app.notify(
                    shown(r),
                    title=_("reminder: {state}").format(state=word),
                    markup=False,
                    severity="warning" if r.state == "missed" else "information",
                )
            if fresh and self.bell:
                self.app.bell()
        self._seen = (self._seen or set()) | keys
        self._show(view)
        self.loaded = True

    def _show(self, view: svc.OpenReminders) -> None:
        rows = [*view.overdue, *view.due, *view.missed, *view.snoozed]
        shape = [(r.id, r.state, r.title, r.warning) for r in rows]
        self._update_static(
            "#rem-summary",
            Text(
                _W["summary"].format(
                    overdue=len(view.overdue),
                    due=len(view.due),
                    missed=len(view.missed),
                    snoozed=len(view.snoozed),
                )
            ),
        )
        if shape != self._rows:
            table = self.query_one("#rem-table", DataTable)
            cursor = self.selected_id()
            row_before = table.cursor_row
            table.clear()
            built = []
            for r in rows:
                word, style = STATE_STYLE.get(r.state, (r.state, ""))
                word = _(word)
                when = _hm(r.snoozed_until if r.state == "snoozed" else r.scheduled_for, self.ctx)
                built.append(
                    (
                        r,
                        [
                            Text(word, style=style),
                            Text(when),
                            Text(shown(r)),
                            Text(r.team_id or ""),
                            Text(r.warning or r.detail or ""),
                        ],
                    )
                )
            # Whose reminder it is (the team) stays whole: the title gives way to it on a
            # narrow screen, cut with a mark, instead of pushing the team off the edge.
            room = table.size.width or self.size.width or 80
            fixed = (
                sum(max((c[i].cell_len for _r, c in built), default=0) + 2 for i in (0, 1, 3))
                + 3
                + 12
            )  # the mark, and some of the note
            for r, row in built:
                cells.fit(row[2], max(room - fixed, 16))
                table.add_row(*row, key=str(r.id))
            if cursor is not None and cursor == self._acted_on and rows:
                # The reminder just handled moved (snoozed to the end) or went: the cursor
                # stays where it was, on the next one, so d/s/k never hit the same one twice.
                table.move_cursor(row=min(row_before, len(rows) - 1))
            elif cursor is not None and any(r.id == cursor for r in rows):
                table.move_cursor(row=table.get_row_index(str(cursor)))
            self._acted_on = None
            self._rows = shape
        lines = Text(_W["coming"] if view.coming else _W["coming_none"])
        for c in view.coming:
            lines.append(f"\n  {_hm(c.at, self.ctx)}  {reminder_title(c.kind, c.title, c.team_id)}")
        self._update_static("#rem-coming", lines)

    def on_resize(self) -> None:
        if self.view is not None:
            self._rows = []  # the titles are cut to the width: cut them again
            self._show(self.view)

    def relabel_language(self) -> None:
        """After a language switch: the headers and every row again."""
        table = self.query_one("#rem-table", DataTable)
        table.clear(columns=True)
        table.add_columns(*[_(c) for c in COLUMNS])
        self._rows = []
        self._shown.clear()
        if self.view is not None:
            self._show(self.view)

    def _update_static(self, selector: str, text: Text) -> None:
        # Read every second; a Static given new text lays the screen out again (a frame of
        # the console's CPU), so only text that changed is given.
        if self._shown.get(selector) != text.plain:
            self._shown[selector] = text.plain
            self.query_one(selector, Static).update(text)

    def selected_id(self) -> int | None:
        table = self.query_one("#rem-table", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return int(key) if key is not None else None

    def _selected(self) -> svc.ReminderView | None:
        rid = self.selected_id()
        if rid is None or self.view is None:
            self.app.notify(_("No reminder selected."), markup=False)
            return None
        for r in [*self.view.overdue, *self.view.due, *self.view.missed, *self.view.snoozed]:
            if r.id == rid:
                return r
        return None

    # --- actions ----------------------------------------------------------------------

    def _run(self, fn: Any, ok: str) -> None:
        self._acted_on = self.selected_id()
        self._run_worker(fn, ok)

    @work(thread=True, exit_on_error=False)
    def _run_worker(self, fn: Any, ok: str) -> None:
        try:
            fn()
        except ServiceError as exc:
            self.app.call_from_thread(self.app.notify, str(exc), severity="error", markup=False)
            return
        self.app.call_from_thread(self.app.notify, ok, markup=False)
        self.app.call_from_thread(self.refresh_now)

    def action_done(self) -> None:
        r = self._selected()
        if r is None:
            return

        def got(note: object) -> None:
            if note is None:
                return
            self._run(
                lambda: svc.done(
                    self.ctx.engine,
                    r.id,
                    actor=self.supervisor,
                    now=self.ctx.clock.now(),
                    note=str(note) or None,
                ),
                _("done: {title}").format(title=shown(r)),
            )

        self.app.push_screen(
            NoteDialog(
                _("Done: {title}").format(title=shown(r)),
                placeholder=_("what was seen / done"),
                required=False,
            ),
            got,
        )

    def action_done_flag(self) -> None:
        r = self._selected()
        if r is None:
            return
        team = r.team_id or (team_of(self.ctx.engine, r.agent_id) if r.agent_id else None)
        choices = [(a, f"{n} ({a})") for a, n in team_agents(self.ctx.engine, team)] if team else []
        if r.agent_id and all(a != r.agent_id for a, _ in choices):
            # The agent moved team since the reminder fired: still the one it is about.
            choices.insert(0, (r.agent_id, r.agent_label or r.agent_id))
        if not choices:
            self.app.notify(_("This reminder has no team to pick an agent from."), markup=False)
            return
        labels = dict(choices)

        def got_agent(agent: object) -> None:
            if agent is None:
                return
            who = labels.get(str(agent), str(agent))

            def got_note(note: object) -> None:
                if not note:
                    return
                self._run(
                    lambda: svc.done(
                        self.ctx.engine,
                        r.id,
                        actor=self.supervisor,
                        now=self.ctx.clock.now(),
                        note=str(note),
                        flag_agent=str(agent),
                    ),
                    _("done, flag raised on {who}").format(who=who),
                )

            self.app.push_screen(
                NoteDialog(
                    _("What did you see ({who})?").format(who=who),
                    placeholder=_("e.g. voice raised, banging keyboard"),
                ),
                got_note,
            )

        prompt = _("Raise a flag on which agent?")
        if r.agent_id:
            prompt += _(" (enter: {who}, whom this reminder is about)").format(who=r.agent_label)
        self.app.push_screen(ChoiceDialog(prompt, choices, selected=r.agent_id), got_agent)

    def action_snooze(self) -> None:
        r = self._selected()
        if r is None:
            return

        def got(minutes: object) -> None:
            if minutes is None:
                return
            self._run(
                lambda: svc.snooze(
                    self.ctx.engine,
                    r.id,
                    actor=self.supervisor,
                    now=self.ctx.clock.now(),
                    minutes=int(str(minutes)),
                ),
                _("snoozed {minutes} min: {title}").format(minutes=minutes, title=shown(r)),
            )

        self.app.push_screen(
            ChoiceDialog(
                _("Snooze: {title}").format(title=shown(r)),
                [
                    (str(m), ngettext("{n} minute", "{n} minutes", m).format(n=m))
                    for m in svc.SNOOZE_CHOICES
                ],
            ),
            got,
        )

    def action_skip(self) -> None:
        r = self._selected()
        if r is None:
            return

        def got(reason: object) -> None:
            if not reason:
                return
            self._run(
                lambda: svc.skip(
                    self.ctx.engine,
                    r.id,
                    actor=self.supervisor,
                    now=self.ctx.clock.now(),
                    reason=str(reason),
                ),
                _("skipped: {title}").format(title=shown(r)),
            )

        self.app.push_screen(
            NoteDialog(_("Skip: {title}").format(title=shown(r)), placeholder=_("why (required)")),
            got,
        )


class RemindersScreen(Screen[None]):
    """The panel as a full screen with a footer; escape goes back."""

    SCOPE = "reminders_screen"
    BINDINGS: ClassVar[list[BindingType]] = bindings("reminders_screen")

    def __init__(self, ctx: AppContext, supervisor: str, **panel_kwargs: Any) -> None:
        super().__init__()
        self.panel = RemindersPanel(ctx, supervisor, **panel_kwargs)

    def compose(self) -> ComposeResult:
        yield self.panel
        yield FloorFooter(compact=False)

    def on_mount(self) -> None:
        self.panel.query_one(DataTable).focus()
