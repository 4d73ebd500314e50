"""Textual's DataTable made to behave like the console's own tables: a ▶ mark on the cursor
row (not colour alone), and Home / End move the cursor to the first / last row (Textual's
only scroll)."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.binding import BindingType
from textual.widgets import DataTable
from textual.widgets._data_table import RowRenderables

from floorapp.i18n import MARKS
from screens.actions import bindings


class CursorTable(DataTable[Any]):
    SCOPE = "cursor_table"
    BINDINGS: ClassVar[list[BindingType]] = bindings("cursor_table")

    def add_row(
        self, *cells: Any, height: int | None = 1, key: str | None = None, label: Any = None
    ) -> Any:
        # A one-cell label on every row makes room for the mark.
        return super().add_row(
            *cells, height=height, key=key, label=Text(" ") if label is None else label
        )

    def _get_row_renderables(self, row_index: int) -> RowRenderables:
        got = super()._get_row_renderables(row_index)
        if row_index < 0 or got.label is None:
            return got
        on = row_index == self.cursor_row and self.show_cursor
        return RowRenderables(Text(MARKS.cursor if on else " "), got.cells)

    def action_first(self) -> None:
        if self.row_count:
            self.move_cursor(row=0)

    def action_last(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1)
