"""Flag lifecycle measures per team and per supervisor, on a hand-built set of flags."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from db.engine import write_tx
from db.models import Agent, Flag, Supervisor, SupervisorTeam, Team
from floorapp.config import Settings
from floorapp.services.flag_measures import format_duration, measures_today
from tests.conftest import T0


def m(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _flag(
    conn: Any,
    n: int,
    agent: str,
    raised: float,
    *,
    ack: float | None = None,
    ack_by: str | None = None,
    step: float | None = None,
    step_by: str | None = None,
    status: str = "raised",
    raised_by: str = "rule",
) -> None:
    conn.execute(
        Flag.__table__.insert().values(
            agent_id=agent,
            kind="raised_hand",
            status=status,
            raised_by=raised_by,
            open_key=None if status == "resolved" else f"{agent}|k{n}",
            raised_at=m(raised),
            acknowledged_at=None if ack is None else m(ack),
            acknowledged_by=ack_by,
            stepped_in_at=None if step is None else m(step),
            stepped_in_by=step_by,
            updated_at=m(raised),
        )
    )


@pytest.fixture
def floor(engine: Engine) -> Engine:
    with write_tx(engine) as conn:
        for tid, name in (("t1", "Team One"), ("t2", "Team Two"), ("t3", "Quiet team")):
            conn.execute(Team.__table__.insert().values(id=tid, name=name))
        for aid, tid in (("a1", "t1"), ("a2", "t1"), ("a3", "t2")):
            conn.execute(Agent.__table__.insert().values(id=aid, name=aid, team_id=tid))
        for sid, name, role in (
            ("lead.wang", "王 Wang", "team_leader"),
            ("lead.li", "李 Li", "team_leader"),
            ("boss", "Boss", "floor_manager"),
        ):
            conn.execute(Supervisor.__table__.insert().values(id=sid, name=name, role=role))
        conn.execute(
            SupervisorTeam.__table__.insert().values(supervisor_id="lead.wang", team_id="t1")
        )
        conn.execute(
            SupervisorTeam.__table__.insert().values(supervisor_id="lead.li", team_id="t2")
        )
        _flag(
            conn,
            1,
            "a1",
            0,
            ack=2,
            ack_by="lead.wang",
            step=5,
            step_by="lead.wang",
            status="resolved",
        )
        _flag(conn, 2, "a1", 10, ack=11, ack_by="lead.wang", status="acknowledged")
        _flag(
            conn, 3, "a2", 20, ack=26, ack_by="boss", step=30, step_by="boss", status="stepped_in"
        )
        _flag(conn, 4, "a2", 40)
        _flag(conn, 5, "a3", 0, ack=4, ack_by="lead.li", status="acknowledged")
        _flag(conn, 6, "a1", -24 * 60)  # yesterday, still open
        _flag(conn, 7, "a3", -24 * 60, ack=-24 * 60 + 1, ack_by="lead.li", status="resolved")
    return engine


def test_team_measures_for_today(floor: Engine, settings: Settings) -> None:
    r = measures_today(floor, settings=settings, now=m(60))
    assert r.day == "2026-03-10"
    teams = {t.key: t for t in r.teams}
    t1, t2 = teams["t1"], teams["t2"]
    assert (t1.raised, t1.acknowledged, t1.stepped_in, t1.unresolved) == (4, 3, 2, 4)
    assert t1.median_to_acknowledge == timedelta(minutes=2)  # of 2, 1, 6
    assert t1.median_to_step_in == timedelta(minutes=7, seconds=30)  # of 5, 10
    assert (t2.raised, t2.median_to_acknowledge, t2.median_to_step_in, t2.unresolved) == (
        1,
        timedelta(minutes=4),
        None,
        1,
    )
    assert "t3" not in teams  # nothing raised, nobody leads it: no empty row
    assert (r.floor.raised, r.floor.unresolved) == (5, 5)
    assert r.floor.median_to_acknowledge == timedelta(minutes=3)  # of 1, 2, 4, 6


def test_supervisor_medians_are_their_own_response(floor: Engine, settings: Settings) -> None:
    r = measures_today(floor, settings=settings, now=m(60))
    sups = {s.key: s for s in r.supervisors}
    wang, li, boss = sups["lead.wang"], sups["lead.li"], sups["boss"]
    # Nobody raised a flag by hand here: every flag was the rules'.
    assert (wang.label, wang.raised, wang.unresolved) == ("王 Wang", 0, 4)
    assert wang.acknowledged == 2 and wang.median_to_acknowledge == timedelta(minutes=1.5)
    assert wang.stepped_in == 1 and wang.median_to_step_in == timedelta(minutes=5)
    assert (li.raised, li.median_to_acknowledge, li.unresolved) == (0, timedelta(minutes=4), 1)
    # The floor manager leads no team of their own: the whole floor is theirs.
    assert (boss.raised, boss.unresolved) == (0, 5)
    assert boss.median_to_acknowledge == timedelta(minutes=6)
    assert boss.median_to_step_in == timedelta(minutes=10)


def test_raised_is_by_hand_and_stepping_in_is_not_acknowledging(
    engine: Engine, settings: Settings
) -> None:
    with write_tx(engine) as conn:
        conn.execute(Team.__table__.insert().values(id="t1", name="Team One"))
        for aid in ("a1", "a2", "a3"):
            conn.execute(Agent.__table__.insert().values(id=aid, name=aid, team_id="t1"))
        conn.execute(Supervisor.__table__.insert().values(id="fm", name="FM", role="floor_manager"))
        _flag(conn, 1, "a1", 0, raised_by="fm")  # by hand
        _flag(conn, 2, "a2", 1, raised_by="fm", ack=3, ack_by="fm")  # by hand, acknowledged
        for n in range(3, 20):  # the rules' flags: not the manager's to count as raised
            _flag(conn, n, "a3", n)
        # Stepped in without acknowledging first: the service wrote both at once.
        _flag(conn, 20, "a1", 30, ack=32, ack_by="fm", step=32, step_by="fm", status="stepped_in")
    fm = {s.key: s for s in measures_today(engine, settings=settings, now=m(60)).supervisors}["fm"]
    assert fm.raised == 2
    assert (fm.acknowledged, fm.median_to_acknowledge) == (1, timedelta(minutes=2))
    assert (fm.stepped_in, fm.median_to_step_in) == (1, timedelta(minutes=2))
    floor = measures_today(engine, settings=settings, now=m(60)).floor
    assert (floor.raised, floor.acknowledged) == (20, 1)


def test_the_day_is_the_centres_day(floor: Engine) -> None:
    from zoneinfo import ZoneInfo

    # At UTC-10 the flags raised 09:00-09:40 UTC fall on the evening of the 9th.
    s = Settings(timezone=ZoneInfo("Etc/GMT+10"))
    late = measures_today(floor, settings=s, now=m(50))  # 23:50 local on the 9th
    assert late.day == "2026-03-09" and late.floor.raised == 5
    after_midnight = measures_today(floor, settings=s, now=m(60))  # 00:00 local on the 10th
    assert after_midnight.day == "2026-03-10" and after_midnight.floor.raised == 0
    assert after_midnight.floor.unresolved == 5  # open flags stay counted


def test_durations_read_as_a_supervisor_expects() -> None:
    assert format_duration(None) == "-"
    assert format_duration(timedelta(seconds=95)) == "1:35"
    assert format_duration(timedelta(minutes=62)) == "1 h 02 min"


def test_measures_screen_shows_teams_and_supervisors(floor: Engine, ctx: Any) -> None:
    import asyncio

    from textual.widgets import DataTable, Static

    from screens.measures import MeasuresScreen
    from tests.test_sensitive import Host

    ctx.clock.set(m(60))
    screen = MeasuresScreen(ctx, refresh_seconds=3600)
    app = Host(screen)

    async def run() -> None:
        async with app.run_test(size=(110, 30)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            teams = screen.query_one("#measures-teams", DataTable)
            rows = {rk.value: [str(c) for c in teams.get_row(rk)] for rk in teams.rows}
            assert rows["t1"] == ["Team One", "4", "3", "2:00", "2", "7:30", "4"]
            sups = screen.query_one("#measures-supervisors", DataTable)
            srows = {rk.value: [str(c) for c in sups.get_row(rk)] for rk in sups.rows}
            assert srows["lead.wang"] == ["王 Wang", "0", "2", "1:30", "1", "5:00", "4"]
            assert srows["lead.li"][5] == "-"  # nobody stepped in: nothing to measure
            floor_line = str(screen.query_one("#measures-floor", Static).content)
            assert "raised 5" in floor_line and "unresolved 5" in floor_line

    asyncio.run(run())
