"""``floorapp report``: a day, a shift or a date range, per queue, team and agent, with the
handover; as a terminal table, Markdown, CSV, JSON or a self-contained HTML page."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from floorapp.figures import day as fday
from floorapp.figures import formats
from floorapp.figures import settings as fs
from floorapp.i18n import _

if TYPE_CHECKING:
    from floorapp.context import AppContext

EXIT_USAGE = 2


class BadInterval(ValueError):
    pass


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "report",
        help=_(
            "a day, a shift or a date range: queue figures per "
            "queue, team and agent, flags, escalations, patrols, care, handover"
        ),
    )
    when = p.add_argument_group(_("when (default: the centre's day on the floor's clock)"))
    when.add_argument("--date", metavar="YYYY-MM-DD", help=_("one centre's day"))
    when.add_argument(
        "--from",
        dest="since",
        metavar="WHEN",
        help=_("start: a date (its day start) or a local date and time"),
    )
    when.add_argument(
        "--to",
        dest="until",
        metavar="WHEN",
        help=_("end: a date (the end of that day) or a local date and time"),
    )
    when.add_argument(
        "--shift",
        metavar="HH:MM-HH:MM",
        help=_("a shift on --date (or today); an end before the start is the next morning"),
    )
    p.add_argument("--team", metavar="T", help=_("only this team (id or name)"))
    p.add_argument(
        "--format",
        choices=formats.FORMATS,
        default=None,
        help=_("table (default on a terminal), markdown, csv, json, html"),
    )
    p.add_argument("--json", action="store_true", help=_("same as --format json"))
    p.add_argument("-o", "--output", metavar="FILE", help=_("write to FILE instead of stdout"))
    p.set_defaults(func=cmd_report)


def _moment(text: str, settings: Any, *, end: bool) -> datetime:
    """A date (its day's start, or with ``end`` the next day's) or a local date-time."""
    text = text.strip()
    try:
        d = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        start, stop = fday.date_bounds(settings, d)
        return stop if end else start
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise BadInterval(
            _(
                "{text!r} is neither a date (2010-02-22) nor a date and time (2010-02-22T08:00)"
            ).format(text=text)
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=fs.zone(settings))
    return dt


def _shift(text: str) -> tuple[time, time]:
    try:
        a, b = text.split("-", 1)
        return time.fromisoformat(a.strip()), time.fromisoformat(b.strip())
    except ValueError:
        raise BadInterval(
            _("--shift {text!r}: expected HH:MM-HH:MM, e.g. 08:00-16:30").format(text=text)
        ) from None


def interval(
    args: argparse.Namespace, settings: Any, floor_now: datetime
) -> tuple[datetime, datetime, str]:
    """The interval asked for, and its title."""
    if args.date and (args.since or args.until):
        raise BadInterval(_("give --date or --from/--to, not both"))
    try:
        day = date.fromisoformat(args.date) if args.date else None
    except ValueError:
        raise BadInterval(
            _("--date {date!r}: expected YYYY-MM-DD").format(date=args.date)
        ) from None
    if args.shift:
        if args.since or args.until:
            raise BadInterval(_("--shift goes with --date, not with --from/--to"))
        a, b = _shift(args.shift)
        d = day or fday.day_of(settings, floor_now)
        start = fday.local_time(settings, d, a)
        end = fday.local_time(settings, d + timedelta(days=1) if b <= a else d, b)
        return start, end, _("Shift {shift} of {day}").format(shift=args.shift, day=d.isoformat())
    if args.since or args.until:
        if not (args.since and args.until):
            raise BadInterval(_("--from and --to go together"))
        start = _moment(args.since, settings, end=False)
        end = _moment(args.until, settings, end=True)
        if end <= start:
            raise BadInterval(_("--to must come after --from"))
        return start, end, _("Report {since} to {until}").format(since=args.since, until=args.until)
    d = day or fday.day_of(settings, floor_now)
    start, end = fday.date_bounds(settings, d)
    return start, end, _("Day report {day}").format(day=d.isoformat())


def cmd_report(ctx: AppContext, args: argparse.Namespace) -> int:
    from floorapp.commands._door import Closed, open_door
    from floorapp.figures.clock import FloorClock
    from floorapp.figures.report import build_report
    from floorapp.figures.store import last_event_at

    try:
        door = open_door(ctx, "report", "report.read", args.team)
    except Closed as closed:
        return closed.code
    settings, wall, scope, team = ctx.settings, door.wall, door.scope, door.team
    with ctx.engine.connect() as conn:
        clock = FloorClock(wall, last_event_at(conn))
    try:
        start, end, title = interval(args, settings, clock.now)
    except BadInterval as exc:
        print(f"floorapp report: {exc}", file=sys.stderr)
        return EXIT_USAGE
    report = build_report(
        ctx.engine, settings, start, end, wall, title=title, actor=ctx.actor, scope=scope, team=team
    )
    tz = fs.zone(settings)
    fmt = "json" if args.json else (args.format or "table")
    out = Path(args.output) if args.output else None
    if fmt == "table":
        from rich.console import Console

        if out is not None:
            with out.open("w", encoding="utf-8") as fh:
                formats.to_table(report, tz, Console(file=fh, width=160, highlight=False))
        else:
            formats.to_table(report, tz, Console(highlight=False))
        return 0
    text = {
        "markdown": formats.to_markdown,
        "csv": formats.to_csv,
        "json": formats.to_json,
        "html": formats.to_html,
    }[fmt](report, tz)
    if out is not None:
        out.write_text(text, encoding="utf-8")
        print(f"floorapp report: wrote {out}", file=sys.stderr)
        return 0
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `floorapp report --csv | head` is fine
        pass
    return 0
