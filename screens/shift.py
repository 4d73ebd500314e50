"""The shift so far (key 9): what happened today in time order, filterable by team and
kind, each row opening its record; and the shift in pictures, sparklines of calls waiting,
service level and open flags over the last hours (also in the header at 200 columns)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Sparkline, Static

from floorapp import i18n, words
from floorapp.figures.series import ShiftSeries, shift_series
from floorapp.i18n import MARKS, N_, _
from floorapp.services import ServiceError
from floorapp.services.shift import KINDS, ShiftEvent, shift_events
from screens.actions import bindings
from screens.cursortable import CursorTable
from screens.dialogs import ChoiceDialog
from screens.footer import FloorFooter

KIND_WORDS: dict[str, str] = {
    "flag_raised": N_("flag raised"),
    "flag_to_manager": N_("flag to manager"),
    "flag_resolved": N_("flag resolved"),
    "esc_opened": N_("escalation opened"),
    "esc_handed_off": N_("escalation handed off"),
    "esc_resolved": N_("escalation resolved"),
    "esc_late": N_("escalation late"),
    "patrol_done": N_("patrol"),
    "patrol_missed": N_("patrol missed"),
    "care": N_("care given"),
    "nomination": N_("nomination"),
}
# Grouped as a supervisor asks: "show me the flags", not one kind of flag row at a time.
KIND_GROUPS: dict[str, tuple[str, ...]] = {
    "flags": ("flag_raised", "flag_to_manager", "flag_resolved"),
    "escalations": ("esc_opened", "esc_handed_off", "esc_resolved", "esc_late"),
    "patrols": ("patrol_done", "patrol_missed"),
    "care": ("care",),
    "nominations": ("nomination",),
}
GROUP_WORDS = {
    "flags": N_("flags"),
    "escalations": N_("escalations"),
    "patrols": N_("patrols"),
    "care": N_("care"),
    "nominations": N_("nominations"),
}
BLOCKS = "▁▂▃▄▅▆▇█"


def blocks(values: Sequence[float | None]) -> str:
    """A sparkline as text (the header's): one block per step, blank where no value."""
    present = [v for v in values if v is not None]
    if not present:
        return ""
    low, high = min(present), max(present)
    span = high - low or 1.0
    return "".join(
        " " if v is None else BLOCKS[int((v - low) / span * (len(BLOCKS) - 1))] for v in values
    )


def event_words(e: ShiftEvent) -> str:
    """The row's detail: the codes in words first, then the record's own text."""
    parts = [
        words.severity(e.severity) if e.severity else "",
        words.flag_kind(e.flag_kind) if e.flag_kind else "",
        words.tier(e.tier) if e.tier is not None and e.from_tier is None else "",
        # A hand-off: from the tier it left to the one it went to.
        f"{words.tier(e.from_tier)} {MARKS.arrow} {words.tier(e.tier)}"
        if e.from_tier is not None and e.tier is not None
        else "",
    ]
    lead = " ".join(p for p in parts if p)
    text = e.text.replace("\n", " ")
    return f"{lead}: {text}" if lead else text


def header_sparks(series: ShiftSeries | None) -> str:
    """The header's pictures of the shift; empty where the blocks would be drawn two cells
    wide (they are ambiguous-width: Chinese terminals)."""
    if series is None or i18n.is_chinese():
        return ""
    parts = [
        (_("waiting"), blocks(series.waiting)),
        (_("SL"), blocks(series.service_level)),
        (_("flags"), blocks(series.open_flags)),
    ]
    return "  ".join(f"{name} {line}" for name, line in parts if line)


# How often the header's pictures are read again: a step of the series is ten minutes, so
# a minute keeps the newest step current at a read a minute.
SERIES_EVERY = 60.0


def read_header_series(app: Any, floor_now: datetime | None = None) -> None:
    """Read the shift's series (in the calling worker thread) and hand the header its
    pictures on the UI thread. ``floor_now``: the floor's clock, when the console does not
    hold it yet (the first read)."""
    from screens.header import FloorHeader

    try:
        # On the floor's clock, as the header's figures: a quiet feed's last hours.
        series = shift_series(
            app.ctx.engine,
            app.ctx.settings,
            floor_now or app.floor_now(),
            teams=series_teams(app),
        )
    except Exception:  # the floor could not be read: the header keeps what it had
        import logging

        logging.getLogger(__name__).exception("shift series failed")
        return

    def show() -> None:
        app.shift_series = series
        try:
            header = app.query_one(FloorHeader)
        except Exception:  # closing
            return
        header.sparks = header_sparks(series)
        header.refresh()

    app._safe_call(show)


def keep_header_series(app: Any) -> None:
    """Every SERIES_EVERY, off the UI thread, the header's pictures read again (drawn from
    cached text: nothing is computed per tick). The first read rides the first refresh."""

    def start() -> None:
        app.run_worker(
            lambda: read_header_series(app), thread=True, group="series", exit_on_error=False
        )

    app.set_interval(SERIES_EVERY, start)


def series_teams(app: Any) -> frozenset[str] | None:
    """Whose flags the sparkline counts: the console's team, a team leader's teams, or the
    floor (a floor manager; or nobody known yet, when only the floor's figures show)."""
    if getattr(app, "team", None):
        return frozenset({app.team})
    who = getattr(app, "actor_info", None)
    if who is None:
        return frozenset()  # not known yet: count nobody's rather than the floor's
    return None if who.is_floor_manager else frozenset(who.teams)


class ShiftScreen(Screen[None]):
    SCOPE = "shift"
    BINDINGS: ClassVar[list[BindingType]] = bindings("shift")
    DEFAULT_CSS = """
    ShiftScreen #shift-title { height: 1; padding: 0 1; text-style: bold; }
    ShiftScreen .spark-row { height: 1; padding: 0 1; }
    ShiftScreen #spark-window { height: 1; padding: 0 1; color: $text-muted; }
    ShiftScreen .spark-label { width: 24; }
    ShiftScreen Sparkline { width: 1fr; height: 1; }
    ShiftScreen CursorTable { height: 1fr; }
    """
    REFRESH_EVERY = 30.0

    def __init__(self, team: str | None = None) -> None:
        super().__init__()
        self.team = team
        self.group: str | None = None
        self.events: list[ShiftEvent] = []
        self.series: ShiftSeries | None = None
        self.loaded = False
        self._shape: list[tuple[Any, ...]] = []
        self._labels: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(_("The shift so far") + MARKS.loading), id="shift-title")
            for key in ("waiting", "sl", "flags"):
                with Horizontal(classes="spark-row"):
                    yield Static(Text(""), classes="spark-label", id=f"spark-{key}-label")
                    yield Sparkline([], id=f"spark-{key}")
            yield Static(Text(""), id="spark-window")
            table: CursorTable = CursorTable(id="shift-table", cursor_type="row")
            table.add_columns(_("time"), _("what"), _("team"), _("agent"), _("detail"))
            yield table
        yield FloorFooter(compact=False)

    def on_mount(self) -> None:
        self.reload()
        self.set_interval(self.REFRESH_EVERY, self.reload)
        # The figures beside the pictures are the header's, redrawn as often as it is.
        self.set_interval(1.0, self.show_figures)
        self.query_one(CursorTable).focus()

    def reload(self) -> None:
        app: Any = self.app
        team, kinds = self.team, KIND_GROUPS.get(self.group or "", None)
        teams = series_teams(app)
        floor_now = app.floor_now()

        def load() -> None:
            try:
                events = shift_events(
                    app.ctx.engine,
                    team=team,
                    kinds=kinds,
                    settings=app.ctx.settings,
                    actor=app.actor,
                    now=app.ctx.clock.now(),
                )
                series = shift_series(app.ctx.engine, app.ctx.settings, floor_now, teams=teams)
            except ServiceError as exc:
                app.call_from_thread(self.app.notify, str(exc), severity="error", markup=False)
                return
            app.call_from_thread(self.show, events, series)

        self.run_worker(load, thread=True, group="shift", exit_on_error=False)

    def show(self, events: list[ShiftEvent], series: ShiftSeries) -> None:
        self.events, self.series = events, series
        app: Any = self.app
        tz = app.ctx.settings.timezone
        filters = [
            self.team or _("all teams"),
            _(GROUP_WORDS[self.group]) if self.group else _("everything"),
        ]
        self.query_one("#shift-title", Static).update(
            Text(
                _("The shift so far: {n} events ({filters})").format(
                    n=len(events), filters=_(", ").join(filters)
                )
            )
        )
        hours = series.step * len(series.waiting) / timedelta(hours=1)
        pictures: dict[str, Sequence[float]] = {
            "waiting": series.waiting,
            "sl": [0.0 if v is None else v for v in series.service_level],
            "flags": series.open_flags,
        }
        for key, data in pictures.items():
            self.query_one(f"#spark-{key}", Sparkline).data = [float(v) for v in data]
        # What the pictures cover, said once: their window ends at the floor's clock.
        self.query_one("#spark-window", Static).update(
            Text(
                _("pictures: the last {h} h to {time}, one block per {m} min").format(
                    h=f"{hours:g}",
                    time=i18n.clock(series.ends[-1], tz) if series.ends else "",
                    m=f"{series.step / timedelta(minutes=1):g}",
                )
            )
        )
        self.show_figures()
        shape = [(e.at, e.kind, e.target_id, e.text) for e in events]
        if shape != self._shape:
            table = self.query_one(CursorTable)
            keep = table.cursor_row
            table.clear()
            # Newest first: what just happened is what a supervisor looks for.
            for i, e in reversed(list(enumerate(events))):
                table.add_row(
                    Text(i18n.clock(e.at, tz, seconds=False)),
                    Text(_(KIND_WORDS.get(e.kind, e.kind))),
                    Text(e.team_id or ""),
                    Text(e.agent or ""),
                    Text(event_words(e)),
                    key=str(i),
                )
            if table.row_count:
                table.move_cursor(row=min(keep, table.row_count - 1))
            self._shape = shape
        self.loaded = True

    def show_figures(self) -> None:
        """Calls waiting, the service level and open flags as the header has them now (one
        computation, floorapp.figures, on the floor's clock): the day's service level, not
        the last step's."""
        from screens.header import sl_words

        figures = getattr(self.app, "reader_figures", None)
        if figures is None:
            waiting, sl, flags = MARKS.dash, None, MARKS.dash
        else:
            waiting, sl, flags = figures.calls_waiting, figures.service_level, figures.open_flags
        name, value = sl_words(sl)
        for key, label in (
            ("waiting", _("waiting now {n}").format(n=waiting)),
            ("sl", _("{sl} today {value}").format(sl=name, value=value)),
            ("flags", _("open flags {n}").format(n=flags)),
        ):
            if self._labels.get(key) != label:
                self._labels[key] = label
                self.query_one(f"#spark-{key}-label", Static).update(Text(label))

    def selected(self) -> ShiftEvent | None:
        table = self.query_one(CursorTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return None if key is None else self.events[int(key)]

    def action_close(self) -> None:
        self.dismiss(None)

    def action_team(self) -> None:
        teams = sorted({e.team_id for e in self.events if e.team_id})
        if self.team and self.team not in teams:
            teams.insert(0, self.team)

        def chosen(value: object) -> None:
            if value is not None:
                self.team = None if value == "*" else str(value)
                self.reload()

        self.app.push_screen(
            ChoiceDialog(_("Show which team?"), [("*", _("all teams")), *[(t, t) for t in teams]]),
            chosen,
        )

    def action_kind(self) -> None:
        def chosen(value: object) -> None:
            if value is not None:
                self.group = None if value == "*" else str(value)
                self.reload()

        self.app.push_screen(
            ChoiceDialog(
                _("Show which kind?"),
                [("*", _("everything")), *[(g, _(w)) for g, w in GROUP_WORDS.items()]],
            ),
            chosen,
        )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        # Enter on the table (the table's own binding takes the key before the screen's).
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        from screens.detail import AgentDetailScreen, EscalationDetailScreen

        e = self.selected()
        if e is None:
            return
        if e.target_kind == "escalation":
            self.app.push_screen(EscalationDetailScreen(int(e.target_id)))
        elif e.agent_id:
            self.app.push_screen(AgentDetailScreen(e.agent_id))
        else:
            self.app.notify(
                _("Team {team}: nothing more to open.").format(team=e.team_id), markup=False
            )


__all__ = [
    "KINDS",
    "ShiftScreen",
    "blocks",
    "header_sparks",
    "keep_header_series",
    "read_header_series",
]
