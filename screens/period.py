"""The period view: requirements against targets, patrols done vs due, care, nominations.

To mount it (console engineer / lead)::

    from screens.period import PeriodPanel, PeriodScreen

    PeriodPanel(ctx, actor, team=None)          # a widget, e.g. in a TabPane
    app.push_screen(PeriodScreen(ctx, actor))  # or a full screen with a footer

Needs: an ``AppContext`` and the acting supervisor (for nominations); ``team`` scopes
the measures and patrols to one team. It reads
``floorapp.services.periods.period_summary`` in a thread worker every ``poll_interval``
seconds (default 5: the figures move slowly). Each measurable target shows its baseline,
current value and target with a status word (met / improving / off / no data), styled,
never colour alone. Key ``n`` proposes candidates per dimension from the period's data
and records the chosen nomination with a reason.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Static

from floorapp.context import AppContext
from floorapp.services import ServiceError
from floorapp.services import nominations as nom_svc
from floorapp.services.patrols import last_patrols
from floorapp.services.periods import PeriodSummary, period_summary
from screens.dialogs import ChoiceDialog, NoteDialog

STATUS_STYLE = {
    "met": ("met", "bold green"),
    "improving": ("improving", "yellow"),
    "off": ("OFF TRACK", "bold reverse red"),
    "no data": ("no data", "dim"),
    "": ("", ""),
}


def _num(v: float | None, unit: str | None) -> str:
    return "—" if v is None else f"{v:.1f}{unit or ''}"


class PeriodPanel(Widget):
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("n", "nominate", "Nominate", id="period.nominate"),
    ]
    DEFAULT_CSS = """
    PeriodPanel { height: 1fr; }
    PeriodPanel Static { padding: 0 1; }
    PeriodPanel #period-title { text-style: bold; }
    PeriodPanel DataTable { height: auto; max-height: 14; }
    """

    def __init__(self, ctx: AppContext, actor: str | None = None, *, team: str | None = None,
                 poll_interval: float = 5.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ctx = ctx
        self.actor = actor or ctx.actor
        self.team = team
        self.poll_interval = poll_interval
        self.summary: PeriodSummary | None = None
        self.loaded = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("guarantee period: loading…"), id="period-title")
            table: DataTable[Any] = DataTable(id="period-reqs", cursor_type="row")
            # The figures first and the free text last, so a narrow terminal cuts the text.
            table.add_columns("id", "status", "now", "target", "baseline", "trigger",
                              "requirement")
            yield table
            yield Static(Text(""), id="period-patrols")
            yield Static(Text(""), id="period-care")
            yield Static(Text(""), id="period-noms")

    def on_mount(self) -> None:
        self.refresh_now()
        self.set_interval(self.poll_interval, self.refresh_now)

    @work(thread=True, exclusive=True, group="period-poll", exit_on_error=False)
    def refresh_now(self) -> None:
        now = self.ctx.clock.now()
        summary = period_summary(self.ctx.engine, now, team=self.team)
        last = last_patrols(self.ctx.engine, now)
        self.app.call_from_thread(self._apply, summary, last)

    def _apply(self, s: PeriodSummary | None, last: dict[str, Any]) -> None:
        self.summary = s
        self.loaded = True
        title = self.query_one("#period-title", Static)
        table = self.query_one("#period-reqs", DataTable)
        if s is None:
            title.update(Text("no guarantee plan imported (floorapp plan import FILE)"))
            table.clear()
            return
        p = s.period
        state = (f"in force, {p.days_left} day(s) left" if p.active
                 else "ended" if p.end <= self.ctx.clock.now() else "not started")
        title.update(Text(f"{p.name} · {state} · teams {', '.join(p.teams)} · {s.plan_name}"))
        rows = {}
        for r in s.requirements:
            word, style = STATUS_STYLE.get(r.status, (r.status, ""))
            rows[r.key] = (Text(r.key), Text(word, style=style), Text(_num(r.current, r.unit)),
                           Text(_num(r.target, r.unit)), Text(_num(r.baseline, r.unit)),
                           Text(r.trigger or ""), Text(r.text))
        if [k.value for k in table.rows] == list(rows):
            # Same requirements: patch the cells so the cursor stays where the user put it.
            columns = list(table.columns)
            for key, cells in rows.items():
                for col, cell in zip(columns, cells, strict=True):
                    if table.get_cell(key, col).plain != cell.plain:
                        table.update_cell(key, col, cell)
        else:
            table.clear()
            for key, cells in rows.items():
                table.add_row(*cells, key=key)
        pc = s.patrols
        teams = [self.team] if self.team else list(p.teams)
        lasts = ", ".join(
            f"{t} {last[t].minutes_ago} min ago" if t in last else f"{t} none yet"
            for t in teams)
        self.query_one("#period-patrols", Static).update(Text(
            f"patrols: {pc['done']} done · {pc['late']} late · {pc['missed']} missed · "
            f"{pc['skipped']} skipped · {pc['open']} open    last patrol: {lasts}"))
        items = ", ".join(f"{k} {v}" for k, v in sorted(s.care_by_item.items()))
        self.query_one("#period-care", Static).update(Text(
            f"care delivered: {s.care_delivered}" + (f" ({items})" if items else "")))
        dims = ", ".join(f"{k} {v}" for k, v in sorted(s.nominations_by_dimension.items()))
        self.query_one("#period-noms", Static).update(Text(
            f"nominations: {s.nominations}" + (f" ({dims})" if dims else "")))

    # --- nominating -------------------------------------------------------------------

    def action_nominate(self) -> None:
        self._load_candidates()

    @work(thread=True, exclusive=True, group="period-candidates", exit_on_error=False)
    def _load_candidates(self) -> None:
        try:
            found = nom_svc.candidates(self.ctx.engine, self.ctx.clock.now(), team=self.team)
        except ServiceError as exc:
            self.app.call_from_thread(self.app.notify, str(exc), severity="error", markup=False)
            return
        self.app.call_from_thread(self._choose, found)

    def _choose(self, found: dict[str, list[nom_svc.Candidate]]) -> None:
        flat = [c for cands in found.values() for c in cands]
        if not flat or self.summary is None:
            self.app.notify("Nobody stands out in this period's data yet.", markup=False)
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

            self.app.push_screen(NoteDialog(f"Nominate {c.name} for {c.dimension}: why?",
                                            value=c.reason), reason)

        self.app.push_screen(ChoiceDialog(
            f"Role models for {period}",
            [(k, f"{c.dimension}: {c.name} — {c.reason}") for k, c in by_key.items()]), chosen)

    @work(thread=True, exit_on_error=False)
    def _nominate(self, period: str, c: nom_svc.Candidate, reason: str) -> None:
        try:
            nom_svc.nominate(self.ctx.engine, period=period, agent_id=c.agent_id,
                             dimension=c.dimension, reason=reason, actor=self.actor,
                             now=self.ctx.clock.now())
        except ServiceError as exc:
            self.app.call_from_thread(self.app.notify, str(exc), severity="error", markup=False)
            return
        self.app.call_from_thread(self.app.notify, f"nominated {c.name}", markup=False)
        self.app.call_from_thread(self.refresh_now)


class PeriodScreen(Screen[None]):
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("escape", "app.pop_screen", "Back", id="period.back"),
    ]

    def __init__(self, ctx: AppContext, actor: str | None = None, **panel_kwargs: Any) -> None:
        super().__init__()
        self.panel = PeriodPanel(ctx, actor, **panel_kwargs)

    def compose(self) -> ComposeResult:
        yield self.panel
        yield Footer()
