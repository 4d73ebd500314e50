"""``floorapp ingest [--format jsonl|queue-log] [--follow] [--no-rules] PATH|-``.

Exit status: 0 every line accepted (or ignored), 1 some lines rejected (each printed
as ``PATH:LINE: reason``, plus a one-line summary), 2 the input is unusable.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from floorapp.context import AppContext
from floorapp.feed import pipeline
from floorapp.feed.cursor import load_position
from floorapp.feed.events import Rejected
from floorapp.feed.follow import (
    FileReader,
    Follower,
    StreamReader,
    compression_of,
    read_line,
)
from floorapp.feed.lease import FeedBusy, FeedLease, holder_id
from floorapp.feed.observer import request_observers
from floorapp.feed.writer import FeedWriter, IngestSummary
from floorapp.i18n import _
from floorapp.rules import build_observer
from floorapp.stopping import stop_on_signals

EXIT_OK, EXIT_REJECTED, EXIT_UNUSABLE = 0, 1, 2
PROGRESS_MIN_BYTES = 4 * 1024 * 1024


def register(sub: Any) -> None:
    p = sub.add_parser(
        "ingest",
        help=_("load a feed (JSONL or Asterisk queue_log) into the floor store"),
        description=_("Load a feed file into the store. Re-ingesting adds nothing twice."),
    )
    p.add_argument("path", metavar="PATH", help=_("feed file, or - for standard input"))
    p.add_argument(
        "--format",
        choices=pipeline.FORMATS,
        help=_("input format (default: from the file name, else sniffed)"),
    )
    p.add_argument(
        "--follow",
        action="store_true",
        help=_(
            "keep reading as the file grows, across rotation (like tail -F); "
            "resumes where the last run stopped"
        ),
    )
    p.add_argument("--no-rules", action="store_true", help=_("do not run the distress rules"))
    # Larger batches load files faster (fewer commits); a followed feed is flushed every
    # half second anyway, so a live floor never waits for a batch to fill.
    p.add_argument("--batch-size", type=int, default=20_000, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_ingest)


def _err(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


@contextmanager
def _progress(reader: Any, enabled: bool) -> Iterator[Any]:
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("ingest"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("ingest", total=reader.size)

        def on_batch(_summary: IngestSummary, r: Any) -> None:
            progress.update(task, completed=r.offset)

        yield on_batch


def cmd_ingest(ctx: AppContext, args: argparse.Namespace) -> int:
    stop = threading.Event()
    display = args.path
    fmt = args.format
    reader: Any
    if args.path == "-":
        source = "stdin"
        first: list[bytes] = []
        if fmt is None:
            # Peek at the first non-blank line to tell the format, then replay it.
            while True:  # a line at a time, never more of one than a reader keeps
                raw, used, _cut = read_line(sys.stdin.buffer)
                if not used:
                    break
                first.append(raw)
                if raw.strip():
                    break
            fmt = pipeline.format_from_lines(first)
            if fmt is None:
                _err(
                    _("floorapp ingest: {path}: cannot tell the format; pass --format").format(
                        path=display
                    )
                )
                return EXIT_UNUSABLE
        reader = StreamReader(sys.stdin, source, stop, follow=args.follow, first=first)
    else:
        path = Path(args.path).expanduser()
        if not path.exists():
            _err(_("floorapp ingest: {path}: no such file").format(path=display))
            return EXIT_UNUSABLE
        if not path.is_file():
            _err(_("floorapp ingest: {path}: not a regular file").format(path=display))
            return EXIT_UNUSABLE
        source = str(path.resolve())
        if not args.follow and path.stat().st_size == 0:
            _err(
                _("floorapp ingest: {path}: empty file: 0 accepted, 0 rejected").format(
                    path=display
                )
            )
            return EXIT_OK
        try:
            fmt = fmt or pipeline.sniff_file(path)
            if args.follow:
                with open(path, "rb") as fh:
                    if compression_of(fh) is not None:
                        _err(
                            _(
                                "floorapp ingest: {path}: a compressed file does not grow: "
                                "ingest it without --follow"
                            ).format(path=display)
                        )
                        return EXIT_UNUSABLE
        except OSError as exc:
            _err(f"floorapp ingest: {display}: {exc.strerror or exc}")
            return EXIT_UNUSABLE
        if fmt is None:
            _err(
                _(
                    "floorapp ingest: {path}: cannot tell the format (neither JSONL nor "
                    "queue_log); pass --format"
                ).format(path=display)
            )
            return EXIT_UNUSABLE
        if args.follow:
            # One follower per feed, and the lease is held before the cursor is read.
            lost_to: list[str] = []

            def lost(why: str) -> None:
                _err(_("floorapp ingest: {path}: {why}; stopping").format(path=display, why=why))
                lost_to.append(why)
                stop.set()

            feed_lease = FeedLease(ctx.engine, source, holder_id("ingest"), on_lost=lost)
            try:
                feed_lease.__enter__()
            except FeedBusy as exc:
                _err(f"floorapp ingest: {display}: {exc}")
                return EXIT_UNUSABLE
            try:
                code = _ingest(ctx, args, stop, display, fmt, source, path)
            finally:
                feed_lease.release()
            return EXIT_UNUSABLE if lost_to else code
        return _ingest(ctx, args, stop, display, fmt, source, path)
    return _ingest(ctx, args, stop, display, fmt, source, None, reader)


def _ingest(
    ctx: AppContext,
    args: argparse.Namespace,
    stop: threading.Event,
    display: str,
    fmt: str,
    source: str,
    path: Path | None,
    reader: Any = None,
) -> int:
    if path is not None:
        try:
            if args.follow:
                reader = Follower(path, source, stop, start=load_position(ctx.engine, source))
            else:
                reader = FileReader(path, source)
        except OSError as exc:
            _err(f"floorapp ingest: {display}: {exc.strerror or exc}")
            return EXIT_UNUSABLE

    # Agents' requests are stored whether or not the rules run.
    observers = (
        [] if args.no_rules else [build_observer(ctx.settings, ctx.clock)]
    ) + request_observers(ctx.settings)
    writer = FeedWriter(
        ctx.engine,
        ctx.settings,
        observers=observers,
        clock=ctx.clock,
        batch_size=max(1, args.batch_size),
    )

    def on_rejected(item: Rejected) -> None:
        where = display if args.path != "-" else "-"
        _err(f"{where}:{item.line_no}: {item.said}")

    show_progress = (
        not args.follow and sys.stderr.isatty() and getattr(reader, "size", 0) > PROGRESS_MIN_BYTES
    )
    with stop_on_signals(stop), _progress(reader, show_progress) as on_batch:
        summary = pipeline.run(
            reader,
            pipeline.make_parser(fmt, source),
            writer,
            stop=stop,
            on_rejected=on_rejected,
            on_batch=on_batch,
            save_position=args.follow and args.path != "-",  # a pipe has no place to resume
        )
    broken = getattr(reader, "error", None)
    if broken:
        _err(f"{display}: {broken}")
    _err(f"floorapp ingest: {display}: {summary.line()}")
    return EXIT_REJECTED if summary.rejected or broken else EXIT_OK
