"""``floorapp simulate``: a realistic live floor written into the store, as a feed would."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import datetime
from types import FrameType

from floorapp.context import AppContext
from floorapp.feed.writer import IngestSummary
from floorapp.i18n import _
from floorapp.simulate import has_agents, load_sim_roster, seed_demo_floor
from floorapp.simulate.generator import FloorSimulator
from floorapp.simulate.runner import SimulationRunner
from floorapp.text import say

EXIT_USAGE = 2


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("expected a number, got {text!r}").format(text=text)
        ) from None
    if value <= 0:
        raise argparse.ArgumentTypeError(_("must be more than 0, got {text}").format(text=text))
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("expected a whole number, got {text!r}").format(text=text)
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(_("must be at least 1, got {text}").format(text=text))
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "simulate",
        help=_("write a realistic live floor into the store (the feed behind the demo)"),
        description=_(
            "Simulate a floor mid-shift and write it through the feed writer with the "
            "distress rules on. Stops on Ctrl-C / SIGTERM or after --duration."
        ),
    )
    p.add_argument(
        "--agents",
        type=_positive_int,
        default=None,
        help=_(
            "agents on the demo roster (default 40); with a roster in the store, "
            "simulate only the first N"
        ),
    )
    p.add_argument("--teams", type=_positive_int, default=4, help=_("teams on the demo roster"))
    p.add_argument("--seed", type=int, default=1, help=_("same seed, same floor (default 1)"))
    p.add_argument(
        "--speed",
        type=_positive_float,
        default=1.0,
        help=_("times real time (default 1; faster runs ahead of the wall clock)"),
    )
    p.add_argument(
        "--duration",
        type=_positive_float,
        default=None,
        metavar="SEC",
        help=_("stop after this many seconds of floor time (default: run until stopped)"),
    )
    p.add_argument(
        "--fresh-roster",
        action="store_true",
        help=_(
            "write the demo roster (upsert) even if the store has agents, and "
            "simulate only its agents"
        ),
    )
    p.add_argument("--no-rules", action="store_true", help=_("write the feed without the rules"))
    p.add_argument("--quiet", action="store_true", help=_("no progress line"))
    p.set_defaults(func=cmd_simulate)


def cmd_simulate(ctx: AppContext, args: argparse.Namespace) -> int:
    engine = ctx.engine
    now = ctx.clock.now()
    only: list[str] | None = None
    if args.fresh_roster or not has_agents(engine):
        n = args.agents or 40
        report = seed_demo_floor(
            engine, agents=n, teams=args.teams, seed=args.seed, now=now, actor=ctx.actor
        )
        only = [str(1001 + i) for i in range(n)]
        if not args.quiet:
            say(
                _("demo roster: {n} agents in {min} teams ({agents_added} added)").format(
                    n=n, min=min(args.teams, n), agents_added=report.agents_added
                ),
                err=True,
            )
    roster = load_sim_roster(engine, limit=None if only else args.agents, only=only)
    if not roster.agents:
        say(_("floorapp simulate: no agents to simulate"), err=True)
        return EXIT_USAGE
    sim = FloorSimulator(roster, seed=args.seed, start=now)
    runner = SimulationRunner(engine, ctx.settings, sim, rules=not args.no_rules)

    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    tty = sys.stderr.isatty() and not args.quiet

    def progress(at: datetime, _s: IngestSummary) -> None:
        if tty:
            t = runner.total
            local = at.astimezone(ctx.settings.timezone)
            # The carriage return is ours (one progress line, redrawn): the rest is cleaned.
            sys.stderr.write("\r")
            say(
                _("{local:%H:%M:%S}  {accepted} events  {rejected} rejected").format(
                    local=local, accepted=t.accepted, rejected=t.rejected
                ),
                end="",
                err=True,
            )

    if not args.quiet:
        say(
            _("simulating {n} agents (seed {seed}, speed {speed:g}x); Ctrl-C to stop").format(
                n=len(roster.agents), seed=args.seed, speed=args.speed
            ),
            err=True,
        )
    try:
        total = runner.run(speed=args.speed, duration=args.duration, stop=stop, on_step=progress)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if tty:
        say(err=True)
    if not args.quiet:
        say(_("simulate: {line}").format(line=total.line()), err=True)
    return 0 if total.rejected == 0 else 1
