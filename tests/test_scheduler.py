"""Cadence across a period, the lease, missed reminders after downtime, exactly-once firing."""

from __future__ import annotations

import multiprocessing
import time as real_time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from db.engine import open_store, read_tx
from db.models_plan import Reminder
from floorapp.clock import ManualClock, SystemClock
from floorapp.config import Settings
from floorapp.plan import parse_plan_text
from floorapp.scheduler import SchedulerHost
from floorapp.scheduler.firing import fire, sweep
from floorapp.scheduler.schedule import Occurrence, Roster, occurrences, patrol_times
from floorapp.services.reminders import open_reminders
from tests.conftest import T0
from tests.test_plan_support import PLAN, load_test_plan, seed_floor

DAY = date(2026, 3, 10)


def _hm(ts: list[datetime]) -> list[str]:
    return [t.strftime("%H:%M") for t in ts]


def _rows(engine, job_prefix: str = "") -> list[tuple[str, datetime, str]]:
    with read_tx(engine) as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(Reminder.job_id, Reminder.scheduled_for, Reminder.status)
                .where(Reminder.job_id.startswith(job_prefix))
                .order_by(Reminder.scheduled_for, Reminder.job_id)
            )
        ]


def _host(engine, clock, name: str, **kw) -> SchedulerHost:
    return SchedulerHost(engine, Settings(), clock, holder_id=name, use_apscheduler=False, **kw)


def test_patrol_cadence_switches_at_the_period_start_and_end() -> None:
    plan = parse_plan_text(PLAN)
    t1 = [t for t, _due, _label in patrol_times(plan, "t1", DAY)]
    assert _hm(t1) == [
        "08:00",
        "09:00",
        "10:00",
        "11:00",
        "12:00",
        "12:20",
        "12:40",
        "13:00",
        "13:20",
        "13:40",
        "14:00",
        "14:20",
        "14:40",
        "15:00",
        "15:20",
        "15:40",
        "16:00",
        "17:00",
        "18:00",
        "19:00",
    ]
    # t2 is not in the period: hourly all day.
    assert _hm([t for t, _d, _l in patrol_times(plan, "t2", DAY)]) == [
        f"{h:02d}:00" for h in range(8, 20)
    ]


def test_a_boundary_inside_a_step_moves_the_next_patrol_to_it() -> None:
    text = PLAN.replace("2026-03-10T12:00:00", "2026-03-10T12:30:00")
    plan = parse_plan_text(text)
    t1 = _hm([t for t, _d, _l in patrol_times(plan, "t1", DAY)])
    assert t1[:7] == ["08:00", "09:00", "10:00", "11:00", "12:00", "12:30", "12:50"]


def test_host_follows_the_period_without_restart_and_a_new_plan_version(engine, clock) -> None:
    seed_floor(engine)
    load_test_plan(engine, clock.now())
    host = _host(engine, clock, "console-1")
    clock.set(datetime(2026, 3, 10, 11, 30, tzinfo=UTC))
    assert host.step()
    for _ in range(6 * 12):  # 11:30 → 17:30 in five-minute steps, one host, never restarted
        clock.advance(minutes=5)
        host.step()
    t1 = [at for job, at, _s in _rows(engine, "patrol:t1")]
    assert _hm(t1) == [
        "12:00",
        "12:20",
        "12:40",
        "13:00",
        "13:20",
        "13:40",
        "14:00",
        "14:20",
        "14:40",
        "15:00",
        "15:20",
        "15:40",
        "16:00",
        "17:00",
    ]
    assert all(s == "due" for _j, _a, s in _rows(engine))
    # A new version adds an evening period for t2: the running host follows it.
    load_test_plan(
        engine,
        clock.now(),
        PLAN
        + """
[[period]]
name = "evening"
start = 2026-03-10T18:00:00
end = 2026-03-10T19:00:00
teams = ["t2"]
""",
    )
    for _ in range(12 * 2):  # → 19:30
        clock.advance(minutes=5)
        host.step()
    t2 = _hm([at for _j, at, _s in _rows(engine, "patrol:t2")])
    assert [h for h in t2 if h >= "17:00"] == ["17:00", "18:00", "18:20", "18:40", "19:00"]


def test_only_one_host_holds_the_lease_and_another_takes_over_when_it_dies(engine, clock) -> None:
    seed_floor(engine)
    a, b = _host(engine, clock, "A"), _host(engine, clock, "B")
    assert a.step() and not b.step()
    clock.advance(seconds=30)
    assert a.step() and not b.step()  # renewed
    # A dies (no more steps, no release). Its lease expires 45 s after the last renewal.
    clock.advance(seconds=40)
    assert not b.step()
    clock.advance(seconds=10)
    assert b.step() and b.is_holder
    assert not a.step() and not a.is_holder  # A comes back: it lost the lease
    # A clean stop hands over at once.
    b.stop()
    assert a.step()


def test_missed_reminders_after_downtime_are_recorded_once(engine, clock) -> None:
    seed_floor(engine)
    load_test_plan(engine, clock.now())
    a = _host(engine, clock, "A")
    assert a.step()  # 09:00
    assert [(j, s) for j, _a, s in _rows(engine)] == [("patrol:t1", "due"), ("patrol:t2", "due")]
    # A crashes; nothing runs until 12:31 (its lease expired long ago).
    clock.set(datetime(2026, 3, 10, 12, 31, tzinfo=UTC))
    b = _host(engine, clock, "B")
    assert b.step()
    after = _rows(engine)
    missed = [(j, at.strftime("%H:%M")) for j, at, s in after if s == "missed"]
    assert missed == [
        ("patrol:t1", "10:00"),
        ("patrol:t2", "10:00"),
        ("patrol:t1", "11:00"),
        ("patrol:t2", "11:00"),
        ("patrol:t1", "12:00"),
        ("patrol:t2", "12:00"),
        ("patrol:t1", "12:20"),
    ]
    # Within the grace (2 min) is fired, not missed: nothing here; 12:40 is still to come.
    for _ in range(3):
        clock.advance(seconds=20)
        b.step()
    assert _rows(engine) == after  # shown once: no second row, nothing fired late
    view = open_reminders(engine, actor="lead.t1", now=clock.now())
    assert [r.scheduled_for.strftime("%H:%M") for r in view.missed] == [
        "10:00",
        "11:00",
        "12:00",
        "12:20",
    ]
    assert [r.state for r in view.overdue] == ["overdue"]  # 09:00, never done
    clock.set(datetime(2026, 3, 10, 12, 40, 30, tzinfo=UTC))
    b.step()
    assert _rows(engine)[-1][1:] == (datetime(2026, 3, 10, 12, 40, tzinfo=UTC), "due")


def test_first_start_ever_does_not_invent_missed_reminders(engine, clock) -> None:
    seed_floor(engine)
    load_test_plan(engine, clock.now() - timedelta(days=2))
    clock.set(datetime(2026, 3, 10, 12, 30, tzinfo=UTC))
    assert _host(engine, clock, "A").step()
    assert _rows(engine) == []


def test_two_holders_overlapping_record_each_reminder_once(engine, clock) -> None:
    """A stalled holder can overlap its successor: the unique row decides, not timing."""
    seed_floor(engine)
    load_test_plan(engine, clock.now())
    occ = Occurrence(job_id="patrol:t1", at=T0, kind="patrol", title="Patrol", team_id="t1")
    ids = [fire(engine, occ, holder=h, now=T0) for h in ("A", "B", "A")]
    assert ids[0] is not None and ids[1:] == [None, None]
    # A non-holder's sweep records nothing (the lease decides who accounts for the past).
    assert _host(engine, clock, "A").step()
    assert sweep(engine, Settings(), holder="B", now=clock.now()) is None


def _compete(url: str, name: str, start_iso: str, steps: int, go) -> None:  # type: ignore[no-untyped-def]
    engine = open_store(url)
    clock = ManualClock(datetime.fromisoformat(start_iso))
    host = SchedulerHost(engine, Settings(), clock, holder_id=name, use_apscheduler=False)
    plan = parse_plan_text(PLAN)
    roster = Roster(("t1", "t2"))
    go.wait()
    for _ in range(steps):
        prev = clock.now()
        clock.advance(minutes=7)
        host.step()
        # As if this process were a stalled holder still firing its jobs after losing
        # the lease: it fires every occurrence of the step, whoever holds the lease.
        for occ in occurrences(plan, roster, prev, clock.now()):
            fire(engine, occ, holder=name, now=clock.now())
    engine.dispose()


def test_two_processes_competing_for_one_database_fire_each_reminder_once(
    engine, db_url, clock
) -> None:
    seed_floor(engine)
    load_test_plan(engine, clock.now())
    ctx = multiprocessing.get_context("spawn")
    go = ctx.Event()
    start = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    procs = [
        ctx.Process(target=_compete, args=(db_url, n, start.isoformat(), 90, go))
        for n in ("proc-A", "proc-B")
    ]
    for p in procs:
        p.start()
    go.set()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    rows = _rows(engine)
    keys = [(j, at) for j, at, _s in rows]
    assert len(keys) == len(set(keys))
    end = start + timedelta(minutes=7 * 90)
    expected = occurrences(parse_plan_text(PLAN), Roster(("t1", "t2")), start, end)
    assert sorted((o.job_id, o.at) for o in expected) == sorted(keys)
    assert len(expected) > 20  # patrols of both teams and the 15:00 tea


def test_the_holder_runs_apscheduler_which_fires_on_time_once(engine, db_url) -> None:
    """Real time, briefly: only the holder has a scheduler; its job store holds the
    timetable, and a job due in a second is recorded once although both hosts exist."""
    seed_floor(engine)
    now = datetime.now(UTC)
    load_test_plan(engine, now)
    clock = SystemClock()
    a = SchedulerHost(engine, Settings(), clock, holder_id="A")
    b = SchedulerHost(engine, Settings(), clock, holder_id="B")
    try:
        assert a.step() and not b.step()
        assert a.scheduler is not None and b.scheduler is None
        sched = a.scheduler
        occ = Occurrence(
            job_id="test:rt",
            at=now.replace(microsecond=0) + timedelta(seconds=2),
            kind="patrol",
            title="Patrol (real time)",
            team_id="t1",
        )
        from floorapp.scheduler import jobs

        sched.add_job(
            jobs.fire_occurrence,
            trigger="date",
            run_date=occ.at,
            id=occ.key,
            jobstore="plan",
            args=[a._url, "A", occ.to_dict(), None],
        )
        # The job is in the database's job store, visible to any process.
        with engine.connect() as conn:
            n = conn.exec_driver_sql("SELECT count(*) FROM apscheduler_jobs").scalar()
        assert n >= 1
        # Due in a second or two; a loaded CI machine can run the scheduler's thread late
        # (it failed once at 6 s in a full parallel run), and the loop ends as soon as it fires.
        deadline = real_time.monotonic() + 30
        while real_time.monotonic() < deadline and not _rows(engine, "test:rt"):
            real_time.sleep(0.1)
        assert [(j, s) for j, _a, s in _rows(engine, "test:rt")] == [("test:rt", "due")]
        # B firing the same occurrence (an overlap) changes nothing.
        assert fire(engine, occ, holder="B", now=datetime.now(UTC)) is None
    finally:
        a.stop()
        b.stop()
    with read_tx(engine) as conn:
        assert (
            conn.execute(
                select(func.count()).select_from(Reminder).where(Reminder.job_id == "test:rt")
            ).scalar()
            == 1
        )
