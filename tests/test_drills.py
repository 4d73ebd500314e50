"""Drills on a period's hot issues: planned at import, fired only to a free agent, results."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from db.models import Agent, AuditEntry, Call, Team
from db.models_plan import Reminder
from db.models_requests import Drill, DrillStatus
from floorapp.cli import main
from floorapp.config import Settings
from floorapp.feed.events import EventKind as K
from floorapp.plan import PlanError, parse_plan_text
from floorapp.plan.store import import_plan, load_plan
from floorapp.policy import Refused
from floorapp.services import drills
from floorapp.services.sensitive import available_designated
from floorapp.simulate import load_sim_roster, seed_demo_floor
from floorapp.simulate.demo_plan import demo_plan_text
from floorapp.simulate.generator import FloorSimulator
from floorapp.simulate.runner import SimClock, SimulationRunner
from tests.test_plan_support import PLAN, seed_floor
from tests.test_rules import Feed

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = (ROOT / "examples" / "plan-315.toml").read_text()
TEAMS = {"投诉处理组", "移动业务组", "宽带一组"}
# Five days before the example period (2026-03-13 08:00 Asia/Shanghai = 00:00 UTC).
BEFORE = datetime(2026, 3, 8, 0, 0, tzinfo=UTC)

HOT = (
    PLAN
    + """
[drills]
run_up_days = 1
max_per_agent_per_day = 1
minutes = 15

[[hot_issue]]
id = "refund"
title = "Refund after the outage"
scenario = "The customer wants a month refunded."
answer = "Credit per day offline, on the next bill."
teams = ["t1"]
practised_by_days = 0
"""
)


def test_example_plan_carries_two_hot_issues() -> None:
    plan = parse_plan_text(EXAMPLE, TEAMS)
    assert [h.key for h in plan.hot_issues] == ["outage-refund", "tariff-change"]
    refund, tariff = plan.hot_issues
    assert refund.due_by == plan.periods[0].start - timedelta(days=1)
    assert tariff.due_by == plan.periods[0].start + timedelta(days=1)
    assert tariff.model_answer.startswith("Knowledge base")
    assert plan.drill_max_per_day == 2


def test_plan_check_names_each_wrong_hot_issue_field() -> None:
    bad = (
        HOT
        + """
[[hot_issue]]
id = "refund"
title = "Again"
scenario = "x"
answer = "y"
teams = ["t1"]

[[hot_issue]]
id = "tariff"
title = "Tariff"
scenario = "x"
teams = ["t2", "nosuch"]
period = "Q"
practised_by_days = 1.5
"""
    )
    with pytest.raises(PlanError) as exc:
        parse_plan_text(bad, {"t1", "t2"})
    text = str(exc.value)
    assert "hot_issue[1].id: duplicate hot issue id 'refund'" in text
    assert "hot_issue[2].practised_by_days: expected a whole number of days" in text
    with pytest.raises(PlanError) as exc:
        parse_plan_text(bad.replace("practised_by_days = 1.5", ""), {"t1", "t2"})
    text = str(exc.value)
    assert "hot_issue[2].answer: missing" in text
    assert "hot_issue[2].teams[1]: unknown team 'nosuch'" in text
    assert "hot_issue[2].period: no period named 'Q'" in text


def test_import_of_the_example_plans_a_drill_for_every_agent_before_it_is_due(
    engine: Engine, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", db_url, "roster", "import", str(ROOT / "examples" / "roster.csv")]) == 0
    vid = import_plan(engine, EXAMPLE, source="plan-315.toml", actor="fm.chen", now=BEFORE)
    with engine.connect() as conn:
        plan = load_plan(conn, vid)
        assert plan is not None
        rows = conn.execute(select(Drill.__table__)).all()
        agents = dict(conn.execute(select(Agent.id, Agent.team_id)).all())
    issues = {h.key: h for h in plan.plan.hot_issues}
    wanted = {(h.key, a) for h in issues.values() for a, t in agents.items() if t in h.teams}
    assert {(d.hot_issue, d.agent_id) for d in rows} == wanted and len(rows) == len(wanted)
    period_start = plan.plan.periods[0].start
    for d in rows:
        assert BEFORE <= d.planned_at and d.planned_at + timedelta(minutes=15) <= d.due_by
        assert d.due_by == issues[d.hot_issue].due_by
        if d.hot_issue == "outage-refund":
            assert d.planned_at < period_start
        local = d.planned_at.astimezone(plan.plan.timezone)
        shift = plan.plan.shift_for(d.team_id)
        assert shift.start <= local.time() and (local + timedelta(minutes=15)).time() <= shift.end
    per_day = Counter(
        (d.agent_id, d.planned_at.astimezone(plan.plan.timezone).date()) for d in rows
    )
    assert max(per_day.values()) <= 2
    # One drill at a time for a team's leader, and spread over more than one day.
    assert len({(d.team_id, d.planned_at) for d in rows}) == len(rows)
    assert len({d.planned_at.date() for d in rows}) > 1


def test_quiet_hours_are_chosen_from_the_calls_of_recent_days(
    engine: Engine, settings: Settings, clock
) -> None:
    seed_floor(engine)
    feed = Feed(engine, settings, clock)
    # Early afternoons busy on the days before: 12:00-15:59 UTC has calls, the rest none.
    for day in range(1, 4):
        for hour in (12, 13, 14, 15):
            start = datetime(2026, 3, 10, tzinfo=UTC) - timedelta(days=day) + timedelta(hours=hour)
            feed.send(feed.ev(K.CALL_OFFERED, 0, call=f"c{day}{hour}"))
            with engine.begin() as conn:
                conn.execute(
                    Call.__table__.update()
                    .where(Call.id == f"c{day}{hour}")
                    .values(offered_at=start, agent_id="a1")
                )
    now = datetime(2026, 3, 9, 0, 0, tzinfo=UTC)  # the run-up: 3/9 12:00 to 3/10 12:00
    import_plan(engine, HOT, source="t.toml", actor="boss", now=now)
    with engine.connect() as conn:
        rows = conn.execute(select(Drill.__table__)).all()
    assert len(rows) == 4  # t1's four agents; t2 is not concerned
    assert sorted(d.planned_at.hour for d in rows) == [8, 8, 16, 16]  # two a day, quiet hours


def _free_at(engine: Engine, agent: str, when: datetime) -> bool:
    with engine.connect() as conn:
        calls = conn.execute(
            select(Call.answered_at, Call.ended_at).where(
                Call.agent_id == agent, Call.answered_at.is_not(None)
            )
        ).all()
    return not any(a <= when and (e is None or when < e) for a, e in calls)


def test_drills_fire_only_when_the_agent_is_off_the_phone_in_the_simulated_feed(
    engine: Engine, settings: Settings
) -> None:
    start = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)
    seed_demo_floor(engine, agents=12, teams=2, seed=3, now=start, actor="boss")
    sim = FloorSimulator(load_sim_roster(engine), seed=3, start=start)
    clock = SimClock(start)
    runner = SimulationRunner(engine, settings, sim, clock=clock)
    runner.run_for(600, step_s=5)  # everyone logged in and taking calls
    with engine.connect() as conn:
        teams = list(conn.execute(select(Team.id)).scalars())
    now = clock.now()
    import_plan(engine, demo_plan_text(now, UTC, teams), source="demo", actor="boss", now=now)
    fired_at: dict[int, datetime] = {}
    held = 0
    for _ in range(120):  # two simulated hours, the scheduler's sweep every minute
        runner.run_for(60, step_s=5)
        _, h = drills.fire_due(engine, now=clock.now(), holder="test")
        held += h
        with engine.connect() as conn:
            for d in conn.execute(select(Drill.__table__).where(Drill.fired_at.is_not(None))).all():
                fired_at.setdefault(d.id, d.fired_at)
    assert len(fired_at) >= 10 and held > 0  # some came due while their agent was busy
    with engine.connect() as conn:
        by_id = {d.id: d for d in conn.execute(select(Drill.__table__)).all()}
        reminders = conn.execute(select(Reminder.__table__).where(Reminder.kind == "drill")).all()
    for drill_id, when in fired_at.items():
        assert _free_at(engine, by_id[drill_id].agent_id, when), drill_id
    assert len(reminders) == len(fired_at)
    assert all(
        r.detail and r.detail.startswith("Scenario: ") and "Model answer: " in r.detail
        for r in reminders
    )
    # The title is read in each reader's language; the plan's topic as the plan wrote it.
    from floorapp import i18n

    first = reminders[0].title
    assert i18n.render(first).startswith("Drill ")
    i18n.set_language("zh_CN")
    try:
        assert i18n.render(first).startswith("模拟拨测 ")
    finally:
        i18n.set_language("en")


def test_results_audited_needs_practice_plans_a_redrill_and_coverage_counts(
    engine: Engine, settings: Settings, clock
) -> None:
    seed_floor(engine)
    now = datetime(2026, 3, 9, 7, 0, tzinfo=UTC)
    import_plan(engine, HOT, source="t.toml", actor="boss", now=now)
    with engine.connect() as conn:
        ids = {d.agent_id: d.id for d in conn.execute(select(Drill.__table__)).all()}
    later = now + timedelta(hours=3)
    rows = drills.coverage(engine, actor="lead.t1", now=later)
    assert [(r.hot_issue, r.team_id, r.agents, r.drilled, r.passed, r.to_drill) for r in rows] == [
        ("refund", "t1", 4, 0, 0, 4)
    ]
    drills.record_result(engine, ids["a1"], result="passed", actor="lead.t1", now=later)
    with pytest.raises(drills.DrillError):
        drills.record_result(engine, ids["a2"], result="practice", actor="lead.t1", now=later)
    v = drills.record_result(
        engine,
        ids["a2"],
        result="practice",
        actor="lead.t1",
        now=later,
        note="forgot the per-day credit",
    )
    assert v.status == DrillStatus.PRACTICE and v.note == "forgot the per-day credit"
    with pytest.raises(Refused):
        drills.record_result(engine, ids["a3"], result="passed", actor="lead.t2", now=later)
    with engine.connect() as conn:
        again = conn.execute(
            select(Drill.__table__).where(Drill.agent_id == "a2", Drill.attempt == 2)
        ).one()
        audit = conn.execute(
            select(AuditEntry.action, AuditEntry.actor, AuditEntry.outcome)
            .where(AuditEntry.action.like("drill.%"))
            .order_by(AuditEntry.id)
        ).all()
    assert again.status == DrillStatus.PLANNED and again.planned_at >= later + drills.REDRILL_AFTER
    assert [tuple(a) for a in audit] == [
        ("drill.plan", "boss", "ok"),
        ("drill.result", "lead.t1", "ok"),
        ("drill.result", "lead.t1", "ok"),
        ("drill.result", "lead.t2", "refused"),
    ]
    overdue = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)
    (row,) = drills.coverage(engine, actor="lead.t1", now=overdue)
    assert (row.drilled, row.passed, row.practice, row.to_drill, row.overdue) == (2, 1, 1, 3, 3)
    assert drills.coverage(engine, actor="lead.t2", now=overdue) == []
    mine = drills.agent_drills(engine, "a2", actor="lead.t1", now=later)
    assert [(d.attempt, d.status) for d in mine] == [(1, "practice"), (2, "planned")]


def test_sensitive_routing_puts_agents_who_passed_the_drill_first(
    engine: Engine, settings: Settings, clock
) -> None:
    seed_floor(engine)
    now = datetime(2026, 3, 9, 7, 0, tzinfo=UTC)
    import_plan(engine, HOT, source="t.toml", actor="boss", now=now)
    with engine.begin() as conn:
        conn.execute(Agent.__table__.update().values(sensitive_designated=True, state="available"))
        ids = {d.agent_id: d.id for d in conn.execute(select(Drill.__table__)).all()}
    before = [a.id for a in available_designated(engine, settings=settings, now=now)]
    drills.record_result(engine, ids["a4"], result="passed", actor="lead.t1", now=now)
    after = [a.id for a in available_designated(engine, settings=settings, now=now)]
    assert after[0] == "a4" and before[0] != "a4" and sorted(after) == sorted(before)
    ranked = available_designated(engine, settings=settings, now=now, hot_issue="refund")
    assert ranked[0].id == "a4" and ranked[0].drills_passed == ("refund",)


def test_drills_command_lists_records_and_counts(
    engine: Engine, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_floor(engine)
    import_plan(engine, HOT, source="t.toml", actor="boss", now=datetime(2026, 3, 9, 7, tzinfo=UTC))
    with engine.connect() as conn:
        first = conn.execute(select(Drill.id).order_by(Drill.id)).scalars().first()
    assert main(["--db", db_url, "--as", "lead.t1", "drills"]) == 0
    assert capsys.readouterr().out.count("Refund after the outage") == 4
    assert main(["--db", db_url, "--as", "lead.t2", "drills", "result", str(first), "passed"]) == 1
    assert "not yours" in capsys.readouterr().err
    assert (
        main(["--db", db_url, "--as", "lead.t1", "drills", "result", str(first), "practice"]) == 1
    )
    assert main(["--db", db_url, "--as", "lead.t1", "drills", "result", str(first), "passed"]) == 0
    capsys.readouterr()
    assert main(["--db", db_url, "--as", "lead.t1", "drills", "--coverage"]) == 0
    assert "drilled 1/4  passed 1" in capsys.readouterr().out
