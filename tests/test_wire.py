"""Only changed cells go to the terminal, and the terminal ends up showing the same screen.

A console session on a busy floor is recorded frame by frame (what Textual composed), then
replayed through a terminal emulator twice: once as Textual encodes each frame, once through
the ``ScreenMirror``. After every frame both emulated screens must agree cell for cell, in
text and in every attribute, and the cursor must be in the same place.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import pyte
import pytest
from rich.color import ColorSystem
from rich.console import Console
from rich.control import Control
from rich.segment import Segment
from rich.style import Style
from sqlalchemy import update
from textual._compositor import ChopsUpdate, LayoutUpdate
from textual.geometry import Region
from textual.strip import Strip

from db.changes import next_change
from db.engine import make_engine, run_write
from db.models import Agent
from floorapp.bench.console import STATES, T0, seed
from floorapp.clock import ManualClock
from floorapp.context import AppContext
from screens.app import FloorApp
from screens.wire import ScreenMirror, _move, _transition, enabled, send_changed_cells
from tests.console_helpers import settle, until

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


class Terminal(pyte.Screen):
    """pyte's screen, also keeping track of "dim" (SGR 2), which pyte itself drops."""

    def __init__(self, columns: int, lines: int) -> None:
        super().__init__(columns, lines)
        self.dim = False

    def select_graphic_rendition(self, *attrs: int) -> None:
        codes = list(attrs) or [0]
        i = 0
        while i < len(codes):
            code = codes[i]
            if code in (38, 48):
                i += 3 if i + 1 < len(codes) and codes[i + 1] == 5 else 5
                continue
            if code in (0, 22):
                self.dim = False
            elif code == 2:
                self.dim = True
            i += 1
        super().select_graphic_rendition(*attrs)
        fg = self.cursor.attrs.fg.split("/")[0]
        self.cursor.attrs = self.cursor.attrs._replace(fg=fg + "/dim" if self.dim else fg)


def feed(term: Terminal, data: str) -> None:
    pyte.Stream(term).feed(data)


def cells(term: Terminal) -> list[list[Any]]:
    return [[term.buffer[y][x] for x in range(term.columns)] for y in range(term.lines)]


def record_session(
    tmp_path: Path, size: tuple[int, int]
) -> list[tuple[Any, tuple[int, int], tuple[int, int]]]:
    """A real console on a 300-agent floor: ticks with state changes, keys, a resize."""
    url = f"sqlite:///{tmp_path / 'floor.db'}"
    seed(url, 300)
    clock = ManualClock(T0)
    ctx = AppContext(db_url=url, clock=clock, actor="bench")
    writer = make_engine(url)
    rng = random.Random(3)
    frames: list[tuple[Any, tuple[int, int], tuple[int, int]]] = []

    async def run() -> None:
        app = FloorApp(ctx, actor="bench", poll_interval=3600)
        original = app._display

        def record(screen: Any, renderable: Any) -> None:
            if isinstance(renderable, (LayoutUpdate, ChopsUpdate)):
                cursor = app.screen.outer_size.clamp_offset(app.cursor_position)
                frames.append((renderable, (app.size.width, app.size.height), (cursor.x, cursor.y)))
            original(screen, renderable)

        app._display = record  # type: ignore[method-assign]
        async with app.run_test(size=size) as pilot:
            await until(pilot, lambda: app.loaded and app.board.row_count == 300, "load")
            keys = [
                "down",
                "down",
                "2",
                "1",
                "3",
                "question_mark",
                "escape",
                "end",
                "home",
                "4",
                "1",
                "enter",
                "escape",
            ]
            for round_ in range(14):
                now = clock.advance(seconds=1)
                ids = [f"A{i:05d}" for i in rng.sample(range(300), 30)]

                def tx(conn: Any, ids: list[str] = ids, now: Any = now) -> None:
                    seq = next_change(conn)
                    for aid in ids:
                        conn.execute(
                            update(Agent)
                            .where(Agent.id == aid)
                            .values(
                                state=rng.choice(STATES),
                                state_since=now,
                                updated_at=now,
                                current_call_id=None,
                                seq=seq,
                            )
                        )

                run_write(writer, tx)
                app.second()
                await settle(pilot)
                if round_ < len(keys):
                    await pilot.press(keys[round_])
                    await pilot.pause()
                if round_ == 9:
                    await pilot.resize_terminal(size[0] + 20, size[1] + 6)
                    await pilot.pause()

    try:
        asyncio.run(run())
    finally:
        writer.dispose()
    return frames


@pytest.mark.parametrize("size", [(80, 24)])
def test_replayed_session_ends_on_the_same_screen_with_far_fewer_bytes(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    frames = record_session(tmp_path, size)
    assert len(frames) > 20
    console = Console(color_system="256", force_terminal=True)
    mirror = ScreenMirror(ColorSystem.EIGHT_BIT)
    ref = Terminal(*size)
    ours = Terminal(*size)
    sent_ref = sent_ours = 0
    for n, (update_, (w, h), cursor) in enumerate(frames):
        if (w, h) != (ref.columns, ref.lines):
            ref.resize(h, w)
            ours.resize(h, w)
        textual_bytes = update_.render_segments(console) + Control.move_to(*cursor).segment.text
        our_bytes = mirror.frame(update_, (w, h), cursor)
        feed(ref, textual_bytes)
        feed(ours, our_bytes)
        sent_ref += len(textual_bytes.encode())
        sent_ours += len(our_bytes.encode())
        got, want = cells(ours), cells(ref)
        for y in range(h):
            assert got[y] == want[y], f"frame {n}, row {y}:\n{got[y]}\n!=\n{want[y]}"
        assert (ours.cursor.x, ours.cursor.y) == (ref.cursor.x, ref.cursor.y), f"frame {n}"
    # Tab switches, a help screen and a resize repaint whole screens; the ticks in between
    # change a few cells each. Together far less than Textual's whole rows.
    assert sent_ours * 3 < sent_ref, (sent_ours, sent_ref)


def _row(text: str, style: Style) -> Strip:
    return Strip([Segment(text, style)])


def test_one_changed_cell_is_a_few_bytes() -> None:
    style = Style(color="color(253)", bgcolor="color(234)")
    before = _row("坐席00042  available      0:07  team 3", style)
    after = _row("坐席00042  available      0:08  team 3", style)
    width = before.cell_length
    mirror = ScreenMirror(ColorSystem.EIGHT_BIT)
    first = mirror.frame(LayoutUpdate([[before]], Region(0, 0, width, 1)), (width, 1), (0, 0))
    assert "坐席00042" in first
    update_ = ChopsUpdate([{0: after}], [(0, 0, width)], [[width]])
    textual = update_.render_segments(Console(color_system="256", force_terminal=True))
    ours = mirror.frame(update_, (width, 1), (0, 0))
    term = Terminal(width, 1)
    feed(term, first + ours)
    assert (
        "".join(term.buffer[0][x].data for x in range(width) if term.buffer[0][x].data)
        == "坐席00042  available      0:08  team 3"
    )
    # Move there (5), the colour (20), one digit, reset (4), cursor home (4): not the row.
    assert len(ours.encode()) <= 34, repr(ours)
    assert len(textual.encode()) > 2 * len(ours.encode())
    assert mirror.frame(update_, (width, 1), (0, 0)) == ""  # the same frame again: nothing


def test_colour_changes_send_only_what_changes() -> None:
    mirror = ScreenMirror(ColorSystem.EIGHT_BIT)
    look = mirror._looks
    a = look[mirror._look_id(Style(color="color(253)", bgcolor="color(234)"))]
    b = look[mirror._look_id(Style(color="color(80)", bgcolor="color(234)"))]
    c = look[mirror._look_id(Style(bold=True, color="color(80)", bgcolor="color(234)"))]
    assert _transition(a, b) == "\x1b[38;5;80m"
    assert _transition(b, c) == "\x1b[1m"
    assert _transition(c, b) == "\x1b[0;38;5;80;48;5;234m"  # bold off: from a reset
    assert _transition(b, b) == ""


def test_cursor_moves_are_the_shortest_that_work() -> None:
    assert _move(None, 0, 4) == "\x1b[5H"
    assert _move((10, 3), 14, 3) == "\x1b[4C"
    assert _move((10, 3), 10, 4) == "\x1b[B"
    assert _move((10, 3), 8, 3) == "\b\b"
    assert _move((10, 3), 10, 3) == ""
    assert _move((0, 0), 60, 20) == "\x1b[21;61H"


def test_the_switch_leaves_textual_in_charge(monkeypatch: pytest.MonkeyPatch) -> None:
    assert enabled({}) and not enabled({"FLOORAPP_FULL_ROWS": "1"})

    class Stub:
        def _display(self, screen: Any, renderable: Any) -> None: ...

        def _suspend_signal(self) -> None: ...

    monkeypatch.setenv("FLOORAPP_FULL_ROWS", "1")
    assert send_changed_cells(Stub()) is None
    monkeypatch.delenv("FLOORAPP_FULL_ROWS")
    stub = Stub()
    assert send_changed_cells(stub) is not None
    assert stub._display.__name__ == "display"


def test_wide_and_combining_characters_land_where_textual_puts_them() -> None:
    style = Style(color="color(253)", bgcolor="color(234)")
    width = 24
    frames = [
        _row("Zoe\u0308 坐席 ok · done…   ", style),
        _row("Zoe\u0308 坐席 ok · done…   ", style),  # the same again: nothing to send
        _row("Zoi\u0308 座席 OK · d0ne…   ", style),
        _row("ab 坐 席c Zoe\u0308 … 00 1", style),  # wide characters move by a cell
    ]
    console = Console(color_system="256", force_terminal=True)
    mirror = ScreenMirror(ColorSystem.EIGHT_BIT)
    ref, ours = Terminal(width, 1), Terminal(width, 1)
    sent = []
    for strip in frames:
        strip = strip.crop_pad(width, 0, 0, style)
        update_ = LayoutUpdate([[strip]], Region(0, 0, width, 1))
        feed(ref, update_.render_segments(console) + Control.move_to(0, 0).segment.text)
        sent.append(mirror.frame(update_, (width, 1), (0, 0)))
        feed(ours, sent[-1])
        assert cells(ours) == cells(ref), (sent[-1], cells(ours), cells(ref))
    assert sent[1] == ""
    assert 0 < len(sent[2]) < len(sent[0])


class _Driver:
    is_inline = False

    def __init__(self) -> None:
        self.written: list[str] = []

    def write(self, data: str) -> None:
        self.written.append(data)

    def flush(self) -> None: ...


class _App:
    """What the display hook reads of a running Textual app, and Textual's own display."""

    def __init__(self, width: int) -> None:
        from textual.geometry import Offset, Size

        self._driver = _Driver()
        self._batch_count = 0
        self._running = True
        self._closed = False
        self.is_headless = False
        self.size = Size(width, 1)
        self.cursor_position = Offset(0, 0)
        self.screen = type("S", (), {"outer_size": Size(width, 1)})()
        self.console = Console(color_system="256", force_terminal=True)
        self.textual_frames = 0

    def _display(self, screen: Any, renderable: Any) -> None:
        self.textual_frames += 1
        self._driver.write(renderable.render_segments(self.console))

    def _suspend_signal(self) -> None: ...

    def _begin_update(self) -> None: ...

    def _end_update(self) -> None: ...

    def post_display_hook(self) -> None: ...


def test_a_fault_in_the_layer_hands_the_console_back_to_textual(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FLOORAPP_CONSOLE_LOG", str(tmp_path / "console.log"))
    style = Style(color="color(253)")
    app = _App(10)
    mirror = send_changed_cells(app)
    assert mirror is not None
    first = LayoutUpdate([[_row("0123456789", style)]], Region(0, 0, 10, 1))
    app._display(None, first)
    assert app.textual_frames == 0 and "0123456789" in app._driver.written[-1]

    def broken(*_: Any) -> str:
        raise RuntimeError("a bug in the layer")

    monkeypatch.setattr(mirror, "frame", broken)
    second = ChopsUpdate([{0: _row("0123456780", style)}], [(0, 0, 10)], [[10]])
    app._display(None, second)  # no exception: Textual draws this frame and the next ones
    app._display(None, second)
    assert app.textual_frames == 2
    assert "a bug in the layer" in (tmp_path / "console.log").read_text()
    term = Terminal(10, 1)
    feed(term, "".join(app._driver.written))
    assert "".join(term.buffer[0][x].data for x in range(10)) == "0123456780"
