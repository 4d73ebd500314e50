"""The console's live refresh: one read of what changed at a time, applied in one frame.

Follows Dolphie's pattern: a thread worker reads what changed (``BoardReader``) and hands
the delta to the UI thread, which patches the tables inside ``batch_update`` and then
re-arms the timer, so refreshes never overlap and a slow database never blocks a key press.
Once the whole floor is loaded, its objects are taken out of the cyclic collector's walks
(``gc.freeze``) and young collections run less often: see ``_hold_for_the_shift``.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable
from typing import Any

from textual import work
from textual.app import App
from textual.css.query import NoMatches

from floorapp.context import AppContext
from floorapp.i18n import _
from floorapp.identity import Actor, load_actor
from floorapp.services.board import BoardDelta, BoardReader
from floorapp.services.escalations import EscalationView
from screens.board import AgentBoard
from screens.flags import FlagTable
from screens.guard import record_failure
from screens.header import FloorHeader
from screens.notices import notice
from screens.queues import QueueTable
from screens.shift import read_header_series
from screens.table import LiveTable
from screens.triage import header_counts

log = logging.getLogger(__name__)

QUEUE_TIERS = {"tier1": 1, "tier2": 2, "tier3": 3, "all": None}
# Allocations between young-generation collections once the floor is loaded (CPython's
# default is 700). A busy tick allocates tens of thousands of short-lived objects, nearly all
# freed by refcounting; collecting every 700 walked them anyway.
GC_YOUNG = 20_000


class LiveRefresh(App[None]):
    """Mixed into FloorApp: the once-a-second tick and the refresh it starts."""

    # Seconds between reads of what changed: under the one-second promise with room for
    # the read itself, and slow enough to keep the bytes sent over SSH modest. The
    # once-a-second tick starts the refresh, and the tick's own changes (clock, time in
    # state) are drawn in the same frame as what the refresh found: one frame a second on
    # a quiet console, which keeps an SSH link's bytes low. A shorter interval (tests)
    # adds polls between ticks.
    POLL_INTERVAL = 1.0

    ctx: AppContext
    actor: str
    actor_info: Actor | None
    reader: BoardReader
    reader_figures: Any = None

    def _init_refresh(self, poll_interval: float | None) -> None:
        self.poll_interval = poll_interval if poll_interval is not None else self.POLL_INTERVAL
        self.loaded = False
        self.polls = 0
        # Waiters for the next applied refresh (the benchmark, tests): woken, not polled for.
        self._refresh_waiters: list[asyncio.Future[None]] = []
        self._polling = False
        self._poll_again = False
        self._stopping = False
        self._tick_due = False
        self._gc_thresholds: tuple[int, int, int] | None = None
        self._patch_failing = False  # said on screen once, until a refresh lands again

    # --- the tables the refresh patches -----------------------------------------------------

    @property
    def board(self) -> AgentBoard:
        return self.query_one("#board-table", AgentBoard)

    @property
    def flag_table(self) -> FlagTable:
        return self.query_one("#flags-table", FlagTable)

    def queue(self, view: str) -> QueueTable:
        return self.query_one(f"#{view}-table", QueueTable)

    def tables(self) -> list[LiveTable]:
        return [self.board, self.flag_table, *[self.queue(v) for v in QUEUE_TIERS]]

    def table_for(self, view: str) -> LiveTable | None:
        if view == "board":
            return self.board
        if view == "flags":
            return self.flag_table
        if view in QUEUE_TIERS:
            return self.queue(view)
        return None

    @property
    def active_view(self) -> str:
        from textual.widgets import TabbedContent

        return self.query_one("#views", TabbedContent).active

    def floor_now(self) -> Any:
        """The floor's clock (floorapp.figures.clock): the wall clock while the feed is live,
        its last event once quiet; time in state and call lengths run on it."""
        wall = self.ctx.clock.now()
        figures = self.reader_figures
        return wall if figures is None else figures.clock(wall).now

    # --- live refresh -------------------------------------------------------------------

    def second(self) -> None:
        """What the console does each second: refresh, and tick with the refresh's result
        in the same frame; tick alone if a refresh is stuck."""
        if self.poll_interval > 1.0:
            # Refreshing less often than the clock ticks (set by tests and the benchmark,
            # which drive refreshes themselves): the clock still ticks every second.
            self.tick()
            return
        if self._tick_due:  # the last refresh has not come back within a second
            self.tick()
        self._tick_due = True
        self._start_poll()

    def tick(self) -> None:
        """Once a second: the clock, time-in-state and deadlines of the rows on screen."""
        now = self.ctx.clock.now()
        try:
            header = self.query_one(FloorHeader)
        except NoMatches:  # closing
            return
        header.past_now = sum(1 for e in self.reader_escalations() if e.deadline <= now)
        header.flags_overdue, header.reminders_due = header_counts(self, now)
        header.tick(now)
        table = self.table_for(self.active_view)
        if table is not None:
            self.tick_table(table, now)

    def tick_table(self, table: LiveTable, now: Any) -> None:
        """``table``'s times at ``now`` (the wall clock): deadlines are for people and run
        on it; the board's durations run on the floor's clock."""
        table.tick(self.floor_now() if table is self.board else now)

    def reader_escalations(self) -> list[EscalationView]:
        return list(self.queue("all").model.values())

    def next_refresh(self) -> asyncio.Future[None]:
        """A future done when the next refresh has been applied to the screen."""
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._refresh_waiters.append(fut)
        return fut

    def poll_now(self) -> None:
        self._start_poll()

    def _start_poll(self) -> None:
        if self._stopping:
            return
        if self._polling:
            self._poll_again = True
            return
        self._polling = True
        self._poll_worker()

    @work(thread=True, group="poll", exit_on_error=False)
    def _poll_worker(self) -> None:
        try:
            if self.actor_info is None:
                self.actor_info = load_actor(self.ctx.engine, self.actor)
            delta = self.reader.poll(now=self.ctx.clock.now())
            if not self.loaded:  # the shift's pictures arrive with the floor's first frame
                read_header_series(self, delta.figures.clock(delta.figures.as_of).now)
        except Exception as exc:  # the database went away, a lock outlived the timeout...
            log.exception("refresh failed")
            self._safe_call(self._poll_failed, exc)
            return
        self._safe_call(self._apply_delta, delta)

    def _safe_call(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            self.call_from_thread(fn, *args)
        except RuntimeError:  # the app closed while the worker was reading
            pass

    def _poll_failed(self, exc: Exception) -> None:
        self.notify(
            _("Could not read the floor: {error}").format(error=exc),
            severity="error",
            markup=False,
            timeout=5,
        )
        self._polling = False
        self.set_timer(max(self.poll_interval, 2.0), self._start_poll)

    def _apply_delta(self, delta: BoardDelta) -> None:
        try:
            self._patch(delta)
        except NoMatches:  # the console is closing: its widgets are already gone
            self._polling = False
            return
        except Exception as exc:
            # Anything else is a bug in drawing: it must not stop the refresh for the rest
            # of the shift with nothing said. This delta is spent and may be half applied,
            # so the next poll reads the whole floor and draws it from scratch.
            self._patch_failed(exc)
            return
        self._patch_failing = False
        if delta.full:
            self._hold_for_the_shift()
        self.loaded = True
        self.polls += 1
        waiters, self._refresh_waiters = self._refresh_waiters, []
        for w in waiters:
            if not w.done():
                w.set_result(None)
        self._polling = False
        if self._poll_again:
            self._poll_again = False
            self._start_poll()
        elif self.poll_interval < 1.0:
            self.set_timer(self.poll_interval, self._start_poll)

    def _patch_failed(self, exc: Exception) -> None:
        line = record_failure("refresh", exc)
        log.error("applying a refresh failed: %s", line, exc_info=exc)
        self.reader.read_all_next()
        if not self._patch_failing:  # once, not every second while it keeps failing
            self._patch_failing = True
            notice(
                self,
                "refresh-failed",
                _("Could not draw the latest changes; reading the whole floor again.")
                + "\n"
                + line,
                severity="error",
                markup=False,
                timeout=10,
            )
        self._polling = False
        self._poll_again = False
        self.set_timer(min(self.poll_interval, 1.0), self._start_poll)

    def _patch(self, delta: BoardDelta) -> None:
        now = delta.figures.as_of
        self.reader_figures = delta.figures
        with self.batch_update():
            for t in self.tables():
                t.now = now
            self.board.now = self.floor_now()
            if delta.full or delta.agents:
                self.board.apply(delta.agents, full=delta.full)
            if delta.full or delta.flags or delta.flags_gone:
                self.flag_table.apply(delta.flags, delta.flags_gone, full=delta.full)
            if delta.full or delta.escalations or delta.escalations_gone:
                for view in QUEUE_TIERS:
                    self.queue(view).apply(
                        delta.escalations, delta.escalations_gone, full=delta.full
                    )
            self.query_one(FloorHeader).update_figures(delta.figures)
            if self._tick_due:
                self._tick_due = False
                self.tick()

    # --- the collector ----------------------------------------------------------------------

    def _hold_for_the_shift(self) -> None:
        """The floor's rows, cells and caches now live for the shift: take them out of the
        cyclic collector's walks. A full collection visited all of them, a stall of ~130 ms
        every dozen seconds on a 10,000-agent floor; refcounting still frees them."""
        gc.freeze()
        if self._gc_thresholds is None:
            self._gc_thresholds = gc.get_threshold()
            gc.set_threshold(GC_YOUNG, *self._gc_thresholds[1:])

    def _release_the_shift(self) -> None:
        """What this console held can be collected again (tests run many consoles)."""
        gc.unfreeze()
        if self._gc_thresholds is not None:
            gc.set_threshold(*self._gc_thresholds)
