"""The agent board: one row per agent, those who need attention first."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import EllipsisType
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import BindingType
from textual.message import Message

from db.models import AgentState
from floorapp import pinyin
from floorapp.i18n import N_, _
from floorapp.services.board import AgentRow
from floorapp.services.flags import SEVERITY_RANK
from screens import cells
from screens.actions import bindings
from screens.notices import notice
from screens.table import Col, LiveTable

_FAR = 1e18


def _ts(value: Any) -> float:
    return value.timestamp() if value is not None else _FAR


_NEG_RANK = {str(s): -r for s, r in SEVERITY_RANK.items()}
_name_key = pinyin.sort_key  # names in pinyin order: 胡春燕 between Hu and Huang
_ON_CALL, _AFTER_CALL = str(AgentState.ON_CALL.value), str(AgentState.AFTER_CALL.value)


def attention_key(a: AgentRow) -> tuple[Any, ...]:
    """Open flag first (most severe), then the longest call, then the longest after-call."""
    # Written flat: a busy second on a 10,000-agent floor keys a thousand agents.
    state = a.state
    if state == _ON_CALL:
        t = a.call_started
        group, since = 0, (_FAR if t is None else t.timestamp())
    elif state == _AFTER_CALL:
        t = a.state_since
        group, since = 1, (_FAR if t is None else t.timestamp())
    else:
        group, since = 2, 0.0
    sev = a.flag_severity
    name = a.name
    if sev:
        return (0, _NEG_RANK.get(sev, 0), group, since, _name_key(name), name, a.id)
    return (1, 0, group, since, _name_key(name), name, a.id)


# Every key ends with the agent's id: keys are unique, and the grid's order relies on it.
# Names (and team names) compare in pinyin order, the name itself breaking a tie.
# The labels are marked here and translated where they are shown.
SORTS: dict[str, tuple[str, Callable[[AgentRow], Any]]] = {
    "attention": (N_("attention"), attention_key),
    "name": (N_("name"), lambda a: (_name_key(a.name), a.name, a.id)),
    "team": (
        N_("team"),
        lambda a: (_name_key(a.team_name), a.team_name, _name_key(a.name), a.name, a.id),
    ),
    "state": (N_("state"), lambda a: (a.state, _ts(a.state_since), a.id)),
    "in_state": (N_("longest in state"), lambda a: (_ts(a.state_since), a.id)),
    "calls": (N_("most calls"), lambda a: (-a.calls_today, _name_key(a.name), a.name, a.id)),
    "complaints": (
        N_("most complaints"),
        lambda a: (-a.complaints_today, _name_key(a.name), a.name, a.id),
    ),
}


class AgentBoard(LiveTable):
    COLUMNS = (
        Col("flag", N_("Flag"), 6),
        Col("name", N_("Name"), 13, grow=12),
        Col("state", N_("State"), 10, grow=8),
        Col("in_state", N_("In state"), 8),
        Col("call", N_("Call"), 7, priority=2),
        Col("calls", N_("Calls"), 5, priority=3),
        Col("cmpl", N_("Cmpl"), 4, priority=3),
        Col("team", N_("Team"), 8, priority=4, grow=12),
        Col("id", N_("Id"), 10, priority=5),
    )
    TIME_COLUMNS = ("in_state", "call")
    UNTOUCHED_KEEPS_ROW = False  # r, e and Enter each open a dialog naming the agent
    FIELDS: ClassVar[dict[str, tuple[str, ...]]] = {
        "flag": ("flag_severity", "flag_status"),
        "name": ("name",),
        "state": ("state", "state_reason"),
        "in_state": ("state_since",),
        "call": ("call_started",),
        "calls": ("calls_today",),
        "cmpl": ("complaints_today",),
        "team": ("team_name",),
        "id": ("id",),
    }
    SCOPE = "board"
    BINDINGS: ClassVar[list[BindingType]] = bindings("board")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.model: dict[str, AgentRow] = {}
        self.sort_keys: dict[str, Any] = {}  # agent id -> its key under the current sort
        self.sort_name = "attention"
        self.team_filter: str | None = None
        self._team_filter_name: str | None = None
        self.state_filter: str | None = None
        self.search: str | None = None
        # The "!" mark comes at the long-call rule's threshold (set by the app from the
        # settings), so the board and the rule call the same call long.
        self.long_call_seconds: float = cells.LONG_CALL_SECONDS

    # --- what a row shows ---------------------------------------------------------------

    def cell(self, a: AgentRow, key: str) -> Any:
        if key == "flag":
            return cells.flag_cell(a.flag_severity, a.flag_status)
        if key == "name":
            return cells.KeyedText(a.name, a.id)
        if key == "state":
            return cells.state_cell(a.state, a.state_reason)
        if key == "in_state":
            return Text(cells.since(a.state_since, self.now) if self.now else "", justify="right")
        if key == "call":
            return (
                cells.call_cell(a.call_started, self.now, self.long_call_seconds)
                if self.now
                else Text("")
            )
        if key == "calls":
            return cells.number(a.calls_today)
        if key == "cmpl":
            return cells.number(a.complaints_today, warn_at=1)
        if key == "team":
            return cells.plain(a.team_name)
        if key == "id":
            return cells.plain(a.id, "dim")
        raise KeyError(key)

    def item(self, key: str) -> AgentRow | None:
        return self.model.get(key)

    def matches(self, a: AgentRow) -> bool:
        if self.team_filter is not None and a.team_id != self.team_filter:
            return False
        if self.state_filter is not None and a.state != self.state_filter:
            return False
        if self.search:
            if (
                not pinyin.matches(self.search, a.name)
                and self.search.casefold() not in a.id.casefold()
            ):
                return False
        return True

    # --- live updates -------------------------------------------------------------------

    def apply(self, changed: Iterable[AgentRow], *, full: bool = False) -> None:
        """Patch the table with the agents that changed; re-place only the rows that moved."""
        if full:
            self.model.clear()
            self.sort_keys.clear()
        key_fn = SORTS[self.sort_name][1]
        sort_keys = self.sort_keys
        model = self.model
        rows = self.rows
        shown = bool(self.shown) and not full
        # Asked once, not per agent: off-screen rows are only marked, and built if drawn.
        on_screen = self.rows_on_screen() if shown else {}
        moved: set[str] = set()
        drop: list[str] = []
        # Bound once: a busy second at 10,000 agents runs this loop a thousand times.
        matches = (
            None
            if self.team_filter is None and self.state_filter is None and not self.search
            else self.matches
        )
        mark_stale, put, add_moved = self._stale.add, self.put, moved.add
        for a in changed:
            aid = a.id
            new_key = key_fn(a)
            if not shown:
                model[aid] = a
                sort_keys[aid] = new_key
                continue
            old = None
            if matches is None or matches(a):
                if aid not in rows:
                    add_moved(aid)
                    put_now = True  # a new row (its sort key is set before it is added)
                else:
                    if sort_keys.get(aid) != new_key:
                        add_moved(aid)
                    put_now = aid in on_screen
                    if put_now:
                        old = model.get(aid)
                    else:  # built if and when it is drawn: off-screen rows cost nothing
                        mark_stale(aid)
            else:
                put_now = False
                if aid in rows:
                    drop.append(aid)
            model[aid] = a
            sort_keys[aid] = new_key
            if put_now:
                put(aid, a, old)
        if full:
            self.rebuild_rows()
            return
        self.drop(drop)
        if moved:
            self.resort(moved)

    def rebuild_rows(self) -> None:
        keep = self.cursor_key()
        self.clear()
        if not self.shown:
            return
        key_fn = SORTS[self.sort_name][1]
        self.sort_keys = {a.id: key_fn(a) for a in self.model.values()}
        rows = sorted(
            (a for a in self.model.values() if self.matches(a)), key=lambda a: self.sort_keys[a.id]
        )
        self.add_rows_unbuilt(a.id for a in rows)
        self.keep_cursor(keep)

    def resort(self, moved: set[str] | None = None) -> None:
        """Re-order rows (only ``moved`` changed place, when given); the cursor stays on the
        same agent and the scroll does not move."""
        if not self.row_count:
            return
        keep = self.cursor_key()
        self.order_by(self.sort_keys.__getitem__, moved)
        self.keep_cursor(keep, scroll=False)

    # --- actions (the app does the work; the board knows which agent) --------------------

    class ViewChanged(Message):
        """The sort or the filters changed: the header says what the board shows."""

    def selected(self) -> AgentRow | None:
        key = self.cursor_key()
        return None if key is None else self.model.get(key)

    def action_sort(self, name: str) -> None:
        self.set_sort(name)

    def action_cycle_sort(self) -> None:
        names = list(SORTS)
        self.set_sort(names[(names.index(self.sort_name) + 1) % len(names)])

    def set_sort(self, name: str) -> None:
        self.sort_name = name
        key_fn = SORTS[name][1]
        self.sort_keys = {a.id: key_fn(a) for a in self.model.values()}
        self.resort()
        notice(
            self,
            "sort",
            _("Sorted by {sort}").format(sort=_(SORTS[name][0])),
            timeout=2,
            markup=False,
        )
        self.post_message(self.ViewChanged())

    def set_filters(
        self,
        *,
        team: str | EllipsisType | None = ...,
        state: str | EllipsisType | None = ...,
        search: str | EllipsisType | None = ...,  # ... leaves it as it is
    ) -> None:
        if team is not ...:
            self.team_filter = team
            self._team_filter_name = next(
                (a.team_name for a in self.model.values() if a.team_id == team), team
            )
        if state is not ...:
            self.state_filter = state
        if search is not ...:
            self.search = search or None
        self.rebuild_rows()
        self.post_message(self.ViewChanged())

    def action_clear_filters(self) -> None:
        self.set_filters(team=None, state=None, search=None)

    def empty_message(self) -> str:
        if not self.model:
            return (
                _("No agents yet: the roster or the feed has not named any.")
                if self.app_loaded()
                else ""
            )
        filters = self.describe_filters()
        if filters:
            return _("No agent matches {filters}. Escape shows everyone.").format(filters=filters)
        return ""

    def describe_filters(self) -> str:
        parts = []
        if self.team_filter:
            parts.append(_("team {team}").format(team=self._team_filter_name or self.team_filter))
        if self.state_filter:
            parts.append(cells.STATE_WORDS.get(self.state_filter, self.state_filter))
        if self.search:
            parts.append(_("“{search}”").format(search=self.search))
        return _(", ").join(parts)
