"""Today's distress-flag measures: per team and per supervisor, and the whole floor.

Mount it from the console with ``app.push_screen(MeasuresScreen(ctx))``.

Constructor: ``MeasuresScreen(ctx: AppContext, refresh_seconds: float = 5.0)``. It needs
only ``ctx`` (engine, settings for the centre's day, clock); it reads
``floorapp.services.flag_measures.measures_today`` in a thread worker every
``refresh_seconds`` and patches two keyed tables in place. Columns: flags raised today,
how many were acknowledged and the median time to acknowledge, the same for stepping
in, and flags unresolved now. Per supervisor, the medians are the supervisor's own
responses (see the service's docstring). Keys: ``r`` refresh now, ``escape``/``q`` back.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.events import Resize
from textual.widgets import DataTable, Static

from floorapp import i18n
from floorapp.context import AppContext
from floorapp.i18n import MARKS, N_, _
from floorapp.services.flag_measures import (
    FlagMeasures,
    MeasuresReport,
    format_duration,
    measures_today,
)
from screens.actions import bindings
from screens.cells import Wrapped
from screens.footer import FloorFooter
from screens.refreshing import RefreshingScreen
from screens.sensitive import patch_table

COLUMNS = (
    "",
    N_("raised"),
    N_("ack'd"),
    N_("median to ack"),
    N_("stepped in"),
    N_("median to step in"),
    N_("unresolved"),
)
# Under this many columns (80 over SSH) the headers shorten and long names are cut with an
# ellipsis, so that every measure stays on screen: a cut-off column is the one a supervisor
# would miss. The floor line above the tables spells the medians out.
WIDE_FROM = 100
NARROW_COLUMNS = (
    "",
    N_("raised"),
    N_("ack'd"),
    N_("median ack"),
    N_("stepped in"),
    N_("median step-in"),
    N_("open"),
)
NARROW_LABEL = 14


def layout(width: int) -> tuple[tuple[str, ...], int | None]:
    """The column headers and the name column's width (None: as wide as the names)."""
    if width >= WIDE_FROM:
        return COLUMNS, None
    return NARROW_COLUMNS, NARROW_LABEL


def measure_cells(m: FlagMeasures) -> list[Text]:
    return [
        Text(m.label, no_wrap=True, overflow=MARKS.overflow),
        Text(str(m.raised), justify="right"),
        Text(str(m.acknowledged), justify="right"),
        Text(format_duration(m.median_to_acknowledge), justify="right"),
        Text(str(m.stepped_in), justify="right"),
        Text(format_duration(m.median_to_step_in), justify="right"),
        Text(str(m.unresolved), justify="right", style="bold red" if m.unresolved else ""),
    ]


class MeasuresScreen(RefreshingScreen):
    SCOPE = "measures"
    BINDINGS: ClassVar[list[BindingType]] = bindings("measures")
    DEFAULT_CSS = """
    MeasuresScreen { layout: vertical; }
    MeasuresScreen #measures-floor { height: auto; padding: 0 1; }
    MeasuresScreen .measures-title { height: 1; padding: 0 1; text-style: bold; }
    MeasuresScreen DataTable { height: 1fr; }
    """

    def __init__(self, ctx: AppContext, refresh_seconds: float = 5.0) -> None:
        super().__init__()
        self.ctx = ctx
        self.refresh_seconds = refresh_seconds
        self.report: MeasuresReport | None = None
        self._layout: tuple[tuple[str, ...], int | None] = ((), None)

    def compose(self) -> ComposeResult:
        yield Static(
            Text(_("Flag measures for today: loading") + MARKS.loading), id="measures-floor"
        )
        yield Static(Text(_("Per team")), classes="measures-title")
        yield DataTable(id="measures-teams", cursor_type="row")
        yield Static(
            Text(_("Per supervisor (raised: by their own hand; the medians: their own responses)")),
            classes="measures-title",
        )
        yield DataTable(id="measures-supervisors", cursor_type="row")
        yield FloorFooter(compact=False)

    def on_mount(self) -> None:
        # Textual calls RefreshingScreen.on_mount (the first load) after this one.
        self._set_columns(layout(self.app.size.width))

    def on_resize(self, event: Resize) -> None:
        wanted = layout(event.size.width)
        if wanted != self._layout:
            self._set_columns(wanted)
            if self.report is not None:
                self.show(self.report)

    def _set_columns(self, wanted: tuple[tuple[str, ...], int | None]) -> None:
        self._layout = wanted
        headers, label_width = wanted
        for table_id, label in (
            ("#measures-teams", _("team")),
            ("#measures-supervisors", _("supervisor")),
        ):
            table: DataTable[Text] = self.query_one(table_id, DataTable)
            table.clear(columns=True)
            table.add_column(label, width=label_width)
            table.add_columns(*[_(h) for h in headers[1:]])

    @work(thread=True, exclusive=True, group="flag-measures", exit_on_error=False)
    def _load(self) -> None:
        now: datetime = self.ctx.clock.now()
        report = measures_today(self.ctx.engine, settings=self.ctx.settings, now=now)
        self.app.call_from_thread(self.show, report)

    def show(self, report: MeasuresReport) -> None:
        self.report = report
        f = report.floor
        line = Text()
        line.append(_("Flags on {day}").format(day=i18n.day(report.day)), style="bold")
        line.append(
            MARKS.sep
            + _("raised {n}").format(n=f.raised)
            + MARKS.sep
            + _("median to acknowledge {duration}").format(
                duration=format_duration(f.median_to_acknowledge)
            )
            + MARKS.sep
            + _("median to step in {duration}").format(
                duration=format_duration(f.median_to_step_in)
            )
            + MARKS.sep
        )
        line.append(
            _("unresolved {n}").format(n=f.unresolved), style="bold red" if f.unresolved else ""
        )
        self.query_one("#measures-floor", Static).update(Wrapped(line))
        with self.app.batch_update():
            patch_table(
                self.query_one("#measures-teams", DataTable),
                {m.key: measure_cells(m) for m in report.teams},
            )
            patch_table(
                self.query_one("#measures-supervisors", DataTable),
                {m.key: measure_cells(m) for m in report.supervisors},
            )
