"""The distress rules, fed event sequences through the real feed writer, on a real store."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from db.engine import write_tx
from db.models import Agent, Escalation, Flag, SensitiveCustomer, Team
from db.models_rules import CareProposal, RuleFiring
from floorapp import i18n
from floorapp.clock import ManualClock
from floorapp.config import Settings
from floorapp.feed.events import EventKind, FeedEvent
from floorapp.feed.writer import FeedWriter
from floorapp.rules import build_observer
from tests.conftest import T0


@pytest.fixture
def db_url(store_url: str) -> str:
    """This module runs on SQLite and on PostgreSQL (marker ``postgres``)."""
    return store_url


K = EventKind


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


class Feed:
    """A feed writer with the rules attached, and shorthands for event sequences."""

    def __init__(self, engine: Engine, settings: Settings, clock: ManualClock) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.rules = build_observer(settings, clock)
        self.writer = FeedWriter(engine, settings, observers=[self.rules], clock=clock)
        self.n = 0

    def ev(
        self,
        kind: EventKind,
        minute: float,
        agent: str | None = None,
        call: str | None = None,
        **data: Any,
    ) -> FeedEvent:
        self.n += 1
        return FeedEvent(
            key=f"test:{self.n}",
            source="test",
            line_no=self.n,
            ts=at(minute),
            kind=kind,
            agent=agent,
            call=call,
            data=data,
        )

    def send(self, *events: FeedEvent) -> None:
        self.clock.set(max(e.ts for e in events))
        self.writer.write_batch(list(events))

    def login(self, agent: str, minute: float) -> None:
        self.send(self.ev(K.AGENT_LOGIN, minute, agent))

    def call(
        self,
        agent: str,
        call: str,
        start: float,
        end: float | None = None,
        customer: str | None = None,
        **facts: Any,
    ) -> None:
        evs = [
            self.ev(K.CALL_OFFERED, start, call=call, customer=customer),
            self.ev(K.CALL_ANSWERED, start, agent, call),
        ]
        if end is not None:
            evs.append(self.ev(K.CALL_ENDED, end, agent, call, outcome="completed", **facts))
        self.send(*evs)

    def state(self, agent: str, minute: float, state: str, **data: Any) -> None:
        self.send(self.ev(K.STATE, minute, agent, state=state, **data))

    def heartbeat(self, minute: float) -> None:
        """Any later event lets time-based rules see the clock move (as a live feed does)."""
        self.send(self.ev(K.CALL_OFFERED, minute, call=f"hb{self.n}"))


def flags(engine: Engine, kind: str | None = None) -> list[dict[str, Any]]:
    q = select(Flag).order_by(Flag.id)
    if kind is not None:
        q = q.where(Flag.kind == kind)
    with engine.connect() as conn:
        # detail as a reader reads it: a rule's sentence is stored as message id + params
        return [dict(r) | {"detail": i18n.render(r["detail"])} for r in conn.execute(q).mappings()]


def firings(engine: Engine, rule: str) -> int:
    with engine.connect() as conn:
        return len(conn.execute(select(RuleFiring.id).where(RuleFiring.rule == rule)).all())


@pytest.fixture
def feed(engine: Engine, settings: Settings, clock: ManualClock) -> Feed:
    return Feed(engine, settings, clock)


# --- long call -----------------------------------------------------------------------------


def test_long_call_fires_past_twenty_minutes_not_before(feed: Feed, engine: Engine) -> None:
    feed.login("a1", 0)
    feed.call("a1", "c1", start=1)
    feed.heartbeat(20.9)  # 19.9 min into the call
    assert flags(engine, "long_call") == []
    feed.heartbeat(21.1)
    [f] = flags(engine, "long_call")
    assert f["agent_id"] == "a1" and f["call_id"] == "c1" and f["status"] == "raised"
    assert f["raised_at"] == at(21) and f["open_key"] == "a1|long_call"
    assert f["condition_ended_at"] is None and f["updated_at"] is not None
    assert f["severity"] == "medium"


def test_long_call_end_marks_condition_ended_and_proposes_water(feed: Feed, engine: Engine) -> None:
    feed.login("a1", 0)
    feed.call("a1", "c1", start=1)
    feed.heartbeat(22)
    feed.send(feed.ev(K.CALL_ENDED, 28, "a1", "c1", outcome="completed"))
    [f] = flags(engine, "long_call")
    assert f["condition_ended_at"] == at(28)
    assert f["status"] == "raised"  # stays open until a human resolves it
    assert "27 min" in f["detail"] and "water" in f["detail"]
    with engine.connect() as conn:
        [care] = conn.execute(select(CareProposal)).mappings().all()
    assert care["agent_id"] == "a1" and care["call_id"] == "c1" and care["kind"] == "bring_water"
    assert care["proposed_at"] == at(28) and care["due_by"] == at(33)
    assert care["status"] == "proposed"


def test_long_call_ending_inside_one_batch_still_flags_and_proposes(
    feed: Feed, engine: Engine
) -> None:
    """A replayed file puts answer and hang-up in one batch: the result must not differ."""
    feed.send(
        feed.ev(K.AGENT_LOGIN, 0, "a1"),
        feed.ev(K.CALL_ANSWERED, 1, "a1", "c1"),
        feed.ev(K.CALL_ENDED, 30, "a1", "c1"),
    )
    [f] = flags(engine, "long_call")
    assert f["raised_at"] == at(21) and f["condition_ended_at"] == at(30)
    with engine.connect() as conn:
        assert conn.execute(select(CareProposal.call_id)).scalars().all() == ["c1"]


def test_short_call_gives_no_flag_and_no_care(feed: Feed, engine: Engine) -> None:
    feed.login("a1", 0)
    feed.call("a1", "c1", start=1, end=20.5)
    feed.heartbeat(60)
    assert flags(engine) == []
    with engine.connect() as conn:
        assert conn.execute(select(CareProposal)).all() == []


# --- complaint streak ------------------------------------------------------------------------


def test_complaint_streak_two_within_an_hour(feed: Feed, engine: Engine) -> None:
    feed.login("a1", 0)
    feed.call("a1", "c1", 1, 5, complaint=True)
    assert flags(engine, "complaint_streak") == []
    feed.call("a1", "c2", 40, 45, complaint=True)
    [f] = flags(engine, "complaint_streak")
    assert f["count"] == 1 and f["call_id"] == "c2" and f["raised_at"] == at(45)


def test_complaint_streak_not_when_more_than_an_hour_apart(feed: Feed, engine: Engine) -> None:
    feed.login("a1", 0)
    feed.call("a1", "c1", 1, 5, complaint=True)
    feed.call("a1", "c2", 60, 65.5, complaint=True)  # 60.5 min after the first
    assert flags(engine, "complaint_streak") == []


def test_complaint_streak_retrigger_updates_count_and_window_end_marks_condition(
    feed: Feed, engine: Engine
) -> None:
    feed.login("a1", 0)
    feed.call("a1", "c1", 1, 5, complaint=True)
    feed.call("a1", "c2", 10, 15, complaint=True)
    feed.call("a1", "c3", 20, 25, complaint=True)
    [f] = flags(engine, "complaint_streak")
    assert f["count"] == 2 and f["last_seen"] == at(25) and f["call_id"] == "c3"
    assert firings(engine, "complaint_streak") == 2
    feed.heartbeat(84)  # c2 leaves the window at 75: fewer than 2 complaints in the last hour
    [f] = flags(engine, "complaint_streak")
    assert f["condition_ended_at"] == at(75)


# --- hostile streak --------------------------------------------------------------------------


def test_hostile_streak_three_of_last_five(feed: Feed, engine: Engine) -> None:
    feed.login("a1", 0)
    pattern = [True, False, True, False]
    for i, neg in enumerate(pattern):
        feed.call("a1", f"c{i}", 1 + i * 5, 4 + i * 5, negative_sentiment=neg)
    assert flags(engine, "hostile_streak") == []  # 2 of the last 4
    feed.call("a1", "c4", 30, 33, negative_sentiment=True)
    [f] = flags(engine, "hostile_streak")
    assert f["detail"].startswith("3 of the last 5 calls negative")


def test_hostile_streak_old_negatives_roll_out(feed: Feed, engine: Engine) -> None:
    feed.login("a1", 0)
    for i, neg in enumerate([True, True, False, False, False, False, True]):
        feed.call("a1", f"c{i}", 1 + i * 5, 4 + i * 5, negative_sentiment=neg)
    assert flags(engine, "hostile_streak") == []  # only 1 of the last 5


def test_hostile_streak_condition_ends_when_calm_calls_push_it_out(
    feed: Feed, engine: Engine
) -> None:
    feed.login("a1", 0)
    for i in range(3):
        feed.call("a1", f"n{i}", 1 + i * 5, 4 + i * 5, negative_sentiment=True)
    for i in range(3):
        feed.call("a1", f"p{i}", 20 + i * 5, 23 + i * 5)
    [f] = flags(engine, "hostile_streak")
    assert f["condition_ended_at"] == at(33)  # after p0, p1, p2: 2 of the last 5
    # p0 and p1 still leave 3 of 5 (n0..n2 in the window until p2 pushes n0 out)


# --- refused explanations --------------------------------------------------------------------


def test_refused_explanations_escalates_exactly_once_per_call(
    feed: Feed, engine: Engine, settings: Settings
) -> None:
    feed.login("a1", 0)
    feed.call("a1", "c1", 1, customer="13800000001")
    feed.send(feed.ev(K.CALL_UPDATE, 3, call="c1", refused_explanations=2))
    with engine.connect() as conn:
        assert conn.execute(select(Escalation)).all() == []
    feed.send(feed.ev(K.CALL_UPDATE, 5, call="c1", refused_explanations=3))
    feed.send(feed.ev(K.CALL_UPDATE, 6, call="c1", refused_explanations=4))
    feed.send(feed.ev(K.CALL_ENDED, 8, "a1", "c1", refused_explanations=4))
    with engine.connect() as conn:
        [esc] = conn.execute(select(Escalation)).mappings().all()
    assert esc["source_key"] == "rule:refused:c1"
    assert esc["opened_by"] == "rule:refused_explanations"
    assert esc["tier"] == 1 and esc["severity"] == "medium" and esc["status"] == "open"
    assert esc["agent_id"] == "a1" and esc["call_id"] == "c1"
    assert esc["customer_id"] == "13800000001"
    assert esc["opened_at"] == at(5)
    assert esc["deadline"] == at(5) + settings.deadline(1, "medium")
    # Stored as a message, worded for each reader where escalations are read.
    from floorapp.services import escalations as esc_svc

    with engine.connect() as conn:
        [row] = conn.execute(esc_svc.escalation_query()).all()
    assert "refused 3 explanations" in esc_svc.to_view(row).reason
    i18n.set_language("zh_CN")
    try:
        assert "3 次拒绝接受解释" in esc_svc.to_view(row).reason
    finally:
        i18n.set_language("en")
    [f] = flags(engine, "refused_explanations")
    assert f["count"] == 1 and f["call_id"] == "c1" and f["condition_ended_at"] == at(8)


def test_refused_explanations_deadline_follows_settings(engine: Engine, clock: ManualClock) -> None:
    s = Settings()
    s.deadlines_min[(1, "high")] = 7
    s.rules = {"refused_explanations": {"severity": "high"}}
    feed = Feed(engine, s, clock)
    feed.login("a1", 0)
    feed.call("a1", "c1", 1, 4, refused_explanations=3)
    with engine.connect() as conn:
        [esc] = conn.execute(select(Escalation)).mappings().all()
    assert esc["severity"] == "high" and esc["deadline"] == at(4) + timedelta(minutes=7)


def test_two_refused_is_below_threshold(feed: Feed, engine: Engine) -> None:
    feed.login("a1", 0)
    feed.call("a1", "c1", 1, 4, refused_explanations=2)
    assert flags(engine) == []
    with engine.connect() as conn:
        assert conn.execute(select(Escalation)).all() == []


def test_second_call_with_refusals_bumps_the_flag_and_opens_its_own_escalation(
    feed: Feed, engine: Engine
) -> None:
    feed.login("a1", 0)
    feed.call("a1", "c1", 1, 4, refused_explanations=3)
    feed.call("a1", "c2", 5, 9, refused_explanations=5)
    [f] = flags(engine, "refused_explanations")
    assert f["count"] == 2 and f["call_id"] == "c2"
    with engine.connect() as conn:
        keys = conn.execute(select(Escalation.source_key).order_by(Escalation.id)).scalars()
        assert list(keys) == ["rule:refused:c1", "rule:refused:c2"]


# --- after-call overrun ------------------------------------------------------------------------


def test_after_call_overrun_after_a_complaint_call(feed: Feed, engine: Engine) -> None:
    feed.login("a1", 0)
    feed.call("a1", "c1", 1, 5, complaint=True, after_call=True)
    feed.heartbeat(9.9)
    assert flags(engine, "after_call_overrun") == []
    feed.heartbeat(10.1)
    [f] = flags(engine, "after_call_overrun")
    assert f["raised_at"] == at(10) and f["call_id"] == "c1"
    feed.state("a1", 12, "available")
    [f] = flags(engine, "after_call_overrun")
    assert f["condition_ended_at"] == at(12)


def test_long_after_call_after_an_ordinary_call_is_not_flagged(feed: Feed, engine: Engine) -> None:
    feed.login("a1", 0)
    feed.call("a1", "c1", 1, 5, after_call=True)
    feed.heartbeat(30)
    assert flags(engine, "after_call_overrun") == []


def test_after_call_overrun_after_a_hostile_call(feed: Feed, engine: Engine) -> None:
    feed.login("a1", 0)
    feed.call("a1", "c1", 1, 5, negative_sentiment=True, after_call=True)
    feed.state("a1", 10.5, "available")  # left after-call 5.5 min in: too late
    [f] = flags(engine, "after_call_overrun")
    assert f["raised_at"] == at(10) and f["condition_ended_at"] == at(10.5)


# --- no break ------------------------------------------------------------------------------


def test_no_break_after_150_minutes(feed: Feed, engine: Engine) -> None:
    feed.login("a1", 0)
    feed.heartbeat(149.5)
    assert flags(engine, "no_break") == []
    feed.heartbeat(150.5)
    [f] = flags(engine, "no_break")
    assert f["raised_at"] == at(150) and "2 h 30 min" in f["detail"]
    feed.state("a1", 160, "break", reason="restroom")
    [f] = flags(engine, "no_break")
    assert f["condition_ended_at"] == at(160) and f["status"] == "raised"


def test_a_break_resets_the_no_break_clock(feed: Feed, engine: Engine) -> None:
    feed.login("a1", 0)
    feed.state("a1", 100, "break", reason="lunch")
    feed.state("a1", 130, "available")
    feed.heartbeat(279)
    assert flags(engine, "no_break") == []
    feed.heartbeat(281)
    [f] = flags(engine, "no_break")
    assert f["raised_at"] == at(280)


def test_a_pause_asked_for_during_a_call_starts_when_the_call_ends(
    feed: Feed, engine: Engine
) -> None:
    feed.login("a1", 0)
    feed.call("a1", "c1", 140)
    feed.state("a1", 145, "break", reason="lunch")  # Asterisk: pause takes effect after the call
    feed.send(feed.ev(K.CALL_ENDED, 149, "a1", "c1"))
    feed.heartbeat(200)
    assert flags(engine, "no_break") == []


# --- raised hand, observed -------------------------------------------------------------------


def test_raised_hand_flags_at_once_with_the_note(feed: Feed, engine: Engine) -> None:
    feed.login("a1", 0)
    feed.call("a1", "c1", 1)
    feed.send(feed.ev(K.RAISE_HAND, 2, "a1", note="customer threatens media \x1b]2;x\x07"))
    [f] = flags(engine, "raised_hand")
    assert f["severity"] == "high" and f["raised_at"] == at(2) and f["call_id"] == "c1"
    assert "customer threatens media" in f["detail"] and "\x1b" not in f["detail"]
    feed.send(feed.ev(K.CALL_ENDED, 6, "a1", "c1"))
    assert flags(engine, "raised_hand")[0]["condition_ended_at"] == at(6)


def test_observation_from_the_feed_is_an_observed_flag(feed: Feed, engine: Engine) -> None:
    feed.login("a1", 0)
    feed.send(feed.ev(K.OBSERVATION, 3, "a1", supervisor="lead.wang", text="voice raised"))
    feed.send(feed.ev(K.OBSERVATION, 9, "a1", supervisor="lead.li", text="banging keyboard"))
    [f] = flags(engine, "observed")
    assert f["open_key"] == "a1|observed" and f["count"] == 2
    assert f["raised_by"] == "lead.wang"  # who raised it first; the detail is the latest
    assert f["detail"] == "banging keyboard"


# --- sensitive customers ---------------------------------------------------------------------


def _designate(engine: Engine, *agents: str, customers: tuple[str, ...] = ()) -> None:
    with write_tx(engine) as conn:
        conn.execute(Team.__table__.insert().values(id="t1", name="Team 1"))
        for aid in agents:
            conn.execute(
                Agent.__table__.insert().values(
                    id=aid, name=f"Name {aid}", team_id="t1", sensitive_designated=True
                )
            )
        for cid in customers:
            conn.execute(SensitiveCustomer.__table__.insert().values(customer_id=cid))


def test_sensitive_customer_on_undesignated_agent_names_available_designated(
    engine: Engine, settings: Settings, clock: ManualClock
) -> None:
    _designate(engine, "d1", "d2", "d3", customers=("VIP-9",))
    feed = Feed(engine, settings, clock)
    for a in ("d1", "d2", "d3", "a1"):
        feed.login(a, 0)
    feed.call("d2", "c0", 1)  # d2 busy
    feed.state("d3", 1, "break", reason="lunch")
    feed.call("a1", "c1", 2, customer="VIP-9")
    [f] = flags(engine, "sensitive_customer")
    assert f["agent_id"] == "a1" and f["call_id"] == "c1"
    assert "VIP-9" in f["detail"]
    assert "designated agents available now: Name d1" in f["detail"]
    assert "Name d2" not in f["detail"] and "Name d3" not in f["detail"]


def test_sensitive_customer_with_a_designated_agent_is_fine(
    engine: Engine, settings: Settings, clock: ManualClock
) -> None:
    _designate(engine, "d1", customers=("VIP-9",))
    feed = Feed(engine, settings, clock)
    feed.login("d1", 0)
    feed.call("d1", "c1", 2, 6, customer="VIP-9")
    assert flags(engine) == []


def test_feed_marked_sensitive_call_counts_and_none_available_is_said(
    feed: Feed, engine: Engine
) -> None:
    feed.login("a1", 0)
    feed.call("a1", "c1", 2, customer="unknown-1")
    assert flags(engine) == []
    feed.send(feed.ev(K.CALL_UPDATE, 3, call="c1", sensitive_customer=True))
    [f] = flags(engine, "sensitive_customer")
    assert "no designated agent is available now" in f["detail"]


# --- de-duplication, lifecycle, restart ---------------------------------------------------


def test_retrigger_updates_the_open_flag_and_a_resolved_one_is_not_reused(
    feed: Feed, engine: Engine
) -> None:
    feed.login("a1", 0)
    feed.send(feed.ev(K.RAISE_HAND, 1, "a1"))
    feed.send(feed.ev(K.RAISE_HAND, 2, "a1"), feed.ev(K.RAISE_HAND, 3, "a1"))
    [f] = flags(engine)
    assert f["count"] == 3 and f["raised_at"] == at(1) and f["last_seen"] == at(3)
    assert f["updated_at"] == at(3)
    with write_tx(engine) as conn:  # what the console's resolve does
        conn.execute(update(Flag).values(status="resolved", open_key=None, resolved_at=at(4)))
    feed.send(feed.ev(K.RAISE_HAND, 5, "a1"))
    old, new = flags(engine)
    assert old["status"] == "resolved" and old["count"] == 3
    assert new["status"] == "raised" and new["count"] == 1 and new["open_key"] == "a1|raised_hand"


def test_same_events_in_one_batch_or_many_give_the_same_flags(
    db_url: str, tmp_path: Any, settings: Settings
) -> None:
    from db.engine import open_store

    def scenario(feed: Feed) -> list[FeedEvent]:
        e = feed.ev
        evs = [e(K.AGENT_LOGIN, 0, "a1"), e(K.AGENT_LOGIN, 0, "a2")]
        for i in range(4):
            evs += [
                e(K.CALL_ANSWERED, 1 + i * 12, "a1", f"c{i}"),
                e(
                    K.CALL_ENDED,
                    6 + i * 12,
                    "a1",
                    f"c{i}",
                    complaint=i % 2 == 0,
                    negative_sentiment=i > 0,
                    after_call=True,
                ),
                e(K.STATE, 6 + i * 12 + (5.5 if i == 1 else 2), "a1", state="available"),
            ]
        evs += [
            e(K.CALL_ANSWERED, 50, "a2", "x1"),
            e(K.CALL_ENDED, 75, "a2", "x1"),
            e(K.CALL_OFFERED, 200, call="late"),
        ]
        return evs

    results = []
    for name, cut in (("one", 1000), ("many", 1)):
        eng = open_store(f"sqlite:///{tmp_path / name}.db")
        feed = Feed(eng, settings, ManualClock(T0))
        evs = scenario(feed)
        for i in range(0, len(evs), cut):
            feed.send(*evs[i : i + cut])
        results.append(
            [
                (f["agent_id"], f["kind"], f["count"], f["raised_at"], f["condition_ended_at"])
                for f in flags(eng)
            ]
        )
        eng.dispose()
    assert results[0] == results[1]
    assert {k for _, k, *_ in results[0]} >= {
        "complaint_streak",
        "hostile_streak",
        "after_call_overrun",
        "long_call",
        "no_break",
    }


def test_restart_resumes_without_double_firing(
    engine: Engine, settings: Settings, clock: ManualClock
) -> None:
    feed = Feed(engine, settings, clock)
    feed.login("a1", 0)
    feed.call("a1", "c1", 1)
    feed.heartbeat(25)
    assert flags(engine, "long_call")[0]["count"] == 1
    # A new process: fresh writer and rules on the same store.
    again = Feed(engine, settings, clock)
    again.n = feed.n
    again.heartbeat(40)
    again.send(again.ev(K.CALL_ENDED, 45, "a1", "c1"))
    [f] = flags(engine, "long_call")
    assert f["count"] == 1 and f["condition_ended_at"] == at(45)
    # ...and its no-break clock came back from the store: logged in at 0.
    again.heartbeat(151)
    [nb] = flags(engine, "no_break")
    assert nb["raised_at"] == at(150)


def test_restart_keeps_the_last_calls_for_the_hostile_streak(
    engine: Engine, settings: Settings, clock: ManualClock
) -> None:
    feed = Feed(engine, settings, clock)
    feed.login("a1", 0)
    feed.call("a1", "c1", 1, 3, negative_sentiment=True)
    feed.call("a1", "c2", 4, 6, negative_sentiment=True)
    again = Feed(engine, settings, clock)
    again.n = feed.n
    again.call("a1", "c3", 7, 9, negative_sentiment=True)
    [f] = flags(engine, "hostile_streak")
    assert f["call_id"] == "c3"


# --- configuration ---------------------------------------------------------------------------


def test_thresholds_and_severity_are_configurable(engine: Engine, clock: ManualClock) -> None:
    s = Settings(
        rules={
            "long_call": {"threshold": 5, "severity": "high"},
            "complaint_streak": {"threshold": 3, "window": 30},
        }
    )
    feed = Feed(engine, s, clock)
    feed.login("a1", 0)
    feed.call("a1", "c1", 1)
    feed.heartbeat(6.5)
    [f] = flags(engine, "long_call")
    assert f["severity"] == "high" and f["raised_at"] == at(6)
    feed.send(feed.ev(K.CALL_ENDED, 7, "a1", "c1", complaint=True))
    feed.call("a1", "c2", 8, 10, complaint=True)
    assert flags(engine, "complaint_streak") == []  # 2 is below 3 now
    feed.call("a1", "c3", 11, 12, complaint=True)
    assert len(flags(engine, "complaint_streak")) == 1


def test_a_disabled_rule_never_fires(engine: Engine, clock: ManualClock) -> None:
    s = Settings(
        rules={"raised_hand": {"enabled": False}, "refused_explanations": {"enabled": False}}
    )
    feed = Feed(engine, s, clock)
    feed.login("a1", 0)
    feed.send(feed.ev(K.RAISE_HAND, 1, "a1"))
    feed.call("a1", "c1", 2, 4, refused_explanations=9)
    assert flags(engine) == []
    with engine.connect() as conn:
        assert conn.execute(select(Escalation)).all() == []


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"long_cal": {}}, "rules.long_cal: unknown rule"),
        ({"long_call": {"minutes": 3}}, "rules.long_call.minutes: unknown setting"),
        ({"long_call": {"threshold": 0}}, "rules.long_call.threshold: expected a positive"),
        ({"long_call": {"threshold": "20"}}, "rules.long_call.threshold: expected a number"),
        (
            {"complaint_streak": {"threshold": 2.5}},
            "rules.complaint_streak.threshold: expected a whole number",
        ),
        ({"no_break": {"severity": "urgent"}}, "rules.no_break.severity: expected one of"),
        ({"no_break": {"enabled": "yes"}}, "rules.no_break.enabled: expected true or false"),
        ({"hostile_streak": {"threshold": 6}}, "rules.hostile_streak.threshold: 6 negative"),
    ],
)
def test_bad_rule_settings_name_their_path(rules: dict[str, Any], message: str) -> None:
    from floorapp.config import ConfigError

    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        build_observer(Settings(rules=rules))


def test_rules_from_the_config_toml(tmp_path: Any) -> None:
    from floorapp.config import load_settings
    from floorapp.rules import load_rules

    p = tmp_path / "config.toml"
    p.write_text('[rules.no_break]\nthreshold = 120\n\n[rules.observed]\nseverity = "high"\n')
    rules = load_rules(load_settings(p).rules)
    assert rules["no_break"]["threshold"] == 120 and rules["observed"].severity == "high"
    assert rules["long_call"]["threshold"] == 20 and rules["long_call"].enabled


# --- feed time ahead of the wall clock -------------------------------------------------------


def test_no_flag_is_raised_at_a_time_ahead_of_the_wall_clock(
    feed: Feed, engine: Engine, clock: ManualClock
) -> None:
    """A feed a few minutes ahead of this host (within max_ahead, so accepted): a rule that
    comes due by feed time is not raised "at" a time the floor has not reached yet, and an
    event's own flag is dated no later than now."""
    feed.login("a1", 0)
    feed.call("a1", "c1", start=1)
    clock.set(at(19))  # the wall clock: 18 min into the call
    feed.writer.write_batch([feed.ev(K.CALL_OFFERED, 23, call="hb")])  # feed time 4 min on
    assert flags(engine, "long_call") == []  # due at 21 by feed time; the floor is at 19
    feed.writer.write_batch([feed.ev(K.RAISE_HAND, 23.5, "a1", "c1", note="help")])
    [hand] = flags(engine, "raised_hand")
    assert hand["raised_at"] <= clock.now()
    clock.set(at(21.5))
    feed.writer.tick_idle(clock.now())
    [f] = flags(engine, "long_call")
    assert f["raised_at"] == at(21)


def test_flag_details_lead_with_what_a_supervisor_reads_ids_last(
    feed: Feed, engine: Engine
) -> None:
    feed.login("a1", 0)
    feed.call("a1", "c-7f3a", start=1)
    feed.heartbeat(21.1)
    [f] = flags(engine, "long_call")
    assert f["detail"].startswith("on one call for over 20 min")
    assert f["detail"].endswith("(call c-7f3a)")
    feed.send(feed.ev(K.CALL_UPDATE, 22, call="c-7f3a", refused_explanations=3))
    [r] = flags(engine, "refused_explanations")
    assert r["detail"].startswith("the customer refused 3 explanations")
    assert r["detail"].endswith("(call c-7f3a)")
    feed.send(feed.ev(K.CALL_ENDED, 28, "a1", "c-7f3a", outcome="completed"))
    [f] = flags(engine, "long_call")
    assert f["detail"].startswith("the call lasted 27 min") and f["detail"].endswith(
        "(call c-7f3a)"
    )


def test_a_flag_reads_in_each_readers_language(feed: Feed, engine: Engine) -> None:
    """One stored flag, two supervisors: each reads the rule's sentence in their own
    language (the board, the flags view and the CLI read flags through ``to_view``); a flag
    stored before as English text still shows as it was written."""
    from floorapp.services import flags as flag_svc

    feed.login("a1", 0)
    feed.call("a1", "c1", start=1)
    feed.heartbeat(21.1)

    def details() -> list[str | None]:
        with engine.connect() as conn:
            return [flag_svc.to_view(r).detail for r in conn.execute(flag_svc.flag_query())]

    with engine.connect() as conn:
        raw = conn.execute(select(Flag.detail)).scalar_one()
    assert "{duration}" in raw and "20 min" not in raw  # the id is stored, not the words
    assert details() == ["on one call for over 20 min (call c1)"]
    i18n.set_language("zh_CN")
    assert details() == ["单通通话超过 20 分钟（通话 c1）"]
    with engine.begin() as conn:  # a row stored before: English text
        conn.execute(Flag.__table__.update().values(detail="on one call for over 20 min"))
    assert details() == ["on one call for over 20 min"]
