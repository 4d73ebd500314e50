"""Reminder actions as a supervisor sees them: addressed by team, done/snooze/skip, audited."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from db.models import AuditEntry, Flag
from db.models_plan import Patrol
from floorapp import i18n
from floorapp.cli import main
from floorapp.config import Settings
from floorapp.scheduler import SchedulerHost
from floorapp.services import reminders as svc
from floorapp.services.patrols import last_patrols, patrol_log
from tests.test_plan_support import load_test_plan, seed_floor


@pytest.fixture
def db_url(store_url: str) -> str:
    """This module runs on SQLite and on PostgreSQL (marker ``postgres``)."""
    return store_url


@pytest.fixture
def fired(engine, clock):
    """The 09:00 patrols fired for t1 and t2."""
    seed_floor(engine)
    load_test_plan(engine, clock.now())
    host = SchedulerHost(engine, Settings(), clock, holder_id="A", use_apscheduler=False)
    assert host.step()
    return host


def _audit(engine, action: str) -> list[tuple[str, str, str | None]]:
    """The rows as a reader reads them (a refusal's reason is stored as a message id)."""
    with engine.connect() as conn:
        return [
            (r.actor, r.outcome, i18n.render(r.detail))
            for r in conn.execute(
                select(AuditEntry.actor, AuditEntry.outcome, AuditEntry.detail).where(
                    AuditEntry.action == action
                )
            )
        ]


def test_each_team_leader_sees_their_own_teams_reminders(engine, clock, fired) -> None:
    t1 = svc.open_reminders(engine, actor="lead.t1", now=clock.now())
    t2 = svc.open_reminders(engine, actor="lead.t2", now=clock.now())
    boss = svc.open_reminders(engine, actor="boss", now=clock.now())
    assert [r.title for r in t1.due] == ["Patrol the floor: team t1"]
    assert [r.team_id for r in t2.due] == ["t2"]
    assert len(boss.due) == 2
    # What comes next for t1: the 10:00 patrol, then the 12:00 one (the period starts).
    assert [c.at.strftime("%H:%M") for c in t1.coming[:3]] == ["10:00", "11:00", "12:00"]
    # Past the next patrol's time, the open one is overdue.
    clock.advance(minutes=61)
    assert [
        r.state for r in svc.open_reminders(engine, actor="lead.t1", now=clock.now()).overdue
    ] == ["overdue"]


def test_patrol_done_with_a_note_raises_a_flag_and_logs_the_patrol(engine, clock, fired) -> None:
    rid = svc.open_reminders(engine, actor="lead.t1", now=clock.now()).due[0].id
    clock.advance(minutes=4)
    v = svc.done(
        engine,
        rid,
        actor="lead.t1",
        now=clock.now(),
        note="张伟 flushed, banging the keyboard",
        flag_agent="a1",
    )
    assert v.status == "done" and v.handled_by == "lead.t1"
    with engine.connect() as conn:
        flag = conn.execute(select(Flag.kind, Flag.agent_id, Flag.detail, Flag.raised_by)).one()
        patrol = conn.execute(select(Patrol.outcome, Patrol.supervisor_id)).one()
    assert flag[:2] == ("observed", "a1") and "banging the keyboard" in flag[2]
    assert flag[3] == "lead.t1"
    assert tuple(patrol) == ("done", "lead.t1")
    assert _audit(engine, "reminder.done")[0][:2] == ("lead.t1", "ok")
    # It is gone from the panel of every console of t1's leader.
    assert svc.open_reminders(engine, actor="lead.t1", now=clock.now()).due == []
    last = last_patrols(engine, now=clock.now() + timedelta(minutes=10))
    assert last["t1"].minutes_ago == 10 and "t2" not in last
    # A second console pressing done on the same reminder is told who did it.
    with pytest.raises(svc.ReminderError, match=r"already done by lead\.t1"):
        svc.done(engine, rid, actor="boss", now=clock.now())


def test_snooze_hides_until_it_runs_out_and_only_5_10_15(engine, clock, fired) -> None:
    rid = svc.open_reminders(engine, actor="lead.t1", now=clock.now()).due[0].id
    with pytest.raises(svc.ReminderError, match="5, 10 or 15"):
        svc.snooze(engine, rid, actor="lead.t1", now=clock.now(), minutes=7)
    svc.snooze(engine, rid, actor="lead.t1", now=clock.now(), minutes=10)
    view = svc.open_reminders(engine, actor="lead.t1", now=clock.now() + timedelta(minutes=9))
    assert view.due == [] and [r.id for r in view.snoozed] == [rid]
    view = svc.open_reminders(engine, actor="lead.t1", now=clock.now() + timedelta(minutes=10))
    assert [r.id for r in view.due] == [rid]
    assert _audit(engine, "reminder.snooze") == [("lead.t1", "ok", "10 min")]


def test_skip_needs_a_reason_and_a_team_leader_cannot_act_on_another_team(
    engine, clock, fired
) -> None:
    rid = svc.open_reminders(engine, actor="lead.t1", now=clock.now()).due[0].id
    with pytest.raises(svc.ReminderError, match="reason is required"):
        svc.skip(engine, rid, actor="lead.t1", now=clock.now(), reason="  ")
    with pytest.raises(svc.ReminderError, match="not yours"):
        svc.skip(engine, rid, actor="lead.t2", now=clock.now(), reason="busy")
    assert _audit(engine, "reminder.skip") == [
        ("lead.t2", "refused", f"reminder #{rid} is for team t1, not yours")
    ]
    svc.skip(engine, rid, actor="lead.t1", now=clock.now(), reason="fire drill on the floor")
    log = patrol_log(engine, now=clock.now(), since=clock.now() - timedelta(hours=1), team="t1")
    assert [e.outcome for e in log] == ["skipped"]


def test_patrol_log_done_late_missed(engine, db_url, clock, fired, capsys) -> None:
    host = fired
    first = svc.open_reminders(engine, actor="lead.t1", now=clock.now()).due[0].id
    for _ in range(12):  # → 10:00; the 10:00 patrol fires
        clock.advance(minutes=5)
        host.step()
    svc.done(engine, first, actor="lead.t1", now=clock.now() + timedelta(minutes=1))  # late
    for _ in range(18):  # → 11:30, the host stepping all along
        clock.advance(minutes=5)
        host.step()
    second = [r for r in svc.open_reminders(engine, actor="lead.t1", now=clock.now()).overdue]
    assert [r.scheduled_for.hour for r in second] == [10]
    svc.done(
        engine,
        svc.open_reminders(engine, actor="lead.t1", now=clock.now()).due[0].id,
        actor="lead.t1",
        now=clock.now(),
    )  # the 11:00 one, on time
    log = patrol_log(engine, now=clock.now(), since=datetime(2026, 3, 10, 8, tzinfo=UTC), team="t1")
    assert [(e.due_at.hour, e.outcome) for e in log] == [(9, "late"), (10, "missed"), (11, "done")]
    capsys.readouterr()
    assert (
        main(
            [
                "--db",
                db_url,
                "--as",
                "lead.t1",
                "reminders",
                "patrols",
                "--team",
                "t1",
                "--hours",
                "100000",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "1 done, 1 late, 1 missed, 0 skipped, 0 open" in out
    assert "last patrol of team t1:" in out and "by lead.t1" in out


def test_reminders_command_lists_jobs_and_open_reminders(
    engine, db_url, clock, fired, capsys
) -> None:
    capsys.readouterr()
    # The CLI runs on the real clock: ask for a period far from the test day.
    assert main(["--db", db_url, "--as", "lead.t1", "reminders", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["scheduler"]["source"].startswith("plan timetable")
    assert [r["title"] for r in out["open"]] == ["Patrol the floor: team t1"]
    assert out["open"][0]["state"] == "overdue"  # the CLI's clock is the real one, later
    rid = out["open"][0]["id"]
    assert (
        main(
            ["--db", db_url, "--as", "lead.t1", "reminders", "skip", str(rid), "covered by lead.t2"]
        )
        == 0
    )
    assert "skipped" in capsys.readouterr().out
    assert main(["--db", db_url, "--as", "lead.t1", "reminders"]) == 0
    assert "none" in capsys.readouterr().out


def test_the_schedulers_reminder_reads_in_each_readers_language(
    engine, db_url, clock, fired, capsys
) -> None:
    """The scheduler stores its own reminder as a message id: one row, read in English by one
    supervisor and in Chinese by another (the console, the CLI)."""
    from db.models_plan import Reminder

    with engine.connect() as conn:
        raw = conn.execute(select(Reminder.title).where(Reminder.team_id == "t1")).scalar_one()
    assert "{team}" in raw
    assert [r.title for r in svc.open_reminders(engine, actor="lead.t1", now=clock.now()).due] == [
        "Patrol the floor: team t1"
    ]
    i18n.set_language("zh_CN")
    assert [r.title for r in svc.open_reminders(engine, actor="lead.t1", now=clock.now()).due] == [
        "巡场：班组 t1"
    ]
    capsys.readouterr()
    assert main(["--db", db_url, "--as", "lead.t1", "--lang", "zh-CN", "reminders"]) == 0
    out = capsys.readouterr().out
    assert "巡场：班组 t1" in out and "Patrol" not in out
    assert "lead.t1 的待办提醒" in out


def test_a_patrol_and_care_without_a_reminder_are_recorded_in_the_floors_time(
    engine, db_url, fired, capsys, tmp_path
) -> None:
    """A patrol walked or care given with no reminder behind it is recorded from the command
    line, scoped and audited like the console's keys; times read on the floor's own clock."""
    from zoneinfo import ZoneInfo

    from db.models_plan import CareLog

    cfg = tmp_path / "floor.toml"
    cfg.write_text('[floor]\ntimezone = "Asia/Shanghai"\n')
    run = ["--db", db_url, "--config", str(cfg), "--as", "lead.t1", "reminders"]
    capsys.readouterr()
    assert main([*run, "patrol", "t1", "--note", "quiet floor"]) == 0
    assert "patrol #" in capsys.readouterr().out
    assert main([*run, "patrol", "t2"]) == 1  # not their team: refused, nothing stored
    assert main([*run, "care", "fruit", "--agent", "a2"]) == 0
    assert main([*run, "care", "fruit", "--agent", "b1"]) == 1
    with engine.connect() as conn:
        teams = conn.execute(
            select(Patrol.team_id).where(
                Patrol.supervisor_id == "lead.t1", Patrol.reminder_id.is_(None)
            )
        ).all()
        care = conn.execute(select(CareLog.agent_id, CareLog.team_id)).all()
    assert teams == [("t1",)] and care == [("a2", "t1")]
    assert [o for _, o, _ in _audit(engine, "patrol.record")] == ["ok", "refused"]
    assert [o for _, o, _ in _audit(engine, "care.give")] == ["ok", "refused"]
    capsys.readouterr()
    assert main([*run, "patrols", "--team", "t1", "--hours", "1"]) == 0
    out = capsys.readouterr().out
    with engine.connect() as conn:
        at = conn.execute(select(Patrol.at).where(Patrol.reminder_id.is_(None))).scalar_one()
    assert "(unplanned)" in out
    assert f"walked {at.astimezone(ZoneInfo('Asia/Shanghai')):%H:%M}" in out and "Z " not in out
