"""Send the terminal only the cells that changed: the console's bytes over an SSH link.

Textual repaints a region by re-sending every cell in it, each run of one style wrapped in
its own colour sequence and a reset. A floor board changes a digit of "time in state" on
every row each second, so whole rows went out every second (about 120 bytes per changed
cell). ``ScreenMirror`` keeps the screen as last sent, cell by cell, and turns each frame
Textual composes into the cells that differ from it: the shortest cursor move to each run
of changed cells, a colour sequence only where the colour changes (and only the part that
changes), the characters. What the terminal ends up showing is the same, cell for cell.

It sits where Textual turns a frame into text (``App._display``), before anything is
encoded, so the diff works on characters and styles rather than on escape sequences.
``FLOORAPP_FULL_ROWS=1`` turns it off (Textual's own output), for comparison.
One module past 400 lines on purpose: the mirror and the encoder of its diff are one
algorithm over one cell model.
"""

from __future__ import annotations

import os
import sys
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any

from rich.cells import get_character_cell_size
from rich.color import ColorSystem
from rich.style import Style
from textual._compositor import ChopsUpdate, LayoutUpdate
from textual.strip import Strip

from screens.guard import record_failure

__all__ = ["ScreenMirror", "send_changed_cells"]

OFF_SWITCH = "FLOORAPP_FULL_ROWS"
# Unchanged cells between two changed ones are re-sent rather than jumped over when that is
# no longer than a cursor move (ESC [ n C is four bytes) and needs no colour change.
MAX_GAP = 3
_RESET = "\x1b[0m"


class _Look:
    """How a cell is drawn: one SGR parameter string, split so transitions can be short."""

    __slots__ = ("ansi", "attrs", "bg", "fg", "link", "link_id")

    def __init__(self, ansi: str, link: str | None, link_id: str) -> None:
        self.ansi = ansi
        self.link = link
        self.link_id = link_id
        attrs: list[str] = []
        fg = bg = None
        parts = ansi.split(";") if ansi else []
        i = 0
        while i < len(parts):
            p = parts[i]
            if p in ("38", "48"):
                # Extended colour: 38;5;n or 38;2;r;g;b, one colour however many numbers.
                n = 3 if i + 1 < len(parts) and parts[i + 1] == "5" else 5
                value = ";".join(parts[i : i + n])
                if p == "38":
                    fg = value
                else:
                    bg = value
                i += n
                continue
            code = int(p)
            if 30 <= code <= 37 or 90 <= code <= 97:
                fg = p
            elif 40 <= code <= 47 or 100 <= code <= 107:
                bg = p
            else:
                attrs.append(p)
            i += 1
        self.attrs = frozenset(attrs)
        self.fg = fg
        self.bg = bg


_PLAIN = _Look("", None, "")


def _transition(cur: _Look, new: _Look) -> str:
    """The shortest SGR that turns the pen ``cur`` into ``new``."""
    if cur.ansi == new.ansi:
        return ""
    full = f"\x1b[0;{new.ansi}m" if new.ansi else _RESET
    if not cur.attrs <= new.attrs:
        return full  # attributes have no one-by-one "off" that is safe everywhere: reset
    params = sorted(new.attrs - cur.attrs)
    if new.fg != cur.fg:
        params.append(new.fg or "39")
    if new.bg != cur.bg:
        params.append(new.bg or "49")
    short = f"\x1b[{';'.join(params)}m"
    return short if len(short) < len(full) else full


def _cells(text: str) -> list[str]:
    """The cells ``text`` fills: a wide character's right half is "", a combining mark
    rides on the character before it; [] when it starts with one (handled cell by cell)."""
    cells: list[str] = []
    for ch in text:
        size = get_character_cell_size(ch)
        if size == 0:
            if not cells:
                return []
            i = len(cells) - 1
            while cells[i] == "":
                i -= 1
            cells[i] += ch
        elif size == 2:
            cells += (ch, "")
        else:
            cells.append(ch)
    return cells


def _sure_width(ch: str) -> bool:
    """True when every terminal agrees on this character's width (so relative moves after
    it land where intended); ambiguous ones (…, ·, emoji) get an absolute move next."""
    return ch.isascii() or unicodedata.east_asian_width(ch) in ("W", "F", "Na", "H")


def _move(cur: tuple[int, int] | None, x: int, y: int) -> str:
    """The shortest cursor move from ``cur`` (None: unknown) to column ``x``, row ``y``."""
    best = f"\x1b[{y + 1}H" if x == 0 else f"\x1b[{y + 1};{x + 1}H"
    if cur is None:
        return best
    cx, cy = cur
    if cx == x and cy == y:
        return ""
    dy = y - cy
    vertical = (
        ""
        if dy == 0
        else (
            ("\x1b[B" if dy == 1 else f"\x1b[{dy}B")
            if dy > 0
            else ("\x1b[A" if dy == -1 else f"\x1b[{-dy}A")
        )
    )
    dx = x - cx
    horizontal = (
        ""
        if dx == 0
        else (
            ("\x1b[C" if dx == 1 else f"\x1b[{dx}C")
            if dx > 0
            else ("\b" * -dx if dx >= -3 else f"\x1b[{-dx}D")
        )
    )
    relative = vertical + horizontal
    return relative if len(relative) < len(best) else best


class ScreenMirror:
    """The terminal's screen as last sent, and the encoder of each new frame against it."""

    def __init__(self, color_system: ColorSystem = ColorSystem.TRUECOLOR) -> None:
        self.color_system = color_system
        self.width = 0
        self.height = 0
        # Per row: the character in each cell ("" for the right half of a wide one, None
        # when the terminal's content there is not known) and an index into ``_looks``.
        self._chars: list[list[str | None]] = []
        self._looks_of: list[list[int]] = []
        self._look_ids: dict[Style | None, int] = {None: 0}
        self._look_by_key: dict[tuple[str, str | None, str], int] = {("", None, ""): 0}
        self._looks: list[_Look] = [_PLAIN]
        self._cells: dict[str, list[str]] = {}  # the cells of each non-ASCII text seen
        self._cursor_sent: tuple[int, int] | None = None

    def forget(self) -> None:
        """The terminal's content is no longer known (resized, suspended, written over)."""
        self.width = self.height = 0
        self._chars = []
        self._looks_of = []
        self._cursor_sent = None

    def _resize(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self._chars = [[None] * width for _ in range(height)]
        self._looks_of = [[-1] * width for _ in range(height)]
        self._cursor_sent = None

    def _look_id(self, style: Style | None) -> int:
        found = self._look_ids.get(style)
        if found is not None:
            return found
        assert style is not None
        ansi = Strip.render_ansi(style, self.color_system)
        key = (ansi, style._link, style._link_id if style._link else "")
        look = self._look_by_key.get(key)
        if look is None:
            look = len(self._looks)
            self._looks.append(_Look(*key))
            self._look_by_key[key] = look
        self._look_ids[style] = look
        return look

    # --- applying a frame to the mirror ------------------------------------------------

    def _pieces(self, update: LayoutUpdate | ChopsUpdate) -> Iterator[tuple[int, int, Strip]]:
        """(x, y, strip) for every strip the update writes: exactly what Textual's
        ``render_segments`` would write, where it would write it."""
        if isinstance(update, ChopsUpdate):
            chops: Any = update.chops
            for y, x1, x2 in update.spans:
                line: Mapping[int, Strip | None] = chops[y]
                for end, (x, strip) in zip(update.chop_ends[y], line.items(), strict=False):
                    if strip is None or x > x2 or end <= x1:
                        continue
                    if not (x2 > x >= x1 and end <= x2):
                        strip = strip.crop(0, min(end, x2) - x)
                    yield x, y, strip
        else:
            x = update.region.x
            for y, strips in enumerate(update.strips, update.region.y):
                for strip in strips:
                    yield x, y, strip
                    x += strip.cell_length
                x = update.region.x

    def _apply(self, x: int, y: int, strip: Strip, changed: dict[int, list[int]]) -> None:
        if not 0 <= y < self.height:
            return
        width = self.width
        row = self._chars[y]
        looks = self._looks_of[y]
        marks = changed.setdefault(y, [])
        start = x
        broke_wide = x < width and x > 0 and row[x] == ""
        for text, style, control in strip:
            if control or x >= width:
                continue
            look = self._look_id(style)
            if text.isascii():
                new = list(text[: width - x])
            else:
                cells = self._cells.get(text)
                if cells is None:
                    if len(self._cells) > 4096:
                        self._cells.clear()
                    cells = self._cells[text] = _cells(text)
                new = cells if cells and x + len(cells) <= width else []
            if new:
                end = x + len(new)
                n = len(new)
                if row[x:end] != new or looks[x:end] != [look] * n:
                    for i in range(x, end):
                        ch = new[i - x]
                        if row[i] != ch or looks[i] != look:
                            row[i] = ch
                            looks[i] = look
                            marks.append(i)
                x = end
                continue
            for ch in text:
                size = get_character_cell_size(ch)
                if size == 0:
                    if x > start:  # a combining mark rides on the cell before it
                        base = x - 1
                        while base > start and row[base] == "":
                            base -= 1
                        row[base] = (row[base] or "") + ch
                        marks.append(base)
                    continue
                if x + size > width:
                    x = width
                    break
                if row[x] != ch or looks[x] != look:
                    row[x] = ch
                    looks[x] = look
                    marks.append(x)
                if size == 2:
                    if row[x + 1] != "" or looks[x + 1] != look:
                        row[x + 1] = ""
                        looks[x + 1] = look
                        marks.append(x + 1)
                x += size
        # Writing over half of a wide character blanks its other half on the terminal:
        # that cell is no longer what the mirror says, so it is sent again next time.
        if broke_wide and row[start] != "":
            row[start - 1] = None
        if x < width and row[x] == "":
            row[x] = None

    # --- encoding ------------------------------------------------------------------------

    def frame(
        self, update: LayoutUpdate | ChopsUpdate, size: tuple[int, int], cursor: tuple[int, int]
    ) -> str:
        """The bytes that bring the terminal from the mirror to this frame (and the mirror
        with it); "" when nothing on screen changed."""
        width, height = size
        if (width, height) != (self.width, self.height):
            self._resize(width, height)
        changed: dict[int, list[int]] = {}
        for x, y, strip in self._pieces(update):
            self._apply(x, y, strip, changed)
        # Runs of changed characters of one look: (look, row, first cell, last cell).
        groups: dict[int, list[tuple[int, int, int]]] = {}
        for y in sorted(changed):
            row = self._chars[y]
            looks = self._looks_of[y]
            starts = sorted({x - 1 if row[x] == "" and x > 0 else x for x in changed[y]})
            run: list[int] | None = None  # [look, first, last]
            for x in starts:
                if row[x] is None or row[x] == "":
                    continue  # not a character the terminal can be sent (never, in practice)
                last = x + 1 if x + 1 < width and row[x + 1] == "" else x
                look_id = looks[x]
                if run is not None and run[0] == look_id and run[2] + 1 == x:
                    run[2] = last
                    continue
                if run is not None:
                    groups.setdefault(run[0], []).append((y, run[1], run[2]))
                run = [look_id, x, last]
            if run is not None:
                groups.setdefault(run[0], []).append((y, run[1], run[2]))
        # One look at a time, each visited in screen order: a colour is set once a frame,
        # not once per cell that wears it (the end state does not depend on the order).
        out: list[str] = []
        pen = _PLAIN
        # Where the terminal's cursor is, when known: where the last frame left it.
        at: tuple[int, int] | None = self._cursor_sent
        looks_table = self._looks
        todo = dict(groups)
        while todo:
            current = pen
            look_id = min(todo, key=lambda k: (len(_transition(current, looks_table[k])), k))
            look = looks_table[look_id]
            if look.link != pen.link or look.link_id != pen.link_id:
                if pen.link:
                    out.append("\x1b]8;;\x1b\\")
                if look.link:
                    out.append(f"\x1b]8;id={look.link_id};{look.link}\x1b\\")
            out.append(_transition(pen, look))
            pen = look
            for y, a, b in todo.pop(look_id):
                row = self._chars[y]
                looks = self._looks_of[y]
                if (
                    at is not None
                    and at[1] == y
                    and 0 < a - at[0] <= MAX_GAP
                    and all(row[g] is not None and looks[g] == look_id for g in range(at[0], a))
                ):
                    a = at[0]  # re-sending a few unchanged cells is shorter than a move
                x = a
                while x <= b:
                    ch = row[x]
                    if not ch:  # right half of a wide character
                        x += 1
                        continue
                    if at != (x, y):
                        out.append(_move(at, x, y))
                    out.append(ch)
                    x += 2 if x + 1 < width and row[x + 1] == "" else 1
                    # After a character terminals may disagree on, or at the right edge
                    # (pending wrap), the next write is placed with an absolute move.
                    at = (x, y) if x < width and _sure_width(ch[0]) else None
        if pen.link:
            out.append("\x1b]8;;\x1b\\")
        if pen is not _PLAIN and pen.ansi:
            out.append(_RESET)
        wrote = any(out)
        if wrote or self._cursor_sent != cursor:
            out.append(_move(at, *cursor))
            self._cursor_sent = cursor
        return "".join(out)


def enabled(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return env.get(OFF_SWITCH, "").strip().lower() not in ("1", "yes", "true", "on")


def send_changed_cells(app: Any) -> ScreenMirror | None:
    """Make ``app`` (a Textual App, before it runs) send only changed cells.

    Replaces the app's ``_display`` for full-screen frames; everything else (inline mode,
    a plain renderable, a headless test) still goes through Textual's own path.
    """
    if not enabled() or sys.platform == "win32":
        return None
    original_display = app._display
    original_suspend = app._suspend_signal
    mirror = ScreenMirror()

    def suspend_signal() -> None:
        mirror.forget()  # another program may draw while suspended
        original_suspend()

    off = False

    def display(screen: Any, renderable: Any) -> None:
        nonlocal off
        driver = app._driver
        if (
            off
            or renderable is None
            or app._batch_count
            or not app._running
            or app._closed
            or driver is None
            or app.is_headless
            or driver.is_inline
            or not isinstance(renderable, (LayoutUpdate, ChopsUpdate))
        ):
            if renderable is not None and not app._batch_count:
                mirror.forget()
            original_display(screen, renderable)
            return
        cursor = app.screen.outer_size.clamp_offset(app.cursor_position)
        mirror.color_system = app.console._color_system or ColorSystem.TRUECOLOR
        try:
            data = mirror.frame(renderable, (app.size.width, app.size.height), (cursor.x, cursor.y))
        except Exception as error:
            # A fault here must not end a supervisor's console: Textual's own output takes
            # over for good. Nothing of this frame was sent, so the terminal still shows
            # the last frame, which is what Textual's update of it expects.
            off = True
            mirror.forget()
            record_failure("changed-cell output", error)
            original_display(screen, renderable)
            return
        try:
            if data:
                app._begin_update()
                try:
                    driver.write(data)
                finally:
                    app._end_update()
                driver.flush()
            app._previous_cursor_position = cursor
        finally:
            app.post_display_hook()

    app._display = display
    app._suspend_signal = suspend_signal
    return mirror
