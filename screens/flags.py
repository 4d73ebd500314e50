"""The distress-flag view: open flags, most severe and oldest first, with their age."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding

from floorapp.i18n import N_, _
from floorapp.services.flags import SEVERITY_RANK, FlagView
from screens import cells
from screens.table import Col, LiveTable


def flag_order(f: FlagView) -> tuple[Any, ...]:
    return (-SEVERITY_RANK.get(f.severity, 0), f.raised_at, f.id)  # type: ignore[call-overload]


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
        if not self.row_count:
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
    TIME_COLUMNS = ("age",)
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("a", "acknowledge", N_("Ack"), id="flags.acknowledge",
                tooltip=N_("Acknowledge the flag")),
        Binding("i", "step_in", N_("Step in"), id="flags.step_in",
                tooltip=N_("Step in: take over, transfer, coach, short break, other (+ note)")),
        Binding("x", "resolve", N_("Resolve"), id="flags.resolve",
                tooltip=N_("Resolve with a note")),
        Binding("enter", "detail", N_("Agent"), id="flags.detail"),
    ]

    def empty_message(self) -> str:
        return _("No open flags. On the board, r raises one by hand.") \
            if self.app_loaded() else ""

    def order(self, item: FlagView) -> Any:
        return flag_order(item)

    def cell(self, f: FlagView, key: str) -> Any:
        if key == "severity":
            return cells.KeyedText(cells.SEVERITY_WORDS.get(f.severity, f.severity), f.id,
                                   cells.SEVERITY_STYLES.get(f.severity, ""))
        if key == "status":
            word = cells.FLAG_STATUS_WORDS.get(f.status, f.status)  # type: ignore[call-overload]
            return Text(word, style="bold reverse" if f.status == "raised" else "")
        if key == "agent":
            return cells.plain(f.agent_name)
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

    def action_acknowledge(self) -> None:
        self.app.action_acknowledge_flag()  # type: ignore[attr-defined]

    def action_step_in(self) -> None:
        self.app.action_step_in()  # type: ignore[attr-defined]

    def action_resolve(self) -> None:
        self.app.action_resolve_flag()  # type: ignore[attr-defined]

    def action_detail(self) -> None:
        self.app.action_agent_detail()  # type: ignore[attr-defined]
