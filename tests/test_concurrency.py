"""Many processes on one store (spawned processes, not threads), on SQLite and PostgreSQL.

Ten consoles and the floor service's feed writer at once: nobody sees "database is locked",
no update is lost, every claim has exactly one winner, and scope holds for every route.
"""

from __future__ import annotations

import multiprocessing
import time
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from db.engine import open_store
from db.models import AuditEntry, EscalationEvent, FeedEventRow, Flag
from floorapp.clock import SystemClock
from floorapp.config import Settings
from floorapp.context import AppContext
from floorapp.services import escalations as esc
from floorapp.services import flags
from floorapp.services.scope import OutOfScope
from tests import concurrency_workers as w
from tests.console_helpers import make_floor

pytestmark = pytest.mark.slow
SUPERVISORS = ("lead.wang", "lead.li", "fm.zhou")


@pytest.fixture
def shared(store_url: str) -> tuple[str, Engine, AppContext]:
    engine = open_store(store_url)
    ctx = AppContext(db_url=store_url, settings=Settings(), clock=SystemClock(), actor="fm.zhou")
    ctx.__dict__["engine"] = engine
    make_floor(engine, ctx.clock.now())
    yield store_url, engine, ctx
    engine.dispose()


def _pool(n: int) -> multiprocessing.pool.Pool:
    return multiprocessing.get_context("spawn").Pool(n)


def test_every_claim_has_exactly_one_winner_across_processes(shared) -> None:
    url, engine, ctx = shared
    ids = [
        esc.open_by_hand(
            ctx.engine,
            "1001",
            f"race {i}",
            tier=1,
            settings=ctx.settings,
            actor="fm.zhou",
            now=ctx.clock.now(),
        ).id
        for i in range(30)
    ]
    contenders = [SUPERVISORS[i % 3] for i in range(6)]  # two processes per supervisor
    start = time.time() + 2.0  # all processes ready, then go at once
    with _pool(6) as pool:
        results = pool.starmap(w.claimer, [(url, who, ids, start) for who in contenders])
    assert not [e for r in results for e in r["errors"]]
    holders = {
        e.id: e.holder for e in esc.open_escalations(ctx.engine, actor="fm.zhou") if e.id in ids
    }
    for esc_id in ids:
        winners = [r["actor"] for r in results if esc_id in r["won"]]
        assert len(winners) == 1, (esc_id, winners)
        assert holders[esc_id] == winners[0]
        # Everyone else was told who has it (or that they hold it already).
        for r in results:
            if esc_id not in r["won"]:
                assert r["told"][esc_id] == winners[0]
    with engine.connect() as conn:
        ok_claims = conn.execute(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "escalation.claim", AuditEntry.outcome == "ok")
        ).scalar_one()
    assert ok_claims == len(ids)


def test_ten_consoles_and_the_feed_at_500_events_a_second(shared) -> None:
    url, engine, _ctx = shared
    rounds = 15
    start = time.time() + 2.5
    consoles = [(url, SUPERVISORS[i % 3], "1001", 1, rounds, start) for i in range(10)]
    with _pool(11) as pool:
        fed = pool.apply_async(w.feed, (url, 500, 2000, start))
        results = pool.starmap(w.console_like, consoles)
        feed_result = fed.get(300)
    errors = [e for r in results for e in r["errors"]] + feed_result["errors"]
    assert not errors, errors[0]
    assert all(r["done"] == rounds for r in results)
    with engine.connect() as conn:
        # No lost update: every raise counted on the one open flag, every note kept.
        count = conn.execute(
            select(Flag.count).where(Flag.open_key == "1001|observed")
        ).scalar_one()
        notes = conn.execute(
            select(func.count())
            .select_from(EscalationEvent)
            .where(EscalationEvent.escalation_id == 1, EscalationEvent.action == "note")
        ).scalar_one()
        events = conn.execute(select(func.count()).select_from(FeedEventRow)).scalar_one()
    assert count == 10 * rounds
    assert notes == 10 * rounds
    assert events == feed_result["written"] == 2000  # every event the feed wrote is stored


def test_a_team_leader_cannot_see_or_touch_another_teams_work(shared) -> None:
    _url, engine, ctx = shared
    # lead.zhao leads T2 only; escalation 1 and agent 1001 are T1's.
    with pytest.raises(OutOfScope):
        esc.claim(ctx.engine, 1, actor="lead.zhao", now=ctx.clock.now())
    with pytest.raises(OutOfScope):
        esc.resolve(ctx.engine, 1, "not mine", actor="lead.zhao", now=ctx.clock.now())
    with pytest.raises(OutOfScope):
        esc.history(ctx.engine, 1, actor="lead.zhao", now=ctx.clock.now())
    fid = flags.open_flags(ctx.engine, actor="fm.zhou")[0].id  # the T1 long-call flag
    with pytest.raises(OutOfScope):
        flags.acknowledge(ctx.engine, fid, actor="lead.zhao", now=ctx.clock.now())
    with pytest.raises(OutOfScope):
        flags.raise_observed(
            ctx.engine, "1001", "not my agent", actor="lead.zhao", now=ctx.clock.now()
        )
    assert [e.id for e in esc.open_escalations(ctx.engine, actor="lead.zhao")] == [2]
    assert flags.open_flags(ctx.engine, actor="lead.zhao") == []
    # The assign picker cannot hand T1's work to a T2-only leader either.
    with pytest.raises(esc.EscalationError, match="does not lead team T1"):
        esc.assign(
            ctx.engine, 1, "lead.zhao", settings=ctx.settings, actor="fm.zhou", now=ctx.clock.now()
        )
    with engine.connect() as conn:
        refused = (
            conn.execute(
                select(AuditEntry.action).where(
                    AuditEntry.actor == "lead.zhao", AuditEntry.outcome == "refused"
                )
            )
            .scalars()
            .all()
        )
    assert {
        "escalation.claim",
        "escalation.resolve",
        "escalation.history",
        "flag.acknowledge",
        "flag.raise",
    } <= set(refused)
    # Nothing changed.
    assert esc.get_escalation(ctx.engine, 1).holder is None
    assert ctx.clock.now() - esc.get_escalation(ctx.engine, 1).opened_at < timedelta(hours=1)


def test_the_cli_status_is_scoped_too(shared, capsys) -> None:
    import json

    from floorapp.cli import main

    url, _engine, _ctx = shared
    assert main(["--db", url, "--as", "lead.zhao", "status", "--json"]) == 0
    snap = json.loads(capsys.readouterr().out)
    assert {a["team"] for a in snap["agents"]} == {"T2"}
    assert snap["flags"] == [] and [e["id"] for e in snap["escalations"]] == [2]


def test_the_cli_refuses_who_the_console_refuses(shared, capsys) -> None:
    from floorapp.cli import main

    url, _engine, _ctx = shared
    assert main(["--db", url, "--as", "someone-unknown", "status", "--json"]) == 1
    assert "'someone-unknown' is not a supervisor" in capsys.readouterr().err
    assert main(["--db", url, "--as", "lead.zhao", "status", "--team", "T1"]) == 1
    assert "team T1 is not one of yours" in capsys.readouterr().err
