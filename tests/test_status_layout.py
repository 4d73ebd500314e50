"""``floorapp status`` as a floor manager reads it in a shell, a pipe or a mail: 80 columns,
whole times, names, and a plain word when the feed has gone quiet."""

from __future__ import annotations

import argparse
import io
import json
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from rich.cells import cell_len
from sqlalchemy import Engine

from floorapp.clock import ManualClock
from floorapp.commands.status import cmd_status, render
from floorapp.context import AppContext
from floorapp.feed.jsonl import event_to_json, parse_jsonl
from floorapp.feed.queue_log import parse_queue_log
from floorapp.feed.writer import FeedWriter
from floorapp.roster import import_roster
from floorapp.simulate.runner import rules_observers
from floorapp.snapshot import floor_snapshot
from tests.conftest import T0

SAMPLE = Path(__file__).parent / "data" / "asterisk-queue_log.sample"
REASON = (
    "customer threatens media exposure and a complaint to the regulator, wants a "
    "supervisor on the line before the end of the day"
)
DETAIL = "voice raised, typing hard on the keyboard, has not taken a break since the morning"


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


@pytest.fixture
def floor(ctx: AppContext, engine: Engine) -> AppContext:
    """Two agents called Chen Jing, one long-named agent, a long escalation reason."""
    import_roster(
        engine,
        [
            {"id": "1060", "name": "Kenji García", "team": "complaints"},
            {"id": "1061", "name": "Chen Jing", "team": "complaints"},
            {"id": "1062", "name": "Chen Jing", "team": "billing"},
            {
                "id": "1063",
                "name": "Maximilian Alexander von Hohenberg-Schwarzenfels",
                "team": "billing",
            },
        ],
        "lead.wang",
        T0,
    )
    events = [
        {"type": "agent_login", "ts": at(-90), "agent": "1060"},
        {"type": "agent_login", "ts": at(-80), "agent": "1061"},
        {"type": "agent_login", "ts": at(-70), "agent": "1062"},
        {"type": "agent_login", "ts": at(-60), "agent": "1063"},
        {
            "type": "escalation",
            "ts": at(-30),
            "agent": "1060",
            "reason": REASON,
            "tier": 2,
            "severity": "high",
        },
        {
            "type": "escalation",
            "ts": at(-5),
            "agent": "1061",
            "reason": "refund refused",
            "tier": 1,
            "severity": "medium",
        },
        {"type": "call_offered", "ts": at(-12), "call": "c1", "queue": "A", "customer": "C1"},
        {"type": "call_answered", "ts": at(-11), "call": "c1", "agent": "1063"},
        {"type": "raise_hand", "ts": at(-1), "agent": "1062", "note": DETAIL},
    ]
    events.sort(key=lambda e: e["ts"])
    writer = FeedWriter(
        engine, ctx.settings, observers=rules_observers(ctx.settings, ctx.clock), clock=ctx.clock
    )
    summary = writer.write_batch(list(parse_jsonl([event_to_json(e) for e in events], "t")))
    assert summary.accepted == len(events)
    return ctx


@pytest.fixture(autouse=True)
def no_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)  # whatever the shell running pytest says


def table(ctx: AppContext, capsys: pytest.CaptureFixture[str]) -> list[str]:
    capsys.readouterr()
    assert cmd_status(ctx, argparse.Namespace(team=None, json=False)) == 0
    return capsys.readouterr().out.splitlines()


def line_with(lines: list[str], needle: str) -> str:
    (found,) = [line for line in lines if needle in line]
    return found


def test_piped_output_fits_80_columns_with_whole_times(
    floor: AppContext, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = table(floor, capsys)  # capsys is not a terminal: a pipe
    assert max(cell_len(line) for line in lines) <= 80
    # Clock times are whole HH:MM (today, UTC here), never cut to "08:45:…".
    assert "…" not in "".join(re.findall(r"\d\d:\d*…", "\n".join(lines)))
    esc = line_with(lines, "LATE")
    assert "08:45 LATE 15:00" in esc  # high: 15 minutes from 08:30, now 09:00
    # The reason is one line under the agent, from its first words, with the width left,
    # cut with an ellipsis: not a word per line.
    reason = lines[lines.index(esc) + 1]
    assert "Kenji García" in esc and "customer threatens media exposure" in reason
    assert reason.rstrip().endswith("…") and cell_len(reason.strip()) >= 35
    assert not any(line.strip() in ("wants", "media,", "supervisor") for line in lines)
    # The long name gives way with an ellipsis instead of pushing the table past 80.
    assert any("Maximilian Alexander" in line and "…" in line for line in lines)
    # The flag's detail is one line under its kind, cut, not wrapped.
    detail = [line for line in lines if "voice raised" in line]
    assert len(detail) == 1 and detail[0].rstrip().endswith("…")


def test_names_not_ids_and_ids_only_where_names_collide(
    floor: AppContext, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = table(floor, capsys)
    esc = line_with(lines, "LATE")
    assert "Kenji García" in esc and "1060" not in esc
    assert not any(re.search(r"\b1060\b", line) for line in lines)  # a unique name: no id
    # Two agents share "Chen Jing": each carries its id, everywhere it is shown.
    assert "Chen Jing (1061)" in lines[lines.index(line_with(lines, "refund refused")) - 1]
    assert any("Chen Jing (1062)" in line and "raised hand" in line for line in lines)
    assert sum("Chen Jing (106" in line for line in lines) == 4  # two agent rows, flag, esc.


def test_columns_is_respected_when_piped(
    floor: AppContext, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    lines = table(floor, capsys)
    assert 80 < max(cell_len(line) for line in lines) <= 200
    assert REASON in line_with(lines, "customer threatens").strip()  # room for all of it
    monkeypatch.setenv("COLUMNS", "60")
    lines = table(floor, capsys)
    assert max(cell_len(line) for line in lines) <= 60
    assert "08:45 LATE 15:00" in line_with(lines, "LATE")  # times stay whole


def test_a_quiet_feed_is_named_at_the_top_and_durations_stop_at_its_last_event(
    floor: AppContext, capsys: pytest.CaptureFixture[str], clock: ManualClock
) -> None:
    lines = table(floor, capsys)
    assert "quiet" not in lines[0]  # the last event was a minute before 09:00
    clock.advance(days=3)
    lines = table(floor, capsys)
    # The same words as the console's header (floorapp.figures.clock).
    assert lines[0] == (
        "feed quiet since 08:59:00 on 10 Mar 2026: figures and durations stop there"
    )
    # Times from another day carry their date; the call is as long as the feed last saw it.
    assert "longest call 10:00 Maximilian" in "\n".join(lines)
    row = line_with(lines, "on call  ")
    assert "2026-03-10 08:49" in row and "10:00" in row and "72:" not in row
    # The deadlines run on the clock: three days late is said by the date, not in hours.
    late = [line for line in lines if "LATE" in line]
    assert "2026-03-10 08:45 LATE  " in late[0] and "2026-03-10 09:25 LATE  " in late[1]


def test_json_keeps_raw_values_and_gives_the_last_event(
    floor: AppContext, capsys: pytest.CaptureFixture[str], clock: ManualClock
) -> None:
    clock.advance(days=3)
    capsys.readouterr()
    assert cmd_status(floor, argparse.Namespace(team=None, json=True)) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["floor"]["last_event_at"] == "2026-03-10T08:59:00+00:00"
    esc = {e["agent"]: e for e in data["escalations"]}
    assert esc["1060"]["deadline"] == "2026-03-10T08:45:00+00:00"  # raw value, agent id
    assert esc["1060"]["reason"] == REASON and esc["1060"]["overdue"] is True


def test_the_2010_queue_log_reads_as_stale_not_as_146848_hours(
    ctx: AppContext, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    writer = FeedWriter(engine, ctx.settings, clock=ctx.clock)
    writer.write(parse_queue_log(SAMPLE.read_text().splitlines(), str(SAMPLE)))
    lines = table(ctx, capsys)
    assert lines[0] == (
        "feed quiet since 11:56:19 on 22 Feb 2010: figures and durations stop there"
    )
    text = "\n".join(lines)
    assert "longest call" in text and not re.search(r"\d{3,}:\d\d:\d\d", text)
    assert max(cell_len(line) for line in lines) <= 80
    # Agents named only by the feed show their id once, as their name.
    row = line_with(lines, "on call  ")
    assert "on call" in row and "2010-02-2" in row and "(Local/2004" not in row


def test_a_reason_with_line_breaks_stays_on_its_one_line(
    floor: AppContext, capsys: pytest.CaptureFixture[str]
) -> None:
    snap = floor_snapshot(floor.engine, now=T0)
    (_, second) = snap.escalations
    snap.escalations[1] = replace(second, reason="refund refused\nsecond paragraph\tend")
    out = io.StringIO()
    render(snap, floor.settings.timezone, out, 80)
    lines = out.getvalue().splitlines()
    assert "refund refused second paragraph end" in line_with(lines, "refund refused")
    assert not any(line.strip().startswith("second paragraph") for line in lines)


def test_a_name_or_reason_never_writes_an_escape_sequence(
    floor: AppContext, capsys: pytest.CaptureFixture[str]
) -> None:
    snap = floor_snapshot(floor.engine, now=T0)
    (_first, second) = snap.escalations
    snap.escalations[1] = replace(second, reason="\x1b]0;PWNED\x07\x1b[2J refund")
    snap.agents[0] = replace(snap.agents[0], name="\x1b[31mred\u202e")
    out = io.StringIO()
    render(snap, floor.settings.timezone, out, 120)
    text = out.getvalue()
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "refund" in text and "red" in text


def test_colour_only_for_a_terminal_and_never_counted_in_the_width(floor: AppContext) -> None:
    snap = floor_snapshot(floor.engine, now=T0)
    plain, coloured = io.StringIO(), io.StringIO()
    render(snap, floor.settings.timezone, plain, 80)
    render(snap, floor.settings.timezone, coloured, 80, color=True)
    assert "\x1b[" not in plain.getvalue() and "\x1b[" in coloured.getvalue()
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured.getvalue()) == plain.getvalue()


def test_a_terminal_that_says_zero_columns_gets_the_pipe_width(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A pty nobody sized (a forced command over SSH) reports 0 columns: not a 0-wide table."""
    import os

    from floorapp.commands import status

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

        def fileno(self) -> int:
            return 1

    monkeypatch.setattr(os, "get_terminal_size", lambda fd: os.terminal_size((0, 0)))
    assert status._width(Tty()) == status.PIPE_WIDTH
    monkeypatch.setattr(os, "get_terminal_size", lambda fd: os.terminal_size((132, 40)))
    assert status._width(Tty()) == 132


def test_no_figure_is_cut_off_at_80_columns_in_either_language(
    ctx: AppContext, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    """The day's figures run past 80 columns in Chinese (and past 60 in English): they go on
    to the next line between figures, never cut ("平均应答 1~")."""
    from floorapp import i18n

    writer = FeedWriter(engine, ctx.settings, clock=ctx.clock)
    writer.write(parse_queue_log(SAMPLE.read_text().splitlines(), str(SAMPLE)))
    try:
        i18n.set_language("zh-CN")
        lines = table(ctx, capsys)
    finally:
        i18n.set_language("en")
    text = "\n".join(lines)
    assert "平均应答 17.9 秒" in text and "SL20 75 %" in text
    assert "~" not in "\n".join(lines[:6]) and max(cell_len(line) for line in lines) <= 80
