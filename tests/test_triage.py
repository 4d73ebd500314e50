"""Triage at scale: many flags acknowledged in one action, each audited; a flag nobody
acknowledged in time goes to the floor manager, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, insert, select

from db.engine import run_write
from db.models import AuditEntry, Flag
from floorapp.context import AppContext
from floorapp.services import ServiceError, flags, triage


def _raise(engine: Engine, agent: str, kind: str, severity: str, at: object) -> int:
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
                    updated_at=at,
                )
            ).inserted_primary_key[0]
        )

    return run_write(engine, tx)


def _audit(engine: Engine) -> list[tuple[str, str, str, str | None]]:
    with engine.connect() as c:
        return [
            (r.actor, r.action, r.outcome, r.target_id)
            for r in c.execute(select(AuditEntry).order_by(AuditEntry.id))
        ]


def test_acknowledge_many_audits_each_and_reports_the_ones_taken(
    floor: AppContext, engine: Engine
) -> None:
    now = floor.clock.now()
    ids = [
        _raise(engine, "1003", "neg_sentiment", "medium", now),
        _raise(engine, "1004", "complaint", "light", now),
        _raise(engine, "1005", "long_break", "medium", now),
    ]
    flags.acknowledge(
        floor.engine, ids[1], actor="lead.li", now=floor.clock.now()
    )  # someone was quicker on one of them
    result = triage.acknowledge_many(floor.engine, ids, actor="lead.wang", now=floor.clock.now())
    assert [f.id for f in result.done] == [ids[0], ids[2]]
    assert [i for i, _why in result.refused] == [ids[1]]
    assert "already acknowledged by lead.li" in result.refused[0][1]
    rows = [a for a in _audit(engine) if a[0] == "lead.wang"]
    assert rows == [
        ("lead.wang", "flag.acknowledge", "ok", str(ids[0])),
        ("lead.wang", "flag.acknowledge", "refused", str(ids[1])),
        ("lead.wang", "flag.acknowledge", "ok", str(ids[2])),
    ]


def test_acknowledge_many_keeps_to_the_actors_teams(floor: AppContext, engine: Engine) -> None:
    now = floor.clock.now()
    t1 = _raise(engine, "1003", "neg_sentiment", "medium", now)
    t2 = _raise(engine, "1004", "complaint", "light", now)
    result = triage.acknowledge_many(
        floor.engine, [t1, t2], actor="lead.zhao", now=floor.clock.now()
    )  # Zhao leads T2 only
    assert [f.id for f in result.done] == [t2]
    assert [i for i, _why in result.refused] == [t1]
    assert flags.get_flag(floor.engine, t1).status == "raised"


def test_overdue_flags_go_to_the_floor_manager_once(floor: AppContext, engine: Engine) -> None:
    settings = floor.settings
    settings.flag_ack_deadline_min.update(high=2, medium=10)
    now = floor.clock.now()
    old_long = _raise(engine, "1003", "neg_sentiment", "medium", now - timedelta(minutes=9))
    fresh_high = _raise(engine, "1004", "complaint", "high", now - timedelta(minutes=1))
    handled = _raise(engine, "1005", "long_break", "high", now - timedelta(minutes=5))
    flags.acknowledge(floor.engine, handled, actor="lead.wang", now=floor.clock.now())
    # make_floor's high flag was raised two minutes ago: due now, exactly.
    seeded = next(
        f.id for f in flags.open_flags(floor.engine, actor="fm.zhou") if f.kind == "long_call"
    )
    assert triage.escalate_overdue(engine, settings=settings, now=now) == [seeded]
    floor.clock.advance(minutes=1)  # type: ignore[attr-defined]
    later = floor.clock.now()
    assert sorted(triage.escalate_overdue(engine, settings=settings, now=later)) == sorted(
        [old_long, fresh_high]
    )
    assert (
        triage.escalate_overdue(engine, settings=settings, now=later) == []
    )  # once, not every sweep
    f = flags.get_flag(floor.engine, fresh_high)
    assert (f.escalated_at, f.escalated_by, f.status) == (later, triage.DEADLINE_ACTOR, "raised")
    assert flags.get_flag(floor.engine, handled).escalated_at is None
    esc = [a for a in _audit(engine) if a[1] == "flag.escalate"]
    assert len(esc) == 3 and {a[0] for a in esc} == {triage.DEADLINE_ACTOR}


def test_is_overdue_follows_the_severity_deadline(floor: AppContext) -> None:
    f = flags.open_flags(floor.engine, actor="fm.zhou")[0]
    assert f.severity == "high"
    floor.settings.flag_ack_deadline_min["high"] = 3
    assert not triage.is_overdue(f, settings=floor.settings, now=floor.clock.now())
    assert triage.is_overdue(
        f, settings=floor.settings, now=floor.clock.now() + timedelta(minutes=1)
    )


def test_escalate_by_hand_is_checked_and_audited(floor: AppContext, engine: Engine) -> None:
    fid = flags.open_flags(floor.engine, actor="fm.zhou")[0].id  # team T1's
    with pytest.raises(ServiceError, match="not yours"):
        triage.escalate(floor.engine, fid, actor="lead.zhao", now=floor.clock.now())
    f = triage.escalate(floor.engine, fid, actor="lead.wang", now=floor.clock.now())
    assert f.escalated_by == "lead.wang"
    with pytest.raises(flags.FlagError, match="already with the floor manager"):
        triage.escalate(floor.engine, fid, actor="lead.li", now=floor.clock.now())
    assert [(a[0], a[2]) for a in _audit(engine) if a[1] == "flag.escalate"] == [
        ("lead.zhao", "refused"),
        ("lead.wang", "ok"),
        ("lead.li", "refused"),
    ]


def test_the_scheduler_holder_escalates_on_its_step(floor: AppContext, engine: Engine) -> None:
    from floorapp.scheduler import SchedulerHost

    host = SchedulerHost(
        engine, floor.settings, floor.clock, holder_id="console-1", use_apscheduler=False
    )
    floor.clock.advance(minutes=1)  # type: ignore[attr-defined]
    assert host.step()
    seeded = flags.open_flags(floor.engine, actor="fm.zhou")[0]
    assert host.last_escalated == [seeded.id]
    assert flags.get_flag(floor.engine, seeded.id).escalated_by == triage.DEADLINE_ACTOR
