"""Words, not code names, on the screens and in the CLI tables; the period view's figures whole.

A team leader reads "raised hand", "on a call", "floor manager"; the database, the feed and
``--json`` keep ``raised_hand``, ``in_progress``, ``floor_manager``.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from rich.text import Text
from sqlalchemy import Engine, insert

from db.engine import run_write
from db.models import Call
from floorapp import words
from floorapp.cli import main
from floorapp.context import AppContext
from floorapp.plan.store import import_plan
from screens.period import layout, row_cells
from tests.console_helpers import console, make_floor, screen_text, sync, until

# T0 (conftest) is 2026-03-10 09:00 UTC: the period is in force, over both teams of make_floor.
LONG_TEXT = (
    "A customer still refusing after three explanations goes to the team leader at "
    "once, who listens in and takes the call over if the agent asks."
)
PLAN = f"""
name = "words plan"
timezone = "UTC"

[shift]
start = "00:00"
end = "23:59"

[[period]]
name = "P"
start = 2026-03-09T00:00:00
end = 2026-03-12T00:00:00
teams = ["T1", "T2"]

[[requirement]]
id = "attitude"
text = "Attitude dissatisfaction down 2 points."
target = {{ metric = "dissatisfaction_rate", baseline = 6.0, target = 4.0 }}

[[requirement]]
id = "refusals"
text = "{LONG_TEXT}"
trigger = {{ rule = "refused_explanations", threshold = 3 }}
"""


def plan_floor(ctx: AppContext, engine: Engine) -> AppContext:
    """make_floor's floor, a plan in force, and 40 rated calls (past the minimum sample of 30):
    dissatisfaction 25.0 % (10/40), off track."""
    now = ctx.clock.now()
    make_floor(engine, now)
    import_plan(engine, PLAN, source="words.toml", actor="lead.wang", now=now)

    def calls(conn: Any) -> None:
        for i, sat in enumerate((1, 4, 5, 5) * 10):
            conn.execute(
                insert(Call).values(
                    id=f"R{i}",
                    agent_id="1003",
                    offered_at=now - timedelta(minutes=50 - i),
                    answered_at=now - timedelta(minutes=50 - i),
                    ended_at=now - timedelta(minutes=45 - i),
                    outcome="completed",
                    satisfaction=sat,
                )
            )

    run_write(engine, calls)
    return ctx


@pytest.fixture
def planned(ctx: AppContext, engine: Engine) -> AppContext:
    return plan_floor(ctx, engine)


# --- the mapping ---------------------------------------------------------------------------


def test_codes_read_as_words_and_unknown_codes_lose_their_underscores() -> None:
    assert words.flag_kind("raised_hand") == "raised hand"
    assert words.flag_kind("refused_explanations") == "refused explanations"
    assert words.call_outcome("in_progress") == "on a call"
    assert words.role("floor_manager") == "floor manager"
    assert words.dimension("hardest_escalations") == "hardest escalations"
    assert words.flag_kind("brand_new_rule") == "brand new rule"
    assert words.trigger("refused_explanations ≥ 3") == "refused explanations ≥ 3"
    assert (
        words.rule_thresholds(
            "hostile_streak",
            {"threshold": 3, "last_calls": 5},
            {"threshold": "calls", "last_calls": "calls"},
        )
        == "3 of the last 5 calls"
    )


# --- the period view's columns -------------------------------------------------------------


def _cells(status: str, now: str, text: str, trigger: str = "") -> dict[str, Text]:
    return {
        "id": Text("complaints"),
        "status": Text(status),
        "now": Text(now),
        "target": Text("1.0%"),
        "baseline": Text("1.5%"),
        "trigger": Text(trigger),
        "requirement": Text(text),
    }


@pytest.mark.parametrize("width", [80, 120, 200])
def test_period_figures_are_never_cut_and_the_text_takes_the_rest(width: int) -> None:
    rows = [
        _cells("OFF TRACK", "12.5%", LONG_TEXT, "complaint streak ≥ 2"),
        _cells("improving", "100.0%", "short"),
    ]
    cols = layout(width, rows)
    widths = {key: w for key, _, w in cols}
    assert widths["status"] >= len("OFF TRACK") and widths["now"] >= len("100.0%")
    assert widths["id"] >= len("complaints") and widths["baseline"] >= len("baseline")
    # Every cell is one padding either side: the columns fill the width exactly.
    assert sum(w + 2 for w in widths.values()) == width
    shown = row_cells(rows[0], cols)
    req = shown[-1]
    if "trigger" not in widths:  # narrow: the trigger goes with the text, cut at the end
        assert req.plain.endswith("(trigger: complaint streak ≥ 2)")
        assert req.overflow == "ellipsis" and req.no_wrap
    else:
        assert widths["trigger"] >= len("complaint streak ≥ 2")


def _line_with(screen: str, needle: str) -> str:
    return next(line for line in screen.splitlines() if needle in line)


@pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=lambda s: f"{s[0]}x{s[1]}")
@sync
async def test_period_view_shows_status_and_numbers_whole(
    planned: AppContext, size: tuple[int, int]
) -> None:
    async with console(planned, size=size) as (app, pilot):
        await pilot.press("8")
        await until(pilot, lambda: "OFF TRACK" in screen_text(app), "the period's figures")
        await pilot.pause()
        screen = screen_text(app)
        attitude = _line_with(screen, "attitude")
        assert "OFF TRACK" in attitude
        assert "25.0% (10/40)" in attitude and "4.0%" in attitude and "6.0%" in attitude
        refusals = _line_with(screen, "refusals")
        assert "refused_explanations" not in screen
        if size[0] >= 200:
            assert "refused explanations ≥ 3" in refusals and LONG_TEXT[:100] in refusals
        else:
            # The figures' evidence (10/40) took a few cells from the text at 80 columns.
            assert "A customer still refus" in refusals and refusals.rstrip().endswith("…")
            # The whole text is one key away.
            await pilot.press("down", "enter")
            await until(
                pilot,
                lambda: (
                    "takes the call over if the agent asks"
                    in " ".join(screen_text(app).replace("▌", " ").split())
                ),
                "the whole requirement",
            )


@pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=lambda s: f"{s[0]}x{s[1]}")
@sync
async def test_flags_and_agent_detail_read_in_words(
    planned: AppContext, size: tuple[int, int]
) -> None:
    async with console(planned, size=size) as (app, pilot):
        await pilot.press("2")
        await until(pilot, lambda: "call over 20 minutes" in screen_text(app), "the flags")
        screen = screen_text(app)
        assert "long_call" not in screen
        if size[0] >= 200:
            assert "long call" in _line_with(screen, "call over 20 minutes")
        await pilot.press("enter")  # the flagged agent's day
        await until(pilot, lambda: "Calls today" in screen_text(app), "the agent's day")
        await pilot.pause()
        screen = screen_text(app)
        assert "high long call [NEW]" in screen
        assert "on a call" in screen and "in_progress" not in screen


# --- the CLI tables ------------------------------------------------------------------------


def test_roster_list_says_floor_manager_and_json_keeps_codes(
    planned: AppContext, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", db_url, "--as", "fm.zhou", "roster", "list"]) == 0
    out = capsys.readouterr().out
    assert "floor manager" in out and "floor_manager" not in out
    assert "team leader" in out and "team_leader" not in out


def test_rules_json_keeps_the_codes(
    db_url: str, capsys: pytest.CaptureFixture[str], engine: Engine
) -> None:
    assert main(["--db", db_url, "rules", "--json"]) == 0
    names = {r["name"] for r in json.loads(capsys.readouterr().out)["rules"]}
    assert {"raised_hand", "refused_explanations", "hostile_streak"} <= names


def test_nomination_candidates_name_the_dimension_in_words(
    planned: AppContext, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["--db", db_url, "--as", "fm.zhou", "nominations", "candidates", "--period", "P"]) == 0
    )
    out = capsys.readouterr().out
    # The word first, the code after it in brackets: `nominations add AGENT DIMENSION` takes it.
    assert "hardest escalations (hardest_escalations):" in out
    assert "raised problems early (raised_early):" in out


def test_durations_have_one_home_and_keep_their_four_spellings() -> None:
    # The board's timers and ``status``'s ages (a day or more without its seconds).
    assert [words.clock(s) for s in (None, -5, 0, 65, 3725)] == [
        "",
        "0:00",
        "0:00",
        "1:05",
        "1:02:05",
    ]
    assert words.clock(90061) == "25:01:01"
    assert words.clock(90061, days=True) == "1 d 1:01"
    # A rule's threshold in a flag's reason, and the same in a narrow column.
    assert words.minutes(timedelta(minutes=45, seconds=59)) == "45 min"
    assert words.minutes(timedelta(minutes=65)) == "1 h 05 min"
    assert words.minutes(timedelta(minutes=65), compact=True) == "1h05m"
    assert words.minutes(timedelta(minutes=-3), compact=True) == "0m"
