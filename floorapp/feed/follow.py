"""Reading a feed file: once to the end, or followed like ``tail -F``.

Readers are iterators of decoded lines (``None`` while a followed file is quiet, so
the caller can flush on time) that also say where they are: ``line_no`` of the line
just returned and ``position()`` after it, which the writer stores in ``feed_cursor``
with the batch. Offsets are in bytes and always at a line boundary, so a restart
resumes exactly after the last committed line.

Following survives rotation by rename (the old file is read to its end before the
new one is opened, even if the writer appended to it after the rename), rotation by
truncation (``copytruncate``), and the file being briefly absent.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

from floorapp.feed.cursor import FeedPosition

POLL_S = 0.1


def file_id(st: os.stat_result) -> str:
    return f"{st.st_dev}:{st.st_ino}"


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


class FileReader:
    """Reads a file once, from ``start`` (a saved position) or the beginning, to its end."""

    def __init__(self, path: Path, source: str, *, start: FeedPosition | None = None) -> None:
        self.path = path
        self.source = source
        self._fh: BinaryIO = open(path, "rb")  # closed when iteration ends
        st = os.fstat(self._fh.fileno())
        self.size = st.st_size
        self._file_id = file_id(st)
        self.offset = 0
        self.line_no = 0
        if start is not None and start.file_id == self._file_id and start.offset <= st.st_size:
            self._fh.seek(start.offset)
            self.offset, self.line_no = start.offset, start.line_no

    def position(self) -> FeedPosition:
        return FeedPosition(self.source, self._file_id, self.offset, self.line_no)

    def __iter__(self) -> Iterator[str | None]:
        try:
            for raw in self._fh:
                self.offset += len(raw)
                self.line_no += 1
                yield _decode(raw)
        finally:
            self._fh.close()


class Follower:
    """``tail -F`` for a feed: yields lines as they are written, ``None`` when idle.

    Stops when ``stop`` is set (checked between lines and while waiting).
    """

    def __init__(
        self,
        path: Path,
        source: str,
        stop: threading.Event,
        *,
        start: FeedPosition | None = None,
        poll_s: float = POLL_S,
    ) -> None:
        self.path = path
        self.source = source
        self.stop = stop
        self.poll_s = poll_s
        self.offset = 0
        self.line_no = 0
        self.rotations = 0
        self._fh: BinaryIO | None = None
        self._file_id: str | None = None
        self._partial = b""
        self._open_at_start(start)

    def position(self) -> FeedPosition:
        return FeedPosition(self.source, self._file_id, self.offset, self.line_no)

    # --- opening ---------------------------------------------------------------------------

    def _open(self, path: Path, offset: int = 0, line_no: int = 0) -> bool:
        try:
            fh = open(path, "rb")  # held for the life of the follower
        except FileNotFoundError:
            return False
        if self._fh is not None:
            self._fh.close()
        self._fh = fh
        self._file_id = file_id(os.fstat(fh.fileno()))
        fh.seek(offset)
        self.offset, self.line_no, self._partial = offset, line_no, b""
        return True

    def _open_at_start(self, start: FeedPosition | None) -> None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            st = None
        if start is not None and start.file_id is not None:
            if st is not None and file_id(st) == start.file_id:
                if st.st_size >= start.offset:
                    self._open(self.path, start.offset, start.line_no)
                else:  # truncated while we were away
                    self._open(self.path)
                return
            # Rotated while we were away: finish the old file if it is still beside it.
            old = self._find_rotated(start.file_id)
            if old is not None and self._open(old, start.offset, start.line_no):
                return
        if st is not None:
            self._open(self.path)

    def _find_rotated(self, wanted: str) -> Path | None:
        try:
            entries = list(os.scandir(self.path.parent))
        except OSError:
            return None
        for entry in entries:
            try:
                if entry.is_file() and file_id(entry.stat()) == wanted:
                    return Path(entry.path)
            except OSError:
                continue
        return None

    # --- reading ---------------------------------------------------------------------------

    def _read_available(self) -> Iterator[str]:
        """Every complete line written so far to the open file."""
        fh = self._fh
        if fh is None:
            return
        while True:
            raw = fh.readline()
            if not raw:
                return
            if not raw.endswith(b"\n"):
                self._partial += raw  # the writer is mid-line: wait for the rest
                return
            if self._partial:
                raw, self._partial = self._partial + raw, b""
            self.offset += len(raw)
            self.line_no += 1
            yield _decode(raw)
            if self.stop.is_set():
                return

    def _check_rotation(self) -> Iterator[str]:
        """At the end of the open file: has it been renamed, replaced or truncated?"""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return  # between rename and re-create: keep the old file, look again later
        if self._fh is None:
            self._open(self.path)
            return
        if file_id(st) != self._file_id:
            # Renamed away and replaced. Whatever the writer appended before switching
            # is still in the old file: read it to the end first.
            yield from self._read_available()
            if self._partial:  # the old file ended without a newline: that is a line too
                raw, self._partial = self._partial, b""
                self.offset += len(raw)
                self.line_no += 1
                yield _decode(raw)
            if self._open(self.path):
                self.rotations += 1
            return
        if st.st_size < self.offset + len(self._partial):
            self._fh.seek(0)  # truncated in place (copytruncate)
            self.offset, self.line_no, self._partial = 0, 0, b""
            self.rotations += 1

    def __iter__(self) -> Iterator[str | None]:
        try:
            while not self.stop.is_set():
                got = False
                for line in self._read_available():
                    got = True
                    yield line
                if got:
                    continue
                for line in self._check_rotation():
                    yield line
                if self.stop.wait(self.poll_s):
                    return
                yield None
        finally:
            if self._fh is not None:
                self._fh.close()


class StreamReader:
    """Standard input. Followed: a thread reads, so quiet spells still yield ``None``."""

    def __init__(
        self,
        stream: BinaryIO | TextIO,
        source: str,
        stop: threading.Event,
        *,
        follow: bool = False,
        poll_s: float = POLL_S,
        first: list[bytes] | None = None,
    ) -> None:
        self._stream = getattr(stream, "buffer", stream)
        self.source = source
        self.stop = stop
        self.follow = follow
        self.poll_s = poll_s
        self._first = list(first or [])
        self.line_no = 0
        self.offset = 0
        self.size = 0

    def position(self) -> FeedPosition:
        return FeedPosition(self.source, None, self.offset, self.line_no)

    def _raw_lines(self) -> Iterator[bytes]:
        yield from self._first
        yield from self._stream  # type: ignore[misc]

    def __iter__(self) -> Iterator[str | None]:
        if not self.follow:
            for raw in self._raw_lines():
                self.offset += len(raw)
                self.line_no += 1
                yield _decode(raw)
                if self.stop.is_set():
                    return
            return
        lines: queue.Queue[bytes | None] = queue.Queue(maxsize=10_000)

        def pump() -> None:
            try:
                for raw in self._raw_lines():
                    lines.put(raw)
            finally:
                lines.put(None)

        threading.Thread(target=pump, name="stdin-reader", daemon=True).start()
        while not self.stop.is_set():
            try:
                raw = lines.get(timeout=self.poll_s)
            except queue.Empty:
                yield None
                continue
            if raw is None:
                return
            self.offset += len(raw)
            self.line_no += 1
            yield _decode(raw)
