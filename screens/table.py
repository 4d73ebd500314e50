"""A keyed table (screens.grid) that is patched in place, never cleared, by the live refresh.

Column sets give way on narrow terminals by priority; time columns are re-rendered only for
the rows on screen (a second's tick rewrites a screenful of cells, not the whole floor).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text

from floorapp.i18n import _
from screens.grid import Grid, RowDoesNotExist


def same(a: Any, b: Any) -> bool:
    """Cell equality that sees style changes (rich's Text.__eq__ compares text and spans only)."""
    if isinstance(a, Text) and isinstance(b, Text):
        return a.plain == b.plain and a.style == b.style and a.spans == b.spans
    return bool(a == b)


@dataclass(frozen=True)
class Col:
    key: str
    label: str  # marked with N_ where the columns are declared; translated when drawn
    width: int
    priority: int = 0  # 0 = always shown; higher numbers give way first on narrow screens
    grow: int = 0  # extra cells it may take on a wide screen


class LiveTable(Grid):
    COLUMNS: ClassVar[tuple[Col, ...]] = ()
    TIME_COLUMNS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.shown: tuple[Col, ...] = ()
        self.now: datetime | None = None
        self._shown_width = 0  # the width the columns were last laid out for

    # --- columns ------------------------------------------------------------------------

    def columns_for(self, width: int) -> tuple[Col, ...]:
        avail = max(width - 2, 20)  # the cursor gutter and a one-cell scrollbar
        cols = list(self.COLUMNS)
        for prio in sorted({c.priority for c in cols if c.priority}, reverse=True):
            if sum(c.width + 2 for c in cols) <= avail:
                break
            cols = [c for c in cols if c.priority != prio]
        spare = avail - sum(c.width + 2 for c in cols)
        grown = []
        for c in cols:
            extra = min(c.grow, max(spare, 0))
            spare -= extra
            grown.append(Col(c.key, c.label, c.width + extra, c.priority, 0) if extra else c)
        return tuple(grown)

    def setup_columns(self, width: int) -> bool:
        """(Re)build the columns for this width; True when the row cells must be re-added."""
        cols = self.columns_for(width)
        self._shown_width = width
        if cols == self.shown:
            return False
        keep = self.cursor_key()
        self.clear(columns=True)
        self.shown = cols
        for c in cols:
            self.add_column(Text(_(c.label)), width=c.width, key=c.key)
        self.rebuild_rows()
        self.keep_cursor(keep)
        return True

    def relabel(self) -> None:
        """After a language switch: headers and every cell again (cells hold words), and the
        grid's drawn lines forgotten (they hold the old cursor mark)."""
        self.shown = ()
        # A table on a view not showing has no size: it is laid out again at the width it
        # last had. Left without columns but with its rows, the next refresh that re-sorted
        # it found no column to sort by, and failed.
        width = self.size.width or self._shown_width
        if width:
            self.setup_columns(width)
        self.forget_drawn()
        self.refresh()

    def on_resize(self) -> None:
        super().on_resize()
        self.setup_columns(self.size.width)

    def app_loaded(self) -> bool:
        """Whether the console has read the floor once (before that, empty means unknown)."""
        return bool(getattr(self.app, "loaded", False))

    def rebuild_rows(self) -> None:
        """Add every row again (after a column change or a filter change)."""

    # --- rows ---------------------------------------------------------------------------

    def cells(self, item: Any) -> list[Any]:
        raise NotImplementedError

    def cell(self, item: Any, key: str) -> Any:
        raise NotImplementedError

    # Which item fields each column shows; a column whose fields did not change is not
    # re-rendered (building a cell is the costly part of a tick).
    FIELDS: ClassVar[dict[str, tuple[str, ...]]] = {}

    def put(self, key: str, item: Any, old: Any | None) -> None:
        """Add the row, or update only the cells whose fields changed since ``old``."""
        if key not in self.rows:
            self.add_row(*[self.cell(item, c.key) for c in self.shown], key=key)
            return
        if not self.is_row_visible(key):
            self.mark_stale(key)  # built if and when it is drawn: off-screen rows cost nothing
            return
        for c in self.shown:
            fields = self.FIELDS.get(c.key)
            if (
                old is not None
                and fields is not None
                and all(getattr(old, f) == getattr(item, f) for f in fields)
            ):
                continue
            new = self.cell(item, c.key)
            if not same(self.get_cell(key, c.key), new):
                self.update_cell(key, c.key, new)

    def rebuild_cells(self, key: str) -> None:
        item = self.item(key)
        if item is None:
            return
        # Called while the row is being drawn: set the cells without asking for another redraw.
        self.set_cells(key, {c.key: self.cell(item, c.key) for c in self.shown})

    def drop(self, keys: Iterable[str]) -> None:
        for key in keys:
            try:
                self.remove_row(key)
            except RowDoesNotExist:
                pass

    def cursor_key(self) -> str | None:
        return self.row_key_at(self.cursor_row)

    # Whether a cursor the supervisor has not moved yet stays on its row while that row is on
    # screen (True), or stays on the top row whoever is there (False). Lists whose keys act at
    # once (acknowledge, claim) keep their row; the board, whose actions all open a dialog
    # naming the agent, keeps its top row: the agent who most needs attention.
    UNTOUCHED_KEEPS_ROW: ClassVar[bool] = True

    def keep_cursor(self, key: str | None, *, scroll: bool = True) -> None:
        """After rows moved: the cursor stays on the row it was on (``key``), so a key pressed
        a moment after a refresh acts on what the supervisor was looking at.

        A cursor the supervisor has not moved follows its row only while the row is on screen
        (and only where UNTOUCHED_KEEPS_ROW); otherwise it goes to the top row, on screen. A
        row the supervisor chose is followed wherever it goes.
        """
        if (
            key is not None
            and key in self.rows
            and (not self.follow_top or (self.UNTOUCHED_KEEPS_ROW and self.is_row_visible(key)))
        ):
            self.select_key(key, scroll=scroll)
        elif self.follow_top:
            self.move_cursor(row=0, scroll=scroll)

    def select_key(self, key: str, *, scroll: bool = True) -> None:
        try:
            idx = self.get_row_index(key)
        except RowDoesNotExist:
            return
        self.move_cursor(row=idx, scroll=scroll)

    def visible_keys(self, margin: int = 2) -> list[str]:
        """Keys of the rows on screen (and a couple either side)."""
        if not self.row_count:
            return []
        top = int(self.scroll_y)
        height = self._page
        first = max(top - margin, 0)
        last = min(top + height + margin, self.row_count)
        keys = (self.row_key_at(i) for i in range(first, last))
        return [k for k in keys if k is not None]

    def item(self, key: str) -> Any | None:
        raise NotImplementedError

    def tick_row(self, key: str, item: Any) -> None:
        for col in self.TIME_COLUMNS:
            if any(c.key == col for c in self.shown):
                value = self.cell(item, col)
                if not same(self.get_cell(key, col), value):
                    self.update_cell(key, col, value)

    def tick(self, now: datetime) -> None:
        """Move the time columns on for the rows a supervisor can see."""
        self.now = now
        if not self.TIME_COLUMNS or not self.display:
            return
        for key in self.visible_keys():
            item = self.item(key)
            if item is not None:
                self.tick_row(key, item)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if self.now is not None and int(old) != int(new):
            self.tick(self.now)
