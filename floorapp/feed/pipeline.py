"""Reader -> parser -> writer: the loop behind ``floorapp ingest`` (and ``serve``).

Lines are parsed one at a time and written in batches: a batch goes to the store
when it is full, and, while following a live feed, at least every ``flush_s``
seconds so the console never lags the floor by more than that.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import logging
import re
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

from db.engine import is_disk_full, is_transient
from floorapp.feed.cursor import FeedPosition
from floorapp.feed.events import ParsedLine, Rejected, line_body, rejected
from floorapp.feed.follow import open_feed
from floorapp.feed.jsonl import JsonlParser
from floorapp.feed.keys import OccurrenceKeys
from floorapp.feed.queue_log import QueueLogParser
from floorapp.feed.writer import FeedWriter, IngestSummary
from floorapp.i18n import N_, message
from floorapp.text import clean

log = logging.getLogger("floorapp.feed")

FORMATS = ("jsonl", "queue-log")
FLUSH_S = 0.5
IDLE_TICK_S = 5.0
RETRY_S = 1.0  # first wait for a full disk or a long lock; doubles up to MAX_RETRY_S
MAX_RETRY_S = 30.0

_QUEUE_LOG_LINE = re.compile(r"^\d+(\.\d+)?\|")


class LineParser(Protocol):
    def parse_line(self, text: str, line_no: int) -> ParsedLine | None: ...


class LineReader(Protocol):
    line_no: int

    def __iter__(self) -> Iterator[str | None]: ...

    def position(self) -> FeedPosition: ...


def make_parser(fmt: str, source: str) -> LineParser:
    if fmt == "jsonl":
        return JsonlParser(source)
    if fmt == "queue-log":
        return QueueLogParser(source)
    raise ValueError(f"unknown format {fmt!r} (jsonl or queue-log)")


def format_from_name(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith((".jsonl", ".ndjson", ".jsonl.gz")):
        return "jsonl"
    if "queue_log" in name or "queue-log" in name:
        return "queue-log"
    return None


def format_from_lines(lines: Iterable[bytes]) -> str | None:
    """Sniff the format from the first non-blank line (a BOM or NUL padding before it
    is not part of it, as for the parsers)."""
    for raw in lines:
        text = line_body(raw.decode("utf-8", "replace"))
        if not text:
            continue
        if text.startswith("{"):
            return "jsonl"
        if _QUEUE_LOG_LINE.match(text):
            return "queue-log"
        return None
    return None


def sniff_file(path: Path, max_lines: int = 50) -> str | None:
    by_name = format_from_name(path)
    if by_name is not None:
        return by_name
    head: list[bytes] = []
    with open_feed(path) as fh:
        try:
            for _ in range(max_lines):
                head.append(fh.readline(65536))
        except (EOFError, zlib.error):  # compressed data cut short: tell from what there is
            pass
    return format_from_lines(head)


@contextlib.contextmanager
def gc_tuned() -> Iterator[None]:
    """Fewer cyclic-GC passes while ingesting.

    Every event allocates a handful of short-lived objects, so the collector runs
    constantly and each full pass walks every long-lived object (SQLAlchemy's
    compiled caches, the in-memory floor). Freezing what exists and collecting
    generation 0 less often measured about 10 % of CPU here; both are restored after.
    """
    old = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(old[0], 50_000), old[1], old[2])
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()


def occurrence_keys(parser: LineParser) -> OccurrenceKeys | None:
    """The parser's memory of repeated lines, if it keeps one (as ``_keys``)."""
    keys = getattr(parser, "_keys", None)
    return keys if isinstance(keys, OccurrenceKeys) else None


def _stderr_line(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


@gc_tuned()
def run(
    reader: LineReader,
    parser: LineParser,
    writer: FeedWriter,
    *,
    stop: threading.Event | None = None,
    on_rejected: Callable[[Rejected], None] | None = None,
    on_batch: Callable[[IngestSummary, LineReader], None] | None = None,
    on_problem: Callable[[str], None] = _stderr_line,
    save_position: bool = False,
    flush_s: float = FLUSH_S,
    idle_tick_s: float | None = None,
    retry_s: float | None = None,
) -> IngestSummary:
    """Drive ``reader`` to its end (or to ``stop``), returning the summary of all batches.

    With ``save_position`` each batch also stores the reader's position (feed_cursor)
    in its transaction, with what a later run needs to carry on exactly (the key
    memory's replay point). With ``idle_tick_s``, a quiet feed still gives the
    observers a tick at the writer's clock that often (time-based rules on a live floor).

    Nothing a line holds stops the loop: a parser that raises gives a rejection for the
    line (an event the store refuses is the writer's to isolate: ``write_batch``). A
    full disk or a store locked for long is waited out (``on_problem`` says so), losing
    nothing.
    """
    stop = stop if stop is not None else threading.Event()
    retry_s = RETRY_S if retry_s is None else retry_s
    total = IngestSummary()
    batch: list[ParsedLine] = []
    size = writer.batch_size
    clock = time.monotonic
    last_flush = last_tick = clock()
    pending_position = False
    parse = parser.parse_line
    source = getattr(parser, "source", "")

    keys = occurrence_keys(parser) if save_position else None
    mark = getattr(reader, "mark", None)
    if keys is not None and mark is not None:
        _replay(reader, parser, keys, mark)
    else:
        keys = None

    def position() -> FeedPosition | None:
        if not save_position:
            return None
        pos = reader.position()
        if keys is None:
            return pos
        start = keys.memory_start()
        if start is None:
            at = None
        elif start[0] == getattr(reader, "generation", None):
            at = (start[1], start[2])
        else:  # remembered from the file before a rotation: this file from its start
            at = (0, 0)
        return dataclasses.replace(
            pos,
            key_horizon=keys.horizon,
            replay_offset=None if at is None else at[0],
            replay_line_no=None if at is None else at[1],
        )

    def flush() -> bool:
        """Write the batch; False if stopped while waiting for the store."""
        nonlocal batch, last_flush, pending_position
        summary = _write(writer, batch, position(), stop, on_problem, on_rejected, retry_s)
        if summary is None:
            return False
        total.merge(summary)
        batch = []
        pending_position = False
        last_flush = clock()
        if on_batch is not None:
            on_batch(summary, reader)
        return True

    for text in reader:
        if text is not None:
            pending_position = True
            try:
                item = parse(text, reader.line_no)
            except Exception as exc:  # a parser's bug must not stop the feed: the line is named
                item = rejected(
                    source,
                    reader.line_no,
                    message(
                        N_("could not be read ({error})"),
                        error=f"{type(exc).__name__}: {_short(exc)}",
                    ),
                    clean(text.rstrip("\r\n")) or "",
                )
            if item is not None:
                if on_rejected is not None and type(item) is Rejected:
                    on_rejected(item)
                batch.append(item)
                if len(batch) >= size:
                    if not flush():
                        return total
                    continue
            if stop.is_set():
                break
            if not batch:
                continue
        if (batch or (pending_position and save_position)) and clock() - last_flush >= flush_s:
            if not flush():
                return total
        elif text is None and idle_tick_s is not None and clock() - last_tick >= idle_tick_s:
            last_tick = clock()
            try:
                writer.tick_idle(writer.clock.now())
            except Exception as exc:  # a tick is best effort: the next one comes soon
                on_problem(f"floorapp: rules tick skipped: {type(exc).__name__}: {_short(exc)}")
    if batch or (pending_position and save_position):
        flush()
    return total


def _replay(
    reader: LineReader, parser: LineParser, keys: OccurrenceKeys, mark: Callable[[], Any]
) -> None:
    """Rebuild the parser's memory from the lines before the resume point (stores nothing)."""
    keys.resume(getattr(reader, "key_horizon", None))
    keys.mark = mark
    replay = getattr(reader, "replay", None)
    if replay is None:
        return
    for text, line_no in replay():
        try:
            parser.parse_line(text, line_no)
        except Exception:  # the run that stored these lines rejected this one too
            log.debug("replay: line %s unreadable again", line_no, exc_info=True)


def _short(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _write(
    writer: FeedWriter,
    items: list[ParsedLine],
    position: FeedPosition | None,
    stop: threading.Event,
    on_problem: Callable[[str], None],
    on_rejected: Callable[[Rejected], None] | None,
    retry_s: float,
) -> IngestSummary | None:
    """``writer.write_batch``, waiting out a full disk or a store locked for long, and
    naming the events the writer itself refused (it isolates them: ``write_batch``).

    None if ``stop`` was set while waiting: the batch is not written and the cursor not
    moved, so the next run reads those lines again.
    """
    delay = retry_s
    waiting_since: float | None = None
    while True:
        try:
            summary = writer.write_batch(items, position=position)
        except Exception as exc:
            if not is_transient(exc):
                raise
            what = "the disk is full" if is_disk_full(exc) else "the store stays locked"
            now = time.monotonic()
            if waiting_since is None:
                waiting_since = now
                on_problem(
                    f"floorapp: {what} ({_short(exc)}); nothing is lost: retrying "
                    f"the batch in hand until it can be written"
                )
            if stop.wait(delay):
                on_problem(
                    "floorapp: stopped while waiting; the batch in hand will be read "
                    "again by the next run"
                )
                return None
            delay = min(delay * 2, MAX_RETRY_S)
            continue
        if waiting_since is not None:
            on_problem(
                f"floorapp: written again after waiting {time.monotonic() - waiting_since:.0f} s"
            )
        if on_rejected is not None:
            for refused in summary.refused:  # what the writer itself refused (clock errors)
                on_rejected(refused)
        return summary
