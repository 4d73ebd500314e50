"""The day's calls that left a queue unanswered, newest first, for supervisors to call back;
and, above them, the day's queue figures with the service level's definition spelled out.

Mount it from the console with ``app.push_screen(AbandonedScreen(ctx, actor, team))``
(key ``A``). It reads ``floorapp.figures.model.interval_figures`` for the centre's day on the
floor's clock in a thread worker every ``refresh_seconds``. Columns: when the call came in,
queue, caller, how long they waited, how they left, when they called back and whether they
got through. Keys: ``r`` refresh now, ``escape``/``q`` back.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import DataTable, Static

from floorapp import i18n, words
from floorapp.context import AppContext
from floorapp.figures import day as fday
from floorapp.figures import settings as fs
from floorapp.figures.clock import FloorClock
from floorapp.figures.formats import secs
from floorapp.figures.model import AbandonedCall, Figures, interval_figures
from floorapp.figures.store import last_event_at
from floorapp.figures.text import sl_explained
from floorapp.i18n import N_, _
from floorapp.services.scope import load_scope
from screens.actions import bindings
from screens.footer import FloorFooter
from screens.refreshing import ScopedRefreshingScreen
from screens.sensitive import patch_table

COLUMNS = (
    N_("time"),
    N_("queue"),
    N_("caller"),
    N_("waited"),
    N_("how"),
    N_("called back"),
    N_("got through"),
)


def call_cells(c: AbandonedCall, tz: tzinfo) -> list[Text]:
    def hhmm(v: datetime | None) -> str:
        return "" if v is None else f"{v.astimezone(tz):%H:%M:%S}"

    no = c.got_through_at is None and c.called_back_at is not None
    got = hhmm(c.got_through_at) if c.got_through_at is not None else _("no") if no else ""
    return [
        Text(hhmm(c.at)),
        Text(c.queue or ""),
        Text(c.caller or _("(withheld)"), style="" if c.caller else "dim"),
        Text(secs(c.waited_s), justify="right"),
        Text(words.abandon_exit(c.exit)),
        Text(hhmm(c.called_back_at)),
        Text(got, style="bold red" if no else ""),
    ]


def summary(f: Figures, tz: tzinfo) -> Text:
    q = f.floor
    line = Text()
    quiet = f.clock.quiet_text(tz)
    if quiet:
        line.append(quiet + "\n", style="bold red")
    line.append(
        _("Calls on {day}").format(day=i18n.day(fday.day_of_start(f.start, tz))),
        style="bold",
    )
    line.append(
        _(
            " · offered {offered} · answered {answered} · abandoned {abandoned}"
            " ({short} short) · other exits {other} · waiting now {waiting}"
            " · ASA {asa} · average abandon wait {wait}"
        ).format(
            offered=q.offered,
            answered=q.answered,
            abandoned=q.abandoned,
            short=q.short_abandons,
            other=q.exit_with_key + q.timed_out + q.exit_empty,
            waiting=f.waiting_now,
            asa=secs(q.asa_s),
            wait=secs(q.avg_abandon_wait_s),
        )
        + "\n"
    )
    line.append(_("Service level "), style="bold")
    line.append(sl_explained(q.service_level))
    return line


class AbandonedScreen(ScopedRefreshingScreen):
    SCOPE = "abandoned"
    BINDINGS: ClassVar[list[BindingType]] = bindings("abandoned")
    DEFAULT_CSS = """
    AbandonedScreen { layout: vertical; }
    AbandonedScreen #abandoned-summary { height: auto; padding: 0 1; }
    AbandonedScreen DataTable { height: 1fr; }
    """

    def __init__(
        self, ctx: AppContext, actor: str, team: str | None = None, refresh_seconds: float = 5.0
    ) -> None:
        super().__init__(ctx, actor, team, refresh_seconds)
        self.figures: Figures | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text(_("Abandoned calls: loading…")), id="abandoned-summary")
        table: DataTable[Text] = DataTable(id="abandoned-table", cursor_type="row")
        table.add_columns(*(_(c) for c in COLUMNS))
        yield table
        yield FloorFooter(compact=False)

    @work(thread=True, exclusive=True, group="abandoned", exit_on_error=False)
    def _load(self) -> None:
        wall = self.ctx.clock.now()
        with self.ctx.engine.connect() as conn:
            floor_now = FloorClock(wall, last_event_at(conn)).now
        start, end = fday.day_bounds(self.ctx.settings, floor_now)
        figures = interval_figures(
            self.ctx.engine,
            self.ctx.settings,
            start,
            end,
            wall,
            scope=load_scope(self.ctx.engine, self.actor),
            team=self.team,
        )
        self.app.call_from_thread(self.show, figures)

    def show(self, figures: Figures) -> None:
        self.figures = figures
        tz = fs.zone(self.ctx.settings)
        self.query_one("#abandoned-summary", Static).update(summary(figures, tz))
        # Newest first: the caller who just gave up is the one to call back.
        table: DataTable[Text] = self.query_one("#abandoned-table", DataTable)
        rows = {c.id: call_cells(c, tz) for c in reversed(figures.abandoned)}
        if [rk.value for rk in table.rows] != list(rows)[: table.row_count]:
            table.clear()  # a new call goes on top: patching would put it at the bottom
        patch_table(table, rows)
