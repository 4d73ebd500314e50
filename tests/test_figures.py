"""The floor's figures: Asterisk's own log, one answer through every route.

tests/data/asterisk-queue_log.sample is a real queue_log of 22 Feb 2010 (queue 9000): 21
calls entered, 8 answered, 12 abandoned, 1 still waiting at the end; hold times of the
answered calls 1, 2, 36, 6, 84, 4, 5, 5 s, so 6 of 8 within 20 s. Local/2004 completed 6
calls and was on a 7th when the log ends.
"""

from __future__ import annotations

import argparse
import json
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from floorapp.clock import ManualClock
from floorapp.commands.report import cmd_report
from floorapp.commands.status import cmd_status
from floorapp.config import settings_from_dict
from floorapp.context import AppContext
from floorapp.feed.queue_log import parse_queue_log
from floorapp.feed.writer import FeedWriter
from floorapp.figures import day as fday
from floorapp.figures.clock import FloorClock
from floorapp.figures.model import interval_figures
from tests.console_helpers import console, screen_text, sync

SAMPLE = Path(__file__).parent / "data" / "asterisk-queue_log.sample"
DAY = date(2010, 2, 22)
AGENT = "Local/2004@from-internal/n"


def ingest(ctx: AppContext, lines: list[str] | None = None) -> None:
    writer = FeedWriter(ctx.engine, ctx.settings, clock=ctx.clock)
    writer.write(
        parse_queue_log(
            lines if lines is not None else SAMPLE.read_text().splitlines(), str(SAMPLE)
        )
    )


@pytest.fixture
def sample(ctx: AppContext) -> AppContext:
    """The sample ingested, read today (the clock stays in 2026: the feed is long quiet)."""
    ctx.settings = settings_from_dict({"floor": {"timezone": "UTC"}})
    ingest(ctx)
    return ctx


def day_figures(ctx: AppContext, **settings: Any) -> Any:
    s = ctx.settings
    for k, v in settings.items():
        setattr(s, k, v)
    start, end = fday.date_bounds(s, DAY)
    return interval_figures(ctx.engine, s, start, end, ctx.clock.now())


def test_the_sample_day_by_asterisks_definitions(sample: AppContext) -> None:
    f = day_figures(sample)
    q = f.floor
    assert (q.offered, q.answered, q.abandoned, q.waiting) == (21, 8, 12, 1)
    assert (q.exit_with_key, q.timed_out, q.exit_empty) == (0, 0, 0)
    sl = q.service_level
    assert (sl.definition, sl.threshold_s, sl.numerator, sl.denominator) == ("asterisk", 20, 6, 8)
    assert sl.value == 0.75 and sl.label() == "SL20 75 %"
    assert q.asa_s == 17.875  # the average hold time of the answered calls
    assert q.short_abandons == 2  # waited 2 s and 3 s: under the 5 s default
    assert q.longest_abandon_wait_s == 45
    assert q.avg_abandon_wait_s == pytest.approx(
        (13 + 17 + 45 + 17 + 32 + 21 + 15 + 17 + 23 + 10 + 2 + 3) / 12
    )
    agent = f.agent(AGENT)
    assert agent is not None and (agent.completed, agent.answered) == (6, 7)
    assert agent.talk_s == 3 + 4 + 8 + 12 + 13 + 0  # COMPLETE* calltime of its 6 calls
    assert f.waiting_now == 1  # on the floor's clock: the log's last second
    assert f.clock.quiet_since == datetime(2010, 2, 22, 11, 56, 19, tzinfo=UTC)


def test_the_other_named_definitions(sample: AppContext) -> None:
    q = day_figures(sample, sl_definition="offered").floor
    assert (q.service_level.numerator, q.service_level.denominator) == (6, 8 + 12)
    q = day_figures(sample, sl_definition="offered_excluding_short").floor
    assert (q.service_level.numerator, q.service_level.denominator) == (6, 8 + 12 - 2)
    q = day_figures(sample, sl_definition="asterisk", sl_threshold_s=5).floor
    # Held 1, 2, 4, 5 and 5 s: within 5 s counts 5 s itself, as Asterisk's <= does.
    assert (q.service_level.label(), q.service_level.numerator) == ("SL5 62.5 %", 5)


def test_abandoned_calls_say_who_called_back_and_got_through(sample: AppContext) -> None:
    calls = day_figures(sample).abandoned
    assert len(calls) == 12
    first = calls[0]  # 01773597776 gave up after 13 s, called again at 11:41 and got through
    assert (first.caller, first.waited_s, first.exit) == ("01773597776", 13, "abandoned")
    assert first.called_back_at == datetime(2010, 2, 22, 11, 41, 3, tzinfo=UTC)
    assert first.got_through_at == datetime(2010, 2, 22, 11, 41, 8, tzinfo=UTC)
    last_try = [c for c in calls if c.caller == "01719765619"][-1]
    assert last_try.called_back_at is None and last_try.got_through_at is None
    withheld = [c for c in calls if c.caller is None]
    assert withheld and all(c.called_back_at is None for c in withheld)


def test_every_exit_is_told_apart(ctx: AppContext) -> None:
    e = 1266833911
    ingest(
        ctx,
        [f"{e}|c{i}|9000|NONE|ENTERQUEUE||5{i}" for i in range(4)]
        + [
            f"{e + 9}|c0|9000|NONE|ABANDON|1|1|9",
            f"{e + 9}|c1|9000|NONE|EXITWITHKEY|5|1|1|9",
            f"{e + 9}|c2|9000|NONE|EXITWITHTIMEOUT|1|1|9",
            f"{e + 9}|c3|9000|NONE|EXITEMPTY|1|1|9",
        ],
    )
    q = day_figures(ctx).floor
    assert (q.abandoned, q.exit_with_key, q.timed_out, q.exit_empty, q.offered) == (1, 1, 1, 1, 4)
    assert q.service_level.denominator == 0  # Asterisk's: nothing answered, no level


def _json(capsys: pytest.CaptureFixture[str], fn: Any, ctx: AppContext, **args: Any) -> Any:
    capsys.readouterr()
    assert fn(ctx, argparse.Namespace(**args)) == 0
    return json.loads(capsys.readouterr().out)


REPORT_ARGS = dict(
    date="2010-02-22",
    since=None,
    until=None,
    shift=None,
    team=None,
    format=None,
    json=True,
    output=None,
)


@sync
async def test_every_route_gives_the_same_floor(
    sample: AppContext, capsys: pytest.CaptureFixture[str]
) -> None:
    module = day_figures(sample).as_json(UTC)
    status = _json(capsys, cmd_status, sample, team=None, json=True)
    report = _json(capsys, cmd_report, sample, **REPORT_ARGS)
    # status reads the centre's day on the floor's clock: the log's day, not 2026's empty one.
    assert status["figures"]["floor"] == module["floor"] == report["figures"]["floor"]
    assert status["figures"]["agents"] == module["agents"] == report["figures"]["agents"]
    floor = report["figures"]["floor"]
    assert (floor["offered"], floor["answered"], floor["abandoned"], floor["waiting"]) == (
        21,
        8,
        12,
        1,
    )
    assert floor["asa_s"] == 17.875
    assert floor["service_level"] | {"formula": ""} == {
        "definition": "asterisk",
        "formula": "",
        "threshold_s": 20,
        "numerator": 6,
        "denominator": 8,
        "value": 75.0,
    }
    completed = {a["id"]: a["completed"] for a in report["figures"]["agents"]}
    assert completed[AGENT] == 6
    assert status["floor"]["calls_waiting"] == 1 == report["figures"]["waiting_now"]
    async with console(sample, size=(130, 30)) as (app, _pilot):
        header = "\n".join(screen_text(app).splitlines()[:2])
        assert "SL20 75 %" in header and "aband 12" in header and "waiting 1" in header
        assert app.board.model[AGENT].calls_today == 6  # completed, not the one in progress


@sync
async def test_console_and_status_agree_on_the_floors_clock(
    sample: AppContext, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert cmd_status(sample, argparse.Namespace(team=None, json=False)) == 0
    table = capsys.readouterr().out
    assert table.startswith("feed quiet since 11:56:19 on 22 Feb 2010")
    # Local/2004's last call was answered at 11:56:15: 4 s long when the feed stopped.
    assert re.search(r"longest call 0:04 Local/2004", table)
    async with console(sample, size=(130, 30)) as (app, _pilot):
        text = screen_text(app)
        header = text.splitlines()[:2]
        assert "feed quiet since 11:56:19 on 22 Feb 2010" in header[1]
        assert "longest call 0:04" in header[0]
        assert not re.search(r"\d{4,}:\d\d:\d\d", text)  # never 147165:51:26


def test_the_centres_day_has_its_zone_and_start() -> None:
    s = settings_from_dict({"floor": {"timezone": "Asia/Shanghai"}})
    s.day_start = time(6, 0)
    # 05:59 in Beijing is still the day before for a centre whose day starts at 06:00.
    early = datetime(2026, 3, 10, 21, 59, tzinfo=UTC)  # 05:59 on the 11th, local
    assert fday.day_of(s, early) == date(2026, 3, 10)
    start, end = fday.date_bounds(s, date(2026, 3, 10))
    assert (start, end) == (
        datetime(2026, 3, 9, 22, 0, tzinfo=UTC),
        datetime(2026, 3, 10, 22, 0, tzinfo=UTC),
    )
    midnight = settings_from_dict({"floor": {"timezone": "Asia/Shanghai"}})
    assert fday.date_bounds(midnight, date(2026, 3, 10))[0] == datetime(
        2026, 3, 9, 16, 0, tzinfo=UTC
    )


def test_the_floors_clock() -> None:
    wall = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    live = FloorClock(wall, wall - timedelta(seconds=30))
    assert live.now == wall and live.quiet_since is None and live.quiet_text(UTC) is None
    quiet = FloorClock(wall, wall - timedelta(minutes=5))
    assert quiet.now == wall - timedelta(minutes=5)
    assert quiet.quiet_text(UTC) == "feed quiet since 08:55:00"  # today: no date
    assert FloorClock(wall, None).now == wall


def test_the_live_tally_reads_only_what_changed(ctx: AppContext, clock: ManualClock) -> None:
    from db.engine import read_tx
    from floorapp.figures.live import LiveTally

    ctx.settings = settings_from_dict({"floor": {"timezone": "UTC"}})
    lines = SAMPLE.read_text().splitlines()
    cut = next(i for i, line in enumerate(lines) if "1266839761.533" in line)
    ingest(ctx, lines[:cut])
    clock.set(datetime(2010, 2, 22, 11, 56, 0, tzinfo=UTC))  # the feed is live
    live = LiveTally(ctx.settings)
    with read_tx(ctx.engine) as conn:
        first = live.poll(conn, clock.now())
    assert first.queue.offered == 19 and live.calls_read == 19
    ingest(ctx, lines[cut:])
    clock.set(datetime(2010, 2, 22, 11, 56, 20, tzinfo=UTC))
    with read_tx(ctx.engine) as conn:
        second = live.poll(conn, clock.now())
    # Only the two calls the new lines named were read again, and the figures moved with them.
    assert live.calls_read == 2
    q = second.queue
    assert (q.offered, q.answered, q.abandoned, q.waiting) == (21, 8, 12, 1)
    assert (q.service_level.numerator, q.service_level.denominator) == (6, 8)
    assert second.waiting_now == 1


@pytest.mark.parametrize("fmt", ["html", "markdown", "csv", "table"])
def test_report_formats(sample: AppContext, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"day.{fmt}"
    args = REPORT_ARGS | {"json": False, "format": fmt, "output": str(out)}
    assert cmd_report(sample, argparse.Namespace(**args)) == 0
    text = out.read_text(encoding="utf-8")
    assert "75 %" in text and "01773597776" in text and "17.9 s" in text
    if fmt == "html":
        # Self-contained: no script, stylesheet, image or font fetched from anywhere.
        assert "<script" not in text and "<link" not in text and "<img" not in text
        assert re.findall(r"https?://[^\"' ]+", text) == ["http://www.w3.org/2000/svg"] * 2
        assert "<svg" in text and "<style>" in text


@pytest.mark.parametrize("fmt", ["table", "html"])
def test_the_report_reads_in_chinese(sample: AppContext, tmp_path: Path, fmt: str) -> None:
    """The same figures, worded for a Chinese floor: titles, headers and notes."""
    from floorapp import i18n

    out = tmp_path / f"day.{fmt}"
    args = REPORT_ARGS | {"json": False, "format": fmt, "output": str(out)}
    i18n.set_language("zh_CN")
    try:
        assert cmd_report(sample, argparse.Namespace(**args)) == 0
    finally:
        i18n.set_language("en")
    text = out.read_text(encoding="utf-8")
    assert "日报 2010-02-22" in text and "进线 21" in text and "接通 8" in text
    assert "交接班" in text and "75 %" in text
    for english in ("Day report", "Queues: calls", "offered", "Handover", "whole floor"):
        assert english not in text, english
    if fmt == "html":
        assert '<html lang="zh-CN">' in text


@pytest.mark.parametrize("width", [80, 60])
def test_a_narrow_report_cuts_names_never_figures(
    sample: AppContext,
    width: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Piped at 80 columns the agents' table stands whole (its talk time was '40' over ' s',
    its headers 'ta…'); narrower still, a table goes on in a second one led by its names."""
    from rich.cells import cell_len

    monkeypatch.setenv("COLUMNS", str(width))
    capsys.readouterr()
    args = REPORT_ARGS | {"json": False, "format": "table", "output": None}
    assert cmd_report(sample, argparse.Namespace(**args)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(cell_len(line) for line in lines) <= width
    agents = [line for line in lines if line.startswith("Local/2004")]
    assert any(re.search(r"\b40 s\b", line) for line in agents)  # the talk time, whole
    text = "\n".join(lines)
    for header in ("answered", "talk", "after-call", "paused"):
        assert re.search(rf"\b{header}\b", text), header
    assert "…" not in "".join(c for line in lines for c in line if not line.startswith("Local"))
    if width == 60:
        assert "Agents (2/2)" in text


def test_report_interval_options(sample: AppContext, capsys: pytest.CaptureFixture[str]) -> None:
    shift = _json(capsys, cmd_report, sample, **REPORT_ARGS | {"shift": "10:00-11:00"})
    assert shift["from"] == "2010-02-22T10:00:00+00:00"
    assert shift["figures"]["floor"]["offered"] == 13  # entered 10:18 to 10:48
    span = _json(
        capsys,
        cmd_report,
        sample,
        **REPORT_ARGS | {"date": None, "since": "2010-02-21", "until": "2010-02-22"},
    )
    assert (span["from"], span["to"]) == ("2010-02-21T00:00:00+00:00", "2010-02-23T00:00:00+00:00")
    assert span["figures"]["floor"]["offered"] == 21
    capsys.readouterr()
    assert cmd_report(sample, argparse.Namespace(**REPORT_ARGS | {"shift": "8-x"})) == 2
    assert "expected HH:MM-HH:MM" in capsys.readouterr().err


@sync
async def test_the_abandoned_calls_view_lists_them_with_the_definition(sample: AppContext) -> None:
    from tests.console_helpers import until

    async with console(sample, size=(130, 40)) as (app, pilot):
        await pilot.press("A")
        await until(pilot, lambda: "01719765619" in screen_text(app), "the abandoned calls")
        text = screen_text(app)
        assert "asterisk: answered within 20 s / answered = 6/8 = 75 %" in text
        assert "feed quiet since 11:56:19 on 22 Feb 2010" in text
        # The first caller who gave up called back at 11:41:03 and got through at 11:41:08.
        row = next(line for line in text.splitlines() if "10:20:02" in line)
        assert "01773597776" in row and "11:41:03" in row and "11:41:08" in row
        # Newest first: the caller who just gave up is the one to call back.
        times = re.findall(r"^\s*(\d\d:\d\d:\d\d)\s+9000", text, re.M)
        assert times == sorted(times, reverse=True) and len(times) == 12


def test_a_target_is_judged_only_past_the_minimum_sample(ctx: AppContext) -> None:
    from floorapp.plan.metrics import on_track
    from floorapp.services.periods import period_summary
    from tests.test_words import plan_floor

    assert on_track("dissatisfaction_rate", 6.0, 4.0, 25.0, calls=4, min_sample=30) == "too few"
    assert on_track("dissatisfaction_rate", 6.0, 4.0, 25.0, calls=30, min_sample=30) == "off"
    plan_floor(ctx, ctx.engine)  # 40 rated calls, 10 dissatisfied
    now = ctx.clock.now()
    s = period_summary(ctx.engine, settings=ctx.settings, now=now)
    assert s is not None
    [r] = [r for r in s.requirements if r.metric == "dissatisfaction_rate"]
    assert (r.current, r.numerator, r.calls, r.status) == (25.0, 10, 40, "off")
    ctx.settings.min_sample = 50  # type: ignore[attr-defined]
    s = period_summary(ctx.engine, settings=ctx.settings, now=now)
    assert s is not None
    [r] = [r for r in s.requirements if r.metric == "dissatisfaction_rate"]
    assert r.status == "too few"
    from screens.period import requirement_cells

    cells = requirement_cells(r)
    assert (cells["status"].plain, cells["now"].plain) == ("40 of 50 calls", "25.0% (10/40)")


def test_the_report_holds_handling_and_the_handover_within_scope(
    floor: AppContext, capsys: pytest.CaptureFixture[str]
) -> None:
    """make_floor's day: one flag raised, two escalations (one late), both still open."""
    from sqlalchemy import select

    from db.engine import read_tx
    from db.models import AuditEntry

    args = REPORT_ARGS | {"date": None}
    floor.actor = "fm.zhou"
    report = _json(capsys, cmd_report, floor, **args)
    assert report["flags"]["raised"] == 1 and report["flags_by_team"]["T1"]["raised"] == 1
    assert report["escalations"] == {"opened": 2, "resolved": 0, "late": 1}
    handover = {(i["kind"], i["agent"]): i for i in report["handover"]}
    assert handover[("escalation", "王芳")]["deadline"] is not None
    assert handover[("flag", "王芳")]["holder"] is None  # nobody has taken it yet
    # A team leader's report holds their teams only; another team is refused and audited.
    floor.actor = "lead.zhao"
    mine = _json(capsys, cmd_report, floor, **args)
    assert {i["team"] for i in mine["handover"]} == {"T2"}
    assert set(mine["escalations_by_team"]) == {"T2"}
    capsys.readouterr()
    assert cmd_report(floor, argparse.Namespace(**args | {"team": "T1"})) == 1
    with read_tx(floor.engine) as conn:
        refused = conn.execute(
            select(AuditEntry.action, AuditEntry.outcome).where(AuditEntry.actor == "lead.zhao")
        ).all()
    assert ("report.read", "refused") in refused


@sync
async def test_the_boards_long_call_mark_is_the_long_call_rules(floor: AppContext) -> None:
    from screens import cells

    floor.settings = settings_from_dict({"rules": {"long_call": {"threshold": 25}}})
    async with console(floor) as (app, _pilot):
        assert app.board.long_call_seconds == 25 * 60
        # 王芳's call is 22 minutes long: long by the old hard-coded 15, not by the rule's 25.
        row = next(line for line in screen_text(app).splitlines() if "王芳" in line)
        assert "22:00" in row and "22:00!" not in row
    now = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    assert cells.call_cell(now - timedelta(minutes=21), now, 20 * 60).plain.endswith("!")
    assert not cells.call_cell(now - timedelta(minutes=16), now, 20 * 60).plain.endswith("!")


def test_after_call_work_and_pauses_come_from_the_state_history(engine) -> None:
    """A completed call's wrap-up (its agent's after-call state, begun as the call ended, to
    the next state) counts in the handle time; a break counts as pause time by reason."""
    from sqlalchemy import insert

    from db.engine import write_tx
    from db.models import Agent, AgentStateChange, Call, Team

    t0 = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
    ended = t0 + timedelta(seconds=130, microseconds=250)
    with write_tx(engine) as conn:
        conn.execute(insert(Team), [{"id": "T1", "name": "one"}])
        conn.execute(
            insert(Agent),
            [dict(id="A1", name="王芳", team_id="T1", state="available", state_since=t0)],
        )
        conn.execute(
            insert(Call),
            [
                dict(
                    id="c1",
                    queue="Q",
                    agent_id="A1",
                    offered_at=t0,
                    answered_at=t0 + timedelta(seconds=10),
                    ended_at=ended,
                    outcome="completed",
                    hold_seconds=10,
                    talk_seconds=120,
                    complaint=False,
                )
            ],
        )
        conn.execute(
            insert(AgentStateChange),
            [
                dict(agent_id="A1", reason=None) | row
                for row in (
                    dict(state="on_call", started_at=t0 + timedelta(seconds=10)),
                    dict(state="after_call", started_at=ended),
                    dict(state="available", started_at=ended + timedelta(seconds=45)),
                    dict(state="break", reason="lunch", started_at=t0 + timedelta(hours=1)),
                    dict(state="available", started_at=t0 + timedelta(hours=1, minutes=20)),
                )
            ],
        )
    day = datetime(2026, 3, 16, tzinfo=UTC)
    figures = interval_figures(
        engine,
        settings_from_dict({"floor": {"timezone": "UTC"}}),
        day,
        day + timedelta(days=1),
        t0 + timedelta(hours=3),
    )
    assert figures.floor.avg_acw_s == 45.0 and figures.floor.aht_s == 165.0
    (agent,) = figures.agents
    assert agent.acw_s == 45.0 and agent.pause_s == {"lunch": 20 * 60.0}


@sync
async def test_the_agent_detail_runs_on_the_floors_clock_and_day(sample: AppContext) -> None:
    from screens.detail import AgentDetailScreen
    from tests.console_helpers import until

    async with console(sample, size=(130, 30)) as (app, pilot):
        await until(pilot, lambda: AGENT in app.board.model, "the board")
        assert app.board.model[AGENT].calls_today == 6
        app.push_screen(AgentDetailScreen(AGENT))
        await until(pilot, lambda: "calls today" in screen_text(app), "the detail")
        text = screen_text(app)
        # As the board: the call was 4 s old when the feed stopped, on the log's day.
        assert "on call for 0:04" in text and "call 0:04" in text
        assert "calls today 6" in text
        assert not re.search(r"\d{4,}:\d\d:\d\d", text)


@sync
async def test_the_shift_view_says_the_headers_figures_on_the_floors_clock(
    sample: AppContext,
) -> None:
    from screens.shift import ShiftScreen
    from tests.console_helpers import until

    async with console(sample, size=(130, 30)) as (app, pilot):
        await until(pilot, lambda: "SL20 75 %" in screen_text(app), "the header")
        await pilot.press("9")
        await until(
            pilot,
            lambda: isinstance(app.screen, ShiftScreen) and app.screen.loaded,
            "the shift view",
        )
        await pilot.pause()
        text = screen_text(app)
        # The header's figures, named as the header names them: calls waiting now and the
        # day's service level; the pictures say their own window, on the floor's clock.
        assert "waiting now 1" in text
        assert "SL20 today 75 %" in text
        assert "last 3 h to 11:56:19" in text
        series = app.screen.series
        assert series is not None and series.ends[-1] == datetime(
            2010, 2, 22, 11, 56, 19, tzinfo=UTC
        )
        assert series.waiting[-1] == 1


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
@sync
async def test_the_80_column_header_keeps_its_figures_while_the_feed_is_quiet(
    sample: AppContext, lang: str
) -> None:
    from rich.cells import cell_len
    from sqlalchemy import insert

    from db.engine import run_write
    from db.models import Flag
    from floorapp import i18n
    from screens.app import FloorApp
    from tests.console_helpers import until

    last = datetime(2010, 2, 22, 11, 50, tzinfo=UTC)
    run_write(
        sample.engine,
        lambda c: c.execute(
            insert(Flag),
            [
                dict(
                    agent_id=AGENT,
                    kind=kind,
                    severity="medium",
                    status="raised",
                    open_key=f"{AGENT}|{kind}",
                    raised_at=last,
                    raised_by="rule",
                    last_seen=last,
                    updated_at=last,
                )
                for kind in ("long_call", "neg_sentiment")
            ],
        ),
    )
    app = FloorApp(sample, actor="lead.wang", poll_interval=0.2, lang=lang)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.loaded and app.board.row_count > 0, "the floor")
            app.tick()
            await pilot.pause()
            line1, line2 = screen_text(app).splitlines()[:2]
            zh = lang == "zh_CN"
            # The longest call says it is a call, not the longest wait beside it.
            assert ("最长通话 0:04" if zh else "longest call 0:04") in line1
            # The quiet feed is said, shorter, and the figures a supervisor needs stay.
            assert ("数据中断" if zh else "feed quiet") in line2
            assert ("20秒接通率 75%" if zh else "SL20 75 %") in line2
            assert ("放弃 12" if zh else "aband 12") in line2
            assert ("2 逾期" if zh else "2 OVERDUE") in line2
            assert max(cell_len(line1.rstrip()), cell_len(line2.rstrip())) <= 80
    finally:
        i18n.set_language("en")


@sync
async def test_the_headers_pictures_end_at_the_floors_clock_from_the_first_read(
    sample: AppContext,
) -> None:
    from screens.header import FloorHeader
    from tests.console_helpers import until

    async with console(sample, size=(200, 50)) as (app, pilot):
        header = app.query_one(FloorHeader)
        await until(pilot, lambda: getattr(app, "shift_series", None) is not None, "the series")
        assert app.shift_series.ends[-1] == datetime(2010, 2, 22, 11, 56, 19, tzinfo=UTC)
        assert app.shift_series.waiting[-1] == 1
        assert re.search(r"SL +[▁-█]", header.sparks)  # the log's calls, drawn
