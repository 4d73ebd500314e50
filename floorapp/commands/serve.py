"""`floorapp serve`: follow the feed, run the rules, hold the scheduler. See deploy/."""

from __future__ import annotations

import argparse
import logging
import threading
from pathlib import Path
from typing import Any

from floorapp.context import AppContext
from floorapp.feed import pipeline
from floorapp.i18n import _


def register(sub: Any) -> None:
    p = sub.add_parser(
        "serve",
        help=_("the floor service: follow the feed, run the rules, hold the scheduler"),
        description=_(
            "The one long-running process of a floor. Logs to stderr; stops cleanly "
            "on SIGTERM, SIGINT or SIGHUP; a restart resumes the feed exactly where it stopped. "
            "One follower per feed: a second serve or ingest --follow of the same file is "
            "refused."
        ),
    )
    p.add_argument(
        "--feed",
        metavar="PATH",
        type=Path,
        help=_("the feed file to follow (like tail -F, across rotation)"),
    )
    p.add_argument("--format", choices=pipeline.FORMATS, help=_("feed format (default: sniffed)"))
    p.add_argument("--no-rules", action="store_true", help=_("do not run the distress rules"))
    p.add_argument(
        "--no-scheduler", action="store_true", help=_("do not compete for the reminder scheduler")
    )
    p.add_argument("-v", "--verbose", action="store_true", help=_("debug logging"))
    p.set_defaults(func=cmd_serve)


def cmd_serve(ctx: AppContext, args: argparse.Namespace) -> int:
    from floorapp.feed.lease import FeedBusy
    from floorapp.serve import ServeOptions, configure_logging, log_signal, serve
    from floorapp.stopping import stop_on_signals

    configure_logging(logging.DEBUG if args.verbose else logging.INFO)
    log = logging.getLogger("floorapp.serve")
    if args.feed is not None and not args.feed.is_file():
        log.error("feed %s: no such file", args.feed)
        return 2
    opts = ServeOptions(
        feed=args.feed, fmt=args.format, rules=not args.no_rules, scheduler=not args.no_scheduler
    )
    log.info("starting on %s", ctx.engine.url.render_as_string(hide_password=True))
    stop = threading.Event()
    with stop_on_signals(stop, log_signal):
        try:
            serve(ctx, opts, stop)
        except FeedBusy as exc:
            log.error("feed %s: %s", exc.source, exc)
            return 2
        except ValueError as exc:
            log.error("%s", exc)
            return 2
    return 0
