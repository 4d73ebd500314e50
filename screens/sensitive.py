"""The sensitive-customer roster: designated agents, what each is doing now, today's load.

Mount it from the console with ``app.push_screen(SensitiveRosterScreen(ctx, team=...))``.

Constructor: ``SensitiveRosterScreen(ctx: AppContext, team: str | None = None,
refresh_seconds: float = 2.0)``. It needs only ``ctx`` (engine, settings for the
centre's time zone, clock); it reads through ``floorapp.services.sensitive.roster`` in a
thread worker every ``refresh_seconds`` and patches its two keyed tables in place (no
``clear()``: the cursor stays where the supervisor left it). Keys: ``r`` refresh now,
``escape``/``q`` back (``dismiss``). All outside text is shown as ``rich.text.Text``.
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
from floorapp.i18n import MARKS, _, ngettext
from floorapp.services.sensitive import SensitiveRoster, roster
from screens.actions import bindings
from screens.cells import Wrapped, state_cell
from screens.footer import FloorFooter
from screens.refreshing import RefreshingScreen


def _since(now: datetime, when: datetime | None) -> str:
    if when is None:
        return ""
    s = max(0, int((now - when).total_seconds()))
    if s >= 3600:
        return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
    return f"{s // 60}:{s % 60:02d}"


def patch_table(table: DataTable[Any], rows: dict[str, list[Text]]) -> None:
    """Make ``table`` hold ``rows`` (key -> cells) touching only what changed."""
    columns = list(table.columns)
    present = {rk.value for rk in table.rows if rk.value is not None}
    for key in present - rows.keys():
        table.remove_row(key)
    for key, cells in rows.items():
        if key not in present:
            table.add_row(*cells, key=key)
            continue
        old = table.get_row(key)
        for col, new, cur in zip(columns, cells, old, strict=False):
            if str(new) != str(cur) or getattr(new, "style", None) != getattr(cur, "style", None):
                table.update_cell(key, col, new)


class SensitiveRosterScreen(RefreshingScreen):
    SCOPE = "sensitive"
    BINDINGS: ClassVar[list[BindingType]] = bindings("sensitive")
    DEFAULT_CSS = """
    SensitiveRosterScreen { layout: vertical; }
    SensitiveRosterScreen #sens-summary { height: auto; padding: 0 1; }
    SensitiveRosterScreen .sens-title { height: 1; padding: 0 1; text-style: bold; }
    SensitiveRosterScreen #sens-agents { height: 2fr; }
    SensitiveRosterScreen #sens-customers { height: 1fr; }
    """

    def __init__(
        self, ctx: AppContext, team: str | None = None, refresh_seconds: float = 2.0
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.team = team
        self.refresh_seconds = refresh_seconds
        self.data: SensitiveRoster | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text(_("Sensitive customers: loading") + MARKS.loading), id="sens-summary")
        yield Static(Text(_("Designated agents")), classes="sens-title")
        agents: DataTable[Text] = DataTable(id="sens-agents", cursor_type="row", zebra_stripes=True)
        agents.add_columns(
            _("agent"),
            _("team"),
            _("state"),
            _("for"),
            _("sensitive today"),
            _("calls today"),
            _("now"),
        )
        yield agents
        yield Static(Text(_("Sensitive customers")), classes="sens-title")
        customers: DataTable[Text] = DataTable(id="sens-customers", cursor_type="row")
        customers.add_columns(_("customer"), _("calls today"), _("to undesignated"), _("note"))
        yield customers
        yield FloorFooter(compact=False)

    @work(thread=True, exclusive=True, group="sensitive-roster", exit_on_error=False)
    def _load(self) -> None:
        now = self.ctx.clock.now()
        data = roster(self.ctx.engine, settings=self.ctx.settings, now=now, team=self.team)
        self.app.call_from_thread(self.show, data, now)

    def show(self, data: SensitiveRoster, now: datetime) -> None:
        self.data = data
        free = data.available
        summary = Text()
        summary.append(
            ngettext(
                "{free} of {n} designated agent available now",
                "{free} of {n} designated agents available now",
                len(data.agents),
            ).format(free=len(free), n=len(data.agents)),
            style="bold green" if free else "bold red",
        )
        summary.append(
            MARKS.sep
            + ngettext(
                "{n} sensitive call today, ",
                "{n} sensitive calls today, ",
                data.sensitive_calls_today,
            ).format(n=data.sensitive_calls_today)
        )
        summary.append(
            ngettext(
                "{n} reached an undesignated agent",
                "{n} reached an undesignated agent",
                data.undesignated_calls_today,
            ).format(n=data.undesignated_calls_today),
            style="bold red" if data.undesignated_calls_today else "",
        )
        self.query_one("#sens-summary", Static).update(Wrapped(summary))
        rows: dict[str, list[Text]] = {}
        for a in data.agents:
            rows[a.id] = [
                Text(a.name, no_wrap=True, overflow=MARKS.overflow),
                Text(a.team_name, no_wrap=True, overflow=MARKS.overflow),
                state_cell(a.state),
                Text(_since(now, a.state_since)),
                Text(str(a.sensitive_calls_today), justify="right"),
                Text(str(a.calls_today), justify="right"),
                Text(_("SENSITIVE CALL"), style="bold yellow") if a.on_sensitive_call else Text(""),
            ]
        with self.app.batch_update():
            patch_table(self.query_one("#sens-agents", DataTable), rows)
            patch_table(
                self.query_one("#sens-customers", DataTable),
                {
                    c.customer_id: [
                        Text(c.customer_id, no_wrap=True, overflow=MARKS.overflow),
                        Text(str(c.calls_today), justify="right"),
                        Text(
                            str(c.undesignated_today),
                            justify="right",
                            style="bold red" if c.undesignated_today else "",
                        ),
                        Text(c.note or "", no_wrap=True, overflow=MARKS.overflow),
                    ]
                    for c in data.customers
                },
            )
