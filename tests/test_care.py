"""Care: the water reminder after a long call, the care log, the repeated-care warning."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select

from db.engine import write_tx
from db.models import Call
from db.models_plan import CareLog
from db.models_rules import CareProposal
from floorapp.cli import main
from floorapp.config import Settings
from floorapp.scheduler import SchedulerHost
from floorapp.services import care
from floorapp.services import reminders as svc
from tests.conftest import T0
from tests.test_plan_support import load_test_plan, seed_floor


def _call(engine, call_id: str, agent: str, minutes: float, ended: datetime) -> None:
    talk = int(minutes * 60)
    with write_tx(engine) as conn:
        conn.execute(
            insert(Call).values(
                id=call_id,
                agent_id=agent,
                offered_at=ended - timedelta(seconds=talk + 20),
                answered_at=ended - timedelta(seconds=talk),
                ended_at=ended,
                outcome="completed",
                talk_seconds=talk,
            )
        )


def _host(engine, clock, settings: Settings | None = None) -> SchedulerHost:
    return SchedulerHost(
        engine, settings or Settings(), clock, holder_id="A", use_apscheduler=False
    )


def _care_due(engine, clock, who: str = "lead.t1") -> list[svc.ReminderView]:
    view = svc.open_reminders(engine, actor=who, now=clock.now())
    return [r for r in [*view.due, *view.overdue] if r.kind == "care"]


def test_a_long_call_ending_reminds_the_team_leader_to_bring_water(engine, clock) -> None:
    seed_floor(engine)
    load_test_plan(engine, clock.now())
    host = _host(engine, clock)
    host.step()  # 09:00
    _call(engine, "c-long", "a1", 25.5, T0 + timedelta(minutes=26))  # over the 20 min rule
    with write_tx(engine) as conn:  # what the long-call rule proposes for the same call
        conn.execute(
            insert(CareProposal).values(
                source_key="long_call:c-long",
                agent_id="a1",
                team_id="t1",
                call_id="c-long",
                kind="bring_water",
                reason="long call",
                proposed_at=T0 + timedelta(minutes=26),
                due_by=T0 + timedelta(minutes=31),
            )
        )
    _call(engine, "c-short", "a2", 12, T0 + timedelta(minutes=26))
    _call(engine, "c-other", "b1", 31, T0 + timedelta(minutes=27))  # team t2
    clock.set(T0 + timedelta(minutes=26, seconds=10))
    host.step()
    water = _care_due(engine, clock)
    assert [(r.title, r.agent_id, r.team_id) for r in water] == [
        ("Bring 张伟 a glass of water after a long call", "a1", "t1")
    ]
    assert water[0].due_by == T0 + timedelta(minutes=31)  # within 5 minutes of the call's end
    assert "25 min 30 s" in (water[0].detail or "")
    clock.set(T0 + timedelta(minutes=28))
    host.step()
    assert [r.agent_id for r in _care_due(engine, clock, "lead.t2")] == ["b1"]
    assert len(_care_due(engine, clock)) == 1  # recorded once across steps
    svc.done(engine, water[0].id, actor="lead.t1", now=clock.now(), note="water and a word")
    log = care.care_log(engine, agent="a1")
    assert [(e.item, e.team_id, e.given_by) for e in log] == [("water", "t1", "lead.t1")]
    with engine.connect() as conn:  # the rule's proposal is closed with it
        assert tuple(conn.execute(select(CareProposal.status, CareProposal.handled_by)).one()) == (
            "done",
            "lead.t1",
        )
    # Six minutes on, an unanswered water reminder is overdue.
    clock.set(T0 + timedelta(minutes=34))
    assert [
        r.state
        for r in svc.open_reminders(engine, actor="lead.t2", now=clock.now()).overdue
        if r.kind == "care"
    ] == ["overdue"]


def test_the_long_call_threshold_follows_the_rule_settings(engine, clock) -> None:
    seed_floor(engine)
    settings = Settings(rules={"long_call": {"threshold": 30}})
    host = _host(engine, clock, settings)
    host.step()
    _call(engine, "c1", "a1", 25, T0 + timedelta(minutes=1))
    clock.advance(minutes=2)
    host.step()
    assert _care_due(engine, clock) == []


def _give_tea(engine, days_ago: int) -> None:
    with write_tx(engine) as conn:
        care.log_care(
            conn,
            at=datetime(2026, 3, 10, 15, tzinfo=UTC) - timedelta(days=days_ago),
            item="tea",
            title="Afternoon tea",
            team_id="t1",
            agent_id=None,
            given_by="lead.t1",
        )


def _tea_reminder(engine, clock) -> svc.ReminderView:
    load_test_plan(engine, clock.now())
    host = _host(engine, clock)
    clock.set(datetime(2026, 3, 10, 14, 59, tzinfo=UTC))
    host.step()
    clock.set(datetime(2026, 3, 10, 15, 0, 30, tzinfo=UTC))
    host.step()
    (tea,) = [r for r in _care_due(engine, clock) if r.item == "tea"]
    return tea


def test_the_same_care_for_the_same_team_within_n_days_is_flagged_with_another_proposal(
    engine, clock
) -> None:
    seed_floor(engine)
    _give_tea(engine, days_ago=5)
    tea = _tea_reminder(engine, clock)
    assert tea.title == "Afternoon tea"
    assert tea.warning == ("team t1 already had 'tea' 5 days ago: try 'Fresh fruit' instead")
    w = care.check_repeat(engine, "t1", "tea", now=clock.now())
    assert w is not None and w.alternative == "fruit"
    # Once fruit was given too, nothing in the plan is fresh: it says so.
    with write_tx(engine) as conn:
        care.log_care(
            conn,
            at=clock.now() - timedelta(days=1),
            item="fruit",
            title="Fresh fruit",
            team_id="t1",
            agent_id=None,
            given_by="lead.t1",
        )
    w = care.check_repeat(engine, "t1", "tea", now=clock.now())
    assert w is not None and w.alternative is None and "every care item" in w.message


def test_care_outside_the_window_is_not_a_repeat(engine, clock) -> None:
    seed_floor(engine)
    _give_tea(engine, days_ago=20)  # repeat_days is 14
    assert _tea_reminder(engine, clock).warning is None


def test_birthdays_and_the_first_day_back_from_leave(engine, clock) -> None:
    seed_floor(engine)
    with write_tx(engine) as conn:
        from db.models import Agent

        conn.execute(
            Agent.__table__.update().where(Agent.id == "a2").values(birthday=date(1995, 3, 10))
        )
    assert (
        main(
            [
                "--db",
                str(engine.url),
                "--as",
                "boss",
                "plan",
                "leave",
                "a3",
                "2026-03-02",
                "2026-03-09",
            ]
        )
        == 0
    )
    text = open_plan_with_personal()
    load_test_plan(engine, clock.now(), text)
    host = _host(engine, clock)
    clock.set(datetime(2026, 3, 10, 8, 59, tzinfo=UTC))
    host.step()
    clock.set(datetime(2026, 3, 10, 9, 0, 30, tzinfo=UTC))
    host.step()
    clock.set(datetime(2026, 3, 10, 9, 30, 30, tzinfo=UTC))
    host.step()
    titles = sorted(r.title for r in _care_due(engine, clock))
    assert titles == ["Birthday: Li Na", "Wang Fang is back from leave today"]
    with engine.connect() as conn:
        assert conn.execute(select(CareLog)).first() is None


def open_plan_with_personal() -> str:
    from tests.test_plan_support import PLAN

    return (
        PLAN
        + """
[care.personal.birthday]
title = "Birthday: {agent}"
at = "09:30"

[care.personal.back_from_leave]
at = "09:00"
"""
    )
