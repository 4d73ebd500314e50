"""Open flags and open escalations as one console holds them: read by what changed, counted
as they change.

Both are read the same way (one class, two kinds): rows whose ``updated_at`` moved past the
watermark, less OVERLAP; each compared with what was last seen of it by a fingerprint of
its table row, and the full view read only for those that differ. A row committed by
another process can carry an ``updated_at`` a little older than rows already seen (consoles
stamp with the wall clock, the rules with event time, and an action's time is taken before
it waits for the write lock): OVERLAP re-reads that far back. A feed running far behind
(catching up after a restart) stamps further back than that: every ``sweep`` compares a
checksum of the open rows, computed by the database, with the same checksum of the rows
held, and only when they differ reads every open row again. So a tick costs what changed,
not what is open, and a flag no watermark saw still shows within one sweep.

Counts the header shows (open, unhandled, past deadline) are kept as items come and go.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Connection, String, case, func, select, type_coerce
from sqlalchemy.sql import Select

from db.models import (
    Agent,
    Escalation,
    EscalationStatus,
    Flag,
    FlagStatus,
    Severity,
)
from db.types import UTCDateTime
from floorapp.services import escalations, flags
from floorapp.services.board.views import raw_rows
from floorapp.services.escalations import EscalationView
from floorapp.services.flags import FlagView
from floorapp.services.scope import Scope

OVERLAP = timedelta(seconds=10)
# Past this many changed rows the full view is read by the whole query, not an IN list.
IN_LIMIT = 500

V = TypeVar("V", FlagView, EscalationView)
_SEVERITY = {s.value: i for i, s in enumerate(Severity, 1)}


def _code(col: Any, codes: dict[str, int]) -> Any:
    return case(codes, value=col, else_=0)


class OpenItems(Generic[V]):
    """The open items of one kind a console can see. Subclasses name the table and its
    view; one instance belongs to one reader (one thread)."""

    table: ClassVar[Any]
    team_on_table: ClassVar[bool]  # the team is a column of the item itself (no join)

    def __init__(self, scope: Scope, team: str | None) -> None:
        self._scope = scope
        self._team = team
        # Every team's items: compared on the item's row alone, no join needed.
        self._everyone = scope.all_teams and team is None
        self.views: dict[int, V] = {}
        self.by_status: Counter[str] = Counter()
        self._seen: dict[int, int] = {}  # id -> fingerprint of the table row last read
        self._wm: datetime | None = None
        self._held_sum: list[int] = [0] * len(self.checksum_sql())

    # --- what a kind says -------------------------------------------------------------

    def view_query(self) -> Select[*tuple[Any, ...]]:
        raise NotImplementedError

    def to_view(self, row: Any) -> V:
        raise NotImplementedError

    def open_clause(self) -> Any:
        raise NotImplementedError

    def team_col(self) -> Any:
        raise NotImplementedError

    def checksum_sql(self) -> tuple[Any, ...]:
        """Sums over the open rows the database computes..."""
        raise NotImplementedError

    def checksum_of(self, view: V) -> tuple[int, ...]:
        """...and one held view's share of them, the same way."""
        raise NotImplementedError

    def joined(self, q: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
        """``q`` over the item's table, joined to what the team clause needs."""
        return q

    def added(self, view: V) -> None:
        """A view is now held (kinds keep their own indexes)."""

    def removed(self, view: V) -> None:
        """A view is no longer held."""

    # --- reading ----------------------------------------------------------------------

    @property
    def _id(self) -> Any:
        return self.table.c.id

    @property
    def _updated(self) -> Any:
        return self.table.c.updated_at

    def _scoped(self, q: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
        q = q.where(self._scope.team_clause(self.team_col()))
        if self._team is not None:
            q = q.where(self.team_col() == self._team)
        return q

    def _since(self, q: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
        return q if self._wm is None else q.where(self._updated >= self._wm - OVERLAP)

    def reset(self) -> None:
        for view in self.views.values():
            self.removed(view)
        self.views.clear()
        self.by_status.clear()
        self._seen.clear()
        self._wm = None
        self._held_sum = [0] * len(self._held_sum)

    def in_step(self, conn: Connection) -> bool:
        """Whether the open rows in the database are the ones held (by checksum)."""
        q = self._scoped(
            self.joined(select(*self.checksum_sql()).select_from(self.table)).where(
                self.open_clause()
            )
        )
        found = conn.execute(q).one()
        return [int(v or 0) for v in found] == self._held_sum

    def poll(
        self, conn: Connection, full: bool, sweep: bool
    ) -> tuple[list[V], list[int], set[str]]:
        """What changed since the last look: views new or changed, ids gone, and the agents
        they belong to. ``full`` reads every open row (a first look, a new day); ``sweep``
        does too, but only when the checksum says something was missed."""
        every_open = full or (sweep and not self.in_step(conn))
        changed: list[V] = []
        gone: list[int] = []
        touched: set[str] = set()
        still_open: set[int] = set()
        for row in self._changed_rows(conn, every_open, still_open):
            view = self.to_view(row)
            if view.updated_at is not None and (self._wm is None or view.updated_at > self._wm):
                self._wm = view.updated_at
            old = self.views.get(view.id)
            if not view.is_open:
                self._seen.pop(view.id, None)  # closed for good: nothing more to compare
                if old is not None:
                    self._drop(old)
                    gone.append(view.id)
                    if old.agent_id is not None:
                        touched.add(old.agent_id)
            elif old != view:
                if old is not None:
                    self._drop(old)
                self._put(view)
                changed.append(view)
                if view.agent_id is not None:
                    touched.add(view.agent_id)
        if every_open and not full:
            for vid in [v for v in self.views if v not in still_open]:
                old = self.views[vid]
                self._drop(old)
                self._seen.pop(vid, None)
                gone.append(vid)
                if old.agent_id is not None:
                    touched.add(old.agent_id)
        if full and self._wm is None:
            self._wm = conn.execute(select(func.max(self._updated))).scalar()
        return changed, gone, touched

    def _put(self, view: V) -> None:
        self.views[view.id] = view
        self.by_status[view.status] += 1
        for i, v in enumerate(self.checksum_of(view)):
            self._held_sum[i] += v
        self.added(view)

    def _drop(self, view: V) -> None:
        del self.views[view.id]
        self.by_status[view.status] -= 1
        for i, v in enumerate(self.checksum_of(view)):
            self._held_sum[i] -= v
        self.removed(view)

    def _changed_rows(self, conn: Connection, every_open: bool, ids_read: set[int]) -> list[Any]:
        """Rows of the view that differ from what was last seen of them; the id of every
        row read goes into ``ids_read``."""
        seen = self._seen
        view_q = self._scoped(self.view_query())
        if not self.team_on_table and not self._everyone:
            # Scoped by the agent's team: the comparison needs the join.
            view_q = view_q.where(self.open_clause()) if every_open else self._since(view_q)
            out = []
            for row in conn.execute(view_q):
                key = hash(tuple(row))
                ids_read.add(row[0])
                if seen.get(row[0]) != key:  # else re-read in the overlap, unchanged
                    seen[row[0]] = key
                    out.append(row)
            return out
        # Compared on the item's own row, raw (no join, no time conversion), by a
        # fingerprint; the full view is read only for the few that changed.
        base = select(
            *[
                type_coerce(c, String) if isinstance(c.type, UTCDateTime) else c
                for c in self.table.c
            ]
        )
        if self.team_on_table:
            base = self._scoped(base)
        base = base.where(self.open_clause()) if every_open else self._since(base)
        ids = []
        for raw in raw_rows(conn, base):
            key = hash(raw)
            ids_read.add(raw[0])
            if seen.get(raw[0]) != key:
                seen[raw[0]] = key
                ids.append(raw[0])
        if not ids:
            return []
        if len(ids) > IN_LIMIT:
            wanted = set(ids)
            view_q = view_q.where(self.open_clause()) if every_open else self._since(view_q)
            return [row for row in conn.execute(view_q) if row[0] in wanted]
        return list(conn.execute(view_q.where(self._id.in_(ids))))


_FLAG_STATUS = {s.value: i for i, s in enumerate(FlagStatus, 1)}


class OpenFlags(OpenItems[FlagView]):
    table = Flag.__table__
    team_on_table = False

    def __init__(
        self, scope: Scope, team: str | None, ack_due: Callable[[FlagView], datetime]
    ) -> None:
        self.by_agent: dict[str, dict[int, FlagView]] = {}
        # When each raised flag passes its acknowledge deadline, sorted: the header's
        # "overdue" is a bisection each second, not a pass over every open flag.
        self._ack_due = ack_due
        self._due: list[tuple[datetime, int]] = []
        self._due_view: tuple[datetime, ...] | None = ()
        super().__init__(scope, team)

    def view_query(self) -> Select[*tuple[Any, ...]]:
        return flags.flag_query()

    def to_view(self, row: Any) -> FlagView:
        return flags.to_view(row)

    def open_clause(self) -> Any:
        return Flag.status.in_(flags.OPEN_STATUSES)

    def team_col(self) -> Any:
        return Agent.team_id

    def joined(self, q: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
        if self._everyone:
            return q
        return q.join(Agent, Agent.id == Flag.agent_id)

    def checksum_sql(self) -> tuple[Any, ...]:
        fid = Flag.id
        return (
            func.count(),
            func.sum(fid),
            func.sum(fid * Flag.count),
            func.sum(fid * _code(Flag.status, _FLAG_STATUS)),
            func.sum(fid * _code(Flag.severity, _SEVERITY)),
        )

    def checksum_of(self, view: FlagView) -> tuple[int, ...]:
        fid = view.id
        return (
            1,
            fid,
            fid * view.count,
            fid * _FLAG_STATUS.get(view.status, 0),
            fid * _SEVERITY.get(view.severity, 0),
        )

    def added(self, view: FlagView) -> None:
        self.by_agent.setdefault(view.agent_id, {})[view.id] = view
        if view.status == FlagStatus.RAISED:
            insort(self._due, (self._ack_due(view), view.id))
            self._due_view = None

    def removed(self, view: FlagView) -> None:
        mine = self.by_agent.get(view.agent_id)
        if mine is not None:
            mine.pop(view.id, None)
            if not mine:
                del self.by_agent[view.agent_id]
        if view.status == FlagStatus.RAISED:
            _remove_sorted(self._due, (self._ack_due(view), view.id))
            self._due_view = None

    def ack_due(self) -> tuple[datetime, ...]:
        """When each raised flag is (or was) past its acknowledge deadline, sorted; the
        same tuple until a raised flag comes or goes."""
        if self._due_view is None:
            self._due_view = tuple(d for d, _ in self._due)
        return self._due_view

    @property
    def unhandled(self) -> int:
        return self.by_status[FlagStatus.RAISED.value]

    def marker(self, agent_id: str) -> tuple[str, str] | None:
        mine = self.by_agent.get(agent_id)
        return marker_of(mine.values()) if mine else None


def _remove_sorted(items: list[tuple[datetime, int]], item: tuple[datetime, int]) -> None:
    i = bisect_right(items, item) - 1
    if i >= 0 and items[i] == item:
        del items[i]


def marker_of(views: Any) -> tuple[str, str] | None:
    """The most severe open flag among ``views``: (severity, status), or None."""
    best: tuple[int, str, str] | None = None
    for f in views:
        if not f.is_open:
            continue
        rank = flags.SEVERITY_RANK.get(f.severity, 0)
        if best is None or rank > best[0]:
            best = (rank, f.severity, f.status)
    return None if best is None else (best[1], best[2])


_ESC_STATUS = {s.value: i for i, s in enumerate(EscalationStatus, 1)}


class OpenEscalations(OpenItems[EscalationView]):
    table = Escalation.__table__
    team_on_table = True

    def __init__(self, scope: Scope, team: str | None) -> None:
        self._deadlines: list[tuple[datetime, int]] = []  # sorted: past_deadline bisects
        super().__init__(scope, team)

    def view_query(self) -> Select[*tuple[Any, ...]]:
        return escalations.escalation_query()

    def to_view(self, row: Any) -> EscalationView:
        return escalations.to_view(row)

    def open_clause(self) -> Any:
        return Escalation.status != EscalationStatus.RESOLVED

    def team_col(self) -> Any:
        return Escalation.team_id

    def checksum_sql(self) -> tuple[Any, ...]:
        eid = Escalation.id
        return (
            func.count(),
            func.sum(eid),
            func.sum(eid * Escalation.tier),
            func.sum(eid * Escalation.handoffs),
            func.sum(eid * _code(Escalation.status, _ESC_STATUS)),
            func.sum(eid * _code(Escalation.severity, _SEVERITY)),
        )

    def checksum_of(self, view: EscalationView) -> tuple[int, ...]:
        eid = view.id
        return (
            1,
            eid,
            eid * view.tier,
            eid * view.handoffs,
            eid * _ESC_STATUS.get(view.status, 0),
            eid * _SEVERITY.get(view.severity, 0),
        )

    def added(self, view: EscalationView) -> None:
        insort(self._deadlines, (view.deadline, view.id))

    def removed(self, view: EscalationView) -> None:
        _remove_sorted(self._deadlines, (view.deadline, view.id))

    def past_deadline(self, now: datetime) -> int:
        # Any id sorts before (now, a larger one): every deadline at or before now counts.
        return bisect_right(self._deadlines, (now, float("inf")))
