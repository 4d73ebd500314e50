"""Agents' requests to their leaders (员工诉求), with the time left to each deadline.

Keys: ``a`` acknowledge, ``w`` answer (what was done, or why not), ``x`` close,
``r`` refresh, ``escape`` back. A request past its deadline reads LATE in red.
The board's ``w`` records a request heard on a patrol (``FloorApp.action_agent_request``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import DataTable, Static

from db.models_requests import REQUEST_CATEGORIES
from floorapp import words
from floorapp.context import AppContext
from floorapp.i18n import MARKS, _
from floorapp.services import requests as svc
from screens.actions import bindings, console
from screens.dialogs import NoteDialog
from screens.footer import FloorFooter
from screens.refreshing import ScopedRefreshingScreen
from screens.sensitive import patch_table


def category(code: str) -> str:
    return words.request_category(code)


def time_left(v: svc.RequestView, now: datetime) -> Text:
    nxt = v.next_deadline()
    if nxt is None:
        return Text(_("answered") if v.status == "answered" else _("closed"), style="green")
    what, when = nxt
    step = _("ack") if what == "acknowledge" else _("answer")
    if now > when:
        return Text(_("LATE") + f" ({step})", style="bold red")
    mins = int((when - now).total_seconds() // 60)
    left = f"{mins // 60}h{mins % 60:02d}" if mins >= 60 else f"{mins}m"
    return Text(f"{step} {left}", style="bold yellow" if mins < 15 else "")


class RequestsScreen(ScopedRefreshingScreen):
    SCOPE = "requests"
    BINDINGS: ClassVar[list[BindingType]] = bindings("requests")
    DEFAULT_CSS = """
    RequestsScreen { layout: vertical; }
    RequestsScreen #requests-title { height: 1; padding: 0 1; text-style: bold; }
    RequestsScreen #requests-table { height: 1fr; }
    RequestsScreen #requests-text { height: auto; max-height: 8; padding: 0 1; }
    """

    def __init__(
        self, ctx: AppContext, actor: str, team: str | None = None, refresh_seconds: float = 5.0
    ) -> None:
        super().__init__(ctx, actor, team, refresh_seconds)
        self.requests: dict[str, svc.RequestView] = {}

    def compose(self) -> ComposeResult:
        yield Static(Text(_("Agents' requests") + MARKS.loading), id="requests-title")
        table: DataTable[Text] = DataTable(id="requests-table", cursor_type="row")
        # Wide enough for "answer 23h59" and "LATE (answer)" from the first row on: a cell
        # growing later is not re-measured.
        table.add_column("#")
        table.add_column(_("time left"), width=14)
        table.add_columns(_("agent"), _("about"), _("request"))
        yield table
        yield Static(Text(""), id="requests-text")
        yield FloorFooter(compact=False)

    @work(thread=True, exclusive=True, group="requests", exit_on_error=False)
    def _load(self) -> None:
        now = self.ctx.clock.now()
        rows = svc.listing(self.ctx.engine, actor=self.actor, now=now, team=self.team)
        self.app.call_from_thread(self.show, rows, now)

    def show(self, rows: list[svc.RequestView], now: datetime) -> None:
        self.requests = {str(v.id): v for v in rows}
        late = sum(v.late(now) for v in rows)
        title = Text(_("Agents' requests: {n} open").format(n=len(rows)), style="bold")
        if late:
            title.append(" · " + _("{n} LATE").format(n=late), style="bold red")
        self.query_one("#requests-title", Static).update(title)
        cells = {
            str(v.id): [
                Text(str(v.id)),
                time_left(v, now),
                Text(v.agent_name, no_wrap=True, overflow="ellipsis"),
                Text(category(v.category)),
                Text(v.text, no_wrap=True, overflow="ellipsis"),
            ]
            for v in rows
        }
        with self.app.batch_update():
            patch_table(self.query_one("#requests-table", DataTable), cells)
            self._show_text()

    def current(self) -> svc.RequestView | None:
        table = self.query_one("#requests-table", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.requests.get(str(key))

    def on_data_table_row_highlighted(self, _event: Any) -> None:
        self._show_text()

    def _show_text(self) -> None:
        v = self.current()
        text = Text()
        if v is not None:
            tz = self.ctx.settings.timezone
            text.append(
                f"#{v.id} {v.agent_name} ({v.agent_id}) · "
                f"{v.raised_at.astimezone(tz):%m-%d %H:%M} · ",
                style="bold",
            )
            text.append(_("heard on a patrol") if v.source == "patrol" else _("from the desktop"))
            text.append("\n" + v.text)
            if v.answer:
                text.append("\n" + _("Answer: "), style="bold")
                text.append(v.answer)
        self.query_one("#requests-text", Static).update(text)

    def _act(self, label: str, fn: Callable[[svc.RequestView], object]) -> None:
        v = self.current()
        if v is None:
            self.notify(_("No request selected."), markup=False)
            return
        console(self).perform(label.format(id=v.id), lambda: fn(v), then=self.action_refresh_now)

    def action_acknowledge(self) -> None:
        self._act(
            _("Request #{id} acknowledged"),
            lambda v: svc.acknowledge(
                self.ctx.engine, v.id, actor=self.actor, now=self.ctx.clock.now()
            ),
        )

    def action_close_request(self) -> None:
        self._act(
            _("Request #{id} closed"),
            lambda v: svc.close(self.ctx.engine, v.id, actor=self.actor, now=self.ctx.clock.now()),
        )

    def action_answer(self) -> None:
        v = self.current()
        if v is None:
            self.notify(_("No request selected."), markup=False)
            return

        def noted(text: object) -> None:
            if text:
                self._act(
                    _("Request #{id} answered"),
                    lambda r: svc.answer(
                        self.ctx.engine, r.id, str(text), actor=self.actor, now=self.ctx.clock.now()
                    ),
                )

        self.app.push_screen(
            NoteDialog(_("Answer {name}: what was done, or why not?").format(name=v.agent_name)),
            noted,
        )


def category_choices() -> list[tuple[str, str]]:
    """The categories as a dialog offers them (value, the word in the console's language)."""
    return [(c, category(c)) for c in REQUEST_CATEGORIES]
