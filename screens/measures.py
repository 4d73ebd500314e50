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
from textual.binding import Binding
from textual.events import Resize
from textual.widgets import DataTable, Static

from floorapp.context import AppContext
from floorapp.services.flag_measures import (
    FlagMeasures,
    MeasuresReport,
    format_duration,
    measures_today,
)
from screens.footer import FloorFooter
from screens.refreshing import RefreshingScreen
from screens.sensitive import patch_table

COLUMNS = ("", "raised", "ack'd", "median to ack", "stepped in", "median to step in",
           "unresolved")
# Under this many columns (80 over SSH) the headers shorten and long names are cut with an
# ellipsis, so that every measure stays on screen: a cut-off column is the one a supervisor
# would miss. The floor line above the tables spells the medians out.
WIDE_FROM = 100
NARROW_COLUMNS = ("", "raised", "ack'd", "median ack", "stepped in", "median step-in", "open")
NARROW_LABEL = 14


def layout(width: int) -> tuple[tuple[str, ...], int | None]:
    """The column headers and the name column's width (None: as wide as the names)."""
    if width >= WIDE_FROM:
        return COLUMNS, None
    return NARROW_COLUMNS, NARROW_LABEL


def measure_cells(m: FlagMeasures) -> list[Text]:
    return [
        Text(m.label, no_wrap=True, overflow="ellipsis"),
        Text(str(m.raised), justify="right"),
        Text(str(m.acknowledged), justify="right"),
        Text(format_duration(m.median_to_acknowledge), justify="right"),
        Text(str(m.stepped_in), justify="right"),
        Text(format_duration(m.median_to_step_in), justify="right"),
        Text(str(m.unresolved), justify="right", style="bold red" if m.unresolved else ""),
    ]


class MeasuresScreen(RefreshingScreen):
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("escape,q", "close", "Back", id="measures.close"),
        Binding("r", "refresh_now", "Refresh", id="measures.refresh"),
    ]
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
        yield Static(Text("Flag measures for today: loading…"), id="measures-floor")
        yield Static(Text("Per team"), classes="measures-title")
        yield DataTable(id="measures-teams", cursor_type="row")
        yield Static(Text("Per supervisor (medians: their own responses)"),
                     classes="measures-title")
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
        for table_id, label in (("#measures-teams", "team"),
                                ("#measures-supervisors", "supervisor")):
            table: DataTable[Text] = self.query_one(table_id, DataTable)
            table.clear(columns=True)
            table.add_column(label, width=label_width)
            table.add_columns(*headers[1:])

    @work(thread=True, exclusive=True, group="flag-measures", exit_on_error=False)
    def _load(self) -> None:
        now: datetime = self.ctx.clock.now()
        report = measures_today(self.ctx.engine, self.ctx.settings, now)
        self.app.call_from_thread(self.show, report)

    def show(self, report: MeasuresReport) -> None:
        self.report = report
        f = report.floor
        line = Text()
        line.append(f"Flags on {report.day}", style="bold")
        line.append(f" · raised {f.raised} · median to acknowledge "
                    f"{format_duration(f.median_to_acknowledge)} · median to step in "
                    f"{format_duration(f.median_to_step_in)} · ")
        line.append(f"unresolved {f.unresolved}", style="bold red" if f.unresolved else "")
        self.query_one("#measures-floor", Static).update(line)
        with self.app.batch_update():
            patch_table(self.query_one("#measures-teams", DataTable),
                        {m.key: measure_cells(m) for m in report.teams})
            patch_table(self.query_one("#measures-supervisors", DataTable),
                        {m.key: measure_cells(m) for m in report.supervisors})
