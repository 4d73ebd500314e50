"""A report written out: a terminal table, Markdown, CSV, JSON or one self-contained HTML page.

Every format but JSON is built from the same sections (title, headers, rows of text), so
they say the same thing. The HTML page carries its CSS and SVG charts inline and loads
nothing: it opens from a mail attachment on a machine with no network. Text from outside
(names, reasons, caller ids) is escaped for HTML and Markdown and never read as markup.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from floorapp import words
from floorapp.figures.text import sl_explained, sl_label
from floorapp.i18n import _, is_chinese, pgettext

if TYPE_CHECKING:  # ``floorapp report --help`` reads FORMATS and loads no store
    from rich.console import Console

    from floorapp.figures.queue import QueueFigures
    from floorapp.figures.report import Report

FORMATS = ("table", "markdown", "csv", "json", "html")


@dataclass(frozen=True)
class Section:
    title: str
    headers: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]
    note: str = ""


def secs(v: float | None) -> str:
    """``17.9 s`` under a minute, ``2:05`` (min:s) or ``1:02:05`` above; ``-`` for none."""
    if v is None:
        return "-"
    if v < 60:
        return words.seconds(v)
    s = round(v)
    h, rem = divmod(s, 3600)
    return f"{h}:{rem // 60:02d}:{rem % 60:02d}" if h else f"{rem // 60}:{rem % 60:02d}"


def _when(v: datetime | None, tz: tzinfo, with_date: bool) -> str:
    if v is None:
        return "-"
    local = v.astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M:%S}" if with_date else f"{local:%H:%M:%S}"


def _count_row(name: str, q: QueueFigures) -> tuple[str, ...]:
    return (
        name,
        str(q.offered),
        str(q.answered),
        str(q.abandoned),
        str(q.short_abandons),
        str(q.exit_with_key),
        str(q.timed_out),
        str(q.exit_empty),
        str(q.waiting),
    )


def _time_row(name: str, q: QueueFigures) -> tuple[str, ...]:
    return (
        name,
        sl_label(q.service_level).split(" ", 1)[1],
        secs(q.asa_s),
        secs(q.avg_abandon_wait_s),
        secs(q.longest_abandon_wait_s),
        secs(q.aht_s),
    )


def sections(r: Report, tz: tzinfo) -> list[Section]:
    f = r.figures
    multi_day = (r.end - r.start).days > 1
    threshold = f.floor.service_level.threshold_s
    cuts = [(_("whole floor"), f.floor), *sorted(f.queues.items())]
    out = [
        Section(
            _("Queues: calls"),
            (
                _("queue"),
                _("offered"),
                pgettext("report", "answered"),
                _("abandoned"),
                _("short"),
                _("exit key"),
                _("timed out"),
                _("exit empty"),
                _("waiting"),
            ),
            [_count_row(n, q) for n, q in cuts],
            note=_(
                "short: abandoned under the short-abandon limit (counted in abandoned);"
                " waiting: no outcome yet"
            ),
        ),
        Section(
            _("Queues: service"),
            (
                _("queue"),
                f"SL{threshold}",
                _("ASA"),
                _("avg abandon wait"),
                _("longest abandon wait"),
                _("AHT"),
            ),
            [_time_row(n, q) for n, q in cuts],
            note=_("service level {explained}").format(
                explained=sl_explained(f.floor.service_level)
            ),
        ),
    ]
    out.append(
        Section(
            _("Teams (calls their agents answered)"),
            (
                _("team"),
                pgettext("report", "answered"),
                _("completed"),
                f"SL{threshold}",
                _("ASA"),
                _("AHT"),
            ),
            [
                (
                    words.team(t),
                    str(q.answered),
                    str(q.completed),
                    sl_label(q.service_level).split(" ", 1)[1],
                    secs(q.asa_s),
                    secs(q.aht_s),
                )
                for t, q in sorted(f.teams.items())
            ],
        )
    )
    out.append(
        Section(
            _("Agents"),
            (
                _("agent"),
                _("team"),
                _("completed"),
                pgettext("report", "answered"),
                _("AHT"),
                _("talk"),
                _("after-call"),
                _("paused"),
            ),
            [
                (
                    a.name if a.name == a.id else f"{a.name} ({a.id})",
                    words.team(a.team),
                    str(a.completed),
                    str(a.answered),
                    secs(a.aht_s),
                    secs(a.talk_s),
                    secs(a.acw_s),
                    ", ".join(
                        f"{k or _('no reason')} {secs(v)}" for k, v in sorted(a.pause_s.items())
                    )
                    or "-",
                )
                for a in f.agents
            ],
        )
    )
    out.append(
        Section(
            _("Abandoned calls"),
            (
                _("time"),
                _("queue"),
                _("caller"),
                _("waited"),
                _("how"),
                _("called back"),
                _("got through"),
            ),
            [
                (
                    _when(c.at, tz, multi_day),
                    c.queue or "-",
                    c.caller or _("(withheld)"),
                    secs(c.waited_s),
                    words.abandon_exit(c.exit),
                    _when(c.called_back_at, tz, multi_day),
                    _when(c.got_through_at, tz, multi_day)
                    if c.got_through_at
                    else (_("no") if c.called_back_at else "-"),
                )
                for c in f.abandoned
            ],
        )
    )
    fh = r.flags
    out.append(
        Section(
            _("Flags"),
            (
                _("team"),
                _("raised"),
                _("acknowledged"),
                _("median to acknowledge"),
                _("stepped in"),
                _("median to step in"),
                _("resolved"),
            ),
            [
                (
                    words.team(t),
                    str(x.raised),
                    str(x.acknowledged),
                    secs(x.median_to_acknowledge_s),
                    str(x.stepped_in),
                    secs(x.median_to_step_in_s),
                    str(x.resolved),
                )
                for t, x in [(_("all"), fh), *sorted(r.flags_by_team.items())]
            ],
        )
    )
    out.append(
        Section(
            _("Escalations"),
            (_("team"), _("opened"), _("resolved"), pgettext("report", "late")),
            [
                (words.team(t), str(x.opened), str(x.resolved), str(x.late))
                for t, x in [(_("all"), r.escalations), *sorted(r.escalations_by_team.items())]
            ],
        )
    )
    out.append(
        Section(
            _("Patrols, care and nominations"),
            (_("what"), _("kind"), _("count")),
            [(_("patrol"), k, str(v)) for k, v in sorted(r.patrols.items())]
            + [(_("care"), k, str(v)) for k, v in sorted(r.care.items())]
            + [(_("nomination"), k, str(v)) for k, v in sorted(r.nominations.items())],
        )
    )
    out.append(
        Section(
            _("Agents' requests"),
            (
                _("category"),
                _("raised"),
                _("median to acknowledge"),
                _("median to answer"),
                pgettext("report", "late"),
            ),
            [
                (
                    q.category,
                    str(q.raised),
                    secs(q.median_to_acknowledge_s),
                    secs(q.median_to_answer_s),
                    str(q.late),
                )
                for q in r.requests
            ],
        )
    )
    out.append(
        Section(
            _("Handover: still open"),
            (
                _("what"),
                _("#"),
                _("team"),
                _("agent"),
                _("item"),
                _("since"),
                _("deadline"),
                _("held by"),
                _("status"),
            ),
            [
                (
                    i.kind,
                    str(i.id),
                    words.team(i.team) or "-",
                    i.agent or "-",
                    i.what,
                    _when(i.since, tz, True),
                    _when(i.deadline, tz, True),
                    i.holder or _("nobody"),
                    i.status,
                )
                for i in r.handover
            ],
        )
    )
    return out


def header_lines(r: Report, tz: tzinfo) -> list[str]:
    f = r.figures
    lines = [
        _("{title}: {start} to {end} ({zone}), for {actor}").format(
            title=r.title,
            start=_when(r.start, tz, True),
            end=_when(r.end, tz, True),
            zone=tz,
            actor=r.actor,
        )
        + (_(", team {team}").format(team=r.team) if r.team else "")
    ]
    quiet = f.clock.quiet_text(tz)
    if quiet:
        lines.append(_("{quiet}: figures and durations stop there").format(quiet=quiet))
    q = f.floor
    lines.append(
        _(
            "offered {offered}  answered {answered}  abandoned {abandoned}  {sl}  "
            "ASA {asa}  waiting now {waiting}"
        ).format(
            offered=q.offered,
            answered=q.answered,
            abandoned=q.abandoned,
            sl=sl_label(q.service_level),
            asa=secs(q.asa_s),
            waiting=f.waiting_now,
        )
    )
    return lines


# Headers (as written in the catalog) of the columns that give way on a narrow terminal.
_GIVES_WAY = ("agent", "item", "team", "held by", "caller", "paused")


def to_table(r: Report, tz: tzinfo, console: Console) -> None:
    from rich.cells import cell_len
    from rich.text import Text

    for line in header_lines(r, tz):
        console.print(Text(line))
    for whole in sections(r, tz):
        for s in _fitted(whole, console.width, cell_len):
            _print_section(s, console)


# The least a column that gives way (a name) keeps before a table is split in two.
_NAME_MIN = 10
# Cells between two columns: the padding on either side of each.
_GAP = 2


def _widest(s: Section, cells: Callable[[str], int]) -> list[int]:
    """Each column's widest value or header word, in display cells (a Chinese header is
    twice its length): a figure's column is never narrower."""
    return [
        max([cells(row[i]) for row in s.rows] + [cells(w) for w in h.split()])
        for i, h in enumerate(s.headers)
    ]


def _fitted(s: Section, width: int, cells: Callable[[str], int]) -> list[Section]:
    """``s`` as one table, or, where its figures cannot all stand whole side by side in
    ``width`` (a report piped at 80 columns), as several, each led by the first column:
    a figure is never cut or broken over two lines."""
    if len(s.headers) < 3:
        return [s]
    gives_way = {_(h) for h in _GIVES_WAY}
    need = [
        (min(w, _NAME_MIN) if h in gives_way else w) + _GAP
        for h, w in zip(s.headers, _widest(s, cells), strict=True)
    ]
    if sum(need) <= width:
        return [s]
    groups: list[list[int]] = []
    for i in range(1, len(s.headers)):
        if groups and need[0] + sum(need[j] for j in groups[-1]) + need[i] <= width:
            groups[-1].append(i)
        else:
            groups.append([i])
    return [
        Section(
            s.title if n == 0 else f"{s.title} ({n + 1}/{len(groups)})",
            tuple(s.headers[j] for j in [0, *cols]),
            [tuple(row[j] for j in [0, *cols]) for row in s.rows],
            s.note if n == len(groups) - 1 else "",
        )
        for n, cols in enumerate(groups)
    ]


def _print_section(s: Section, console: Console) -> None:
    from rich import box
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    table = Table(
        title=s.title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1),
        collapse_padding=True,
        caption=s.note or None,
        caption_justify="left",
    )
    gives_way = {_(h) for h in _GIVES_WAY}
    widest = _widest(s, cell_len)
    # Figures and times stay whole (headers may take two lines); names and free text give
    # way, sharing what the figures leave, cut with an ellipsis.
    giving = [i for i, h in enumerate(s.headers) if h in gives_way]
    room = (
        console.width
        - sum(w for i, w in enumerate(widest) if i not in giving)
        - _GAP * (len(widest) - 1)
    )
    # A name's header stays on one line with it: the whole header is wanted too.
    wanted = {i: min(max(widest[i], cell_len(s.headers[i])), 18) for i in giving}
    if sum(wanted.values()) > room:
        # Each keeps its least (or all it needs, when less), the rest shared by need.
        least = {i: min(w, _NAME_MIN) for i, w in wanted.items()}
        more = {i: wanted[i] - least[i] for i in wanted}
        left, asked = max(room - sum(least.values()), 0), sum(more.values())
        wanted = {i: least[i] + (left * more[i] // asked if asked else 0) for i in wanted}
    for i, h in enumerate(s.headers):
        if i in wanted:
            table.add_column(h, width=wanted[i], no_wrap=True, overflow="ellipsis")
        else:
            # As wide as its widest value or header word: the header may take two lines.
            table.add_column(h, width=widest[i])
    for row in s.rows:
        table.add_row(*(Text(c) for c in row))
    if not s.rows:
        table.add_row(*(Text("-") for _ in s.headers))
    console.print(table)


def _md(cell: str) -> str:
    return html.escape(cell, quote=False).replace("|", "\\|").replace("\n", " ")


def to_markdown(r: Report, tz: tzinfo) -> str:
    out = [f"# {_md(header_lines(r, tz)[0])}", ""]
    out += [f"{_md(line)}  " for line in header_lines(r, tz)[1:]] + [""]
    for s in sections(r, tz):
        out += [f"## {s.title}", ""]
        if s.note:
            out += [_md(s.note), ""]
        out.append("| " + " | ".join(s.headers) + " |")
        out.append("|" + "|".join("---" for _ in s.headers) + "|")
        out += ["| " + " | ".join(_md(c) for c in row) + " |" for row in s.rows]
        out.append("")
    return "\n".join(out)


def to_csv(r: Report, tz: tzinfo) -> str:
    """One table: section, then the section's own columns (a spreadsheet filters by the
    first column)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for s in sections(r, tz):
        w.writerow([_("section"), *s.headers])
        for row in s.rows:
            # A cell starting with = + - @ would be a formula to a spreadsheet.
            w.writerow([s.title, *("'" + c if c[:1] in "=+@" else c for c in row)])
    return buf.getvalue()


def to_json(r: Report, tz: tzinfo) -> str:
    return json.dumps(r.as_json(tz), ensure_ascii=False, indent=2) + "\n"


_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.6em}
table{border-collapse:collapse;margin:.4em 0}
th,td{border-bottom:1px solid #ddd;padding:.2em .6em;text-align:left}
th{background:#f3f3f3}td.n{text-align:right}.note{color:#555}
.quiet{color:#b00;font-weight:bold}
"""


def _svg_bars(title: str, items: list[tuple[str, float, str]], unit: str = "") -> str:
    """A horizontal bar chart, inline SVG."""
    if not items:
        return ""
    top = max(v for _, v, _ in items) or 1.0
    h = 22 * len(items) + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="560" height="{h}" '
        f'role="img" aria-label="{html.escape(title)}">',
        f'<text x="0" y="14" font-size="13">{html.escape(title)}</text>',
    ]
    for i, (label, v, colour) in enumerate(items):
        y = 24 + 22 * i
        w = int(360 * v / top)
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{html.escape(label)}</text>')
        parts.append(f'<rect x="150" y="{y + 2}" width="{w}" height="16" fill="{colour}"/>')
        parts.append(
            f'<text x="{156 + w}" y="{y + 14}" font-size="12">{v:g}{html.escape(unit)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def to_html(r: Report, tz: tzinfo) -> str:
    e = html.escape
    lines = header_lines(r, tz)
    q = r.figures.floor
    body = [f"<h1>{e(lines[0])}</h1>"]
    quiet = r.figures.clock.quiet_text(tz)
    for line in lines[1:]:
        cls = ' class="quiet"' if quiet and line.startswith(quiet) else ""
        body.append(f"<p{cls}>{e(line)}</p>")
    body.append(
        _svg_bars(
            pgettext("report", "Calls"),
            [
                (_("offered"), q.offered, "#4a78c2"),
                (pgettext("report", "answered"), q.answered, "#3a9a5b"),
                (_("abandoned"), q.abandoned, "#c24a4a"),
                (_("other exits"), q.unanswered - q.abandoned, "#c29a4a"),
                (_("waiting"), q.waiting, "#888"),
            ],
        )
    )
    sl_items = [
        (name, round((x.service_level.value or 0) * 100, 1), "#4a78c2")
        for name, x in sorted(r.figures.queues.items())
        if x.service_level.value is not None
    ]
    body.append(
        _svg_bars(
            _("Service level by queue ({definition})").format(
                definition=q.service_level.definition
            ),
            sl_items,
            " %",
        )
    )
    for s in sections(r, tz):
        body.append(f"<h2>{e(s.title)}</h2>")
        if s.note:
            body.append(f'<p class="note">{e(s.note)}</p>')
        body.append(
            "<table><thead><tr>"
            + "".join(f"<th>{e(h)}</th>" for h in s.headers)
            + "</tr></thead><tbody>"
        )
        for row in s.rows:
            body.append(
                "<tr>"
                + "".join(
                    f'<td class="n">{e(c)}</td>' if c[:1].isdigit() else f"<td>{e(c)}</td>"
                    for c in row
                )
                + "</tr>"
            )
        body.append("</tbody></table>")
    return (
        f'<!DOCTYPE html>\n<html lang="{"zh-CN" if is_chinese() else "en"}"><head>'
        '<meta charset="utf-8">'
        f"<title>{e(r.title)}</title><style>{_CSS}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )
