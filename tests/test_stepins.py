"""A step-in that asks for a break or a hand-over is confirmed when the feed shows it, and
comes back to its supervisor as a reminder when it does not."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, insert, select

from db.engine import run_write
from db.models import AgentStateChange, AuditEntry
from db.models_plan import Reminder
from floorapp.context import AppContext
from floorapp.services import flags, reminders, stepins


def _seed_flag(floor: AppContext) -> int:
    return flags.open_flags(floor.engine, actor="fm.zhou")[0].id  # 王芳 (1001), on a long call


def settle(floor: AppContext, now: datetime) -> dict[int, str]:
    return stepins.follow_up(floor.engine, settings=floor.settings, now=now)


def _state(engine: Engine, agent: str, state: str, at: object) -> None:
    run_write(
        engine,
        lambda c: c.execute(
            insert(AgentStateChange).values(agent_id=agent, state=state, started_at=at)
        ),
    )


def test_a_break_the_feed_shows_in_time_confirms_the_step_in(
    floor: AppContext, engine: Engine
) -> None:
    fid = _seed_flag(floor)
    flags.step_in(floor.engine, fid, "short_break", actor="lead.wang", now=floor.clock.now())
    t0 = floor.clock.now()
    assert settle(floor, t0 + timedelta(minutes=2)) == {}  # still time
    _state(engine, "1001", "after_call", t0 + timedelta(minutes=2))
    _state(engine, "1001", "break", t0 + timedelta(minutes=3))
    assert settle(floor, t0 + timedelta(minutes=3)) == {fid: "confirmed"}
    assert settle(floor, t0 + timedelta(minutes=9)) == {}  # settled once
    assert flags.get_flag(floor.engine, fid).status == "stepped_in"
    with engine.connect() as c:
        assert c.execute(select(Reminder)).all() == []
        row = c.execute(
            select(AuditEntry).where(AuditEntry.action == "flag.step_in_confirmed")
        ).one()
    assert (row.actor, row.detail) == ("feed", "short_break: 王芳 seen on a break within 5 min")


def test_a_break_not_seen_comes_back_to_the_supervisor(floor: AppContext, engine: Engine) -> None:
    fid = _seed_flag(floor)
    flags.step_in(
        floor.engine,
        fid,
        "short_break",
        "five minutes, then back",
        actor="lead.wang",
        now=floor.clock.now(),
    )
    t0 = floor.clock.now()
    _state(engine, "1001", "after_call", t0 + timedelta(minutes=2))  # not a break
    assert settle(floor, t0 + timedelta(minutes=4)) == {}
    later = t0 + timedelta(minutes=5)
    assert settle(floor, later) == {fid: "not_seen"}
    mine = reminders.open_reminders(engine, actor="lead.wang", now=later)
    [r] = mine.actionable
    assert r.title == "王芳 has not gone on the break you asked for (5 min)"
    # Addressed to the supervisor who stepped in, not the whole team.
    assert reminders.open_reminders(engine, actor="lead.li", now=later).actionable == []


def test_a_hand_over_is_confirmed_when_the_agent_leaves_the_call(
    floor: AppContext, engine: Engine
) -> None:
    fid = _seed_flag(floor)
    flags.step_in(floor.engine, fid, "transfer", actor="lead.wang", now=floor.clock.now())
    t0 = floor.clock.now()
    _state(engine, "1001", "available", t0 + timedelta(minutes=1))
    assert settle(floor, t0 + timedelta(minutes=1)) == {fid: "confirmed"}


def test_coaching_asks_nothing_of_the_feed(floor: AppContext, engine: Engine) -> None:
    fid = _seed_flag(floor)
    flags.step_in(floor.engine, fid, "coach", actor="lead.wang", now=floor.clock.now())
    assert settle(floor, floor.clock.now() + timedelta(minutes=30)) == {}


def test_the_confirmation_window_is_a_setting(floor: AppContext, engine: Engine) -> None:
    """A floor whose breaks take longer to start gives its agents the window it set."""
    floor.settings.step_in_confirm_min = 10
    fid = _seed_flag(floor)
    flags.step_in(floor.engine, fid, "short_break", actor="lead.wang", now=floor.clock.now())
    t0 = floor.clock.now()
    assert settle(floor, t0 + timedelta(minutes=6)) == {}
    assert settle(floor, t0 + timedelta(minutes=10)) == {fid: "not_seen"}
    [r] = reminders.open_reminders(
        engine, actor="lead.wang", now=t0 + timedelta(minutes=10)
    ).actionable
    assert r.title == "王芳 has not gone on the break you asked for (10 min)"
    assert r.due_by == t0 + timedelta(minutes=20)
