"""Pilot tests: press the console's real keys, then look at the screen and the database."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from db.changes import next_change
from db.models import AgentState, AuditEntry, Escalation, Flag
from floorapp.context import AppContext
from floorapp.services import escalations as esc
from screens.board import AgentBoard
from tests.console_helpers import (
    INJECTION,
    console,
    row_strip,
    screen_text,
    set_handoffs,
    settle,
    sync,
    type_text,
    until,
)

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def one(engine: Engine, stmt: object) -> object:
    with engine.connect() as c:
        return c.execute(stmt).one()  # type: ignore[call-overload]


@sync
async def test_board_order_words_and_literal_names(floor: AppContext) -> None:
    async with console(floor) as (app, _pilot):
        text = screen_text(app)
        board_rows = text.splitlines()[5:12]  # header 2, tabs 2, column titles 1
        # Open flag first, then the longest call, then shorter calls, then after-call.
        assert "王芳" in board_rows[0] and "!high" in board_rows[0]
        assert "陈杰" in board_rows[1] and "on call" in board_rows[1]
        assert "after-call" in board_rows[3]
        assert INJECTION[:12] in text  # markup shown literally (cut to the column), not parsed
        assert "break:lun" in text
        assert "22:00" in board_rows[0]  # the current call's duration
        assert "on call 3" in text and "flags 1 (1 new)" in text and "(1 LATE)" in text


@sync
async def test_search_and_state_filter_and_sort(floor: AppContext) -> None:
    async with console(floor) as (app, pilot):
        await pilot.press("slash")
        await pilot.pause()
        assert "enter: find" in screen_text(app)  # Enter finds here; it saves nothing
        await type_text(pilot, "欧阳")
        await pilot.press("enter")
        await pilot.pause()
        assert app.board.row_count == 1 and "欧阳静" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.board.row_count == 7
        await pilot.press("s", "4")  # 1 all, 2 available, 3 on call, 4 after-call
        await pilot.pause()
        assert app.board.row_count == 1 and "李娜" in screen_text(app)
        await pilot.press("escape", "o")  # sort by name
        await pilot.pause()
        assert app.board.sort_name == "name"
        assert app.board.get_row_at(0)[1].plain == "Anna Smith"


@sync
async def test_flag_acknowledge_step_in_resolve_by_keys(floor: AppContext, engine: Engine) -> None:
    async with console(floor) as (app, pilot):
        await pilot.press("2", "a")
        await settle(pilot)
        row = one(engine, select(Flag.status, Flag.acknowledged_by))
        assert tuple(row) == ("acknowledged", "lead.wang")  # type: ignore[arg-type]
        assert "ack'd" in screen_text(app)
        await pilot.press("i", "3")  # coach on the spot
        await type_text(pilot, "slow breathing")
        await pilot.press("enter")
        await settle(pilot)
        row = one(engine, select(Flag.status, Flag.intervention, Flag.intervention_note))
        assert tuple(row) == ("stepped_in", "coach", "slow breathing")  # type: ignore[arg-type]
        assert "stepped in" in screen_text(app)
        await pilot.press("x")
        await type_text(pilot, "calm again")
        await pilot.press("enter")
        await settle(pilot)
        row = one(engine, select(Flag.status, Flag.resolution_note, Flag.open_key))
        assert tuple(row) == ("resolved", "calm again", None)  # type: ignore[arg-type]
        assert app.flag_table.row_count == 0 and "flags 0" in screen_text(app)


@sync
async def test_raise_flag_and_open_escalation_from_the_board(
    floor: AppContext, engine: Engine
) -> None:
    async with console(floor) as (app, pilot):
        await pilot.press("slash")
        await type_text(pilot, "1007")
        await pilot.press("enter", "r")
        await type_text(pilot, "voice raised")
        await pilot.press("enter")
        await settle(pilot)
        f = one(engine, select(Flag).where(Flag.kind == "observed"))
        assert (f.agent_id, f.detail, f.raised_by) == ("1007", "voice raised", "lead.wang")  # type: ignore[attr-defined]
        assert "!med" in screen_text(app)
        await pilot.press("e", "3")  # high severity
        await type_text(pilot, "wants a manager")
        await pilot.press("enter")
        await settle(pilot)
        e = one(engine, select(Escalation).where(Escalation.reason == "wants a manager"))
        assert (e.agent_id, e.call_id, e.severity, e.opened_by) == (  # type: ignore[attr-defined]
            "1007",
            "C3",
            "high",
            "lead.wang",
        )
        await pilot.press("3")
        await until(pilot, lambda: "wants a manager" in screen_text(app), "the notice")


@sync
async def test_claim_assign_next_tier_note_resolve_history(
    floor: AppContext, engine: Engine
) -> None:
    async with console(floor, size=(160, 40)) as (app, pilot):
        await pilot.press("3", "c")  # tier 1 queue: escalation 1
        await settle(pilot)
        assert esc.get_escalation(floor.engine, 1).holder == "lead.wang"
        assert "lead.wang" in screen_text(app)
        # The picker offers, in pinyin order, those who may take it but do not hold it.
        names = [
            s.id
            for s in esc.assign_candidates(
                floor.engine, 1, actor="lead.wang", now=floor.clock.now()
            )
        ]
        assert names == ["lead.li", "fm.zhou"]  # 李 (li) before 周 (zhou)
        await pilot.press("a", str(names.index("lead.li") + 1))
        await settle(pilot)
        e = esc.get_escalation(floor.engine, 1)
        assert (e.holder, e.handoffs) == ("lead.li", 1)  # passed from Wang to Li: a hand-off
        await pilot.press("n", "y")
        await settle(pilot)
        e = esc.get_escalation(floor.engine, 1)
        assert (e.tier, e.handoffs, e.holder) == (2, 2, None)
        assert app.queue("tier1").row_count == 0 and len(app.queue("tier2").model) == 2
        await pilot.press("6", "down", "m")  # #2 (past its deadline) sorts first
        await type_text(pilot, "called back")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("x")
        await type_text(pilot, "refund agreed")
        await pilot.press("enter")
        await settle(pilot)
        assert esc.get_escalation(floor.engine, 1).status == "resolved"
        assert app.queue("all").row_count == 1
        await pilot.press("enter")  # history of the remaining one (#2, reason = injection)
        await until(pilot, lambda: "History" in screen_text(app), "the history screen")
        assert INJECTION in screen_text(app)
        await pilot.press("escape")
    actions = [
        h.action for h in esc.history(floor.engine, 1, actor="fm.zhou", now=floor.clock.now())
    ]
    assert actions == ["claimed", "assigned", "handed_off", "note", "resolved"]


@sync
async def test_double_claim_loser_is_told_who_holds_it(floor: AppContext) -> None:
    async with console(floor) as (app, pilot):
        await pilot.press("3")
        await pilot.pause()
        esc.claim(
            floor.engine, 1, actor="lead.li", now=floor.clock.now()
        )  # another console got there first
        await pilot.press("c")
        await app.workers.wait_for_complete()
        await until(
            pilot,
            lambda: "already held by lead.li" in screen_text(app),
            "the refusal naming the holder",
        )
        assert esc.get_escalation(floor.engine, 1).holder == "lead.li"


@sync
async def test_fourth_handoff_refused_for_team_leader(floor: AppContext, engine: Engine) -> None:
    set_handoffs(engine, 1, 3)
    async with console(floor) as (app, pilot):
        await pilot.press("3", "n", "y")
        await app.workers.wait_for_complete()
        await until(pilot, lambda: "things do not go past three" in screen_text(app), "the refusal")
        assert esc.get_escalation(floor.engine, 1).tier == 1


@sync
async def test_fourth_handoff_floor_manager_override(floor: AppContext, engine: Engine) -> None:
    set_handoffs(engine, 1, 3)
    async with console(floor, actor="fm.zhou") as (app, pilot):
        await pilot.press("3", "n", "y")
        await app.workers.wait_for_complete()
        await until(pilot, lambda: "may override" in screen_text(app), "the override dialog")
        await type_text(pilot, "legal hold")
        await pilot.press("enter")
        await settle(pilot)
        e = esc.get_escalation(floor.engine, 1)
        assert (e.tier, e.handoffs) == (2, 4)
        with engine.connect() as c:
            override = c.execute(
                select(AuditEntry).where(AuditEntry.action == "escalation.handoff_override")
            ).one()
        assert (override.actor, override.detail) == ("fm.zhou", "legal hold")


@sync
async def test_markup_in_name_reason_and_note_is_inert(floor: AppContext, engine: Engine) -> None:
    async with console(floor) as (app, pilot):
        await pilot.press("slash")
        await type_text(pilot, "1004")
        await pilot.press("enter")
        await until(pilot, lambda: INJECTION[:12] in screen_text(app), "the literal name")
        await pilot.click(AgentBoard, offset=(12, 1))  # on the name: a click action would quit
        await pilot.pause()
        assert app.is_running and app.return_code is None
        await pilot.press("4")  # tier 2: escalation 2 with the injected reason
        await until(pilot, lambda: INJECTION[:20] in screen_text(app), "the literal reason")
        await pilot.press("m")
        await type_text(pilot, "[@click=app.quit]q[/]")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: "History" in screen_text(app), "the history screen")
        assert "[@click=app.quit]q[/]" in screen_text(app)
        assert app.is_running


@sync
async def test_change_by_another_process_appears(floor: AppContext) -> None:
    async with console(floor) as (app, pilot):
        assert "张伟" in screen_text(app)
        cursor_before = app.board.cursor_row
        later = floor.clock.now().isoformat()
        script = textwrap.dedent(f"""
            from datetime import datetime
            from sqlalchemy import update
            from db.engine import make_engine, run_write
            from db.changes import next_change
            from db.models import Agent
            e = make_engine({floor.db_url!r})
            at = datetime.fromisoformat({later!r})
            run_write(e, lambda c: c.execute(update(Agent).where(Agent.id == "1006").values(
                state="available", state_since=at, updated_at=at, seq=next_change(c))))
        """)
        subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
        await until(
            pilot,
            lambda: app.board.model["1006"].state == AgentState.AVAILABLE,
            "the other process's change",
        )
        await pilot.pause()
        row = next(ln for ln in screen_text(app).splitlines() if "张伟" in ln)
        assert "available" in row and "offline" not in row
        assert app.board.cursor_row == cursor_before


@sync
async def test_help_and_command_palette(floor: AppContext, engine: Engine) -> None:
    async with console(floor) as (app, pilot):
        await pilot.press("question_mark")
        # The first screenful: the A key (abandoned calls) and 9 (the shift so far) moved
        # "Search" and "Filter by state" just below it.
        await until(pilot, lambda: "Raise a flag" in screen_text(app), "the help screen")
        body = str(app.screen.query_one("#help-body").render())  # all of it, scrolled or not
        assert "Search" in body and "abandoned calls" in body and "Filter by state" in body
        assert "shift so far" in body.lower() or "time order" in body, body
        assert "Claim" in body and "Next tier" in body and "command palette" in body
        assert "Snooze" in body and "Nominate" in body  # reminders and period keys too
        await pilot.press("end")
        await until(pilot, lambda: "command palette" in screen_text(app), "the end of the help")
        await pilot.press("escape", "ctrl+p")
        await pilot.pause()
        await type_text(pilot, "flag acknowledge")
        await until(pilot, lambda: "Flag: acknowledge" in screen_text(app), "the palette hit")
        await pilot.press("enter")
        await pilot.pause()
        # From the board, the palette jumps to the flags view; run it again there.
        await pilot.press("ctrl+p")
        await type_text(pilot, "flag acknowledge")
        await until(pilot, lambda: "Flag: acknowledge" in screen_text(app), "the palette hit")
        await pilot.press("enter")
        await settle(pilot)
        assert one(engine, select(Flag.status)).status == "acknowledged"  # type: ignore[attr-defined]


@sync
async def test_a_silent_feed_is_announced_not_mistaken_for_a_quiet_floor(
    floor: AppContext, engine: Engine
) -> None:
    from sqlalchemy import insert

    from db.engine import run_write
    from db.models import FeedEventRow

    async with console(floor) as (app, pilot):
        assert "no feed yet" in screen_text(app).splitlines()[1]
        last = floor.clock.now() - timedelta(minutes=5)
        run_write(
            engine,
            lambda c: c.execute(
                insert(FeedEventRow).values(
                    key="k1", line_no=1, ts=last, kind="state", agent_id="1001"
                )
            ),
        )
        await settle(pilot)
        # Said in words with the time it stopped: figures and durations stop there too.
        assert "feed quiet since 08:55:00" in screen_text(app).splitlines()[1]
        run_write(
            engine,
            lambda c: c.execute(
                insert(FeedEventRow).values(
                    key="k2", line_no=2, ts=floor.clock.now(), kind="state", agent_id="1001"
                )
            ),
        )
        await settle(pilot)
        line = screen_text(app).splitlines()[1]
        assert "feed quiet" not in line and "no feed yet" not in line


def _calm_down(floor: AppContext, engine: Engine, agent_id: str, state: str) -> None:
    """The agent's flag is resolved and their call ends: they move down the board."""
    from sqlalchemy import update as sa_update

    from db.engine import run_write
    from db.models import Agent
    from floorapp.services import flags as flag_service

    for f in flag_service.open_flags(floor.engine, actor="fm.zhou"):
        if f.agent_id == agent_id:
            flag_service.resolve(
                floor.engine, f.id, "all good", actor="fm.zhou", now=floor.clock.now()
            )
    run_write(
        engine,
        lambda c: c.execute(
            sa_update(Agent)
            .where(Agent.id == agent_id)
            .values(
                state=state,
                current_call_id=None,
                state_since=floor.clock.now(),
                updated_at=floor.clock.now(),
                seq=next_change(c),
            )
        ),
    )


@sync
async def test_board_cursor_stays_on_top_until_the_supervisor_chooses_an_agent(
    floor: AppContext, engine: Engine
) -> None:
    async with console(floor) as (app, pilot):
        assert (app.board.cursor_row, app.board.cursor_key()) == (0, "1001")
        # 1001 drops below the calls in progress: nobody chose 1001, so the cursor stays on
        # the top row, the agent who now most needs attention (every board action opens a
        # dialog that names the agent it acts on).
        _calm_down(floor, engine, "1001", "after_call")
        await settle(pilot)
        assert app.board.cursor_row == 0 and app.board.cursor_key() != "1001"
        await pilot.press("down")  # the supervisor chooses an agent...
        chosen = app.board.cursor_key()
        assert chosen is not None
        _calm_down(floor, engine, chosen, "offline")
        await settle(pilot)
        assert app.board.cursor_key() == chosen  # ...and the cursor follows them


@sync
async def test_untouched_cursor_goes_back_to_the_top_when_its_agent_leaves_the_screen(
    floor: AppContext, engine: Engine
) -> None:
    async with console(floor, size=(100, 10)) as (app, pilot):  # four rows of the board
        assert (app.board.cursor_row, app.board.cursor_key()) == (0, "1001")
        _calm_down(floor, engine, "1001", "available")  # to the last row, out of sight
        await settle(pilot)
        # Nobody chose 1001: the cursor stays on screen, on the top row, on whoever is there.
        assert app.board.cursor_row == 0 and app.board.cursor_key() != "1001"
        assert int(app.board.scroll_y) == 0


@sync
async def test_flags_view_cursor_stays_on_its_flag_when_one_lands_above(
    floor: AppContext, engine: Engine
) -> None:
    """A flag the feed raises late (an older time) sorts above the one under the cursor: the
    cursor stays on its flag, so acknowledging acts on the flag the supervisor was reading."""
    from sqlalchemy import insert

    from db.engine import run_write

    async with console(floor) as (app, pilot):
        await pilot.press("2")
        table = app.flag_table
        await until(pilot, lambda: table.row_count == 1, "the flags view")
        mine = table.cursor_key()
        now = floor.clock.now()
        run_write(
            engine,
            lambda c: c.execute(
                insert(Flag).values(
                    agent_id="1002",
                    kind="raised_hand",
                    severity="high",
                    status="raised",
                    open_key="1002|raised_hand",
                    detail="hand up",
                    raised_at=now - timedelta(hours=1),
                    raised_by="rule",
                    updated_at=now,
                )
            ),
        )
        await settle(pilot)
        assert table.row_count == 2 and table.row_key_at(0) != mine
        assert (table.cursor_key(), table.cursor_row) == (mine, 1)
        await pilot.press("a")
        await settle(pilot)
        acked = one(engine, select(Flag).where(Flag.status == "acknowledged"))
        assert acked.agent_id == "1001"  # type: ignore[attr-defined]


@sync
async def test_no_color_cells_keep_their_emphasis_not_their_colours(
    floor: AppContext, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under NO_COLOR Textual greys colours by brightness (red came out dark grey on dark):
    a long call's warning is bold, in the table's own colour, with its "!"."""
    monkeypatch.setenv("NO_COLOR", "1")
    async with console(floor) as (app, pilot):
        assert app.no_color
        await pilot.press("down")  # the cursor row has a colour of its own
        strip = row_strip(app.board, "1001")
        warning = next(seg.style for seg in strip if "22:00!" in seg.text)
        name = next(seg.style for seg in strip if "王芳" in seg.text)
        assert warning is not None and name is not None
        assert warning.bold and warning.color == name.color  # the row's own colour, not red


@sync
async def test_a_search_that_matches_nobody_says_so(floor: AppContext, engine: Engine) -> None:
    async with console(floor, size=(100, 30)) as (app, pilot):
        await pilot.press("slash")
        await type_text(pilot, "zhou")
        await pilot.press("enter")
        await until(pilot, lambda: app.board.row_count == 0, "the empty result")
        await until(
            pilot,
            lambda: "No agent matches “zhou”. Escape shows everyone." in screen_text(app),
            "the message",
        )
        await pilot.press("t")
        await until(pilot, lambda: app.screen.is_modal, "the team choice")
        await pilot.press("3")  # after "all teams", by name in pinyin order: billing, mobile
        await until(
            pilot,
            lambda: "No agent matches team mobile, “zhou”" in screen_text(app),
            "the team by its name",
        )
        await pilot.press("escape")
        await until(pilot, lambda: app.board.row_count == 7, "everyone back")
        assert "No agent matches" not in screen_text(app)


@sync
async def test_empty_views_say_so(floor: AppContext, engine: Engine) -> None:
    async with console(floor) as (app, pilot):
        await pilot.press("5")  # the complaint desk: nothing there on this floor
        await until(
            pilot,
            lambda: "Nothing waiting for complaint desk." in screen_text(app),
            "the empty desk to say so",
        )
        await pilot.press("6")
        assert "No open escalations." not in screen_text(app)  # two are open


@sync
async def test_header_leaves_out_what_does_not_fit_whole(floor: AppContext, engine: Engine) -> None:
    # 84 columns: the service level's threshold ("SL20 100 %") took the last three of 80.
    # The floor's high flag is not yet past its acknowledge deadline here: an OVERDUE mark
    # would rightly push "as lead.wang" out on its own.
    floor.settings.flag_ack_deadline_min["high"] = 5
    async with console(floor, size=(84, 24)) as (app, pilot):
        assert screen_text(app).splitlines()[1].rstrip().endswith("as lead.wang")
        await pilot.press("slash")
        await type_text(pilot, "王")
        await pilot.press("enter")
        await until(pilot, lambda: "showing “王”" in screen_text(app), "the filter")
        line = screen_text(app).splitlines()[1].rstrip()
        # No room left for "as lead.wang" whole: it is left out, not cut to "… as".
        assert line.endswith("showing “王”"), line
