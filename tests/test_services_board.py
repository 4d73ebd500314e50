"""The board read model: a full first look, then only what changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Connection, Engine, insert, update

from db.changes import next_change
from db.engine import make_engine, run_write
from db.models import Agent, Call, Escalation, Flag
from floorapp.context import AppContext
from floorapp.roster import import_roster
from floorapp.services import flags
from floorapp.services.board import BoardReader, agent_detail
from tests.console_helpers import INJECTION, make_floor


@pytest.fixture
def db_url(store_url: str) -> str:
    """This module runs on SQLite and on PostgreSQL (marker ``postgres``)."""
    return store_url


def test_first_poll_is_full_then_quiet(ctx: AppContext, engine: Engine) -> None:
    make_floor(engine, ctx.clock.now())
    reader = BoardReader(ctx.engine, settings=ctx.settings, actor="lead.wang")
    d = reader.poll(now=ctx.clock.now())
    assert d.full and len(d.agents) == 7
    by_id = {a.id: a for a in d.agents}
    assert by_id["1001"].flag_severity == "high" and by_id["1001"].flag_status == "raised"
    assert by_id["1001"].call_started == ctx.clock.now() - timedelta(minutes=22)
    assert by_id["1002"].complaints_today == 1 and by_id["1002"].calls_today == 1
    assert by_id["1004"].name == INJECTION
    f = d.figures
    assert f.by_state == {"available": 1, "on_call": 3, "after_call": 1, "break": 1, "offline": 1}
    assert (f.open_flags, f.unhandled_flags, f.open_escalations, f.past_deadline) == (1, 1, 2, 1)
    assert f.longest_call_agent == "王芳"
    quiet = reader.poll(now=ctx.clock.now())
    assert quiet.empty and not quiet.full


def test_change_from_another_engine_is_the_only_row_read_back(
    ctx: AppContext, engine: Engine
) -> None:
    make_floor(engine, ctx.clock.now())
    reader = BoardReader(ctx.engine, settings=ctx.settings, actor="lead.wang")
    reader.poll(now=ctx.clock.now())
    other = make_engine(ctx.db_url)  # another process's connection to the same file
    later = ctx.clock.now() + timedelta(seconds=5)
    run_write(
        other,
        lambda c: c.execute(
            update(Agent)
            .where(Agent.id == "1003")
            .values(state="on_call", state_since=later, updated_at=later, seq=next_change(c))
        ),
    )
    other.dispose()
    d = reader.poll(now=ctx.clock.now())
    assert [(a.id, a.state) for a in d.agents] == [("1003", "on_call")]
    assert d.figures.by_state["on_call"] == 4


def test_a_roster_import_ahead_of_the_feed_clock_hides_no_feed_change(
    ctx: AppContext, engine: Engine
) -> None:
    """The feed stamps rows with its events' time; the roster is imported on this host's
    clock, an hour ahead (a lagging feed, a skewed PBX clock). The rename shows, and so does
    the feed's next change, stamped a second after the last one."""
    now = ctx.clock.now()
    make_floor(engine, now)
    reader = BoardReader(ctx.engine, settings=ctx.settings, actor="lead.wang")
    reader.poll(now=ctx.clock.now())
    import_roster(
        engine,
        [{"id": "1003", "name": "Anna Smith-Lee", "team": "T1"}],
        "lead.wang",
        now + timedelta(hours=1),
    )
    d = reader.poll(now=ctx.clock.now())
    assert [(a.id, a.name) for a in d.agents] == [("1003", "Anna Smith-Lee")]
    later = now + timedelta(seconds=1)
    run_write(
        engine,
        lambda c: c.execute(
            update(Agent)
            .where(Agent.id == "1005")
            .values(state="on_call", state_since=later, updated_at=later, seq=next_change(c))
        ),
    )
    d = reader.poll(now=ctx.clock.now())
    assert [(a.id, a.state) for a in d.agents] == [("1005", "on_call")]


def test_flags_and_escalations_stamped_behind_the_watermark_show_at_the_next_recount(
    ctx: AppContext, engine: Engine
) -> None:
    """A feed catching up stamps its rules' flags and its escalations with event times
    minutes old, after consoles acted on the wall clock: they show at the next recount
    (15 s), and so does a flag closed by such a write."""
    now = ctx.clock.now()
    make_floor(engine, now)
    reader = BoardReader(ctx.engine, settings=ctx.settings, actor="lead.wang")
    first = reader.poll(now=ctx.clock.now())
    held = next(iter(first.flags)).id
    old = now - timedelta(minutes=5)

    def tx(c: Connection) -> None:
        c.execute(
            insert(Flag).values(
                agent_id="1003",
                kind="long_call",
                severity="medium",
                status="raised",
                open_key="1003|long_call",
                raised_at=old,
                raised_by="rule",
                updated_at=old,
            )
        )
        c.execute(update(Flag).where(Flag.id == held).values(status="resolved", updated_at=old))
        c.execute(
            insert(Escalation).values(
                agent_id="1005",
                team_id="T2",
                tier=1,
                severity="high",
                reason="caught up",
                status="open",
                opened_at=old,
                opened_by="feed",
                deadline=old,
                handoffs=0,
                updated_at=old,
            )
        )

    run_write(engine, tx)
    seen = [reader.poll(now=ctx.clock.now())]
    ctx.clock.advance(seconds=15)  # type: ignore[attr-defined]
    seen.append(reader.poll(now=ctx.clock.now()))
    assert [(f.agent_id, f.kind) for d in seen for f in d.flags] == [("1003", "long_call")]
    assert [g for d in seen for g in d.flags_gone] == [held]
    assert [(e.agent_id, e.reason) for d in seen for e in d.escalations] == [("1005", "caught up")]
    assert reader.agents["1003"].flag_severity == "medium"
    assert reader.agents["1001"].flag_severity is None
    assert reader.poll(now=ctx.clock.now()).empty  # and only once


def test_flag_changes_move_the_agent_marker(ctx: AppContext, engine: Engine) -> None:
    make_floor(engine, ctx.clock.now())
    reader = BoardReader(ctx.engine, settings=ctx.settings, actor="lead.wang")
    fid = next(iter(reader.poll(now=ctx.clock.now()).flags)).id
    ctx.clock.advance(seconds=10)  # type: ignore[attr-defined]
    flags.acknowledge(ctx.engine, fid, actor="lead.wang", now=ctx.clock.now())
    d = reader.poll(now=ctx.clock.now())
    assert [f.status for f in d.flags] == ["acknowledged"]
    assert [(a.id, a.flag_status) for a in d.agents] == [("1001", "acknowledged")]
    flags.resolve(ctx.engine, fid, "ok now", actor="lead.wang", now=ctx.clock.now())
    d = reader.poll(now=ctx.clock.now())
    assert d.flags_gone == (fid,) and d.agents[0].flag_severity is None
    assert d.figures.open_flags == 0


def test_team_scope_and_service_level(ctx: AppContext, engine: Engine) -> None:
    now = ctx.clock.now()
    make_floor(engine, now)
    rows = []
    for i in range(10):  # 10 calls offered a minute ago: 8 answered in 5 s, 2 after 40 s
        offered = now - timedelta(minutes=1, seconds=i)
        wait = 5 if i < 8 else 40
        rows.append(
            dict(
                id=f"S{i}",
                agent_id="1003",
                offered_at=offered,
                answered_at=offered + timedelta(seconds=wait),
                outcome="completed",
            )
        )
    rows.append(
        dict(
            id="A1",
            agent_id=None,
            offered_at=now - timedelta(minutes=2),
            answered_at=None,
            outcome="abandoned",
        )
    )
    rows.append(
        dict(
            id="W1",
            agent_id=None,
            offered_at=now - timedelta(seconds=5),
            answered_at=None,
            outcome="waiting",
        )
    )
    run_write(engine, lambda c: c.execute(insert(Call), rows))
    d = BoardReader(ctx.engine, team="T2", settings=ctx.settings, actor="lead.wang").poll(
        now=ctx.clock.now()
    )
    assert {a.team_id for a in d.agents} == {"T2"}
    assert [e.team_id for e in d.escalations] == ["T2"] and not d.flags
    f = d.figures
    assert (f.calls_waiting, f.abandoned) == (1, 1)
    # Asterisk's definition (the default): answered within 20 s / answered. Answered: the
    # 3 in progress and C0 (each within 10 s) and the 10 above (8 of them within 5 s); the
    # abandoned and the waiting call count in neither.
    sl = f.service_level
    assert sl is not None
    assert (sl.definition, sl.numerator, sl.denominator) == ("asterisk", 8 + 4, 10 + 4)
    assert f.queue is not None and (f.queue.offered, f.queue.waiting) == (16, 1)


def test_agent_detail_lists_the_day(ctx: AppContext, engine: Engine) -> None:
    make_floor(engine, ctx.clock.now())
    d = agent_detail(
        ctx.engine, "1001", settings=ctx.settings, actor="lead.wang", now=ctx.clock.now()
    )
    assert d.agent.name == "王芳" and [c.id for c in d.calls] == ["C1"]
    assert [f.kind for f in d.flags] == ["long_call"]
    assert [e.reason for e in d.escalations] == ["customer refused three explanations"]
    # "Calls" counts calls completed: C1 is still in progress.
    assert (d.agent.team_name, d.agent.calls_today, d.agent.flag_severity) == ("mobile", 0, "high")
    assert d.agent.call_started is not None  # on a call: when it was answered


def test_agent_detail_outside_the_supervisors_teams_is_refused_and_audited(
    ctx: AppContext, engine: Engine
) -> None:
    from sqlalchemy import select

    from db.models import AuditEntry
    from floorapp.services.scope import OutOfScope

    make_floor(engine, ctx.clock.now())
    with pytest.raises(OutOfScope):
        agent_detail(
            ctx.engine, "1001", settings=ctx.settings, actor="lead.zhao", now=ctx.clock.now()
        )  # 1001 is in T1; Zhao leads T2 only
    with engine.connect() as conn:
        refused = conn.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.target_id).where(
                AuditEntry.outcome == "refused"
            )
        ).all()
    assert [tuple(r) for r in refused] == [("lead.zhao", "agent.detail", "1001")]
