"""The drills to run (模拟拨测): the team leader plays the customer, then records the result.

Keys: ``p`` passed, ``n`` needs practice (a note: what to work on; a re-drill is
planned), ``r`` refresh, ``escape`` back. The highlighted drill's scenario and model answer
are shown under the table, so the leader has them at hand.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import DataTable, Static

from floorapp.context import AppContext
from floorapp.i18n import MARKS, _
from floorapp.services.drills import DrillView, open_drills, record_result
from screens.actions import bindings, console
from screens.dialogs import NoteDialog
from screens.footer import FloorFooter
from screens.refreshing import ScopedRefreshingScreen
from screens.sensitive import patch_table


class DrillsScreen(ScopedRefreshingScreen):
    SCOPE = "drills"
    BINDINGS: ClassVar[list[BindingType]] = bindings("drills")
    DEFAULT_CSS = """
    DrillsScreen { layout: vertical; }
    DrillsScreen #drills-title { height: 1; padding: 0 1; text-style: bold; }
    DrillsScreen #drills-table { height: 1fr; }
    DrillsScreen #drills-scenario { height: auto; max-height: 9; padding: 0 1; }
    """

    def __init__(
        self, ctx: AppContext, actor: str, team: str | None = None, refresh_seconds: float = 5.0
    ) -> None:
        super().__init__(ctx, actor, team, refresh_seconds)
        self.drills: dict[str, DrillView] = {}

    def compose(self) -> ComposeResult:
        yield Static(Text(_("Drills to run") + MARKS.loading), id="drills-title")
        table: DataTable[Text] = DataTable(id="drills-table", cursor_type="row")
        table.add_columns(_("when"), _("agent"), _("hot issue"), _("status"))
        yield table
        yield Static(Text(""), id="drills-scenario")
        yield FloorFooter(compact=False)

    @work(thread=True, exclusive=True, group="drills", exit_on_error=False)
    def _load(self) -> None:
        now = self.ctx.clock.now()
        rows = open_drills(self.ctx.engine, actor=self.actor, now=now, team=self.team)
        self.app.call_from_thread(self.show, rows, now)

    def show(self, rows: list[DrillView], now: datetime) -> None:
        self.drills = {str(d.id): d for d in rows}
        tz = self.ctx.settings.timezone
        due = sum(d.status == "due" for d in rows)
        self.query_one("#drills-title", Static).update(
            Text(
                _("Drills to run: {due} due now, {n} planned").format(due=due, n=len(rows) - due),
                style="bold",
            )
        )
        cells: dict[str, list[Text]] = {}
        for d in rows:
            status = (
                _("OVERDUE")
                if d.overdue(now)
                else _("due now")
                if d.status == "due"
                else _("planned")
            )
            style = "bold red" if d.overdue(now) else "bold yellow" if d.status == "due" else ""
            title = d.title + (" " + _("(again)") if d.attempt > 1 else "")
            cells[str(d.id)] = [
                Text(f"{d.planned_at.astimezone(tz):%m-%d %H:%M}"),
                Text(d.agent_name, no_wrap=True, overflow="ellipsis"),
                Text(title, no_wrap=True, overflow="ellipsis"),
                Text(status, style=style),
            ]
        with self.app.batch_update():
            patch_table(self.query_one("#drills-table", DataTable), cells)
            self._show_scenario()

    def current(self) -> DrillView | None:
        table = self.query_one("#drills-table", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.drills.get(str(key))

    def on_data_table_row_highlighted(self, _event: Any) -> None:
        self._show_scenario()

    def _show_scenario(self) -> None:
        d = self.current()
        text = Text()
        if d is not None:
            text.append(_("Scenario: "), style="bold")
            text.append(d.scenario)
            text.append("\n" + _("Model answer: "), style="bold")
            text.append(d.answer)
            if d.note:
                text.append("\n" + _("Last time: "), style="bold")
                text.append(d.note)
        self.query_one("#drills-scenario", Static).update(text)

    def _record(self, result: str, note: str | None = None) -> None:
        d = self.current()
        if d is None:
            self.notify(_("No drill selected."), markup=False)
            return
        label = (
            _("Drill passed: {name}")
            if result == "passed"
            else _("Needs practice, re-drill planned: {name}")
        ).format(name=d.agent_name)
        console(self).perform(
            label,
            lambda: record_result(
                self.ctx.engine,
                d.id,
                result=result,
                actor=self.actor,
                now=self.ctx.clock.now(),
                note=note,
            ),
            then=self.action_refresh_now,
        )

    def action_passed(self) -> None:
        self._record("passed")

    def action_practice(self) -> None:
        d = self.current()
        if d is None:
            self.notify(_("No drill selected."), markup=False)
            return

        def noted(text: object) -> None:
            if text:
                self._record("practice", str(text))

        self.app.push_screen(
            NoteDialog(
                _("{name} needs practice on {issue}: what to work on?").format(
                    name=d.agent_name, issue=d.title
                )
            ),
            noted,
        )
