"""The period view: requirements against targets, patrols done vs due, care, nominations.

``PeriodPanel(ctx, actor, team=None)`` is a widget (the console's view 8);
``PeriodScreen(ctx, actor)`` is the panel as a full screen with a footer. Needs: an
``AppContext`` and the acting supervisor (for nominations); ``team`` scopes
the measures and patrols to one team. It reads
``floorapp.services.periods.period_summary`` in a thread worker every ``poll_interval``
seconds (default 5: the figures move slowly). Each measurable target shows its baseline,
current value with its evidence (``25.0% (10/40)``: calls counted over calls measured) and
target with a status word (met / improving / OFF TRACK / no data), styled, never colour
alone; under the settings' ``min_sample`` calls it says how many of them there are instead
of judging. Key ``n`` proposes candidates per dimension from the period's data
and records the chosen nomination with a reason.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Static

from floorapp import words
from floorapp.context import AppContext
from floorapp.i18n import MARKS, N_, _, ngettext
from floorapp.services import ServiceError
from floorapp.services import nominations as nom_svc
from floorapp.services.patrols import last_patrols
from floorapp.services.periods import PeriodSummary, RequirementStatus, period_summary
from screens.actions import bindings
from screens.cells import Wrapped
from screens.dialogs import ChoiceDialog, NoteDialog
from screens.drill_coverage import DrillCoverage
from screens.footer import FloorFooter

STATUS_STYLE = {
    "met": (N_("met"), "bold green"),
    "improving": (N_("improving"), "yellow"),
    "off": (N_("OFF TRACK"), "bold reverse red"),
    "too few": (N_("too few calls"), "dim"),
    "no data": (N_("no data"), "dim"),
    "": ("", ""),
}


def _num(v: float | None, unit: str | None) -> str:
    return MARKS.dash if v is None else f"{v:.1f}{unit or ''}"


# (key, header): the figures first, the free text last. Headers translated where drawn.
COLUMNS = (
    ("id", N_("id")),
    ("status", N_("status")),
    ("now", N_("now")),
    ("target", N_("target")),
    ("baseline", N_("baseline")),
    ("trigger", N_("trigger")),
    ("requirement", N_("requirement")),
)
# The id, the status and the numbers are short and are what a supervisor looks for: they are
# always as wide as their widest value. The requirement's text takes what is left; when that
# would leave it fewer cells than this, the trigger moves into the requirement's column.
MIN_TEXT = 30
CELL_PADDING = 2  # DataTable's cell padding, one cell each side
SCROLLBAR = 2
MAX_ROWS = 13  # the table's max-height (14) less its header


def evidence(r: RequirementStatus) -> str:
    """The value with what it stands on: ``25.0% (10/40)`` for a rate, ``4.2/5 (n=12)`` for
    an average; ``— (0/0)`` before any call."""
    if r.metric is None:
        return ""
    n = r.calls
    if r.unit == "%":
        return f"{_num(r.current, r.unit)} ({r.numerator or 0:g}/{n})"
    return f"{_num(r.current, r.unit)} (n={n})"


def requirement_cells(r: RequirementStatus) -> dict[str, Text]:
    word, style = STATUS_STYLE.get(r.status, (r.status, ""))
    word = _(word) if word else word
    if r.status == "too few":
        word = _("{n} of {m} calls").format(n=r.calls, m=r.min_sample)
    return {
        "id": Text(r.key),
        "status": Text(word, style=style),
        "now": Text(evidence(r) or _num(r.current, r.unit), justify="right"),
        "target": Text(_num(r.target, r.unit), justify="right"),
        "baseline": Text(_num(r.baseline, r.unit), justify="right"),
        "trigger": Text(words.trigger(r.trigger)),
        "requirement": Text(r.text),
    }


def layout(width: int, rows: list[dict[str, Text]]) -> tuple[tuple[str, str, int], ...]:
    """The columns shown at this width: (key, header, width).

    Every column but the requirement is as wide as its widest cell, so no figure or status
    is ever cut; the requirement gets the rest (at least a few cells: a very narrow
    terminal scrolls sideways rather than hide a number).
    """
    heads = {key: _(head) for key, head in COLUMNS}
    natural = {
        key: max([cell_len(heads[key])] + [r[key].cell_len for r in rows]) for key, _head in COLUMNS
    }
    left = width - (SCROLLBAR if len(rows) > MAX_ROWS else 0)
    shown = []
    for key, _head in COLUMNS[:5]:
        shown.append((key, heads[key], natural[key]))
        left -= natural[key] + CELL_PADDING
    has_trigger = any(r["trigger"].plain for r in rows)
    if has_trigger and left - natural["trigger"] - CELL_PADDING >= MIN_TEXT + CELL_PADDING:
        shown.append(("trigger", heads["trigger"], natural["trigger"]))
        left -= natural["trigger"] + CELL_PADDING
    shown.append(("requirement", heads["requirement"], max(left - CELL_PADDING, 10)))
    return tuple(shown)


def row_cells(cells: dict[str, Text], cols: tuple[tuple[str, str, int], ...]) -> list[Text]:
    out = []
    folded = not any(key == "trigger" for key, _head, _w in cols)
    for key, _head, _w in cols:
        cell = cells[key]
        if key == "requirement":
            text = cell.plain
            if folded and cells["trigger"].plain:
                text = _("{text} (trigger: {trigger})").format(
                    text=text, trigger=cells["trigger"].plain
                )
            cell = Text(text, no_wrap=True, overflow=MARKS.overflow)
        out.append(cell)
    return out


class PeriodPanel(Widget):
    SCOPE = "period"
    BINDINGS: ClassVar[list[BindingType]] = bindings("period")
    DEFAULT_CSS = """
    PeriodPanel { height: 1fr; }
    PeriodPanel Static { padding: 0 1; }
    PeriodPanel #period-title { text-style: bold; }
    PeriodPanel DataTable { height: auto; max-height: 14; }
    """

    def __init__(
        self,
        ctx: AppContext,
        actor: str | None = None,
        *,
        team: str | None = None,
        poll_interval: float = 5.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.ctx = ctx
        self.actor = actor or ctx.actor
        self.team = team
        self.poll_interval = poll_interval
        self.summary: PeriodSummary | None = None
        self.loaded = False
        self._cells: dict[str, dict[str, Text]] = {}
        self._layout: tuple[tuple[str, str, int], ...] = ()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(_("guarantee period: loading") + MARKS.loading), id="period-title")
            # Columns are set by _show_rows once the figures and the width are known.
            yield DataTable(id="period-reqs", cursor_type="row")
            yield Static(Text(""), id="period-patrols")
            yield Static(Text(""), id="period-care")
            yield Static(Text(""), id="period-noms")
            yield DrillCoverage(self.ctx, self.actor, poll_interval=self.poll_interval)

    def on_mount(self) -> None:
        self.refresh_now()
        self.set_interval(self.poll_interval, self._poll)

    def _poll(self) -> None:
        # Behind another tab nobody reads it: re-reading and re-laying it out every few
        # seconds cost the console a frame each time. The app refreshes it when it is shown.
        if self.loaded and not self.is_on_screen:
            return
        self.refresh_now()

    @work(thread=True, exclusive=True, group="period-poll", exit_on_error=False)
    def refresh_now(self) -> None:
        now = self.ctx.clock.now()
        summary = period_summary(
            self.ctx.engine, settings=self.ctx.settings, now=now, team=self.team
        )
        last = last_patrols(self.ctx.engine, now=now)
        self.app.call_from_thread(self._apply, summary, last)

    def _apply(self, s: PeriodSummary | None, last: dict[str, Any]) -> None:
        self.summary = s
        self.loaded = True
        title = self.query_one("#period-title", Static)
        table = self.query_one("#period-reqs", DataTable)
        if s is None:
            title.update(Text(_("no guarantee plan imported (floorapp plan import FILE)")))
            self._cells = {}
            table.clear()
            return
        p = s.period
        state = (
            ngettext("in force, {n} day left", "in force, {n} days left", p.days_left).format(
                n=p.days_left
            )
            if p.active
            else _("ended")
            if p.end <= self.ctx.clock.now()
            else _("not started")
        )
        sep = MARKS.sep
        title.update(
            Text(
                sep.join(
                    (
                        p.name,
                        state,
                        _("teams {teams}").format(teams=_(", ").join(p.teams)),
                        s.plan_name,
                    )
                )
            )
        )
        self._cells = {r.key: requirement_cells(r) for r in s.requirements}
        self._show_rows()
        pc = s.patrols
        teams = [self.team] if self.team else list(p.teams)
        lasts = _(", ").join(
            _("{team} {n} min ago").format(team=t, n=last[t].minutes_ago)
            if t in last
            else _("{team} none yet").format(team=t)
            for t in teams
        )
        self.query_one("#period-patrols", Static).update(
            Wrapped(
                Text(
                    _(
                        "patrols: {done} done · {late} late · {missed} missed · "
                        "{skipped} skipped · {open} open    last patrol: {lasts}"
                    ).format(
                        done=pc["done"],
                        late=pc["late"],
                        missed=pc["missed"],
                        skipped=pc["skipped"],
                        open=pc["open"],
                        lasts=lasts,
                    )
                )
            )
        )
        items = _(", ").join(f"{k} {v}" for k, v in sorted(s.care_by_item.items()))
        self.query_one("#period-care", Static).update(
            Wrapped(
                Text(
                    _("care delivered: {n}").format(n=s.care_delivered)
                    + (f" ({items})" if items else "")
                )
            )
        )
        dims = _(", ").join(
            f"{words.dimension(k)} {v}" for k, v in sorted(s.nominations_by_dimension.items())
        )
        self.query_one("#period-noms", Static).update(
            Wrapped(
                Text(_("nominations: {n}").format(n=s.nominations) + (f" ({dims})" if dims else ""))
            )
        )

    def _show_rows(self) -> None:
        table = self.query_one("#period-reqs", DataTable)
        width = self.size.width or self.app.size.width
        cols = layout(width, list(self._cells.values()))
        rows = {key: row_cells(cells, cols) for key, cells in self._cells.items()}
        if cols != self._layout:
            keep = table.cursor_row
            self._layout = cols
            table.clear(columns=True)
            for key, head, w in cols:
                table.add_column(head, width=w, key=key)
            for key, cells in rows.items():
                table.add_row(*cells, key=key)
            if rows:
                table.move_cursor(row=min(keep, len(rows) - 1))
        elif [k.value for k in table.rows] == list(rows):
            # Same requirements: patch the cells so the cursor stays where the user put it.
            for key, cells in rows.items():
                for (col, _head, _w), cell in zip(cols, cells, strict=True):
                    if (
                        table.get_cell(key, col).plain != cell.plain
                        or table.get_cell(key, col).style != cell.style
                    ):
                        table.update_cell(key, col, cell)
        else:
            table.clear()
            for key, cells in rows.items():
                table.add_row(*cells, key=key)

    def on_resize(self) -> None:
        if self._cells:
            self._show_rows()

    def relabel_language(self) -> None:
        """After a language switch: read and draw the view again in the new words."""
        self._layout = ()
        self.refresh_now()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self._show_requirement(str(event.row_key.value))

    def action_show_requirement(self) -> None:
        table = self.query_one("#period-reqs", DataTable)
        if table.row_count:
            row_key, _col = table.coordinate_to_cell_key(table.cursor_coordinate)
            self._show_requirement(str(row_key.value))

    def _show_requirement(self, key: str) -> None:
        """Enter on a requirement: its whole text, which a narrow terminal cuts."""
        cells = self._cells.get(key)
        if cells is None:
            return
        trig = cells["trigger"].plain
        self.app.notify(
            cells["requirement"].plain
            + ("\n" + _("trigger: {trigger}").format(trigger=trig) if trig else ""),
            title=cells["id"].plain,
            markup=False,
            timeout=10,
        )

    # --- nominating -------------------------------------------------------------------

    def action_nominate(self) -> None:
        self._load_candidates()

    @work(thread=True, exclusive=True, group="period-candidates", exit_on_error=False)
    def _load_candidates(self) -> None:
        try:
            found = nom_svc.candidates(
                self.ctx.engine, now=self.ctx.clock.now(), team=self.team, actor=self.actor
            )
        except ServiceError as exc:
            self.app.call_from_thread(self.app.notify, str(exc), severity="error", markup=False)
            return
        self.app.call_from_thread(self._choose, found)

    def _choose(self, found: dict[str, list[nom_svc.Candidate]]) -> None:
        flat = [c for cands in found.values() for c in cands]
        if not flat or self.summary is None:
            self.app.notify(_("Nobody stands out in this period's data yet."), markup=False)
            return
        period = self.summary.period.name
        by_key = {f"{c.dimension}|{c.agent_id}": c for c in flat}

        def chosen(key: object) -> None:
            if key is None:
                return
            c = by_key[str(key)]

            def reason(text: object) -> None:
                if not text:
                    return
                self._nominate(period, c, str(text))

            dim = words.dimension(c.dimension)
            self.app.push_screen(
                NoteDialog(
                    _("Nominate {name} for {dimension}: why?").format(name=c.name, dimension=dim),
                    value=c.reason,
                ),
                reason,
            )

        self.app.push_screen(
            ChoiceDialog(
                _("Role models for {period}").format(period=period),
                [
                    (k, f"{words.dimension(c.dimension)}: {c.name} {MARKS.dash} {c.reason}")
                    for k, c in by_key.items()
                ],
            ),
            chosen,
        )

    @work(thread=True, exit_on_error=False)
    def _nominate(self, period: str, c: nom_svc.Candidate, reason: str) -> None:
        try:
            nom_svc.nominate(
                self.ctx.engine,
                period=period,
                agent_id=c.agent_id,
                dimension=c.dimension,
                reason=reason,
                actor=self.actor,
                now=self.ctx.clock.now(),
            )
        except ServiceError as exc:
            self.app.call_from_thread(self.app.notify, str(exc), severity="error", markup=False)
            return
        self.app.call_from_thread(
            self.app.notify, _("nominated {name}").format(name=c.name), markup=False
        )
        self.app.call_from_thread(self.refresh_now)


class PeriodScreen(Screen[None]):
    SCOPE = "period_screen"
    BINDINGS: ClassVar[list[BindingType]] = bindings("period_screen")

    def __init__(self, ctx: AppContext, actor: str | None = None, **panel_kwargs: Any) -> None:
        super().__init__()
        self.panel = PeriodPanel(ctx, actor, **panel_kwargs)

    def compose(self) -> ComposeResult:
        yield self.panel
        yield FloorFooter(compact=False)
