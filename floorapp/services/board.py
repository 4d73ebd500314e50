"""The live read model behind the console: what changed on the floor since the last look.

A ``BoardReader`` is polled about once a second by the console's refresh worker (off the UI
thread). It reads only rows whose ``updated_at`` moved past its watermark, diffs them against
what it handed out before, and returns just the differences, so a tick on a quiet floor costs
a few index lookups whatever the size of the floor. One reader belongs to one worker: it is
not shared between threads.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection, Row, String, func, select, type_coerce
from sqlalchemy.sql import Select

from db.engine import read_tx
from db.models import (
    Agent,
    AgentNote,
    AgentState,
    Call,
    Escalation,
    EscalationStatus,
    Flag,
    FlagStatus,
    Team,
)
from db.types import UTCDateTime
from floorapp.context import AppContext
from floorapp.figures import day as fday
from floorapp.figures import store as fstore
from floorapp.figures.clock import FEED_QUIET_AFTER, FloorClock
from floorapp.figures.live import LiveFigures, LiveTally
from floorapp.figures.queue import QueueFigures, aware
from floorapp.figures.service_level import ServiceLevel
from floorapp.services import ServiceError, escalations, flags
from floorapp.services.escalations import EscalationView
from floorapp.services.flags import FlagView
from floorapp.services.scope import Scope, load_scope, refuse

# Agent rows are read by change number (db/changes.py): exactly the rows written since the
# last look, none twice. Flags and escalations are still read by time: a row committed by
# another process can carry an updated_at a little older than rows already seen (consoles
# stamp with the wall clock, rules with event time, and an action's time is taken before it
# waits for the write lock), so they are re-read this far behind the newest stamp seen and
# the diff drops what did not change; they change rarely, so this costs little.
OVERLAP = timedelta(seconds=10)
# A feed running behind (catching up after a restart, a slow log) stamps flags and
# escalations with event times older than that: every open one is read again at each
# recount (a few hundred rows), so such a flag shows within RECOUNT_EVERY, never not at all.
# Complaint markers can land on a call after the agent row last changed: recount everyone now
# and then so per-agent counts never stay wrong for long.
RECOUNT_EVERY = timedelta(seconds=15)
STATES = tuple(s.value for s in AgentState)
_ON_CALL = str(AgentState.ON_CALL.value)
_CALL = 6  # where the current call's id sits in a raw agent row (see _agent_select)


class AgentRow(NamedTuple):
    """One agent as the board shows it. A named tuple: a busy second at 10,000 agents builds
    and compares a thousand of these, and a tuple's are done in C (a frozen dataclass's
    ``__init__`` and ``__eq__`` were a quarter of the read)."""

    id: str
    name: str
    team_id: str
    team_name: str
    state: str
    state_reason: str | None
    state_since: datetime | None
    call_started: datetime | None
    calls_today: int  # calls completed today (finished, the one in progress not yet)
    complaints_today: int
    flag_severity: str | None  # the most severe open flag, or None
    flag_status: str | None


__all__ = ["FEED_QUIET_AFTER", "BoardDelta", "BoardReader", "FloorFigures"]


@dataclass(frozen=True)
class FloorFigures:
    """The header's figures: agents by state, flags and escalations held by the reader, and
    the day's queue figures from floorapp.figures (the one place they are computed)."""

    as_of: datetime  # the wall clock of the read
    by_state: dict[str, int]
    calls_waiting: int  # in a queue now (floorapp.figures.store.calls_waiting)
    longest_call_since: datetime | None
    longest_call_agent: str | None
    open_flags: int
    unhandled_flags: int
    open_escalations: int
    past_deadline: int
    queue: QueueFigures | None = None  # the centre's day so far
    guarantee: str | None = None
    last_event_at: datetime | None = None  # the newest feed event: a dead feed must not
    # pass for a quiet floor
    longest_wait_since: datetime | None = None

    def clock(self, wall: datetime) -> FloorClock:
        """The floor's clock at ``wall``: durations stop at the last event once it is quiet."""
        return FloorClock(wall, self.last_event_at)

    @property
    def abandoned(self) -> int:
        return 0 if self.queue is None else self.queue.abandoned

    @property
    def service_level(self) -> ServiceLevel | None:
        return None if self.queue is None else self.queue.service_level


@dataclass(frozen=True)
class BoardDelta:
    agents: tuple[AgentRow, ...]
    flags: tuple[FlagView, ...]
    flags_gone: tuple[int, ...]
    escalations: tuple[EscalationView, ...]
    escalations_gone: tuple[int, ...]
    figures: FloorFigures
    full: bool = False  # first load or a new day: the view should rebuild

    @property
    def empty(self) -> bool:
        return not (self.agents or self.flags or self.flags_gone or self.escalations
                    or self.escalations_gone)


# Past this many changed flags the full view is read by the whole query, not an IN list.
_IN_LIMIT = 500


def _raw_rows(conn: Connection, q: Select) -> list[tuple]:  # type: ignore[type-arg]
    """All rows of ``q`` as plain tuples.

    When no selected column converts its values (true of the agent read: strings and raw
    times), the driver's own tuples are taken as they are: making a Row of each and copying
    it to a tuple was ~1 ms of a 10,000-agent tick, for a thousand or two rows that are
    mostly compared and dropped.
    """
    result = conn.execute(q)
    dialect = conn.dialect
    if all(c.type.dialect_impl(dialect).result_processor(dialect, None) is None
           for c in q.selected_columns):
        with result:
            rows = result.cursor.fetchall()
        if not rows or type(rows[0]) is tuple:
            return rows  # type: ignore[no-any-return]
        return list(map(tuple, rows))
    return list(map(tuple, result.all()))


def day_start(ctx: AppContext, now: datetime) -> datetime:
    """The start of the centre's day (floorapp.figures.day) that contains ``now``."""
    return fday.day_bounds(ctx.settings, now)[0]


@dataclass
class _Watermarks:
    agent: int | None = None  # the last agent change number read
    flag: datetime | None = None
    escalation: datetime | None = None


@dataclass
class BoardReader:
    ctx: AppContext
    actor: str
    team: str | None = None
    agents: dict[str, AgentRow] = field(default_factory=dict)
    open_flags: dict[int, FlagView] = field(default_factory=dict)
    open_escalations: dict[int, EscalationView] = field(default_factory=dict)
    _wm: _Watermarks = field(default_factory=_Watermarks)
    _day: datetime | None = None
    _last_recount: datetime | None = None
    _agent_raw: dict[str, tuple] = field(default_factory=dict)  # type: ignore[type-arg]
    _teams: dict[str, str] = field(default_factory=dict)  # team id -> name
    _call_answered: dict[str, datetime] = field(default_factory=dict)  # call id -> answered
    _flag_raw: dict[int, tuple] = field(default_factory=dict)  # type: ignore[type-arg]
    _esc_raw: dict[int, tuple] = field(default_factory=dict)  # type: ignore[type-arg]
    _counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    _by_state: Counter[str] = field(default_factory=Counter)
    _on_call: dict[str, datetime] = field(default_factory=dict)
    _longest: str | None = None  # min of _on_call, while not _longest_stale
    _longest_stale: bool = True
    _sl_upto: datetime | None = None
    _sl_full_at: datetime | None = None
    _period_at: datetime | None = None
    _period_text: str | None = None
    _live: LiveTally | None = None
    _scope_cache: Scope | None = None

    @property
    def _scope(self) -> Scope:
        # Loaded once: a console's supervisor and their teams do not change under it.
        if self._scope_cache is None:
            self._scope_cache = load_scope(self.ctx.engine, self.actor)
        return self._scope_cache

    def poll(self) -> BoardDelta:
        now = self.ctx.clock.now()
        if self._live is None:
            self._live = LiveTally(self.ctx.settings)
        with read_tx(self.ctx.engine) as conn:
            # The day is the centre's day on the floor's clock: a log read after its day
            # shows that day's figures, not an empty today.
            live = self._live.poll(conn, now)
            start = live.day_start
            full = self._day != start
            if full:
                self._reset(start)
            recount = (full or self._last_recount is None
                       or now - self._last_recount >= RECOUNT_EVERY)
            flag_changed, flag_gone, touched = self._poll_flags(conn, full, recount)
            esc_changed, esc_gone = self._poll_escalations(conn, full, recount)
            agents = self._poll_agents(conn, full, touched, recount, start)
            if recount:
                self._last_recount = now
            figures = self._figures(now, live)
        return BoardDelta(tuple(agents), tuple(flag_changed), tuple(flag_gone),
                          tuple(esc_changed), tuple(esc_gone), figures, full)

    # --- internals ---------------------------------------------------------------------

    def _reset(self, start: datetime) -> None:
        self._day = start
        self._wm = _Watermarks()
        self.agents.clear()
        self.open_flags.clear()
        self.open_escalations.clear()
        self._agent_raw.clear()
        self._call_answered.clear()
        self._by_state.clear()
        self._on_call.clear()
        self._longest_stale = True
        self._flag_raw.clear()
        self._esc_raw.clear()
        self._counts.clear()

    @staticmethod
    def _since(q: Select, col: object, wm: datetime | None) -> Select:  # type: ignore[type-arg]
        return q if wm is None else q.where(col >= wm - OVERLAP)  # type: ignore[operator]

    def _poll_flags(self, conn: Connection, full: bool, sweep: bool
                    ) -> tuple[list[FlagView], list[int], set[str]]:
        """Flags changed since the last look. With ``sweep``, every open flag is read again
        (see RECOUNT_EVERY) and held ones no longer open are gone."""
        q = flags.flag_query()
        if full or sweep:
            q = q.where(Flag.status.in_(flags.OPEN_STATUSES))
        else:
            q = self._since(q, Flag.updated_at, self._wm.flag)
        q = q.where(self._scope.team_clause(Agent.team_id))
        if self.team is not None:
            q = q.where(Agent.team_id == self.team)
        changed: list[FlagView] = []
        gone: list[int] = []
        touched: set[str] = set()
        still_open: set[int] = set()
        for row in self._changed_flag_rows(conn, q, full or sweep, still_open):
            view = flags.to_view(row)
            if view.updated_at is not None and (self._wm.flag is None
                                                or view.updated_at > self._wm.flag):
                self._wm.flag = view.updated_at
            old = self.open_flags.get(view.id)
            if not view.is_open:
                if old is not None:
                    del self.open_flags[view.id]
                    gone.append(view.id)
                    touched.add(view.agent_id)
            elif old != view:
                self.open_flags[view.id] = view
                changed.append(view)
                touched.add(view.agent_id)
        if sweep and not full:
            for fid in [f for f in self.open_flags if f not in still_open]:
                touched.add(self.open_flags.pop(fid).agent_id)
                gone.append(fid)
        if full and self._wm.flag is None:
            self._wm.flag = self._latest(conn, Flag.updated_at)
        return changed, gone, touched

    def _changed_flag_rows(self, conn: Connection, q: Select, open_only: bool,  # type: ignore[type-arg]
                           ids_read: set[int]) -> list[Row]:  # type: ignore[type-arg]
        """Rows of the flag query ``q`` that differ from what was last seen of them; the id
        of every row read goes into ``ids_read``."""
        seen = self._flag_raw
        if not self._scope.all_teams or self.team is not None:
            # Scoped by the agent's team: the comparison needs the join.
            out = []
            for row in conn.execute(q):
                raw = tuple(row)
                ids_read.add(raw[0])
                if seen.get(raw[0]) != raw:  # else re-read in the overlap, unchanged
                    seen[raw[0]] = raw
                    out.append(row)
            return out
        # The overlap re-reads every flag near the watermark each second. Compared on the flag
        # row alone, raw (no join to its agent, no time conversion); the full view is read
        # only for the few that changed. 10,000 agents, 200 flags: ~2.5 -> ~1 ms a tick.
        table = Flag.__table__
        base = select(*[type_coerce(c, String) if isinstance(c.type, UTCDateTime) else c
                        for c in table.c])  # type: ignore[attr-defined]
        if open_only:
            base = base.where(Flag.status.in_(flags.OPEN_STATUSES))
        else:
            base = self._since(base, Flag.updated_at, self._wm.flag)
        ids = []
        for raw in _raw_rows(conn, base):
            ids_read.add(raw[0])
            if seen.get(raw[0]) != raw:
                seen[raw[0]] = raw
                ids.append(raw[0])
        if not ids:
            return []
        if len(ids) > _IN_LIMIT:
            wanted = set(ids)
            return [row for row in conn.execute(q) if row[0] in wanted]
        return list(conn.execute(q.where(Flag.id.in_(ids))))

    def _poll_escalations(self, conn: Connection, full: bool, sweep: bool
                          ) -> tuple[list[EscalationView], list[int]]:
        """Escalations changed since the last look; ``sweep`` as for flags."""
        q = escalations.escalation_query()
        if full or sweep:
            q = q.where(Escalation.status != EscalationStatus.RESOLVED)
        else:
            q = self._since(q, Escalation.updated_at, self._wm.escalation)
        q = q.where(self._scope.team_clause(Escalation.team_id))
        if self.team is not None:
            q = q.where(Escalation.team_id == self.team)
        changed: list[EscalationView] = []
        gone: list[int] = []
        seen = self._esc_raw
        still_open: set[int] = set()
        for row in conn.execute(q):
            raw = tuple(row)
            still_open.add(raw[0])
            if seen.get(raw[0]) == raw:
                continue
            seen[raw[0]] = raw
            view = escalations.to_view(row)
            if view.updated_at is not None and (self._wm.escalation is None
                                                or view.updated_at > self._wm.escalation):
                self._wm.escalation = view.updated_at
            old = self.open_escalations.get(view.id)
            if not view.is_open:
                if old is not None:
                    del self.open_escalations[view.id]
                    gone.append(view.id)
            elif old != view:
                self.open_escalations[view.id] = view
                changed.append(view)
        if sweep and not full:
            for eid in [e for e in self.open_escalations if e not in still_open]:
                del self.open_escalations[eid]
                gone.append(eid)
        if full and self._wm.escalation is None:
            self._wm.escalation = self._latest(conn, Escalation.updated_at)
        return changed, gone

    @staticmethod
    def _latest(conn: Connection, col: object) -> Any:
        return conn.execute(select(func.max(col))).scalar()  # type: ignore[arg-type]

    def _agent_select(self, scoped: bool = True) -> Select:  # type: ignore[type-arg]
        # The agent row alone, no joins: team names are held (a few hundred, read when one
        # is new) and a call's answer time is looked up only for agents who changed onto a
        # call. Times come back raw and are converted only for rows that changed: the type
        # decorator's per-value cost dominated a tick when a thousand agents moved.
        # Not updated_at: rows are read by change number (seq, last), and a new stamp alone
        # changes nothing the board shows.
        q = select(Agent.id, Agent.name, Agent.team_id, Agent.state, Agent.state_reason,
                   type_coerce(Agent.state_since, String), Agent.current_call_id, Agent.seq)
        if not scoped:
            return q
        q = q.where(self._scope.team_clause(Agent.team_id))
        if self.team is not None:
            q = q.where(Agent.team_id == self.team)
        return q

    def _reload_teams(self, conn: Connection) -> bool:
        """Read every team's name again (a team is new, or it is time to notice renames);
        True if a held name changed."""
        names = self._teams
        fresh = {tid: name for tid, name in conn.execute(select(Team.id, Team.name))}
        changed = any(names.get(t) != n for t, n in fresh.items() if t in names)
        self._teams = fresh
        return changed

    def _answered(self, conn: Connection, call_ids: list[str]) -> None:
        """Answer times of these calls, into the held ones (a call is answered once)."""
        held = self._call_answered
        for i in range(0, len(call_ids), _IN_LIMIT):
            chunk = call_ids[i:i + _IN_LIMIT]
            for cid, at in conn.execute(
                    select(Call.id, type_coerce(Call.answered_at, String))
                    .where(Call.id.in_(chunk))):
                if at is not None:
                    held[cid] = aware(at)  # type: ignore[assignment]

    def _count_calls(self, conn: Connection, start: datetime, ids: Iterable[str] | None
                     ) -> dict[str, tuple[int, int]]:
        return fstore.completed_by_agent(conn, start, ids)

    def _poll_agents(self, conn: Connection, full: bool, touched: set[str], recount: bool,
                     start: datetime) -> list[AgentRow]:
        # The last change number first, then the rows up to it: on PostgreSQL each statement
        # sees its own snapshot, and every change numbered up to one that is visible has
        # been committed (db/changes.py), so none is skipped and none read twice. Bounded
        # by the whole floor's last change, not this console's teams': a quiet team's console
        # on a busy floor does not walk every change since its own last one.
        last = self._latest(conn, Agent.seq)
        q = self._agent_select()
        if not full and self._wm.agent is not None:
            q = q.where(Agent.seq > self._wm.agent)
            if last is not None:
                q = q.where(Agent.seq <= last)
        # Plain tuples, fetched at once: a Row's attribute access and a fetch per row were
        # most of a busy tick's read.
        raw = self._agent_raw
        rows: dict[str, tuple] = {}  # type: ignore[type-arg]
        new_call: list[str] = []
        unanswered: list[str] = []
        team_missing = self._take(_raw_rows(conn, q), rows, new_call, unanswered)
        missing = [a for a in touched if a not in rows]
        if missing:  # their flags changed: rebuilt even if the agent row did not change
            team_missing = self._take(_raw_rows(conn, self._agent_select().where(
                Agent.id.in_(missing))), rows, new_call, unanswered) or team_missing
        if last is not None:
            self._wm.agent = last
        renamed = self._reload_teams(conn) if team_missing or recount else False
        answered = self._call_answered
        if unanswered:
            self._answered(conn, unanswered)
        check: dict[str, tuple] = rows  # type: ignore[type-arg]
        if recount:
            counts = self._count_calls(conn, start, None)
            old_counts = self._counts
            self._counts = counts
            # Only agents whose counts moved need a new row: comparing counts is cheap,
            # rebuilding and comparing ten thousand rows every recount was not.
            moved = {a for a in old_counts.keys() | counts.keys()
                     if old_counts.get(a) != counts.get(a)}
            check = {a: raw[a] for a in moved if a in raw} | rows
            # Held answer times of calls no agent is on any more are let go.
            live = {t[_CALL] for t in raw.values() if t[_CALL] is not None}
            self._call_answered = answered = {
                c: at for c, at in answered.items() if c in live}
        elif new_call:
            self._counts.update(
                {a: (0, 0) for a in new_call} | self._count_calls(conn, start, new_call))
        if renamed:
            check = raw
        # Agents whose flags changed are in ``rows`` already (read above if not changed).
        return self._rows_of(check, answered)

    def _take(self, fetched: list[tuple], rows: dict[str, tuple],  # type: ignore[type-arg]
              new_call: list[str], unanswered: list[str]) -> bool:
        """Hold the fetched agent rows and put them in ``rows``; note who started a call
        (their counts change) and calls whose answer time is not held. True if a row names
        a team whose name is not held."""
        raw = self._agent_raw
        get = raw.get
        teams = self._teams
        answered = self._call_answered
        on_call = _ON_CALL
        team_missing = False
        for t in fetched:
            aid = t[0]
            prev = get(aid)
            rows[aid] = t
            raw[aid] = t
            if t[2] not in teams:
                team_missing = True
            call = t[_CALL]
            # Calls completed change when a call ends (the agent's call changes); complaints
            # marked later are caught by the periodic recount. Recounting only these keeps
            # a busy tick cheap.
            if prev is None or prev[_CALL] != call:
                new_call.append(aid)
            if call is not None and t[3] == on_call and call not in answered:
                unanswered.append(call)
        return team_missing

    def _rows_of(self, check: dict[str, tuple], answered: dict[str, datetime]  # type: ignore[type-arg]
                 ) -> list[AgentRow]:
        """New board rows for the agents in ``check`` (id -> raw row) that differ from the
        held ones; keeps the header's per-state counts and calls in progress with them.

        One loop with everything bound locally: a busy second at 10,000 agents runs it a
        thousand times, and calls per agent (building a row, counting its state) were most
        of the cost.
        """
        markers = self._flag_markers(set(check))
        out: list[AgentRow] = []
        agents, counts, teams = self.agents, self._counts, self._teams
        by_state, calls_on = self._by_state, self._on_call
        longest, stale = self._longest, self._longest_stale
        on_call, fromiso, new, zero, no_flag = _ON_CALL, datetime.fromisoformat, \
            tuple.__new__, (0, 0), (None, None)
        for aid, t in check.items():
            _, name, team_id, state, reason, since, call, _seq = t
            if since.__class__ is str:
                try:
                    since = fromiso(since + "+00:00")
                except ValueError:
                    since = aware(since)
            elif since is not None:
                since = aware(since)
            n_calls, n_complaints = counts.get(aid, zero)
            started = ((answered.get(call) if call is not None else None) or since) \
                if state == on_call else None
            flag_severity, flag_status = markers.get(aid, no_flag)
            row: AgentRow = new(AgentRow, (  # type: ignore[call-overload]
                aid, name, team_id, teams.get(team_id, team_id), state, reason, since,
                started, n_calls, n_complaints, flag_severity, flag_status))
            old = agents.get(aid)
            if old == row:
                continue
            agents[aid] = row
            out.append(row)
            if old is not None:
                by_state[old.state] -= 1
            by_state[state] += 1
            # The longest call is looked for again only when it may have changed: its
            # holder changed, or a call at least as old came in (a scan per tick was a
            # cost per agent).
            if aid == longest:
                stale = True
            if started is not None:
                calls_on[aid] = started
                if not stale and (longest is None or started <= calls_on[longest]):
                    stale = True
            elif calls_on:
                calls_on.pop(aid, None)
        self._longest_stale = stale
        return out

    def _flag_markers(self, only: set[str] | None) -> dict[str, tuple[str, str]]:
        """Most severe open flag per agent (severity, status), from the flags already held."""
        best: dict[str, tuple[int, str, str]] = {}
        for f in self.open_flags.values():
            if only is not None and f.agent_id not in only:
                continue
            rank = flags.SEVERITY_RANK.get(f.severity, 0)  # type: ignore[call-overload]
            cur = best.get(f.agent_id)
            if cur is None or rank > cur[0]:
                best[f.agent_id] = (rank, f.severity, f.status)
        return {a: (sev, st) for a, (_, sev, st) in best.items()}

    def _figures(self, now: datetime, live: LiveFigures) -> FloorFigures:
        by_state = self._by_state
        longest: AgentRow | None = None
        if self._longest_stale:
            on_call = self._on_call
            self._longest = min(on_call, key=on_call.__getitem__) if on_call else None
            self._longest_stale = False
        if self._longest is not None:
            longest = self.agents[self._longest]
        unhandled = sum(1 for f in self.open_flags.values() if f.status == FlagStatus.RAISED)
        past = sum(1 for e in self.open_escalations.values() if e.deadline <= now)
        return FloorFigures(
            as_of=now, by_state={s: by_state.get(s, 0) for s in STATES},
            calls_waiting=live.waiting_now,
            longest_call_since=longest.call_started if longest else None,
            longest_call_agent=longest.name if longest else None,
            open_flags=len(self.open_flags), unhandled_flags=unhandled,
            open_escalations=len(self.open_escalations), past_deadline=past,
            queue=live.queue, guarantee=self._guarantee(now),
            last_event_at=live.clock.last_event_at,
            longest_wait_since=live.longest_wait_since,
        )

    def _guarantee(self, now: datetime) -> str | None:
        """The guarantee period running now, with days left (read once a minute: plans are
        stored rarely)."""
        if self._period_at is not None and now - self._period_at < timedelta(minutes=1):
            return self._period_text
        self._period_at = now
        try:
            from floorapp.services.periods import active_period

            info = active_period(self.ctx.engine, now)
        except Exception:  # no plan stored, or the plan tables are not there yet
            info = None
        if info is None:
            self._period_text = None
        else:
            left = "last day" if info.days_left == 0 else f"{info.days_left} days left"
            self._period_text = f"{info.name}: {left}"
        return self._period_text


# --- agent detail --------------------------------------------------------------------


@dataclass(frozen=True)
class CallView:
    id: str
    queue: str | None
    customer_id: str | None
    offered_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    outcome: str
    talk_seconds: int | None
    satisfaction: int | None
    complaint: bool


@dataclass(frozen=True)
class NoteView:
    at: datetime
    author: str
    text: str


@dataclass(frozen=True)
class AgentDetail:
    agent: AgentRow
    calls: tuple[CallView, ...]
    flags: tuple[FlagView, ...]
    escalations: tuple[EscalationView, ...]
    notes: tuple[NoteView, ...]


def agent_detail(ctx: AppContext, actor: str, agent_id: str) -> AgentDetail:
    """Everything about one agent today: calls, flags, escalations, notes."""
    now = ctx.clock.now()
    start = day_start(ctx, now)
    reader = BoardReader(ctx, actor)
    with read_tx(ctx.engine) as conn:
        # Read whatever the team: an agent outside the supervisor's teams is refused (and the
        # refusal audited) below, not passed off as unknown.
        raw = conn.execute(reader._agent_select(scoped=False)
                           .where(Agent.id == agent_id)).first()
        if raw is None:
            raise ServiceError(f"no agent {agent_id!r} on this floor")
        team = raw[2]
        reader._teams = {team: conn.execute(
            select(Team.name).where(Team.id == team)).scalar() or team}
        call, answered = raw[_CALL], {}
        if call is not None:
            at = conn.execute(select(Call.answered_at).where(Call.id == call)).scalar()
            if at is not None:
                answered[call] = at
    if not reader._scope.allows_team(team):
        raise refuse(ctx.engine, now=now, actor=actor, action="agent.detail",
                     target_kind="agent", target_id=agent_id, team=team)
    with read_tx(ctx.engine) as conn:
        reader._counts = reader._count_calls(conn, start, [agent_id])
        calls = tuple(CallView(**r._mapping) for r in conn.execute(
            select(Call.id, Call.queue, Call.customer_id, Call.offered_at, Call.answered_at,
                   Call.ended_at, Call.outcome, Call.talk_seconds, Call.satisfaction,
                   Call.complaint)
            .where(Call.agent_id == agent_id, Call.offered_at >= start)
            .order_by(Call.offered_at.desc())
        ))
        notes = tuple(NoteView(**r._mapping) for r in conn.execute(
            select(AgentNote.at, AgentNote.author, AgentNote.text)
            .where(AgentNote.agent_id == agent_id).order_by(AgentNote.at.desc()).limit(50)
        ))
    agent_flags = tuple(flags.flags_for_agent(ctx, actor, agent_id, since=start))
    reader.open_flags = {f.id: f for f in agent_flags if f.is_open}
    [row] = reader._rows_of({agent_id: tuple(raw)}, answered)
    escs = tuple(escalations.escalations_for_agent(ctx, actor, agent_id, since=start))
    return AgentDetail(row, calls, agent_flags, escs, notes)
