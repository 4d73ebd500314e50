"""A keyed table that renders only the lines on screen and only re-renders rows that changed.

Textual's DataTable keys every cell's render cache on a table-wide update counter, so one
changed cell re-renders every visible cell (~100 ms for a 200x50 screen on this machine); a
floor changing 200 agents a second cannot afford that. This is the Line API pattern Toolong
uses: ``render_line`` builds a row's Strip from its cells once per row *version* and caches it.

The API is the small subset of DataTable the console needs (add/update/remove rows by key,
sort with a key function, a row cursor), so the live tables read like DataTable code.
All cells are ``rich.text.Text`` (outside text is never parsed as markup).
One module past 400 lines on purpose: the row cache, the cursor and the rendering share
the row versions and the order, and split apart each would reach into the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Set
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from floorapp.i18n import MARKS
from screens.actions import bindings
from screens.cells import fit
from screens.roworder import RowOrder


class RowDoesNotExist(KeyError):
    pass


@dataclass(frozen=True)
class _Column:
    key: str
    label: Text
    width: int


class Grid(ScrollView, can_focus=True):
    SCOPE = "grid"
    BINDINGS: ClassVar[list[BindingType]] = bindings("grid")
    COMPONENT_CLASSES: ClassVar[set[str]] = {"grid--header", "grid--cursor"}
    DEFAULT_CSS = """
    Grid { background: $surface; }
    Grid > .grid--header { text-style: bold; background: $panel; }
    Grid > .grid--cursor { background: $accent 30%; text-style: bold; }
    Grid:focus > .grid--cursor { background: $accent 60%; }
    """

    cursor_row: reactive[int] = reactive(0, always_update=False, init=False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Until the user moves the cursor it follows its row only while that row is on
        # screen, else it goes back to the top row (see LiveTable.keep_cursor); after that
        # it follows the row the user chose wherever it goes.
        self.follow_top = True
        self._columns: list[_Column] = []
        self.rows: dict[str, dict[str, Any]] = {}  # key -> cells (``key in rows`` works)
        self._order = RowOrder(self.rows)
        self._order_version = 0
        self._visible: tuple[tuple[int, int, int], dict[str, int]] | None = None
        self._version: dict[str, int] = {}
        self._cache: LRUCache[tuple[Any, ...], Strip] = LRUCache(1024)
        # Rendered segments of each cell, reused while the cell holds the same value object:
        # a row whose time column ticked re-renders one cell, not nine.
        self._cell_segments: dict[tuple[str, str], tuple[Any, int, list[Segment]]] = {}
        self._layout = 0  # bumped when columns or styles change: every cached row is stale
        self._base_style: tuple[int, Style] | None = None
        self._page_rows = 1
        self._stale: set[str] = set()  # rows whose cells are rebuilt when next drawn

    # --- columns and rows ---------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._order)

    @property
    def line_width(self) -> int:
        return 1 + sum(c.width + 2 for c in self._columns)

    def add_column(self, label: Text | str, *, width: int, key: str) -> str:
        self._columns.append(_Column(key, Text(label) if isinstance(label, str) else label, width))
        self._layout += 1
        self._resize_virtual()
        return key

    def _order_changed(self) -> None:
        self._order_version += 1

    def rows_on_screen(self) -> dict[str, int]:
        """Row key -> position for the rows on screen, kept until the order or scroll moves."""
        top = int(self.scroll_y)
        stamp = (self._order_version, top, self._page)
        if self._visible is None or self._visible[0] != stamp:
            keys = self._order.slice(top, top + self._page)
            self._visible = (stamp, dict(zip(keys, range(top, top + len(keys)), strict=True)))
        return self._visible[1]

    def clear(self, columns: bool = False) -> None:
        self.rows.clear()
        self._order.clear()
        self._order_changed()
        self._version.clear()
        self._stale.clear()
        self._cache.clear()
        self._cell_segments.clear()
        if columns:
            self._columns.clear()
        self._layout += 1
        self.set_reactive(Grid.cursor_row, 0)
        self._resize_virtual()
        self.refresh()

    def add_row(self, *cells: Any, key: str) -> str:
        if key in self.rows:
            raise KeyError(f"row {key!r} exists")
        self.rows[key] = {c.key: v for c, v in zip(self._columns, cells, strict=False)}
        self._version[key] = 0
        self._order.append(key)
        self._order_version += 1
        self._resize_virtual()
        self._refresh_row(len(self._order) - 1)
        return key

    def add_rows_unbuilt(self, keys: Iterable[str]) -> None:
        """Append rows whose cells are built only if and when each is drawn or read.

        A floor of ten thousand agents shows fifty: building every cell at load cost most
        of the first paint and ~30 MB of rich Text objects.
        """
        added = []
        for key in keys:
            if key in self.rows:
                raise KeyError(f"row {key!r} exists")
            self.rows[key] = {}
            self._version[key] = 0
            self._stale.add(key)
            added.append(key)
        self._order.extend(added)
        self._order_changed()
        self._resize_virtual()
        self.refresh()

    def _built(self, key: str) -> dict[str, Any]:
        if key in self._stale:
            self._stale.discard(key)
            self.rebuild_cells(key)
        return self.rows[key]

    def update_cell(self, key: str, column: str, value: Any) -> None:
        try:
            self.rows[key][column] = value
        except KeyError:
            raise RowDoesNotExist(key) from None
        self._version[key] += 1
        index = self.rows_on_screen().get(key)
        if index is not None:  # off screen: drawn from the new cells when scrolled to
            self._refresh_row(index)

    def set_cells(self, key: str, cells: dict[str, Any]) -> None:
        """Replace a row's cells without scheduling a redraw (for use while drawing)."""
        self.rows[key].update(cells)
        self._version[key] += 1

    def get_cell(self, key: str, column: str) -> Any:
        try:
            return self._built(key).get(column)
        except KeyError:
            raise RowDoesNotExist(key) from None

    def get_row_at(self, index: int) -> list[Any]:
        key = self._order.at(index)
        if key is None:
            raise IndexError(index)
        cells = self._built(key)
        return [cells.get(c.key) for c in self._columns]

    def remove_row(self, key: str) -> None:
        if key not in self.rows:
            raise RowDoesNotExist(key)
        del self.rows[key]
        self._order.remove(key)
        del self._version[key]
        self._stale.discard(key)
        for col in self._columns:
            self._cell_segments.pop((key, col.key), None)
        self._order_changed()
        if self.cursor_row >= len(self._order) and self._order:
            self.set_reactive(Grid.cursor_row, len(self._order) - 1)
        self._resize_virtual()
        self.refresh()

    def get_row_index(self, key: str) -> int:
        if key not in self.rows:
            raise RowDoesNotExist(key)
        return self._order.index(key)

    def row_key_at(self, index: int) -> str | None:
        return self._order.at(index)

    def sort(self, column: str, *, key: Callable[[Any], Any]) -> None:
        """Order rows by ``key(cell of column)``; Python's sort is stable."""
        rows = self.rows
        self._order.sort(lambda k: key(rows[k][column]))
        self._order_changed()
        self.refresh()

    def order_by(self, key: Callable[[str], Any], moved: Set[str] | None = None) -> None:
        """Order rows by ``key(row key)``: a tuple ending with the row key, looked up (e.g. a
        dict of precomputed sort keys' __getitem__), so the same row gives the same object.

        ``moved``: the only rows whose key may have changed since the last ordering. Only the
        rows down to the screen's bottom are kept exactly in order; the rest are ordered as
        far as scrolling or the cursor ever look (see RowOrder).
        """
        # The head reaches the screen's bottom, or the cursor's row if that is further (a
        # row the supervisor chose is followed off screen): neither is pulled out again.
        self._order.place(key, moved, max(int(self.scroll_y) + self._page, self.cursor_row + 1) + 1)
        self._order_changed()
        self.refresh()

    def mark_stale(self, key: str) -> None:
        """The row's data changed off screen: rebuild its cells only if it is ever drawn."""
        self._stale.add(key)

    def rebuild_cells(self, key: str) -> None:
        """Bring a stale row's cells up to date (subclasses know how)."""

    def is_row_visible(self, key: str) -> bool:
        return key in self.rows_on_screen()

    # --- cursor and scrolling -------------------------------------------------------------

    @property
    def _page(self) -> int:
        return self._page_rows

    def on_resize(self) -> None:
        # Widget.size walks the layout (~10 µs): a tick asks "is this row on screen?"
        # a thousand times, so keep the answer until the next resize.
        self._page_rows = max(self.size.height - 1, 1)

    def move_cursor(self, *, row: int, scroll: bool = True) -> None:
        if not self._order:
            return
        row = max(0, min(row, len(self._order) - 1))
        old = self.cursor_row
        self.set_reactive(Grid.cursor_row, row)
        self._refresh_row(old)
        self._refresh_row(row)
        if scroll:
            self.scroll_to_row(row)

    def scroll_to_row(self, row: int) -> None:
        top = int(self.scroll_y)
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + self._page:
            self.scroll_to(y=row - self._page + 1, animate=False, immediate=True)

    def watch_cursor_row(self, old: int, new: int) -> None:
        self._refresh_row(old)
        self._refresh_row(new)

    def action_cursor_up(self) -> None:
        self.follow_top = False
        self.move_cursor(row=self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.follow_top = False
        self.move_cursor(row=self.cursor_row + 1)

    def action_page_up(self) -> None:
        self.follow_top = False
        self.move_cursor(row=self.cursor_row - self._page)

    def action_page_down(self) -> None:
        self.follow_top = False
        self.move_cursor(row=self.cursor_row + self._page)

    def action_first(self) -> None:
        self.follow_top = True
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.follow_top = False
        self.move_cursor(row=len(self._order) - 1)

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self.follow_top = False
            self.move_cursor(row=int(self.scroll_y) + event.y - 1, scroll=False)

    def on_focus(self) -> None:
        self._layout += 1
        self.refresh()

    def on_blur(self) -> None:
        self._layout += 1
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.forget_drawn()

    def forget_drawn(self) -> None:
        """Drop every drawn line and cell (a style or the language changed)."""
        self._layout += 1
        self._cache.clear()
        self._cell_segments.clear()

    # --- rendering ----------------------------------------------------------------------

    def _resize_virtual(self) -> None:
        self.virtual_size = Size(self.line_width, len(self._order) + 1)

    def _refresh_row(self, index: int) -> None:
        top = int(self.scroll_y)
        if top <= index < top + self._page:
            self.refresh_line(index + 1)

    def _cell(self, value: Any, width: int) -> list[Segment]:
        """One cell: cut with an ellipsis or padded to the column, with a space either side."""
        if value is None:
            return [Segment(" " * (width + 2))]
        cell = value.copy() if isinstance(value, Text) else Text(str(value))
        cell.end = ""
        if cell.cell_len > width:
            fit(cell, width)
        gap = width - cell.cell_len
        if gap > 0:
            if cell.justify == "right":
                cell.pad_left(gap)
            else:
                cell.pad_right(gap)
        console = self.app.console
        segments = cell.render(console, end="")
        if cell.style:
            # Text.render leaves a span-less Text's own style off (rich applies it one level
            # up): without this every state colour and warning style was lost.
            segments = Segment.apply_style(segments, console.get_style(cell.style))
        if self._no_color:
            # Under NO_COLOR Textual greys each colour by its brightness: red text came out
            # dark grey on a dark ground, a long call's warning nearly invisible. A cell keeps
            # its bold, reverse and underline (and its words); its colours go.
            segments = list(Segment.remove_color(segments))
        return [Segment(" "), *segments, Segment(" ")]

    @property
    def _no_color(self) -> bool:
        return bool(getattr(self.app, "no_color", False))

    def _row_segments(self, key: str, cursor: bool) -> list[Segment]:
        cells = self.rows[key]
        out = [Segment(MARKS.cursor if cursor else " ")]
        cache = self._cell_segments
        for col in self._columns:
            value = cells.get(col.key)
            ck = (key, col.key)
            hit = cache.get(ck)
            if hit is not None and hit[0] is value and hit[1] == col.width:
                out.extend(hit[2])
                continue
            segs = self._cell(value, col.width)
            cache[ck] = (value, col.width, segs)
            out.extend(segs)
        return out

    def _base(self) -> Style:
        # rich_style walks the DOM (~0.1 ms): once per layout, not once per row.
        if self._base_style is None or self._base_style[0] != self._layout:
            self._base_style = (self._layout, self.rich_style)
        return self._base_style[1]

    def _strip(self, segments: list[Segment], post: Style | None) -> Strip:
        # Merge neighbouring segments of one style: each segment costs a full SGR sequence
        # and a reset on the wire, which dominated the bytes an SSH link carried.
        return Strip(Segment.apply_style(segments, self._base(), post), self.line_width).simplify()

    def _header_strip(self) -> Strip:
        ck = ("header", self._layout)
        strip = self._cache.get(ck)
        if strip is None:
            segments = [Segment(" ")]
            for col in self._columns:
                segments.extend(self._cell(col.label, col.width))
            strip = self._strip(segments, self.get_component_rich_style("grid--header"))
            self._cache[ck] = strip
        return strip

    def empty_message(self) -> str:
        """What the first line says when there are no rows (an empty table must not look
        like one that has not loaded, nor hide that a filter emptied it)."""
        return ""

    def _empty_strip(self, width: int) -> Strip:
        message = self.empty_message()
        if not message:
            return Strip.blank(width, self._base())
        text = Text("  " + message, style="italic", no_wrap=True, end="")
        fit(text, width)
        segments = list(text.render(self.app.console, end=""))
        return Strip(Segment.apply_style(segments, self._base()), text.cell_len).crop_extend(
            0, width, self._base()
        )

    def _row_strip(self, index: int) -> Strip:
        key = self._order.at(index)
        if key is None:  # the order ran short of the rows it should hold: a blank line,
            return Strip.blank(self.line_width, self._base())  # not a dead console
        self._built(key)
        cursor = index == self.cursor_row
        ck = (key, self._version[key], cursor, self._layout)
        strip = self._cache.get(ck)
        if strip is None:
            post = self.get_component_rich_style("grid--cursor") if cursor else None
            strip = self._strip(self._row_segments(key, cursor), post)
            self._cache[ck] = strip
        return strip

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x = int(self.scroll_x)
        if y == 0:
            strip = self._header_strip()
        else:
            index = int(self.scroll_y) + y - 1
            if index >= len(self._order):
                if index == 0:
                    return self._empty_strip(width)
                return Strip.blank(width, self._base())
            strip = self._row_strip(index)
        return strip.crop_extend(scroll_x, scroll_x + width, self._base())
