"""Escalation actions: one winner per claim, the hand-off limit and its override, history."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from db.engine import make_engine
from db.models import AuditEntry, Escalation
from floorapp.context import AppContext
from floorapp.services import escalations as esc
from tests.console_helpers import make_floor, set_handoffs


@pytest.fixture
def db_url(store_url: str) -> str:
    """This module runs on SQLite and on PostgreSQL (marker ``postgres``)."""
    return store_url


@pytest.fixture
def floor(ctx: AppContext, engine: Engine) -> AppContext:
    make_floor(engine, ctx.clock.now())
    return ctx


def test_claim_then_second_claim_names_holder(floor: AppContext, engine: Engine) -> None:
    e = esc.claim(floor.engine, 1, actor="lead.wang", now=floor.clock.now())
    assert (e.status, e.holder) == ("claimed", "lead.wang")
    with pytest.raises(esc.AlreadyHeld) as info:
        esc.claim(floor.engine, 1, actor="lead.li", now=floor.clock.now())
    assert info.value.holder == "lead.wang" and "held by lead.wang" in str(info.value)
    with engine.connect() as c:
        refused = c.execute(select(AuditEntry).where(AuditEntry.outcome == "refused")).one()
    assert refused.actor == "lead.li"


def test_double_claim_from_two_engines_has_one_winner(floor: AppContext) -> None:
    """Two consoles (separate engines, separate connections) race for the same escalation."""
    results: dict[str, str] = {}
    barrier = threading.Barrier(2)

    def contender(who: str) -> None:
        ctx = AppContext(db_url=floor.db_url, settings=floor.settings, clock=floor.clock, actor=who)
        ctx.__dict__["engine"] = make_engine(floor.db_url)
        barrier.wait()
        try:
            esc.claim(ctx.engine, 2, actor=who, now=ctx.clock.now())
            results[who] = "won"
        except esc.AlreadyHeld as exc:
            results[who] = f"lost to {exc.holder}"
        finally:
            ctx.engine.dispose()

    threads = [threading.Thread(target=contender, args=(w,)) for w in ("lead.wang", "lead.li")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [w for w, r in results.items() if r == "won"]
    assert len(winners) == 1
    loser = next(w for w in results if w not in winners)
    assert results[loser] == f"lost to {winners[0]}"
    assert esc.get_escalation(floor.engine, 2).holder == winners[0]


def test_assign_next_tier_note_resolve_and_history(floor: AppContext) -> None:
    esc.assign(
        floor.engine, 1, "lead.li", settings=floor.settings, actor="fm.zhou", now=floor.clock.now()
    )
    assert esc.get_escalation(floor.engine, 1).holder == "lead.li"
    with pytest.raises(esc.EscalationError, match="no active supervisor"):
        esc.assign(
            floor.engine,
            1,
            "ghost",
            settings=floor.settings,
            actor="fm.zhou",
            now=floor.clock.now(),
        )
    floor.clock.advance(minutes=1)  # type: ignore[attr-defined]
    e = esc.next_tier(
        floor.engine, 1, settings=floor.settings, actor="lead.li", now=floor.clock.now()
    )
    assert (e.tier, e.handoffs, e.holder, e.status) == (2, 1, None, "open")
    # The deadline restarts at the new tier's default (high: 15 minutes).
    assert e.deadline == floor.clock.now() + timedelta(minutes=15)
    esc.add_note(
        floor.engine, 1, "called the customer back", actor="lead.li", now=floor.clock.now()
    )
    e = esc.resolve(floor.engine, 1, "refund agreed", actor="lead.li", now=floor.clock.now())
    assert e.status == "resolved" and e.resolved_by == "lead.li"
    with pytest.raises(esc.EscalationError, match="already resolved"):
        esc.claim(floor.engine, 1, actor="lead.wang", now=floor.clock.now())
    actions = [
        h.action for h in esc.history(floor.engine, 1, actor="fm.zhou", now=floor.clock.now())
    ]
    assert actions == ["assigned", "handed_off", "note", "resolved"]


def test_fourth_handoff_refused_then_floor_manager_overrides(
    floor: AppContext, engine: Engine
) -> None:
    set_handoffs(engine, 1, 3, tier=1)
    with pytest.raises(esc.HandoffLimit, match="things do not go past three"):
        esc.next_tier(
            floor.engine, 1, settings=floor.settings, actor="lead.wang", now=floor.clock.now()
        )
    with pytest.raises(esc.HandoffLimit, match="only a floor manager"):
        esc.next_tier(
            floor.engine,
            1,
            override_reason="please",
            settings=floor.settings,
            actor="lead.wang",
            now=floor.clock.now(),
        )
    with pytest.raises(esc.HandoffLimit, match="give a reason"):
        esc.next_tier(
            floor.engine, 1, settings=floor.settings, actor="fm.zhou", now=floor.clock.now()
        )
    assert esc.get_escalation(floor.engine, 1).handoffs == 3
    e = esc.next_tier(
        floor.engine,
        1,
        override_reason="legal asked for tier 2",
        settings=floor.settings,
        actor="fm.zhou",
        now=floor.clock.now(),
    )
    assert (e.tier, e.handoffs) == (2, 4)
    with engine.connect() as c:
        audit = [
            (a.actor, a.action, a.outcome)
            for a in c.execute(select(AuditEntry).order_by(AuditEntry.id))
        ]
    assert audit.count(("lead.wang", "escalation.next_tier", "refused")) == 2
    assert ("fm.zhou", "escalation.handoff_override", "ok") in audit
    last = esc.history(floor.engine, 1, actor="fm.zhou", now=floor.clock.now())[-1]
    assert last.note == "override: legal asked for tier 2"


def test_open_by_hand_takes_the_call_in_progress(floor: AppContext, engine: Engine) -> None:
    e = esc.open_by_hand(
        floor.engine,
        "1007",
        "customer threatens to go to the press",
        severity="high",
        settings=floor.settings,
        actor="lead.wang",
        now=floor.clock.now(),
    )
    assert (e.call_id, e.customer_id, e.team_id, e.tier) == ("C3", "cust-C3", "T1", 1)
    assert e.deadline == floor.clock.now() + floor.settings.deadline(1, "high")
    with engine.connect() as c:
        row = c.execute(select(Escalation).where(Escalation.id == e.id)).one()
    assert row.opened_by == "lead.wang"
    with pytest.raises(esc.EscalationError, match="needs a reason"):
        esc.open_by_hand(
            floor.engine,
            "1007",
            "  ",
            settings=floor.settings,
            actor="lead.wang",
            now=floor.clock.now(),
        )


def test_passing_between_holders_counts_toward_the_limit(floor: AppContext) -> None:
    """A customer passed from supervisor to supervisor is handed off as surely as up a tier."""
    esc.claim(floor.engine, 1, actor="lead.wang", now=floor.clock.now())
    esc.assign(
        floor.engine, 1, "lead.li", settings=floor.settings, actor="fm.zhou", now=floor.clock.now()
    )  # 1
    esc.assign(
        floor.engine,
        1,
        "lead.wang",
        settings=floor.settings,
        actor="fm.zhou",
        now=floor.clock.now(),
    )  # 2
    e = esc.next_tier(
        floor.engine, 1, settings=floor.settings, actor="lead.wang", now=floor.clock.now()
    )  # 3, to tier 2 (nobody holds it there)
    assert e.handoffs == 3
    esc.claim(
        floor.engine, 1, actor="lead.li", now=floor.clock.now()
    )  # taking an unheld escalation is not a hand-off
    with pytest.raises(esc.HandoffLimit, match=r"things do not go past three.*3 times"):
        esc.assign(
            floor.engine,
            1,
            "lead.wang",
            settings=floor.settings,
            actor="lead.li",
            now=floor.clock.now(),
        )
    e = esc.assign(
        floor.engine,
        1,
        "lead.wang",
        override_reason="Wang knows the case",
        settings=floor.settings,
        actor="fm.zhou",
        now=floor.clock.now(),
    )
    assert (e.holder, e.handoffs) == ("lead.wang", 4)
