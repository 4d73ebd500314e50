"""The floor service: the one long-running process of a floor.

It follows the feed (as ``ingest --follow``: position saved with every batch, so a
restart resumes exactly after the last committed line), runs the distress rules in the
same transactions, and competes for the scheduler lease (reminders). SIGTERM, SIGINT and
SIGHUP stop it after the batch in hand is committed, giving up the leases it holds
(the scheduler's and the feed's: one follower per feed).
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from floorapp.context import AppContext
from floorapp.feed import pipeline
from floorapp.feed.cursor import load_position
from floorapp.feed.events import Rejected
from floorapp.feed.follow import Follower
from floorapp.feed.lease import FeedLease
from floorapp.feed.lease import holder_id as feed_holder_id
from floorapp.feed.observer import FeedObserver, request_observers
from floorapp.feed.writer import FeedWriter, IngestSummary

log = logging.getLogger("floorapp.serve")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@dataclass
class ServeOptions:
    feed: Path | None
    fmt: str | None
    rules: bool = True
    scheduler: bool = True
    idle_tick_s: float = 1.0


def configure_logging(level: int = logging.INFO) -> None:
    """Plain one-line records on stderr (journald adds its own timestamps; grep works)."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT, datefmt="%Y-%m-%dT%H:%M:%S%z"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def _observers(ctx: AppContext, enabled: bool) -> list[FeedObserver]:
    if not enabled:
        return request_observers(ctx.settings)
    from floorapp.rules import build_observer

    return [build_observer(ctx.settings, ctx.clock), *request_observers(ctx.settings)]


def log_signal(sig: signal.Signals) -> None:
    log.info("received %s: finishing the batch in hand", sig.name)


def holder_id() -> str:
    return feed_holder_id("serve")


def serve(ctx: AppContext, opts: ServeOptions, stop: threading.Event) -> IngestSummary:
    total = IngestSummary()
    host = None
    if opts.scheduler:
        from floorapp.scheduler import SchedulerHost

        host = SchedulerHost(ctx.engine, ctx.settings, ctx.clock, holder_id=holder_id())
        host.start()
        log.info("scheduler: competing for the lease as %s", host.holder_id)
    try:
        if opts.feed is None:
            log.info("no feed given: holding the scheduler only")
            stop.wait()
            return total
        source = str(opts.feed.resolve())
        fmt = opts.fmt or pipeline.sniff_file(opts.feed) or pipeline.format_from_name(opts.feed)
        if fmt is None:
            raise ValueError(f"{opts.feed}: cannot tell the format; pass --format")

        def lost(why: str) -> None:
            log.error("feed %s: %s; stopping", source, why)
            stop.set()

        # Held before the cursor is read: one follower per feed (FeedBusy otherwise).
        with FeedLease(ctx.engine, source, holder_id(), on_lost=lost):
            log.info("feed %s: lease taken as %s", source, holder_id())
            start = load_position(ctx.engine, source)
            if start is not None:
                log.info(
                    "feed %s: resuming at line %d (byte %d)", source, start.line_no, start.offset
                )
            else:
                log.info("feed %s: reading from the start (%s)", source, fmt)
            reader = Follower(opts.feed, source, stop, start=start)
            writer = FeedWriter(
                ctx.engine, ctx.settings, observers=_observers(ctx, opts.rules), clock=ctx.clock
            )

            def on_rejected(item: Rejected) -> None:
                log.warning("rejected %s:%d: %s", opts.feed, item.line_no, item.reason)

            def on_batch(summary: IngestSummary, r: Any) -> None:
                if summary.accepted or summary.rejected:
                    log.info("batch: %s (line %d)", summary.line(), r.line_no)

            total = pipeline.run(
                reader,
                pipeline.make_parser(fmt, source),
                writer,
                stop=stop,
                on_rejected=on_rejected,
                on_batch=on_batch,
                on_problem=log.warning,
                save_position=True,
                idle_tick_s=opts.idle_tick_s,
            )
        return total
    finally:
        if host is not None:
            host.stop()
            log.info("scheduler: stopped")
        log.info("stopped: %s", total.line())
