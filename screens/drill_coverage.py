"""Drill coverage for the period view: per hot issue and team, who is drilled and passed.

A ``Static`` that reads ``floorapp.services.drills.coverage`` in a thread worker while
it is on screen; the period view includes it with one line.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.widgets import Static

from floorapp.context import AppContext
from floorapp.i18n import _, cut
from floorapp.services import ServiceError
from floorapp.services.drills import CoverageRow, coverage


class DrillCoverage(Static):
    DEFAULT_CSS = "DrillCoverage { height: auto; padding: 0 1; }"

    def __init__(
        self, ctx: AppContext, actor: str, *, poll_interval: float = 5.0, **kwargs: Any
    ) -> None:
        super().__init__(Text(""), **kwargs)
        self.ctx = ctx
        self.actor = actor
        self.poll_interval = poll_interval
        self.rows: list[CoverageRow] = []
        self.display = False  # takes no line at all in a plan without hot issues

    def on_mount(self) -> None:
        self.reload()
        self.set_interval(self.poll_interval, self._poll)

    def _poll(self) -> None:
        # Hidden (no hot issues yet) is never "on screen": then ask whether the view is.
        shown = (
            self.is_on_screen
            if self.display
            else bool(self.parent is not None and getattr(self.parent, "is_on_screen", False))
        )
        if shown:
            self.reload()

    @work(thread=True, exclusive=True, group="drill-coverage", exit_on_error=False)
    def reload(self) -> None:
        now = self.ctx.clock.now()
        try:
            rows = coverage(self.ctx.engine, actor=self.actor, now=now)
        except ServiceError:
            rows = []
        self.app.call_from_thread(self.show, rows, now)

    def show(self, rows: list[CoverageRow], now: datetime) -> None:
        self.rows = rows
        self.display = bool(rows)
        if not rows:
            return
        text = Text(_("Drills on the hot issues (D: run them)"), style="bold")
        # One line per hot issue and team, cut by display width, so eight fit in eight rows.
        for r in rows:
            text.append("\n")
            title, team = cut(r.title, 22), cut(r.team_id, 10)
            text.append(title + " " * (22 - cell_len(title)), style="bold")
            text.append(" " + team + " " * (10 - cell_len(team)) + " ")
            text.append(
                _("drilled {d}/{n} passed {p} practice {q}").format(
                    d=r.drilled, n=r.agents, p=r.passed, q=r.practice
                )
            )
            if r.overdue:
                text.append(" " + _("OVERDUE {n}").format(n=r.overdue), style="bold red")
        self.update(text)
