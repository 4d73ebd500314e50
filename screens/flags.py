"""The distress-flag view: open flags, most severe and oldest first, with their age."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import BindingType

from floorapp import i18n
from floorapp.i18n import N_, _
from floorapp.services.flags import SEVERITY_RANK, FlagView
from floorapp.services.triage import is_overdue
from screens import cells
from screens.actions import bindings, console
from screens.table import Col, LiveTable

# Before the agent's name on a row marked for a bulk action (narrow on every terminal).
MARKED = "✓ "


def flag_order(f: FlagView) -> tuple[Any, ...]:
    return (-SEVERITY_RANK.get(f.severity, 0), f.raised_at, f.id)


class ItemTable(LiveTable):
    """A live table of items with an integer id (flags, escalations)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.model: dict[str, Any] = {}

    def order(self, item: Any) -> Any:
        raise NotImplementedError

    def include(self, item: Any) -> bool:
        return True

    def item(self, key: str) -> Any | None:
        return self.model.get(key)

    def apply(self, changed: Iterable[Any], gone: Iterable[int], *, full: bool = False) -> None:
        if full:
            self.model.clear()
        reorder = False
        drop: list[str] = []
        for item in changed:
            key = str(item.id)
            old = self.model.get(key)
            if not self.include(item):
                if old is not None:
                    del self.model[key]
                    drop.append(key)
                continue
            self.model[key] = item
            if full or not self.shown:
                continue
            if old is None or self.order(old) != self.order(item):
                reorder = True
            self.put(key, item, old if key in self.rows else None)
        for item_id in gone:
            if self.model.pop(str(item_id), None) is not None:
                drop.append(str(item_id))
        if full:
            self.rebuild_rows()
            return
        self.drop(drop)
        if reorder:
            self.resort()

    def rebuild_rows(self) -> None:
        keep = self.cursor_key()
        self.clear()
        if not self.shown:
            return
        for item in sorted(self.model.values(), key=self.order):
            self.add_row(*[self.cell(item, c.key) for c in self.shown], key=str(item.id))
        self.keep_cursor(keep)

    def resort(self) -> None:
        if not self.row_count or not self.shown:
            return
        keep = self.cursor_key()
        model = self.model
        first = self.shown[0].key
        self.sort(first, key=lambda cell: self.order(model[str(cell.row_id)]))
        self.keep_cursor(keep, scroll=False)

    def selected(self) -> Any | None:
        key = self.cursor_key()
        return None if key is None else self.model.get(key)


class FlagTable(ItemTable):
    """Open flags, one agent's flags together under the agent (the agent whose flag most
    needs attention first), with marks for acting on many at once."""

    COLUMNS = (
        Col("severity", N_("Sev"), 6),
        Col("status", N_("Status"), 10),
        Col("agent", N_("Agent"), 14, grow=8),
        Col("age", N_("Age"), 7),
        # The kind in words, as wide as the longest ("refused explanations"). Under ~100
        # columns it gives way to the detail, which says the same and more ("customer ...
        # refused 3 explanations on call ...").
        Col("kind", N_("Kind"), 20, priority=2),
        Col("detail", N_("Detail"), 30, priority=1, grow=56),
        Col("count", N_("×"), 3, priority=3),
        Col("handler", N_("Handled by"), 12, priority=3),
        Col("team", N_("Team"), 8, priority=4, grow=4),
    )
    # The status turns OVERDUE when the acknowledge deadline passes: it moves with the clock.
    TIME_COLUMNS = ("age", "status")
    SCOPE = "flags"
    BINDINGS: ClassVar[list[BindingType]] = bindings("flags")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.marked: set[str] = set()
        # agent id -> (the order of its most pressing flag, how many open flags it has)
        self.groups: dict[str, tuple[Any, int]] = {}

    def empty_message(self) -> str:
        return _("No open flags. On the board, r raises one by hand.") if self.app_loaded() else ""

    # --- one agent's flags together -------------------------------------------------------

    def _group(self) -> dict[str, tuple[Any, int]]:
        groups: dict[str, tuple[Any, int]] = {}
        for f in self.model.values():
            lead, n = groups.get(f.agent_id, (None, 0))
            own = flag_order(f)
            groups[f.agent_id] = (own if lead is None or own < lead else lead, n + 1)
        return groups

    def order(self, item: FlagView) -> Any:
        lead = self.groups.get(item.agent_id, (flag_order(item), 1))[0]
        return (lead, item.agent_id, flag_order(item))

    def is_lead(self, f: FlagView) -> bool:
        lead = self.groups.get(f.agent_id)
        return lead is None or lead[0] == flag_order(f)

    def apply(self, changed: Iterable[Any], gone: Iterable[int], *, full: bool = False) -> None:
        changed = list(changed)
        gone = list(gone)
        if not full:
            # Orders read the groups: regroup with the change first, so a moved row sorts
            # to its agent's place.
            preview = dict(self.model)
            for item in changed:
                preview[str(item.id)] = item
            for item_id in gone:
                preview.pop(str(item_id), None)
            before, self.model = self.model, preview
            regrouped = self._group()
            self.model = before
        else:
            regrouped = {}
        was = self.groups
        self.groups = regrouped
        super().apply(changed, gone, full=full)
        self.marked &= set(self.model)
        if full:
            return
        moved = {a for a in set(was) | set(regrouped) if was.get(a) != regrouped.get(a)}
        if moved:
            for key, f in self.model.items():
                if f.agent_id in moved and key in self.rows:
                    self.update_cell(key, "agent", self.cell(f, "agent"))
            self.resort()

    def rebuild_rows(self) -> None:
        self.groups = self._group()
        super().rebuild_rows()

    # --- cells ------------------------------------------------------------------------

    def cell(self, f: FlagView, key: str) -> Any:
        if key == "severity":
            return cells.KeyedText(
                cells.SEVERITY_WORDS.get(f.severity, f.severity),
                f.id,
                cells.SEVERITY_STYLES.get(f.severity, ""),
            )
        if key == "status":
            return self.status_cell(f)
        if key == "agent":
            return self.agent_cell(f)
        if key == "age":
            return Text(cells.since(f.raised_at, self.now) if self.now else "", justify="right")
        if key == "kind":
            return cells.kind_cell(f.kind)
        if key == "detail":
            return cells.plain((f.detail or "").replace("\n", " "))
        if key == "count":
            return cells.number(f.count)
        if key == "handler":
            return cells.plain(f.handler)
        if key == "team":
            return cells.plain(f.team_id)
        raise KeyError(key)

    def status_cell(self, f: FlagView) -> Text:
        settings = getattr(getattr(self.app, "ctx", None), "settings", None)
        if (
            settings is not None
            and self.now is not None
            and is_overdue(f, settings=settings, now=self.now)
        ):
            return Text(_("OVERDUE"), style="bold white on red")
        if f.escalated_at is not None and f.status == "raised":
            return Text(_("to manager"), style="bold white on red")
        word = cells.FLAG_STATUS_WORDS.get(f.status, f.status)
        return Text(word, style="bold reverse" if f.status == "raised" else "")

    def agent_cell(self, f: FlagView) -> Text:
        mark = MARKED if str(f.id) in self.marked else ""
        n = self.groups.get(f.agent_id, (None, 1))[1]
        if not self.is_lead(f):
            # The agent's further flags sit under the first (the box corner is ambiguous
            # width, wide on Chinese terminals: there an indent says the same).
            under = "  " if i18n.is_chinese() else "└ "
            return cells.plain(f"{mark}{under}{f.agent_name}", "dim")
        name = cells.plain(f"{mark}{f.agent_name}")
        if n == 1:
            return name
        # The count says how many flags the row stands for: a long name is cut, never it.
        count = f" ({n})"
        width = next((c.width for c in self.shown if c.key == "agent"), 0)
        if width:
            cells.fit(name, max(width - len(count), 1))
        name.append(count)
        return name

    # --- marks ------------------------------------------------------------------------

    def set_mark(self, key: str | None, on: bool | None = None) -> None:
        """Mark (True), unmark (False) or toggle (None) the row ``key``."""
        f = None if key is None else self.model.get(key)
        if f is None or key is None:
            return
        want = (key not in self.marked) if on is None else on
        if want:
            self.marked.add(key)
        else:
            self.marked.discard(key)
        if key in self.rows:
            self.update_cell(key, "agent", self.agent_cell(f))

    def action_mark(self) -> None:
        self.set_mark(self.cursor_key())
        self.follow_top = False
        self.action_cursor_down()

    def _extend(self, step: int) -> None:
        self.follow_top = False
        self.set_mark(self.cursor_key(), True)
        self.move_cursor(row=self.cursor_row + step)
        self.set_mark(self.cursor_key(), True)

    def action_mark_down(self) -> None:
        self._extend(1)

    def action_mark_up(self) -> None:
        self._extend(-1)

    def action_unmark(self) -> None:
        for key in list(self.marked):
            self.set_mark(key, False)

    def marked_flags(self) -> list[FlagView]:
        """The marked flags in the order shown."""
        return sorted((self.model[k] for k in self.marked if k in self.model), key=self.order)

    def new_flags(self) -> list[FlagView]:
        return sorted((f for f in self.model.values() if f.status == "raised"), key=self.order)

    # --- actions ----------------------------------------------------------------------

    def action_acknowledge(self) -> None:
        if self.marked:
            from screens.triage import acknowledge_many

            acknowledge_many(self.app, self)
            return
        console(self).action_acknowledge_flag()

    def action_mark_new(self) -> None:
        """Every new flag shown marked (all of them already: unmarked), for one ``a``."""
        new = [str(f.id) for f in self.new_flags()]
        on = not new or not set(new) <= self.marked
        for key in new:
            self.set_mark(key, on)

    def action_escalate(self) -> None:
        from screens.triage import escalate_flag

        escalate_flag(self.app, self)
