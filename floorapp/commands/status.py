"""``floorapp status``: the floor now, as a table for people or JSON for scripts.

Both are written as they are made, row by row: a plain table whose columns are measured
once (no table library laying out every cell) and JSON one row a line, so a
10,000-agent floor answers at once. Registering the command imports nothing heavy.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TextIO
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from floorapp.context import AppContext
    from floorapp.snapshot import FloorSnapshot

EXIT_USAGE = 2
# For mail and logs when stdout is not a terminal and COLUMNS is not set.
PIPE_WIDTH = 80
# SGR codes, written only to a terminal that takes colour.
_STYLE = {
    "green": "32",
    "cyan": "36",
    "yellow": "33",
    "magenta": "35",
    "dim": "2",
    "bold": "1",
    "bold red": "1;31",
    "bold yellow": "1;33",
}
_STATE_STYLE = {
    "available": "green",
    "on_call": "cyan",
    "after_call": "yellow",
    "break": "magenta",
    "offline": "dim",
}
_SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "light": ""}
GAP = "  "  # between columns
CHUNK = 500  # rows written at a time


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from floorapp.i18n import _

    p = sub.add_parser("status", help=_("the floor now: agents, open flags, open escalations"))
    p.add_argument("--team", metavar="T", help=_("only this team (id or name)"))
    p.add_argument(
        "--json", action="store_true", help=_("JSON with top-level keys agents, flags, escalations")
    )
    p.set_defaults(func=cmd_status)


def _dur(delta: timedelta) -> str:
    s = max(int(delta.total_seconds()), 0)  # a feed running ahead of this clock shows 0
    days, s = divmod(s, 86400)
    h, rem = divmod(s, 3600)
    if days:  # seconds stop mattering after a day
        return f"{days} d {h}:{rem // 60:02d}"
    return f"{h}:{rem // 60:02d}:{rem % 60:02d}" if h else f"{rem // 60}:{rem % 60:02d}"


def _one_line(value: object) -> str:
    """Text from outside as one line a terminal shows, never obeys: a note kept its line
    breaks (in a one-line cell they would start rows of their own), and a control character
    is replaced."""
    from floorapp.text import shown

    text = "" if value is None else str(value)
    if not text.isprintable():
        text = shown(" ".join(text.split()))
    return text


class _Clock:
    """Times of day as a person reads them: HH:MM today, with the date on any other day."""

    def __init__(self, tz: ZoneInfo, now: datetime) -> None:
        self.tz = tz
        self.today = now.astimezone(tz).date()

    def __call__(self, value: datetime | None) -> str:
        if value is None:
            return ""
        local = value.astimezone(self.tz)
        hm = f"{local.hour:02d}:{local.minute:02d}"  # strftime costs more, row after row
        return hm if local.date() == self.today else f"{local.date().isoformat()} {hm}"


def _labeller(snap: FloorSnapshot) -> Callable[[str | None, str | None], str]:
    """An agent as their name; the id joins it only when two agents shown share the name."""
    ids: dict[str, set[str | None]] = defaultdict(set)
    pairs: list[tuple[str | None, str | None]] = [(a.id, a.name) for a in snap.agents]
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


# --- a plain table ------------------------------------------------------------------------

# A row: its cells (one line each), their styles (or None), and a second line under the
# last cell (the long text: a reason, a flag's detail), shown dim.
Row = tuple[Sequence[str], Sequence[str | None] | None, str | None]


# Printable ASCII and the wide CJK ranges a floor's names use (ideographs, CJK punctuation,
# fullwidth forms): each of those non-ASCII characters is three bytes of UTF-8 and two cells.
_ASCII_AND_CJK = re.compile("[\x20-\x7e\u3000-\u303e\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff60]*")


def _cells(text: str) -> int:
    """Terminal cells of ``text``; the common cases without a per-character loop."""
    if text.isascii():
        return len(text)
    if _ASCII_AND_CJK.fullmatch(text):
        n = len(text)
        return n + (len(text.encode()) - n) // 2
    from rich.cells import cell_len

    return cell_len(text)


class Table:
    """Columns measured once over their values, fitted to the width, then written row by
    row. Columns that give way (names, reasons) are cut with an ellipsis when the width is
    short, the widest first; the others (times, numbers) keep their whole value."""

    def __init__(self, out: TextIO, width: int | None, color: bool) -> None:
        self.out = out
        self.width = width
        self.color = color
        self.measure: dict[str, int] = {}  # cells of each value met, measured once

    def style(self, text: str, style: str | None) -> str:
        code = _STYLE.get(style or "")
        return f"\x1b[{code}m{text}\x1b[0m" if self.color and code and text else text

    def write(self, text: str) -> None:
        self.out.write(self.style(text, None) + "\n")

    def line(self, text: str, style: str | None = None) -> None:
        """A line of text, cut to the width."""
        from floorapp.i18n import cut

        text = _one_line(text)
        if self.width is not None:
            text = cut(text, self.width)
        self.out.write(self.style(text, style) + "\n")

    def flow(self, text: str, style: str | None = None, *, wrap: bool = False) -> None:
        """A line of figures (items two spaces apart) over as many lines as the width needs,
        broken between items, so no figure is cut off; an item wider than the whole width
        is cut. ``wrap``: a sentence, broken between words (characters, in Chinese)."""
        from floorapp import i18n
        from floorapp.i18n import cut

        text = _one_line(text)
        if self.width is None or _cells(text) <= self.width:
            self.out.write(self.style(text, style) + "\n")
            return
        if wrap:
            for line in i18n.wrap(text, self.width):
                self.out.write(self.style(line, style) + "\n")
            return
        lines: list[str] = []
        for item in text.split("  "):
            item = cut(item.strip(), self.width)
            if lines and _cells(lines[-1]) + 2 + _cells(item) <= self.width:
                lines[-1] += "  " + item
            else:
                lines.append(item)
        for line in lines:
            self.out.write(self.style(line, style) + "\n")

    def widths(
        self, headers: Sequence[str], gives_way: Sequence[bool], rows: Sequence[Row]
    ) -> list[int]:
        n = len(headers)
        natural = [_cells(h) for h in headers]
        measure = self.measure
        for i in range(n):
            col = {r[0][i] for r in rows}  # a column repeats its values: measure each once
            if i == n - 1:
                col.update(r[2] for r in rows if r[2])
            if col:
                measure.update((c, _cells(c)) for c in col if c not in measure)
                natural[i] = max(natural[i], max(measure[c] for c in col))
        if self.width is None:
            return natural
        excess = sum(natural) + len(GAP) * (n - 1) - self.width
        floor = [1 if g else w for g, w in zip(gives_way, natural, strict=True)]
        while excess > 0:
            # The widest column that may give way gives a cell; a fixed one only when none
            # is left (a width too small for the times themselves).
            shrinkable = [i for i in range(n) if natural[i] > floor[i]] or [
                i for i in range(n) if natural[i] > 1
            ]
            if not shrinkable:
                break
            widest = max(shrinkable, key=lambda i: natural[i])
            natural[widest] -= 1
            excess -= 1
        return natural

    def table(self, headers: Sequence[str], gives_way: Sequence[bool], rows: Sequence[Row]) -> None:
        from floorapp.i18n import cut

        widths = self.widths(headers, gives_way, rows)
        last = len(widths) - 1
        measure = self.measure

        def fit(text: str, w: int, pad: bool) -> str:
            n = measure.get(text)
            if n is None:
                n = _cells(text)
            if n > w:
                text = cut(text, w)
                n = _cells(text)
            return text + " " * (w - n) if pad else text

        out = self.out
        out.write(
            GAP.join(
                fit(h, w, i < last) for i, (h, w) in enumerate(zip(headers, widths, strict=True))
            ).rstrip()
            + "\n"
        )
        out.write(self.style("\u2500" * (sum(widths) + len(GAP) * last), None) + "\n")
        lead = sum(widths[:-1]) + len(GAP) * last
        chunk: list[str] = []
        for cells, styles, under in rows:
            parts = []
            for i, w in enumerate(widths):
                text = fit(cells[i], w, i < last)
                parts.append(self.style(text, styles[i]) if styles and styles[i] else text)
            chunk.append(GAP.join(parts).rstrip())
            if under:
                chunk.append(" " * lead + self.style(fit(under, widths[-1], False), "dim"))
            if len(chunk) >= CHUNK:
                out.write("\n".join(chunk) + "\n")
                chunk = []
        if chunk:
            out.write("\n".join(chunk) + "\n")


def figures_line(snap: FloorSnapshot) -> str:
    """The centre's day so far, in the words of the console's header and the report."""
    from floorapp import words
    from floorapp.figures.text import sl_label
    from floorapp.i18n import _

    f = snap.figures
    if f is None:
        return ""
    q = f.floor
    abandoned = _("abandoned {n}").format(n=q.abandoned)
    if q.short_abandons:
        abandoned += " " + _("({n} short)").format(n=q.short_abandons)
    parts = [
        _("today: offered {n}").format(n=q.offered),
        _("answered {n}").format(n=q.answered),
        abandoned,
    ]
    other = q.exit_with_key + q.timed_out + q.exit_empty
    if other:
        parts.append(_("other exits {n}").format(n=other))
    parts.append(f"{sl_label(q.service_level)} ({q.service_level.definition})")
    if q.asa_s is not None:
        parts.append(_("ASA {s}").format(s=words.seconds(q.asa_s)))
    return "  ".join(parts)


def render(
    snap: FloorSnapshot,
    tz: ZoneInfo,
    out: TextIO,
    width: int | None = PIPE_WIDTH,
    color: bool = False,
) -> None:
    from floorapp import words
    from floorapp.i18n import _, ngettext

    t = Table(out, width, color)
    quiet = snap.feed_quiet_since()
    # A dead feed leaves every duration frozen at its last event; against the clock they
    # would grow without end (a 2010 log read today gave "longest call 146848:14:20").
    # The console measures against the same floor clock (floorapp.figures.clock).
    ref = snap.clock.now
    clock = _Clock(tz, snap.at)
    label = _labeller(snap)
    if quiet is not None:
        # Said whole, over two lines if need be: it is why every figure below stands still.
        t.flow(
            _("{quiet}: figures and durations stop there").format(quiet=snap.clock.quiet_text(tz)),
            "bold red",
            wrap=True,
        )
    elif snap.last_event_at is None:
        t.line(_("no feed yet"), "bold yellow")
    head = _("Floor at {time}").format(time=f"{snap.at.astimezone(tz):%Y-%m-%d %H:%M %Z}")
    if snap.team:
        head += "  " + _("team {team}").format(team=snap.team)
    t.line(head)

    t.flow("  ".join(f"{words.agent_state(k)} {v}" for k, v in snap.state_counts().items()))
    queue = _("waiting {n}").format(n=snap.calls_waiting)
    if snap.longest_wait_since is not None:
        queue += " " + _("(longest {time})").format(time=_dur(ref - snap.longest_wait_since))
    longest = snap.longest_call()
    if longest is not None and longest.call is not None and longest.call.answered_at:
        queue += "  " + _("longest call {time} {agent}").format(
            time=_dur(ref - longest.call.answered_at), agent=label(longest.id, longest.name)
        )
    t.flow(queue)
    line = figures_line(snap)
    if line:
        t.flow(line)

    state_word = {s: words.agent_state(s) for s in _STATE_STYLE}
    not_answered, sensitive = _("not answered"), _("sensitive")
    rows: list[Row] = []
    for a in snap.agents:
        state = state_word.get(a.state) or words.agent_state(a.state)
        if a.reason:
            state += f" ({_one_line(a.reason)})"
        call, call_style = "", ""  # as on the console's board: how long, and whether listed
        if a.call is not None:
            call = _dur(ref - a.call.answered_at) if a.call.answered_at else not_answered
            if a.call.sensitive:
                call, call_style = f"{call} {sensitive}", "bold"
        since = a.state_since
        rows.append(
            (
                (
                    _one_line(label(a.id, a.name)),
                    _one_line(words.team(a.team)),
                    state,
                    clock(since),
                    _dur(ref - since) if since else "",
                    call,
                ),
                (None, None, _STATE_STYLE.get(a.state), None, None, call_style),
                None,
            )
        )
    t.table(
        (_("name"), _("team"), _("state"), _("since"), _("for"), _("call")),
        (True, True, True, False, False, True),
        rows,
    )

    t.line(_("Open flags: {n}").format(n=len(snap.flags)))
    if snap.flags:
        rows = []
        for f in snap.flags:
            status = words.flag_status(f.status)
            if f.condition_ended:
                status += " " + _("(ended)")
            what = words.flag_kind(f.kind) + (f" \u00d7{f.count}" if f.count > 1 else "")
            rows.append(
                (
                    (
                        str(f.id),
                        _one_line(label(f.agent, f.agent_name)),
                        f.severity,
                        status,
                        clock(f.raised_at),
                        what,
                    ),
                    (None, None, _SEVERITY_STYLE.get(f.severity), None, None, None),
                    _one_line(f.detail) or None,
                )
            )
        t.table(
            ("#", _("agent"), _("sev"), _("status"), _("raised"), _("what")),
            (False, True, False, True, False, True),
            rows,
        )

    t.line(_("Open escalations: {n}").format(n=len(snap.escalations)))
    if snap.escalations:
        # The reason on its own line under the agent: beside six columns it kept 19 of 80.
        rows = []
        for e in snap.escalations:
            due = clock(e.deadline)
            late = e.deadline < snap.at  # a deadline is for people: it runs on the clock
            if late and snap.at - e.deadline < timedelta(days=1):
                due += " " + _("LATE {time}").format(time=_dur(snap.at - e.deadline))
            elif late:  # the date says how late; days of lateness would only be noise
                due += " " + _("LATE")
            status = (
                e.status if not e.holder else _("held by {who}").format(who=_one_line(e.holder))
            )
            if e.handoffs:
                status += ", " + ngettext("{n} handoff", "{n} handoffs", e.handoffs).format(
                    n=e.handoffs
                )
            rows.append(
                (
                    (
                        str(e.id),
                        str(e.tier),
                        e.severity,
                        due,
                        status,
                        _one_line(label(e.agent, e.agent_name)) or _("(no agent)"),
                    ),
                    (
                        None,
                        None,
                        _SEVERITY_STYLE.get(e.severity),
                        "bold red" if late else None,
                        None,
                        None,
                    ),
                    _one_line(e.reason) or None,
                )
            )
        t.table(
            ("#", _("tier"), _("sev"), _("due"), _("status"), _("agent / reason")),
            (False, False, False, False, True, True),
            rows,
        )


def _width(stdout: TextIO) -> int | None:
    """COLUMNS when set; else the terminal's own width, or 80 when writing to a pipe."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if stdout.isatty():
        try:
            cells = os.get_terminal_size(stdout.fileno()).columns
        except OSError:
            return PIPE_WIDTH
        # A pty nobody sized (a forced command over SSH) says 0 columns.
        return cells if cells > 0 else PIPE_WIDTH
    return PIPE_WIDTH


def _color(stdout: TextIO) -> bool:
    """Colour for a terminal that takes it (https://no-color.org)."""
    return stdout.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def write_json(snap: FloorSnapshot, tz: ZoneInfo, out: TextIO) -> None:
    """``snapshot_json`` written as it is made: one agent, flag or escalation a line
    (the C encoder, not the indenting one, which was half of ``status --json``)."""
    from floorapp.snapshot import snapshot_json

    data = snapshot_json(snap, tz)
    encode = json.JSONEncoder(ensure_ascii=False).encode  # one encoder for every row
    out.write("{\n")
    keys = list(data)
    for k, key in enumerate(keys):
        value = data[key]
        out.write(f"  {json.dumps(key)}: ")
        if isinstance(value, list) and value:
            out.write("[\n")
            _lines(out, map(encode, value))
            out.write("\n  ]")
        else:
            out.write(json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  "))
        out.write(",\n" if k < len(keys) - 1 else "\n")
    out.write("}\n")


def _lines(out: TextIO, items: Iterable[str]) -> None:
    chunk: list[str] = []
    first = True
    for item in items:
        chunk.append("    " + item)
        if len(chunk) >= CHUNK:
            out.write(("" if first else ",\n") + ",\n".join(chunk))
            first, chunk = False, []
    if chunk:
        out.write(("" if first else ",\n") + ",\n".join(chunk))


def cmd_status(ctx: AppContext, args: argparse.Namespace) -> int:
    from floorapp.commands._door import Closed, open_door
    from floorapp.snapshot import floor_snapshot

    try:
        door = open_door(ctx, "status", "status.read", args.team)
    except Closed as closed:
        return closed.code
    snap = floor_snapshot(
        ctx.engine, now=door.wall, team=door.team, scope=door.scope, settings=ctx.settings
    )
    tz = ctx.settings.timezone
    out = sys.stdout
    try:
        if args.json:
            write_json(snap, tz, out)
        else:
            render(snap, tz, out, _width(out), _color(out))
        out.flush()
    except BrokenPipeError:  # `floorapp status | head` is fine
        pass
    return 0
