"""The reminder path on SQLite and PostgreSQL alike: lease, sweep, missed, actions, candidates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from db.models_plan import Reminder
from floorapp.clock import ManualClock
from floorapp.config import Settings
from floorapp.scheduler import SchedulerHost
from floorapp.scheduler.firing import fire
from floorapp.scheduler.schedule import Occurrence
from floorapp.services import nominations, periods
from floorapp.services import reminders as svc
from tests.conftest import T0
from tests.test_plan_support import load_test_plan, seed_floor


def test_reminders_end_to_end_on_each_backend(any_engine) -> None:
    engine = any_engine
    clock = ManualClock(T0)
    seed_floor(engine)
    load_test_plan(engine, clock.now())
    a = SchedulerHost(engine, Settings(), clock, holder_id="A", use_apscheduler=False)
    b = SchedulerHost(engine, Settings(), clock, holder_id="B", use_apscheduler=False)
    assert a.step() and not b.step()
    clock.set(datetime(2026, 3, 10, 11, 0, 30, tzinfo=UTC))  # A died at 09:00
    assert b.step() and a.last_sweep is not None
    with engine.connect() as conn:
        rows = conn.execute(
            select(Reminder.job_id, Reminder.scheduled_for, Reminder.status).order_by(
                Reminder.scheduled_for, Reminder.job_id
            )
        ).all()
    assert [(j, t.hour, s) for j, t, s in rows] == [
        ("patrol:t1", 9, "due"),
        ("patrol:t2", 9, "due"),
        ("patrol:t1", 10, "missed"),
        ("patrol:t2", 10, "missed"),
        ("patrol:t1", 11, "due"),
        ("patrol:t2", 11, "due"),
    ]
    occ = Occurrence(
        job_id="patrol:t1",
        at=datetime(2026, 3, 10, 11, tzinfo=UTC),
        kind="patrol",
        title="x",
        team_id="t1",
    )
    assert fire(engine, occ, holder="A", now=clock.now()) is None  # already recorded
    view = svc.open_reminders(engine, actor="lead.t1", now=clock.now())
    assert [r.state for r in [*view.overdue, *view.due, *view.missed]] == [
        "overdue",
        "due",
        "missed",
    ]
    rid = view.due[0].id
    svc.done(engine, rid, actor="lead.t1", now=clock.now(), note="calm", flag_agent="a1")
    svc.snooze(engine, view.missed[0].id, actor="lead.t1", now=clock.now(), minutes=5)
    assert nominations.candidates(engine, now=clock.now() + timedelta(hours=6), period="P") == {
        d: []
        for d in ("hardest_escalations", "raised_early", "sensitive_no_complaint", "improvement")
    }
    s = periods.period_summary(engine, now=clock.now() + timedelta(hours=2))
    assert s is not None and s.period.name == "P" and s.period.active
