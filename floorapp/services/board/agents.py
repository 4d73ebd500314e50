"""The agents one console shows: read by change number, held as compact tuples, turned into
board rows only when something the row shows moved.

Agent rows are read by change number (db/changes.py): exactly the rows written since the
last look, none twice. Per agent the table holds the raw row as the driver gave it (a plain
tuple) and the board row built from it; calls completed and complaints come from the day's
running figures (floorapp.figures.live), flag markers from the open flags held: neither is
ever recounted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, String, func, select, type_coerce
from sqlalchemy.sql import Select

from db.models import Agent, AgentState, Call, Team
from floorapp.figures.queue import aware
from floorapp.services.board.views import AgentRow, raw_rows
from floorapp.services.scope import Scope

ON_CALL = str(AgentState.ON_CALL.value)
CALL = 6  # where the current call's id sits in a raw agent row (see agent_select)
_IN_LIMIT = 500

Raw = tuple[Any, ...]
Marker = tuple[str, str]  # the most severe open flag: (severity, status)


def agent_select(scope: Scope | None = None, team: str | None = None) -> Select[*tuple[Any, ...]]:
    """The agent row alone, no joins: team names are held (a few hundred, read when one is
    new) and a call's answer time is looked up only for agents who changed onto a call.
    Times come back raw and are converted only for rows that changed: the type decorator's
    per-value cost dominated a tick when a thousand agents moved. Not updated_at: rows are
    read by change number (seq, last), and a new stamp alone changes nothing the board
    shows."""
    q = select(
        Agent.id,
        Agent.name,
        Agent.team_id,
        Agent.state,
        Agent.state_reason,
        type_coerce(Agent.state_since, String),
        Agent.current_call_id,
        Agent.seq,
    )
    if scope is not None:
        q = q.where(scope.team_clause(Agent.team_id))
    if team is not None:
        q = q.where(Agent.team_id == team)
    return q


def build_rows(
    check: Mapping[str, Raw],
    teams: Mapping[str, str],
    counts: Mapping[str, tuple[int, int]],
    answered: Mapping[str, datetime],
    marker: Callable[[str], Marker | None],
) -> Iterator[AgentRow]:
    """The board rows of the raw agent rows in ``check`` (id -> raw row). The one place a
    board row is made, for the board and the agent detail alike; one loop with everything
    bound locally, since a busy second at 10,000 agents runs it a thousand times."""
    on_call, fromiso, new, zero, no_flag = (
        ON_CALL,
        datetime.fromisoformat,
        tuple.__new__,
        (0, 0),
        (None, None),
    )
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
        started = (
            ((answered.get(call) if call is not None else None) or since)
            if state == on_call
            else None
        )
        flag_severity, flag_status = marker(aid) or no_flag
        yield new(
            AgentRow,
            (
                aid,
                name,
                team_id,
                teams.get(team_id, team_id),
                state,
                reason,
                since,
                started,
                n_calls,
                n_complaints,
                flag_severity,
                flag_status,
            ),
        )


class AgentTable:
    """The agents of one console, their board rows, and the header's per-state counts and
    longest call, kept with them."""

    def __init__(self, scope: Scope, team: str | None) -> None:
        self._scope = scope
        self._team = team
        self.rows: dict[str, AgentRow] = {}
        self.raw: dict[str, Raw] = {}
        self.teams: dict[str, str] = {}  # team id -> name
        self.answered: dict[str, datetime] = {}  # call id -> answered, calls agents are on
        self.by_state: Counter[str] = Counter()
        self._wm: int | None = None  # the last agent change number read
        self._on_call: dict[str, datetime] = {}
        self._longest: str | None = None  # min of _on_call, while not _longest_stale
        self._longest_stale = True

    def reset(self) -> None:
        self._wm = None
        self.rows.clear()
        self.raw.clear()
        self.answered.clear()
        self.by_state.clear()
        self._on_call.clear()
        self._longest_stale = True

    def poll(
        self,
        conn: Connection,
        full: bool,
        also: set[str],
        recount: bool,
        counts: Mapping[str, tuple[int, int]],
        marker: Callable[[str], Marker | None],
    ) -> list[AgentRow]:
        """Rows that changed: agents written since the last look, and those in ``also``
        (their flags or counts moved), rebuilt even if their own row did not change."""
        # The last change number first, then the rows up to it: on PostgreSQL each statement
        # sees its own snapshot, and every change numbered up to one that is visible has
        # been committed (db/changes.py), so none is skipped and none read twice. Bounded
        # by the whole floor's last change, not this console's teams': a quiet team's console
        # on a busy floor does not walk every change since its own last one.
        last = conn.execute(select(func.max(Agent.seq))).scalar()
        q = agent_select(self._scope, self._team)
        if not full and self._wm is not None:
            q = q.where(Agent.seq > self._wm)
            if last is not None:
                q = q.where(Agent.seq <= last)
        rows: dict[str, Raw] = {}
        unanswered: list[str] = []
        team_missing = self._take(raw_rows(conn, q), rows, unanswered)
        raw = self.raw
        missing = [a for a in also if a not in rows and a in raw]
        rows.update({a: raw[a] for a in missing})
        if last is not None:
            self._wm = last
        renamed = self._reload_teams(conn) if team_missing or recount else False
        if unanswered:
            self._read_answered(conn, unanswered)
        if recount:
            # Held answer times of calls no agent is on any more are let go.
            live = {t[CALL] for t in raw.values() if t[CALL] is not None}
            self.answered = {c: at for c, at in self.answered.items() if c in live}
        return self._apply(raw if renamed else rows, counts, marker)

    def longest(self) -> AgentRow | None:
        """The agent on the longest call now."""
        if self._longest_stale:
            on_call = self._on_call
            self._longest = min(on_call, key=on_call.__getitem__) if on_call else None
            self._longest_stale = False
        return None if self._longest is None else self.rows[self._longest]

    def _reload_teams(self, conn: Connection) -> bool:
        """Read every team's name again (a team is new, or it is time to notice renames);
        True if a held name changed."""
        names = self.teams
        fresh = {tid: name for tid, name in conn.execute(select(Team.id, Team.name))}
        changed = any(names.get(t) != n for t, n in fresh.items() if t in names)
        self.teams = fresh
        return changed

    def _read_answered(self, conn: Connection, call_ids: list[str]) -> None:
        """Answer times of these calls, into the held ones (a call is answered once)."""
        held = self.answered
        for i in range(0, len(call_ids), _IN_LIMIT):
            chunk = call_ids[i : i + _IN_LIMIT]
            for cid, at in conn.execute(
                select(Call.id, type_coerce(Call.answered_at, String)).where(Call.id.in_(chunk))
            ):
                if at is not None:
                    held[cid] = aware(at)

    def _take(self, fetched: list[Raw], rows: dict[str, Raw], unanswered: list[str]) -> bool:
        """Hold the fetched agent rows and put them in ``rows``; note calls whose answer time
        is not held. True if a row names a team whose name is not held."""
        raw, teams, answered, on_call = self.raw, self.teams, self.answered, ON_CALL
        team_missing = False
        for t in fetched:
            aid = t[0]
            rows[aid] = t
            raw[aid] = t
            if t[2] not in teams:
                team_missing = True
            call = t[CALL]
            if call is not None and t[3] == on_call and call not in answered:
                unanswered.append(call)
        return team_missing

    def _apply(
        self,
        check: Mapping[str, Raw],
        counts: Mapping[str, tuple[int, int]],
        marker: Callable[[str], Marker | None],
    ) -> list[AgentRow]:
        """New board rows for the agents in ``check`` that differ from the held ones; keeps
        the per-state counts and calls in progress with them."""
        out: list[AgentRow] = []
        rows, by_state, calls_on = self.rows, self.by_state, self._on_call
        longest, stale = self._longest, self._longest_stale
        for row in build_rows(check, self.teams, counts, self.answered, marker):
            aid = row[0]
            old = rows.get(aid)
            if old == row:
                continue
            rows[aid] = row
            out.append(row)
            if old is not None:
                by_state[old[4]] -= 1
            by_state[row[4]] += 1
            # The longest call is looked for again only when it may have changed: its
            # holder changed, or a call at least as old came in (a scan per tick was a
            # cost per agent).
            if aid == longest:
                stale = True
            started = row[7]
            if started is not None:
                calls_on[aid] = started
                if not stale and (longest is None or started <= calls_on[longest]):
                    stale = True
            elif calls_on:
                calls_on.pop(aid, None)
        self._longest_stale = stale
        return out
