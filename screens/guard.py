"""The console outlives its own bugs: a failing key action is a notice and a log entry.

A supervisor keeps the console open all shift; a traceback that ends it mid-shift costs
more than any one action is worth. Textual ends the app on any unhandled exception, so key
actions run through ``FloorApp.run_action``, which hands failures here instead.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import platformdirs
from textual.widgets import OptionList

from floorapp.text import clean


def console_log_path() -> Path:
    """Where a console writes what went wrong (``FLOORAPP_CONSOLE_LOG`` overrides)."""
    override = os.environ.get("FLOORAPP_CONSOLE_LOG")
    if override:
        return Path(override)
    return Path(platformdirs.user_log_dir("floorapp")) / "console.log"


def record_failure(where: str, exc: BaseException) -> str:
    """Append the traceback to the console log; return the one line to show."""
    path = console_log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {datetime.now(UTC).isoformat(timespec='seconds')} {where}\n")
            fh.write("".join(traceback.format_exception(exc)))
        told = f" (details in {path})"
    except OSError:
        told = ""  # a full or read-only disk must not turn one failure into two
    what = clean(f"{type(exc).__name__}: {exc}") or type(exc).__name__
    return f"{where} failed: {what}{told}"


def _guarded_move_page(
    original: Callable[[OptionList, Literal[-1, 1]], None],
) -> Callable[[OptionList, Literal[-1, 1]], None]:
    def move_page(self: OptionList, direction: Literal[-1, 1]) -> None:
        # Textual 8.2's OptionList pages through its line cache, which is only filled
        # when the list is laid out; a paging key that arrives first (ctrl+p then
        # PageDown in one burst over SSH) found no line for option 0 and raised KeyError.
        self._update_lines()
        if self.options and (self.highlighted or 0) not in self._index_to_line:
            return
        original(self, direction)

    move_page.__dict__["__floorapp_guarded__"] = True  # the mark that it is ours
    return move_page


def guard_option_list_paging() -> None:
    """Work around Textual's OptionList paging before layout (idempotent)."""
    current = OptionList._move_page
    if not getattr(current, "__floorapp_guarded__", False):
        # Textual: patching its private method (mypy refuses any assignment to a method).
        OptionList._move_page = _guarded_move_page(current)  # type: ignore[method-assign,assignment]
