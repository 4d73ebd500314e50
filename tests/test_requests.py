"""Agents' requests: from the JSONL feed to an answer, or to LATE and the floor manager."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from db.models import AuditEntry
from db.models_plan import Reminder
from floorapp.cli import main
from floorapp.config import ConfigError, Settings, settings_from_dict
from floorapp.feed.jsonl import parse_jsonl
from floorapp.feed.observer import request_observers
from floorapp.feed.writer import FeedWriter
from floorapp.figures.formats import sections
from floorapp.figures.report import build_report
from floorapp.policy import Refused
from floorapp.scheduler.floor_jobs import floor_jobs
from floorapp.services import requests as svc
from tests.test_plan_support import seed_floor

# Tuesday 2026-03-10 09:00 UTC; working hours 09:00-18:00 UTC on weekdays (the test settings).
T = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _settings() -> Settings:
    return settings_from_dict(
        {
            "floor": {"timezone": "UTC"},
            "requests": {
                "work_start": "09:00",
                "work_end": "18:00",
                "equipment": {
                    "acknowledge_minutes": 60,
                    "answer_days": 2,
                    "manager_after_minutes": 120,
                },
            },
        }
    )


def _ingest(engine: Engine, settings: Settings, lines: list[str]) -> None:
    writer = FeedWriter(engine, settings, observers=request_observers(settings))
    writer.write_batch(list(parse_jsonl(lines, "desktop.jsonl")))


def _line(agent: str, at: datetime, category: str, text: str) -> str:
    return json.dumps(
        {
            "type": "agent_request",
            "ts": at.isoformat(),
            "agent": agent,
            "category": category,
            "text": text,
        },
        ensure_ascii=False,
    )


def _audit(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(AuditEntry.action, AuditEntry.actor, AuditEntry.outcome)
                .where(AuditEntry.action.like("request%"))
                .order_by(AuditEntry.id)
            )
        ]


def test_a_request_from_the_feed_is_acknowledged_answered_and_closed(
    engine: Engine, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_floor(engine)
    settings = _settings()
    line = _line("a1", T, "equipment", "my headset crackles\x1b[31m")
    _ingest(engine, settings, [line])
    _ingest(engine, settings, [line])  # the same file read again: still one request
    (v,) = svc.listing(engine, actor="lead.t1", now=T)
    assert (v.agent_id, v.category, v.status, v.source) == ("a1", "equipment", "open", "desktop")
    assert "\x1b" not in v.text
    assert v.ack_due == T + timedelta(hours=1)
    assert v.answer_due == datetime(2026, 3, 11, 18, 0, tzinfo=UTC)  # two working days
    assert svc.listing(engine, actor="lead.t2", now=T) == []  # another team's leader
    with pytest.raises(Refused):
        svc.acknowledge(engine, v.id, actor="lead.t2", now=T)
    svc.acknowledge(engine, v.id, actor="lead.t1", now=T + timedelta(minutes=20))
    with pytest.raises(svc.RequestError):
        svc.close(engine, v.id, actor="lead.t1", now=T + timedelta(minutes=21))
    svc.answer(
        engine, v.id, "new headset on your desk", actor="lead.t1", now=T + timedelta(hours=3)
    )
    # What the agent desktop reads back.
    assert main(["--db", db_url, "--as", "lead.t1", "requests", "--agent", "a1", "--json"]) == 0
    (back,) = json.loads(capsys.readouterr().out)
    assert back["status"] == "answered" and back["answer"] == "new headset on your desk"
    assert main(["--db", db_url, "--as", "lead.t1", "requests", "close", str(v.id)]) == 0
    assert svc.get(engine, v.id).status == "closed"
    assert _audit(engine) == [
        ("request.raise", "agent:a1", "ok"),
        ("request.acknowledge", "lead.t2", "refused"),
        ("request.acknowledge", "lead.t1", "ok"),
        ("request.answer", "lead.t1", "ok"),
        ("request.close", "lead.t1", "ok"),
    ]
    figures = svc.figures(engine, actor="boss", now=T + timedelta(hours=4), since=T)
    assert figures.by_category == {"equipment": 1} and figures.late == 0
    assert figures.median_to_acknowledge == timedelta(minutes=20)


def test_a_late_request_goes_to_its_leader_then_to_the_floor_manager(engine: Engine) -> None:
    seed_floor(engine)
    settings = _settings()
    # Friday 17:30: the hour to acknowledge runs 17:30-18:00 and Monday 09:00-09:30.
    fri = datetime(2026, 3, 13, 17, 30, tzinfo=UTC)
    _ingest(engine, settings, [_line("b1", fri, "equipment", "chair broken")])
    (v,) = svc.listing(engine, actor="lead.t2", now=fri)
    assert v.ack_due == datetime(2026, 3, 16, 9, 30, tzinfo=UTC)
    floor_jobs(engine, settings, holder="sched", now=datetime(2026, 3, 14, 12, 0, tzinfo=UTC))
    assert not svc.get(engine, v.id).late(datetime(2026, 3, 14, 12, 0, tzinfo=UTC))
    late = datetime(2026, 3, 16, 9, 31, tzinfo=UTC)
    floor_jobs(engine, settings, holder="sched", now=late)
    floor_jobs(engine, settings, holder="sched", now=late + timedelta(minutes=5))
    assert svc.get(engine, v.id).late(late) and svc.get(engine, v.id).late_stage == 1
    floor_jobs(engine, settings, holder="sched", now=datetime(2026, 3, 16, 11, 30, tzinfo=UTC))
    assert svc.get(engine, v.id).late_stage == 1  # 120 working minutes not yet past
    floor_jobs(engine, settings, holder="sched", now=datetime(2026, 3, 16, 11, 31, tzinfo=UTC))
    with engine.connect() as conn:
        rem = conn.execute(
            select(Reminder.job_id, Reminder.team_id, Reminder.supervisor_id, Reminder.title)
            .where(Reminder.kind == "request")
            .order_by(Reminder.id)
        ).all()
    assert [tuple(r[:3]) for r in rem] == [
        (f"request:{v.id}:leader", "t2", None),
        (f"request:{v.id}:manager:boss", "t2", "boss"),
    ]
    assert rem[0].title.startswith("LATE request from Chen Jie (equipment)")
    assert _audit(engine) == [
        ("request.raise", "agent:b1", "ok"),
        ("request.late", "sched", "ok"),
        ("request.late", "sched", "ok"),
    ]
    svc.acknowledge(engine, v.id, actor="lead.t2", now=datetime(2026, 3, 16, 12, 0, tzinfo=UTC))
    with engine.connect() as conn:
        assert set(
            conn.execute(select(Reminder.status).where(Reminder.kind == "request")).scalars()
        ) == {"done"}
    assert (
        svc.figures(
            engine, actor="boss", now=datetime(2026, 3, 16, 12, 0, tzinfo=UTC), since=fri
        ).late
        == 1
    )
    noon = datetime(2026, 3, 16, 12, 0, tzinfo=UTC)
    report = build_report(
        engine,
        settings,
        fri - timedelta(hours=1),
        noon,
        noon,
        title="week",
        actor="boss",
        scope=None,
    )
    (row,) = report.requests
    assert (row.category, row.raised, row.late) == ("equipment", 1, 1)
    assert row.median_to_acknowledge_s == (noon - fri).total_seconds()
    assert "Agents' requests" in [s.title for s in sections(report, UTC)]


def test_a_request_heard_on_a_patrol_is_recorded_for_the_agent(engine: Engine) -> None:
    seed_floor(engine)
    v = svc.record(
        engine,
        "a2",
        "wellbeing",
        "needs a word after the shift",
        settings=_settings(),
        actor="lead.t1",
        now=T,
    )
    assert (v.source, v.recorded_by, v.ack_due) == ("patrol", "lead.t1", T + timedelta(minutes=30))
    with pytest.raises(Refused):
        svc.record(engine, "a2", "other", "x", settings=_settings(), actor="lead.t2", now=T)
    with pytest.raises(svc.RequestError):
        svc.record(engine, "a2", "salary", "x", settings=_settings(), actor="lead.t1", now=T)


def test_request_settings_are_checked_by_path() -> None:
    with pytest.raises(ConfigError) as exc:
        settings_from_dict(
            {
                "requests": {
                    "work_start": "18:00",
                    "work_end": "09:00",
                    "equipment": {"answer_days": 0},
                    "salary": {},
                }
            }
        )
    text = str(exc.value)
    assert "requests.equipment.answer_days" in text and "requests.salary: unknown field" in text


def test_a_bad_agent_request_line_is_rejected_with_its_reason() -> None:
    bad = json.dumps(
        {
            "type": "agent_request",
            "ts": T.isoformat(),
            "agent": "a1",
            "category": "salary",
            "text": "more",
        }
    )
    (r,) = list(parse_jsonl([bad], "desktop.jsonl"))
    assert "category" in r.reason and "salary" in r.reason  # type: ignore[union-attr]
