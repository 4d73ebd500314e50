"""The flag lifecycle through the service layer, checked in the database and the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from db.models import AuditEntry, Flag
from floorapp.context import AppContext
from floorapp.services import flags


@pytest.fixture
def db_url(store_url: str) -> str:
    """This module runs on SQLite and on PostgreSQL (marker ``postgres``)."""
    return store_url


def _flag_id(engine: Engine) -> int:
    with engine.connect() as c:
        return int(c.execute(select(Flag.id).where(Flag.kind == "long_call")).scalar_one())


def _audit(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as c:
        return [
            (r.actor, r.action, r.outcome)
            for r in c.execute(select(AuditEntry).order_by(AuditEntry.id))
        ]


def test_acknowledge_step_in_resolve(floor: AppContext, engine: Engine) -> None:
    fid = _flag_id(engine)
    f = flags.acknowledge(floor.engine, fid, actor="lead.wang", now=floor.clock.now())
    assert (f.status, f.acknowledged_by) == ("acknowledged", "lead.wang")
    floor.clock.advance(seconds=30)  # type: ignore[attr-defined]
    f = flags.step_in(
        floor.engine,
        fid,
        "coach",
        "breathing, then back on",
        actor="lead.wang",
        now=floor.clock.now(),
    )
    assert (f.status, f.intervention, f.intervention_note) == (
        "stepped_in",
        "coach",
        "breathing, then back on",
    )
    assert f.stepped_in_at == floor.clock.now()
    f = flags.resolve(floor.engine, fid, "calm again", actor="lead.wang", now=floor.clock.now())
    assert f.status == "resolved" and f.resolution_note == "calm again"
    with engine.connect() as c:
        row = c.execute(select(Flag).where(Flag.id == fid)).one()
    assert row.open_key is None and row.updated_at == floor.clock.now()
    assert [a[1] for a in _audit(engine)] == ["flag.acknowledge", "flag.step_in", "flag.resolve"]


def test_second_acknowledge_names_who_did_it(floor: AppContext, engine: Engine) -> None:
    fid = _flag_id(engine)
    flags.acknowledge(floor.engine, fid, actor="lead.wang", now=floor.clock.now())
    with pytest.raises(flags.FlagError, match=r"already acknowledged by lead\.wang"):
        flags.acknowledge(floor.engine, fid, actor="lead.li", now=floor.clock.now())
    assert _audit(engine)[-1] == ("lead.li", "flag.acknowledge", "refused")


def test_resolve_needs_a_note_and_bad_intervention_refused(
    floor: AppContext, engine: Engine
) -> None:
    fid = _flag_id(engine)
    with pytest.raises(flags.FlagError, match="needs a note"):
        flags.resolve(floor.engine, fid, "   ", actor="lead.wang", now=floor.clock.now())
    with pytest.raises(flags.FlagError, match="unknown intervention"):
        flags.step_in(floor.engine, fid, "shout", actor="lead.wang", now=floor.clock.now())
    assert flags.get_flag(floor.engine, fid).status == "raised"


def test_step_in_directly_also_acknowledges(floor: AppContext, engine: Engine) -> None:
    f = flags.step_in(
        floor.engine, _flag_id(engine), "take_over", actor="lead.wang", now=floor.clock.now()
    )
    assert f.acknowledged_by == "lead.wang" and f.acknowledged_at == floor.clock.now()


def test_raise_observed_twice_keeps_one_open_flag(floor: AppContext, engine: Engine) -> None:
    f1 = flags.raise_observed(
        floor.engine,
        "1003",
        "observed agitated\x1b]2;pwn\x07",
        actor="lead.wang",
        now=floor.clock.now(),
    )
    assert "\x1b" not in (f1.detail or "") and f1.count == 1 and f1.kind == "observed"
    floor.clock.advance(minutes=1)  # type: ignore[attr-defined]
    f2 = flags.raise_observed(
        floor.engine,
        "1003",
        "banged the keyboard",
        severity="high",
        actor="lead.li",
        now=floor.clock.now(),
    )
    # The second observation is added to the first, not written over it, and the flag is
    # as severe as the worse of the two.
    assert f2.id == f1.id and f2.count == 2
    assert f2.detail == f"{f1.detail} · banged the keyboard" and f2.severity == "high"
    f2b = flags.raise_observed(
        floor.engine,
        "1003",
        "calmer now",
        severity="light",
        actor="lead.wang",
        now=floor.clock.now(),
    )
    assert f2b.severity == "high" and (f2b.detail or "").endswith("keyboard · calmer now")
    assert f2.last_seen == floor.clock.now()
    flags.resolve(
        floor.engine, f1.id, "talked it through", actor="lead.wang", now=floor.clock.now()
    )
    f3 = flags.raise_observed(
        floor.engine, "1003", "again, after lunch", actor="lead.wang", now=floor.clock.now()
    )
    assert f3.id != f1.id and f3.count == 1
    with pytest.raises(flags.FlagError, match="no agent"):
        flags.raise_observed(floor.engine, "nobody", "x", actor="lead.wang", now=floor.clock.now())
