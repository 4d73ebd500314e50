"""``floorapp status``: the floor now, as a table for people or JSON for scripts."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from rich.text import Text

from floorapp.context import AppContext
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
    h, rem = divmod(s, 3600)
    return f"{h}:{rem // 60:02d}:{rem % 60:02d}" if h else f"{rem // 60}:{rem % 60:02d}"


def _t(value: object, style: str = "") -> Text:
    """Literal text: names and reasons come from outside and are never markup."""
    return Text("" if value is None else str(value), style=style)


def _clock(value: datetime | None, tz: ZoneInfo) -> str:
    return "" if value is None else value.astimezone(tz).strftime("%H:%M:%S")


def _words(code: str) -> str:
    """A stored code as a person reads it (``on_call`` -> ``on call``); JSON keeps the code."""
    return code.replace("_", " ")


def render(snap: FloorSnapshot, tz: ZoneInfo, console: Console) -> None:
    now = snap.at
    counts = snap.state_counts()
    longest = snap.longest_call()
    head = Text(f"Floor at {now.astimezone(tz):%Y-%m-%d %H:%M:%S %Z}")
    if snap.team:
        head.append(f"  team {snap.team}")
    console.print(head)
    summary = "  ".join(f"{_words(k)} {v}" for k, v in counts.items())
    summary += f"  | waiting {snap.calls_waiting}"
    if snap.longest_wait_since is not None:
        summary += f" (longest {_dur(now - snap.longest_wait_since)})"
    if longest is not None and longest.call is not None and longest.call.answered_at:
        summary += f"  | longest call {_dur(now - longest.call.answered_at)}"
    console.print(Text(summary))

    agents = Table(title=None, expand=False)
    for col in ("id", "name", "team", "state", "since", "for", "call"):
        agents.add_column(col)
    for a in snap.agents:
        state = _words(a.state) + (f" ({a.reason})" if a.reason else "")
        call = ""
        if a.call is not None:
            call = a.call.id
            if a.call.answered_at is not None:
                call += f" {_dur(now - a.call.answered_at)}"
            if a.call.sensitive:
                call += " sensitive"
        agents.add_row(_t(a.id), _t(a.name), _t(a.team),
                       _t(state, _STATE_STYLE.get(a.state, "")),
                       _t(_clock(a.state_since, tz)),
                       _t(_dur(now - a.state_since) if a.state_since else ""), _t(call))
    console.print(agents)

    console.print(Text(f"Open flags: {len(snap.flags)}"))
    if snap.flags:
        flags = Table()
        for col in ("id", "agent", "kind", "severity", "status", "raised", "detail"):
            flags.add_column(col)
        for f in snap.flags:
            status = f.status + (" (condition ended)" if f.condition_ended else "")
            kind = _words(f.kind) + (f" x{f.count}" if f.count > 1 else "")
            flags.add_row(_t(f.id), _t(f"{f.agent_name} ({f.agent})"), _t(kind),
                          _t(f.severity, _SEVERITY_STYLE.get(f.severity, "")), _t(status),
                          _t(_clock(f.raised_at, tz)), _t(f.detail))
        console.print(flags)

    console.print(Text(f"Open escalations: {len(snap.escalations)}"))
    if snap.escalations:
        esc = Table()
        for col in ("id", "tier", "severity", "status", "deadline", "handoffs", "holder",
                    "agent", "reason"):
            esc.add_column(col)
        for e in snap.escalations:
            deadline = _clock(e.deadline, tz)
            if e.deadline < now:
                deadline += f" OVERDUE {_dur(now - e.deadline)}"
            esc.add_row(_t(e.id), _t(e.tier), _t(e.severity, _SEVERITY_STYLE.get(e.severity, "")),
                        _t(e.status), _t(deadline, "bold red" if e.deadline < now else ""),
                        _t(e.handoffs), _t(e.holder), _t(e.agent), _t(e.reason))
        console.print(esc)


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
        snap = floor_snapshot(ctx.engine, now=ctx.clock.now(), team=args.team, scope=scope)
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
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 200)
    render(snap, tz, console)
    return 0
