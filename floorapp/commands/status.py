"""``floorapp status``: the floor now, as a table for people or JSON for scripts."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TextIO
from zoneinfo import ZoneInfo

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from floorapp import words
from floorapp.context import AppContext
from floorapp.figures.text import sl_label
from floorapp.identity import UnknownSupervisor, resolve_actor
from floorapp.services.scope import OutOfScope, load_scope, refuse
from floorapp.snapshot import (
    FloorSnapshot,
    UnknownTeam,
    floor_snapshot,
    resolve_team,
    snapshot_json,
)

EXIT_USAGE = 2
# For mail and logs when stdout is not a terminal and COLUMNS is not set.
PIPE_WIDTH = 80
_STATE_STYLE = {"available": "green", "on_call": "cyan", "after_call": "yellow",
                "break": "magenta", "offline": "dim"}
_SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "light": ""}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("status", help="the floor now: agents, open flags, open escalations")
    p.add_argument("--team", metavar="T", help="only this team (id or name)")
    p.add_argument("--json", action="store_true",
                   help="JSON with top-level keys agents, flags, escalations")
    p.set_defaults(func=cmd_status)


def _dur(delta: timedelta) -> str:
    s = max(int(delta.total_seconds()), 0)  # a feed running ahead of this clock shows 0
    days, s = divmod(s, 86400)
    h, rem = divmod(s, 3600)
    if days:  # seconds stop mattering after a day
        return f"{days} d {h}:{rem // 60:02d}"
    return f"{h}:{rem // 60:02d}:{rem % 60:02d}" if h else f"{rem // 60}:{rem % 60:02d}"


def _t(value: object, style: str = "") -> Text:
    """Literal text (names and reasons come from outside and are never markup), cut with an
    ellipsis when the column is narrower, never wrapped word by word."""
    # A note kept its line breaks: in a one-line cell they would start rows of their own.
    return Text("" if value is None else " ".join(str(value).split()), style=style,
                no_wrap=True, overflow="ellipsis")


class _Clock:
    """Times of day as a person reads them: HH:MM today, with the date on any other day."""

    def __init__(self, tz: ZoneInfo, now: datetime) -> None:
        self.tz = tz
        self.today = now.astimezone(tz).date()

    def __call__(self, value: datetime | None) -> str:
        if value is None:
            return ""
        local = value.astimezone(self.tz)
        return f"{local:%H:%M}" if local.date() == self.today else f"{local:%Y-%m-%d %H:%M}"


def _labeller(snap: FloorSnapshot) -> Callable[[str | None, str | None], str]:
    """An agent as their name; the id joins it only when two agents shown share the name."""
    ids: dict[str, set[str]] = defaultdict(set)
    pairs = [(a.id, a.name) for a in snap.agents]
    pairs += [(f.agent, f.agent_name) for f in snap.flags]
    pairs += [(e.agent, e.agent_name) for e in snap.escalations if e.agent is not None]
    for agent_id, name in pairs:
        if name:
            ids[name].add(agent_id)

    def label(agent_id: str | None, name: str | None) -> str:
        if agent_id is None:
            return ""
        if not name:
            return f"({agent_id})"
        if len(ids[name]) > 1 and name != agent_id:
            return f"{name} ({agent_id})"
        return name  # a feed-created agent's name is its id already

    return label


def _two_lines(first: str, second: str | None) -> Text:
    """A short line and the long text under it, each cut to the column: the long text gets
    the width that is left once the short columns are whole."""
    text = _t(first)
    if second:
        text.append("\n")
        text.append(" ".join(second.split()), style="dim")
    return text


def _table(*columns: tuple[str, bool]) -> Table:
    """A light table for terminals, mail and logs. Columns marked ``True`` give way when the
    width is short (cut with an ellipsis by their cells); the others keep their whole value
    (times, numbers)."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1),
                  collapse_padding=True)
    for header, gives_way in columns:
        table.add_column(header, no_wrap=not gives_way)
    return table


def figures_line(snap: FloorSnapshot) -> str:
    """The centre's day so far, in the words of the console's header and the report."""
    f = snap.figures
    if f is None:
        return ""
    q = f.floor
    parts = [f"today: offered {q.offered}", f"answered {q.answered}",
             f"abandoned {q.abandoned}" + (f" ({q.short_abandons} short)"
                                           if q.short_abandons else "")]
    other = q.exit_with_key + q.timed_out + q.exit_empty
    if other:
        parts.append(f"other exits {other}")
    parts.append(f"{sl_label(q.service_level)} ({q.service_level.definition})")
    if q.asa_s is not None:
        parts.append(f"ASA {q.asa_s:.1f} s")
    return "  ".join(parts)


def render(snap: FloorSnapshot, tz: ZoneInfo, console: Console) -> None:
    quiet = snap.feed_quiet_since()
    # A dead feed leaves every duration frozen at its last event; against the clock they
    # would grow without end (a 2010 log read today gave "longest call 146848:14:20").
    # The console measures against the same floor clock (floorapp.figures.clock).
    ref = snap.clock.now
    clock = _Clock(tz, snap.at)
    label = _labeller(snap)
    if quiet is not None:
        console.print(Text(f"{snap.clock.quiet_text(tz)}: figures and durations stop there",
                           style="bold red"))
    elif snap.last_event_at is None:
        console.print(Text("no feed yet", style="bold yellow"))
    head = Text(f"Floor at {snap.at.astimezone(tz):%Y-%m-%d %H:%M %Z}")
    if snap.team:
        head.append(f"  team {snap.team}")
    console.print(head)

    console.print(Text("  ".join(f"{words.agent_state(k)} {v}"
                                 for k, v in snap.state_counts().items())))
    queue = f"waiting {snap.calls_waiting}"
    if snap.longest_wait_since is not None:
        queue += f" (longest {_dur(ref - snap.longest_wait_since)})"
    longest = snap.longest_call()
    if longest is not None and longest.call is not None and longest.call.answered_at:
        queue += (f"  longest call {_dur(ref - longest.call.answered_at)}"
                  f" {label(longest.id, longest.name)}")
    console.print(Text(queue))
    line = figures_line(snap)
    if line:
        console.print(Text(line))

    agents = _table(("name", True), ("team", True), ("state", True), ("since", False),
                    ("for", False), ("call", True))
    for a in snap.agents:
        state = words.agent_state(a.state) + (f" ({a.reason})" if a.reason else "")
        call = ""  # as on the console's board: how long, and whether the caller is listed
        if a.call is not None:
            call = _dur(ref - a.call.answered_at) if a.call.answered_at else "not answered"
            call += " sensitive" if a.call.sensitive else ""
        agents.add_row(_t(label(a.id, a.name)), _t(a.team),
                       _t(state, _STATE_STYLE.get(a.state, "")), _t(clock(a.state_since)),
                       _t(_dur(ref - a.state_since) if a.state_since else ""),
                       _t(call, "bold" if a.call is not None and a.call.sensitive else ""))
    console.print(agents)

    console.print(Text(f"Open flags: {len(snap.flags)}"))
    if snap.flags:
        flags = _table(("#", False), ("agent", True), ("sev", False), ("status", True),
                       ("raised", False), ("what", True))
        for f in snap.flags:
            status = words.flag_status(f.status) + (" (ended)" if f.condition_ended else "")
            what = _two_lines(words.flag_kind(f.kind) + (f" ×{f.count}" if f.count > 1 else ""),
                              f.detail)
            flags.add_row(_t(f.id), _t(label(f.agent, f.agent_name)),
                          _t(f.severity, _SEVERITY_STYLE.get(f.severity, "")), _t(status),
                          _t(clock(f.raised_at)), what)
        console.print(flags)

    console.print(Text(f"Open escalations: {len(snap.escalations)}"))
    if snap.escalations:
        # The reason on its own line under the agent: beside six columns it kept 19 of 80.
        esc = _table(("#", False), ("tier", False), ("sev", False), ("due", False),
                     ("status", True), ("agent / reason", True))
        for e in snap.escalations:
            due = clock(e.deadline)
            late = e.deadline < snap.at  # a deadline is for people: it runs on the clock
            if late and snap.at - e.deadline < timedelta(days=1):
                due += f" LATE {_dur(snap.at - e.deadline)}"
            elif late:  # the date says how late; days of lateness would only be noise
                due += " LATE"
            status = e.status if not e.holder else f"held by {e.holder}"
            if e.handoffs:
                status += f", {e.handoffs} handoff" + ("s" if e.handoffs > 1 else "")
            esc.add_row(_t(e.id), _t(e.tier), _t(e.severity, _SEVERITY_STYLE.get(e.severity, "")),
                        _t(due, "bold red" if late else ""), _t(status),
                        _two_lines(label(e.agent, e.agent_name) or "(no agent)", e.reason))
        console.print(esc)


def _width(stdout: TextIO) -> int | None:
    """COLUMNS when set; else the terminal's own width, or 80 when writing to a pipe."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return None if stdout.isatty() else PIPE_WIDTH


def cmd_status(ctx: AppContext, args: argparse.Namespace) -> int:
    # The same door as the console: an unknown name is refused, a team leader sees their teams.
    try:
        resolve_actor(ctx.engine, ctx.actor)
    except UnknownSupervisor as exc:
        print(f"floorapp: {exc}", file=sys.stderr)
        return 1
    scope = load_scope(ctx.engine, ctx.actor)
    try:
        team = resolve_team(ctx.engine, args.team) if args.team is not None else None
        if team is not None and not scope.allows_team(team):
            raise refuse(ctx.engine, now=ctx.clock.now(), actor=ctx.actor,
                         action="status.team", target_kind="team", target_id=team, team=team)
        snap = floor_snapshot(ctx.engine, now=ctx.clock.now(), team=args.team, scope=scope,
                              settings=ctx.settings)
    except UnknownTeam as exc:
        print(f"floorapp status: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OutOfScope:
        print(f"floorapp status: team {args.team} is not one of yours ({ctx.actor})",
              file=sys.stderr)
        return 1
    tz = ctx.settings.timezone
    if args.json:
        try:
            sys.stdout.write(json.dumps(snapshot_json(snap, tz), ensure_ascii=False, indent=2))
            sys.stdout.write("\n")
            sys.stdout.flush()
        except BrokenPipeError:  # `floorapp status --json | head` is fine
            pass
        return 0
    console = Console(highlight=False, width=_width(sys.stdout))
    render(snap, tz, console)
    return 0
