"""The flags view when flags flood in: one agent's flags together with a count, marks for
many at once, a bulk acknowledge audited flag by flag, and the header keeping overdue flags
and due reminders in sight."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, insert, select

from db.engine import run_write
from db.models import AuditEntry, Flag
from floorapp.context import AppContext
from floorapp.services import flags as flag_service
from tests.console_helpers import cell_texts, console, screen_text, settle, sync, until


def _raise(
    engine: Engine,
    agent: str,
    kind: str,
    severity: str,
    at: datetime,
    written: datetime | None = None,
) -> int:
    """A flag as the rules write it: raised at ``at``, written (updated_at) at ``written``."""

    def tx(conn: object) -> int:
        return int(
            conn.execute(
                insert(Flag).values(  # type: ignore[attr-defined]
                    agent_id=agent,
                    kind=kind,
                    severity=severity,
                    status="raised",
                    open_key=f"{agent}|{kind}",
                    raised_at=at,
                    raised_by="rule",
                    last_seen=at,
                    updated_at=written or at,
                )
            ).inserted_primary_key[0]
        )

    return run_write(engine, tx)


def _statuses(ctx: AppContext) -> dict[int, str]:
    return {f.id: f.status for f in flag_service.open_flags(ctx.engine, actor="fm.zhou")}


def _agent_cells(app: object) -> list[str]:
    table = app.flag_table  # type: ignore[attr-defined]
    col = [c.key for c in table.shown].index("agent")
    return [row[col] for row in cell_texts(table)]


@sync
async def test_one_agents_flags_sit_together_under_the_agent_with_a_count(
    floor: AppContext, engine: Engine
) -> None:
    now = floor.clock.now()
    _raise(engine, "1003", "neg_sentiment", "light", now)
    _raise(engine, "1001", "complaint", "light", now)  # 王芳 already has the high long call
    async with console(floor) as (app, pilot):
        await pilot.press("2")
        await until(pilot, lambda: app.flag_table.row_count == 3, "three flags")
        assert _agent_cells(app) == ["王芳 (2)", "└ 王芳", "Anna Smith"]
        # A new, more pressing flag for Anna brings her group first, both rows together.
        _raise(engine, "1003", "long_break", "high", now - timedelta(minutes=5), now)
        await settle(pilot)
        await until(pilot, lambda: app.flag_table.row_count == 4, "the new flag")
        assert _agent_cells(app) == ["Anna Smith (2)", "└ Anna Smith", "王芳 (2)", "└ 王芳"]


@sync
async def test_marked_flags_are_acknowledged_in_one_action_each_audited(
    floor: AppContext, engine: Engine
) -> None:
    now = floor.clock.now()
    ids = [_raise(engine, a, "neg_sentiment", "medium", now) for a in ("1002", "1003", "1007")]
    async with console(floor) as (app, pilot):
        await pilot.press("2")
        table = app.flag_table
        await until(pilot, lambda: table.row_count == 4, "four flags")
        order = [int(k) for k in (table.row_key_at(i) for i in range(4)) if k]
        await pilot.press("down", "space")  # marks the second row, moves to the third
        await pilot.press("shift+down")  # the third and the fourth
        assert sorted(int(k) for k in table.marked) == sorted(order[1:])
        assert "✓" in screen_text(app)
        await pilot.press("a")
        await until(pilot, lambda: not table.marked, "the marks cleared")
        await settle(pilot)
        statuses = _statuses(floor)
        assert [statuses[i] for i in order] == [
            "raised",
            "acknowledged",
            "acknowledged",
            "acknowledged",
        ]
        assert "3 flags acknowledged" in screen_text(app)
    with engine.connect() as c:
        audited = [
            int(r.target_id)
            for r in c.execute(select(AuditEntry).where(AuditEntry.action == "flag.acknowledge"))
        ]
    assert sorted(audited) == sorted(order[1:]) and set(audited) <= {*ids, order[0]}


@sync
async def test_star_marks_every_new_flag_shown_and_a_takes_them(
    floor: AppContext, engine: Engine
) -> None:
    now = floor.clock.now()
    for a in ("1002", "1003"):
        _raise(engine, a, "neg_sentiment", "medium", now)
    async with console(floor, actor="lead.zhao") as (app, pilot):  # team T2 only
        _raise(engine, "1005", "long_break", "light", now)
        await pilot.press("2")
        await until(pilot, lambda: app.flag_table.row_count == 1, "Zhao's one flag")
        await pilot.press("asterisk")
        assert len(app.flag_table.marked) == 1
        await pilot.press("a")
        await settle(pilot)
        assert [f.status for f in flag_service.open_flags(floor.engine, actor="lead.zhao")] == [
            "acknowledged"
        ]
    # The other team's flags were not Zhao's to touch.
    assert sorted(_statuses(floor).values()) == ["acknowledged", "raised", "raised", "raised"]


@sync
async def test_a_flag_past_its_deadline_reads_overdue_in_the_view_and_the_header(
    floor: AppContext, engine: Engine
) -> None:
    floor.settings.flag_ack_deadline_min.update(high=2, medium=10)
    now = floor.clock.now()
    _raise(engine, "1003", "neg_sentiment", "medium", now)
    async with console(floor, size=(120, 30)) as (app, pilot):
        await pilot.press("2")
        await until(pilot, lambda: app.flag_table.row_count == 2, "two flags")
        floor.clock.advance(seconds=30)  # type: ignore[attr-defined]
        app.tick()
        await pilot.pause()
        text = screen_text(app)
        assert "1 OVERDUE" in text and text.count("OVERDUE") == 2  # header and the one row
        await pilot.press("a")  # the cursor is on the high flag: acknowledged, no longer due
        await settle(pilot)
        app.tick()
        await pilot.pause()
        assert "OVERDUE" not in screen_text(app)


@sync
async def test_a_flag_sent_up_by_hand_before_its_deadline_is_to_manager_not_overdue(
    floor: AppContext, engine: Engine
) -> None:
    from floorapp.services.triage import escalate, is_overdue

    floor.settings.flag_ack_deadline_min.update(high=60, medium=10)
    now = floor.clock.now()
    fid = _raise(engine, "1003", "neg_sentiment", "medium", now - timedelta(minutes=2, seconds=26))
    escalate(engine, fid, actor="fm.zhou", now=now)
    [sent] = [f for f in flag_service.open_flags(engine, actor="fm.zhou") if f.id == fid]
    assert not is_overdue(sent, settings=floor.settings, now=now)
    async with console(floor, size=(120, 30)) as (app, pilot):
        await pilot.press("2")
        await until(pilot, lambda: app.flag_table.row_count == 2, "two flags")
        app.tick()
        await pilot.pause()
        text = screen_text(app)
        assert "OVERDUE" not in text and "to manager" in text
        # Still unacknowledged once its deadline passes: overdue, in all three places.
        floor.clock.advance(minutes=8)  # type: ignore[attr-defined]
        app.tick()
        await pilot.pause()
        later = floor.clock.now()
        assert is_overdue(sent, settings=floor.settings, now=later)
        text = screen_text(app)
        assert "1 OVERDUE" in text and text.count("OVERDUE") == 2  # header and the one row


@sync
async def test_a_long_name_is_cut_before_its_flag_count_is(
    floor: AppContext, engine: Engine
) -> None:
    from sqlalchemy import update

    from db.models import Agent

    long_name = "Maximiliano Fernández-Ortega"
    run_write(
        engine,
        lambda conn: conn.execute(update(Agent).where(Agent.id == "1003").values(name=long_name)),
    )
    now = floor.clock.now()
    _raise(engine, "1003", "neg_sentiment", "light", now)
    _raise(engine, "1003", "long_break", "high", now - timedelta(minutes=5))
    async with console(floor, size=(80, 24)) as (app, pilot):
        await pilot.press("2")
        await until(pilot, lambda: app.flag_table.row_count == 3, "three flags")
        lead = next(c for c in _agent_cells(app) if c.startswith("Maxi"))
        assert lead.endswith(" (2)") and long_name not in lead  # the name cut, the count whole
        assert "(2)" in screen_text(app)
