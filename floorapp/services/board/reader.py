"""The live read model behind the console: what changed on the floor since the last look.

A ``BoardReader`` is polled about once a second by the console's refresh worker (off the UI
thread). It reads only what changed (agents by change number, flags and escalations by
``updated_at``, the day's calls by feed event), diffs it against what it handed out
before, and returns just the differences. Every figure it shows is kept as things change,
never recounted, so a tick costs what changed, not the size of the floor or the length of
the day. One reader belongs to one worker: it is not shared between threads.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from db.engine import read_tx
from floorapp.config import Settings
from floorapp.figures.live import LiveFigures, LiveTally
from floorapp.services.board.agents import AgentTable
from floorapp.services.board.open_items import OpenEscalations, OpenFlags
from floorapp.services.board.views import STATES, AgentRow, BoardDelta, FloorFigures
from floorapp.services.flags import FlagView
from floorapp.services.scope import load_scope
from floorapp.services.triage import ack_deadline

if TYPE_CHECKING:  # the plan services load on first use, not with the board
    from floorapp.services.periods import PeriodInfo

log = logging.getLogger(__name__)

# A feed running behind stamps flags and escalations with event times older than the
# watermarks' overlap: every SWEEP_EVERY the open ones are checked against the database
# (by a checksum it computes) and read again only if they differ. Team names are read
# again as often, to notice renames.
SWEEP_EVERY = timedelta(seconds=15)
# Plans are stored rarely: the guarantee period running now is read once a minute.
PERIOD_EVERY = timedelta(minutes=1)


class BoardReader:
    def __init__(
        self, engine: Engine, *, settings: Settings, actor: str, team: str | None = None
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.actor = actor
        self.team = team
        self._parts: tuple[AgentTable, OpenFlags, OpenEscalations] | None = None
        self._live = LiveTally(settings)
        self._day: datetime | None = None
        self._last_sweep: datetime | None = None
        self._period_at: datetime | None = None
        self._period: PeriodInfo | None = None
        # Full reads asked for (by the console's thread) and done (by the poll's): two
        # counters, each written by one thread only, so an ask is never lost to a poll
        # running at the same moment.
        self._full_asked = 0
        self._full_done = 0

    def _held(self) -> tuple[AgentTable, OpenFlags, OpenEscalations]:
        # Made on the first poll, in the worker: the supervisor's scope is read from the
        # store once (their teams do not change under a console), not on the UI thread.
        if self._parts is None:
            scope = load_scope(self.engine, self.actor)
            settings = self.settings

            def ack_due(f: FlagView) -> datetime:
                # As triage.is_overdue: sent up by hand or not, overdue only past its deadline.
                return f.raised_at + ack_deadline(settings, f.severity)

            self._parts = (
                AgentTable(scope, self.team),
                OpenFlags(scope, self.team, ack_due),
                OpenEscalations(scope, self.team),
            )
        return self._parts

    @property
    def agents(self) -> dict[str, AgentRow]:
        """The board rows held, by agent id."""
        return {} if self._parts is None else self._parts[0].rows

    def read_all_next(self) -> None:
        """Make the next poll read the whole floor again, as the first did (its delta has
        ``full`` set): for a caller that lost a delta, or whose held rows were worded in
        another language."""
        self._full_asked += 1

    def poll(self, *, now: datetime) -> BoardDelta:
        """What changed since the last poll, as the floor stands at ``now``."""
        agents, flags, escalations = self._held()
        asked = self._full_asked
        with read_tx(self.engine) as conn:
            # The day is the centre's day on the floor's clock: a log read after its day
            # shows that day's figures, not an empty today.
            live = self._live.poll(conn, now)
            full = self._day != live.day_start or asked != self._full_done
            if full:
                agents.reset()
                flags.reset()
                escalations.reset()
            sweep = full or self._last_sweep is None or now - self._last_sweep >= SWEEP_EVERY
            flag_changed, flag_gone, touched = flags.poll(conn, full, sweep)
            esc_changed, esc_gone, _ = escalations.poll(conn, full, sweep)
            changed = agents.poll(
                conn, full, touched | self._live.moved, sweep, self._live.by_agent, flags.marker
            )
            if sweep:
                self._last_sweep = now
            figures = self._figures(now, live)
        # Only once read: a poll that failed leaves a new day or an ask standing.
        self._day = live.day_start
        self._full_done = asked
        return BoardDelta(
            tuple(changed),
            tuple(flag_changed),
            tuple(flag_gone),
            tuple(esc_changed),
            tuple(esc_gone),
            figures,
            full,
        )

    def _figures(self, now: datetime, live: LiveFigures) -> FloorFigures:
        agents, flags, escalations = self._held()
        by_state = agents.by_state
        longest = agents.longest()
        return FloorFigures(
            as_of=now,
            by_state={s: by_state.get(s, 0) for s in STATES},
            calls_waiting=live.waiting_now,
            longest_call_since=longest.call_started if longest else None,
            longest_call_agent=longest.name if longest else None,
            open_flags=len(flags.views),
            unhandled_flags=flags.unhandled,
            ack_due=flags.ack_due(),
            open_escalations=len(escalations.views),
            past_deadline=escalations.past_deadline(now),
            queue=live.queue,
            guarantee=self._guarantee(now),
            last_event_at=live.clock.last_event_at,
            longest_wait_since=live.longest_wait_since,
        )

    def _guarantee(self, now: datetime) -> PeriodInfo | None:
        """The guarantee period running now, with days left (worded by the reader)."""
        if self._period_at is not None and now - self._period_at < PERIOD_EVERY:
            return self._period
        self._period_at = now
        from floorapp.services.periods import active_period

        try:
            info = active_period(self.engine, now=now)
        except (SQLAlchemyError, ValueError):
            # Plan tables not there yet, or a stored plan this release cannot read: the
            # header's period line is not worth a console. Said in the log, shown as no
            # period, tried again in a minute.
            log.warning("guarantee period not read", exc_info=True)
            info = None
        self._period = info
        return info
