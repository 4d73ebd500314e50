"""Reading a feed file: once to the end, or followed like ``tail -F``.

Readers are iterators of decoded lines (``None`` while a followed file is quiet, so
the caller can flush on time) that also say where they are: ``line_no`` of the line
just returned and ``position()`` after it, which the writer stores in ``feed_cursor``
with the batch. Offsets are in bytes and always at a line boundary, so a restart
resumes exactly after the last committed line.

Following survives rotation by rename (the old file is read to its end before the
new one is opened, even if the writer appended to it after the rename), rotation by
truncation (``copytruncate``), and the file being briefly absent.

A follower started from a saved position first makes sure the file is the one the
position belongs to (inode, size, and a hash of its first bytes: a file truncated and
refilled, or re-created on a reused inode, has the inode but not the bytes). If it is
not, the file the position belongs to is looked for beside it (renamed, or copied by
``copytruncate``) and read to its end first; then the new file is read from its start.
"""

from __future__ import annotations

import bz2
import gzip
import logging
import os
import queue
import threading
import zlib
from collections.abc import Callable, Iterator
from hashlib import blake2b
from pathlib import Path
from typing import BinaryIO, TextIO, cast

from floorapp.feed.cursor import FeedPosition
from floorapp.feed.events import MAX_LINE_CHARS, decode_line

POLL_S = 0.1
FINGERPRINT_BYTES = 4096  # a queue_log's first line has a time: enough to tell files apart
MAX_CANDIDATES = 50  # rotated siblings whose head is compared with a lost file's

log = logging.getLogger("floorapp.feed")


def file_id(st: os.stat_result) -> str:
    return f"{st.st_dev}:{st.st_ino}"


def fingerprint_of(fd: int, n: int) -> str:
    """ "N:hex": a hash of the first ``n`` bytes of the open file ``fd``."""
    head = os.pread(fd, n, 0) if n > 0 else b""
    return f"{len(head)}:{blake2b(head, digest_size=16).hexdigest()}"


def _fingerprint_len(fp: str) -> int | None:
    n, sep, _ = fp.partition(":")
    return int(n) if sep and n.isdigit() else None


def holds(path: Path, start: FeedPosition) -> bool:
    """Is ``path`` (still) the file ``start`` was read from, up to its offset?"""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        if os.fstat(fd).st_size < start.offset:
            return False
        if start.fingerprint is None:  # saved by a release that kept none: inode and size
            return True
        n = _fingerprint_len(start.fingerprint)
        return n is not None and fingerprint_of(fd, n) == start.fingerprint
    finally:
        os.close(fd)


_decode = decode_line

# What is kept of a line: any line longer is longer than MAX_LINE_CHARS characters (four
# bytes at most each), so the parsers reject it as such, and the rest is skipped unheld.
MAX_LINE_BYTES = 4 * MAX_LINE_CHARS + 4
_SKIP_BYTES = 1 << 16


def read_line(fh: BinaryIO, limit: int = -1) -> tuple[bytes, int, bool]:
    """The next line of ``fh`` (at most ``limit`` bytes of it when given), never holding
    more than MAX_LINE_BYTES: (what is kept, bytes consumed, whether its end was read).

    A longer line is consumed to its end in bounded pieces; what is kept is its start,
    without the newline. At the end of what is written so far the line is incomplete.
    """
    room = MAX_LINE_BYTES if limit < 0 else min(limit, MAX_LINE_BYTES)
    raw = fh.readline(room)
    used = len(raw)
    if raw.endswith(b"\n") or used < room or used == limit:
        return raw, used, raw.endswith(b"\n")
    while limit < 0 or used < limit:
        more = fh.readline(_SKIP_BYTES if limit < 0 else min(_SKIP_BYTES, limit - used))
        if not more:
            return raw, used, False
        used += len(more)
        if more.endswith(b"\n"):
            return raw, used, True
    return raw, used, False


def _lines(fh: BinaryIO) -> Iterator[tuple[bytes, int]]:
    """(kept, consumed) for each line to the end of ``fh``; the last may lack its newline."""
    readline = fh.readline
    while True:
        raw = readline(MAX_LINE_BYTES)
        used = len(raw)
        if used < MAX_LINE_BYTES or raw[-1:] == b"\n":  # every line Asterisk writes
            if not used:
                return
            yield raw, used
            continue
        while more := readline(_SKIP_BYTES):  # an over-long line: skip to its end
            used += len(more)
            if more[-1:] == b"\n":
                break
        yield raw, used


# A rotated log as logger.c's rotate_file (queue_log.N.gz, .bz2) or logrotate leaves it.
_COMPRESSED: dict[bytes, Callable[[BinaryIO], BinaryIO]] = {
    b"\x1f\x8b": lambda fh: cast(BinaryIO, gzip.GzipFile(fileobj=fh, mode="rb")),
    b"BZh": lambda fh: cast(BinaryIO, bz2.BZ2File(fh)),
}


def compression_of(fh: BinaryIO) -> Callable[[BinaryIO], BinaryIO] | None:
    """The decompressor a file's first bytes call for (None: plain); ``fh`` is left at 0."""
    head = fh.read(3)
    fh.seek(0)
    return _COMPRESSED.get(head[:2]) or _COMPRESSED.get(head)


def open_feed(path: Path) -> BinaryIO:
    """``path`` for reading once, decompressed if it is compressed."""
    fh: BinaryIO = open(path, "rb")
    unpack = compression_of(fh)
    return fh if unpack is None else unpack(fh)


class FileReader:
    """Reads a file once, from ``start`` (a saved position) or the beginning, to its end.

    A compressed file (gzip, bzip2) is read decompressed, from its beginning; if its data
    ends early or is corrupt, reading stops there and ``error`` says so (the lines before
    it are read).
    """

    def __init__(self, path: Path, source: str, *, start: FeedPosition | None = None) -> None:
        self.path = path
        self.source = source
        self._fh: BinaryIO = open(path, "rb")  # closed when iteration ends
        st = os.fstat(self._fh.fileno())
        self.size = st.st_size
        self._file_id = file_id(st)
        self.offset = 0
        self.line_no = 0
        self.error: str | None = None
        unpack = compression_of(self._fh)
        self.compressed = unpack is not None
        if unpack is not None:
            self._fh = unpack(self._fh)
            self.size = 0  # offsets count what is decompressed: no fraction of the file
        elif start is not None and start.file_id == self._file_id and start.offset <= st.st_size:
            self._fh.seek(start.offset)
            self.offset, self.line_no = start.offset, start.line_no

    def position(self) -> FeedPosition:
        return FeedPosition(self.source, self._file_id, self.offset, self.line_no)

    def __iter__(self) -> Iterator[str | None]:
        try:
            for raw, used in _lines(self._fh):
                self.offset += used
                self.line_no += 1
                yield _decode(raw)
        except (OSError, EOFError, zlib.error) as exc:
            if not self.compressed:
                raise
            self.error = (
                f"compressed data ends early or is corrupt after line {self.line_no} ({exc})"
            )
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
        self.generation = -1  # bumped for every file (or truncation) read: see mark()
        self._fh: BinaryIO | None = None
        self._file_id: str | None = None
        self._partial = b""  # the start of a line still being written (bounded)
        self._partial_len = 0  # its bytes so far, all of them
        self._last_len = 0
        self._fingerprint: str | None = None
        # (offset, line_no, until): lines to parse again, without storing, before reading on
        self._replay: tuple[int, int, int] | None = None
        self.key_horizon: int | None = None
        self._open_at_start(start)

    def position(self) -> FeedPosition:
        return FeedPosition(
            self.source, self._file_id, self.offset, self.line_no, self._current_fingerprint()
        )

    def mark(self) -> tuple[int, int, int]:
        """Where the line just returned starts: (generation, offset, line_no before it)."""
        return (self.generation, self.offset - self._last_len, self.line_no - 1)

    def _current_fingerprint(self) -> str | None:
        if self._fh is None:
            return None
        fp = self._fingerprint
        want = min(self.offset, FINGERPRINT_BYTES)
        if fp is None or _fingerprint_len(fp) != want:
            fp = self._fingerprint = fingerprint_of(self._fh.fileno(), want)
        return fp

    def replay(self) -> Iterator[tuple[str, int]]:
        """The lines of this file before the resume point that the key memory remembers.

        ``pipeline.run`` parses them again (storing nothing) so that a repeat of one of
        them after the resume point is numbered as the uninterrupted read numbered it.
        """
        todo, self._replay = self._replay, None
        if todo is None or self._fh is None:
            return
        offset, line_no, until = todo
        fh = self._fh
        fh.seek(offset)
        saved = (self.offset, self.line_no, self._last_len)
        try:
            while offset < until:
                raw, used, _ = read_line(fh, until - offset)
                if not used:
                    break
                offset += used
                line_no += 1
                # mark() must say where this line starts while it is parsed
                self.offset, self.line_no, self._last_len = offset, line_no, used
                yield _decode(raw), line_no
        finally:
            self.offset, self.line_no, self._last_len = saved
            fh.seek(self.offset)

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
        self.offset, self.line_no, self._partial, self._partial_len = offset, line_no, b"", 0
        self._fingerprint = None
        self.generation += 1
        return True

    def _open_at_start(self, start: FeedPosition | None) -> None:
        if start is not None and start.key_horizon is not None:
            # The key memory goes on from where it was, as it would have without a stop.
            self.key_horizon = start.key_horizon
        if start is None or start.file_id is None:
            self._open(self.path)
            return
        found = self._find_start_file(start)
        if found is not None and self._open(found, start.offset, start.line_no):
            if found != self.path:
                log.info("%s: finishing %s, where the last run stopped, first", self.path, found)
            if (
                start.replay_offset is not None
                and start.replay_line_no is not None
                and start.replay_offset < start.offset
            ):
                self._replay = (start.replay_offset, start.replay_line_no, start.offset)
            return
        log.warning(
            "%s: the file the last run stopped in (line %d) is gone or was "
            "rewritten; reading %s from its start",
            self.path,
            start.line_no,
            self.path,
        )
        self._open(self.path)

    def _find_start_file(self, start: FeedPosition) -> Path | None:
        """The file ``start`` was read from: the followed path, or a rotated copy of it."""
        try:
            st: os.stat_result | None = os.stat(self.path)
        except OSError:
            st = None
        if st is not None and file_id(st) == start.file_id and holds(self.path, start):
            return self.path
        try:
            entries = [
                e for e in os.scandir(self.path.parent) if e.path != str(self.path) and e.is_file()
            ]
        except OSError:
            return None
        # Renamed: the same inode beside it.
        for entry in entries:
            try:
                if file_id(entry.stat()) == start.file_id and holds(Path(entry.path), start):
                    return Path(entry.path)
            except OSError:
                continue
        if start.fingerprint is None:
            return None
        # Copied (copytruncate): the same first bytes under a rotated name, newest first.
        stem = self.path.name
        named = []
        for entry in entries:
            if entry.name.startswith(stem):
                try:
                    named.append((entry.stat().st_mtime, entry.path))
                except OSError:
                    continue
        for _mtime, candidate in sorted(named, reverse=True)[:MAX_CANDIDATES]:
            if holds(Path(candidate), start):
                return Path(candidate)
        return None

    # --- reading ---------------------------------------------------------------------------

    def _read_available(self) -> Iterator[str]:
        """Every complete line written so far to the open file."""
        fh = self._fh
        if fh is None:
            return
        readline = fh.readline
        while True:
            raw = readline(MAX_LINE_BYTES)
            used = len(raw)
            if not used:
                return
            complete = raw[-1:] == b"\n"
            if not complete and used == MAX_LINE_BYTES:  # over-long: skip what is written
                while more := readline(_SKIP_BYTES):
                    used += len(more)
                    if more[-1:] == b"\n":
                        complete = True
                        break
            if not complete:  # the writer is mid-line: wait for the rest
                self._partial = (self._partial + raw)[:MAX_LINE_BYTES]
                self._partial_len += used
                return
            if self._partial_len:
                raw = (self._partial + raw)[:MAX_LINE_BYTES]
                used += self._partial_len
                self._partial, self._partial_len = b"", 0
            self._last_len = used
            self.offset += used
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
            if self._partial_len:  # the old file ended without a newline: a line too
                raw, self._partial = self._partial, b""
                self._last_len, self._partial_len = self._partial_len, 0
                self.offset += self._last_len
                self.line_no += 1
                yield _decode(raw)
            if self._open(self.path):
                self.rotations += 1
            return
        if st.st_size < self.offset + self._partial_len:
            self._fh.seek(0)  # truncated in place (copytruncate)
            self.offset, self.line_no, self._partial, self._partial_len = 0, 0, b"", 0
            self._fingerprint = None
            self.generation += 1
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
        # A text stream is read through its binary buffer; a binary one as it is.
        self._stream = cast(BinaryIO, getattr(stream, "buffer", stream))
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

    def _raw_lines(self) -> Iterator[tuple[bytes, int]]:
        for raw in self._first:
            yield raw[:MAX_LINE_BYTES], len(raw)
        yield from _lines(self._stream)

    def __iter__(self) -> Iterator[str | None]:
        if not self.follow:
            for raw, used in self._raw_lines():
                self.offset += used
                self.line_no += 1
                yield _decode(raw)
                if self.stop.is_set():
                    return
            return
        lines: queue.Queue[tuple[bytes, int] | None] = queue.Queue(maxsize=10_000)

        def pump() -> None:
            try:
                for raw in self._raw_lines():
                    lines.put(raw)
            finally:
                lines.put(None)

        threading.Thread(target=pump, name="stdin-reader", daemon=True).start()
        while not self.stop.is_set():
            try:
                got = lines.get(timeout=self.poll_s)
            except queue.Empty:
                yield None
                continue
            if got is None:
                return
            self.offset += got[1]
            self.line_no += 1
            yield _decode(got[0])
