"""One agent state machine: the store (feed writer), the rules and a plain replay agree.

Random event streams (hypothesis), late lines and batch cuts included, go through the feed
writer with the rules attached; each agent's state as stored, as the rules hold it, and as
``feed.states.step`` alone derives it must be the same.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from db.engine import open_store
from db.models import Agent
from floorapp.clock import ManualClock
from floorapp.config import Settings
from floorapp.feed.events import EventKind, FeedEvent
from floorapp.feed.states import AVAILABLE, CALL_OVER, AgentStatus, step
from floorapp.feed.writer import FeedWriter
from floorapp.rules import build_observer
from tests.conftest import T0

K = EventKind
AGENTS = ("a1", "a2", "a3")
CALLS = ("c1", "c2", "c3", "c4")
_run = itertools.count()

_event = st.one_of(
    st.tuples(
        st.just(K.AGENT_LOGIN),
        st.sampled_from(AGENTS),
        st.none(),
        st.sampled_from(
            [
                {},
                {"queue": "q1"},
                {"queue": "q2"},
                {"queue": "q1", "state": "break", "reason": "paused"},
            ]
        ),
    ),
    st.tuples(
        st.just(K.AGENT_LOGOUT),
        st.sampled_from(AGENTS),
        st.none(),
        st.sampled_from([{}, {"queue": "q1"}, {"queue": "q2"}]),
    ),
    st.tuples(
        st.just(K.STATE),
        st.sampled_from(AGENTS),
        st.none(),
        st.sampled_from(
            [
                {"state": "available"},
                {"state": "break", "reason": "lunch"},
                {"state": "break", "reason": "coffee"},
                {"state": "after_call"},
                {"state": "on_call"},
                {"state": "offline"},
            ]
        ),
    ),
    st.tuples(st.just(K.CALL_OFFERED), st.none(), st.sampled_from(CALLS), st.just({})),
    st.tuples(
        st.just(K.CALL_RING_NO_ANSWER), st.sampled_from(AGENTS), st.sampled_from(CALLS), st.just({})
    ),
    st.tuples(
        st.just(K.CALL_ANSWERED), st.sampled_from(AGENTS), st.sampled_from(CALLS), st.just({})
    ),
    st.tuples(
        st.sampled_from([K.CALL_ENDED, K.CALL_TRANSFERRED, K.CALL_ABANDONED]),
        st.one_of(st.none(), st.sampled_from(AGENTS)),
        st.sampled_from(CALLS),
        st.sampled_from([{}, {"after_call": True}]),
    ),
    st.tuples(
        st.just(K.CALL_UPDATE),
        st.sampled_from(AGENTS),
        st.sampled_from(CALLS),
        st.just({"complaint": True}),
    ),
)
# Mostly forward in time, sometimes the same second, sometimes a late line.
_step_s = st.one_of(st.integers(0, 900), st.integers(-4 * 3600, -1))
_stream = st.lists(st.tuples(_event, _step_s, st.booleans()), min_size=1, max_size=60)


@pytest.fixture(scope="module")
def shared_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    path: Path = tmp_path_factory.mktemp("states") / "floor.db"
    return open_store(f"sqlite:///{path}")


def _events(stream: list[Any], tag: str) -> tuple[list[FeedEvent], list[int]]:
    events: list[FeedEvent] = []
    cuts: list[int] = []
    ts = T0
    for n, ((kind, agent, call, data), step_s, cut) in enumerate(stream):
        ts = ts + timedelta(seconds=step_s)
        events.append(
            FeedEvent(
                f"{tag}:{n}",
                tag,
                n + 1,
                ts,
                kind,
                f"{tag}-{agent}" if agent else None,
                f"{tag}-{call}" if call else None,
                dict(data),
            )
        )
        if cut:
            cuts.append(n + 1)
    return events, cuts


def replay(events: list[FeedEvent]) -> dict[str, AgentStatus]:
    """The machine alone: each call's end reaches the agent who last had the call."""
    agents: dict[str, AgentStatus] = {}
    call_agent: dict[str, str] = {}
    for ev in events:
        who = ev.agent
        if ev.kind in CALL_OVER and who is None and ev.call is not None:
            who = call_agent.get(ev.call)
        if (
            ev.agent is not None
            and ev.call is not None
            and ev.kind not in (K.CALL_OFFERED, K.CALL_RING_NO_ANSWER)
        ):
            call_agent[ev.call] = ev.agent
        if who is None:
            continue
        s = agents.setdefault(who, AgentStatus())
        step(s, ev.kind, ev.data, ev.call, ev.ts)
    return agents


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(stream=_stream)
def test_store_rules_and_machine_agree_on_every_agent(
    shared_engine: Engine, stream: list[Any]
) -> None:
    tag = f"r{next(_run)}"
    events, cuts = _events(stream, tag)
    clock = ManualClock(T0 + timedelta(days=30))
    settings_ = Settings()
    rules = build_observer(settings_, clock)
    writer = FeedWriter(shared_engine, settings_, observers=[rules], clock=clock)
    start = 0
    for cut in [*cuts, len(events)]:
        if cut > start:
            writer.write_batch(events[start:cut])
            start = cut
    with shared_engine.connect() as conn:
        stored = {
            r.id: r
            for r in conn.execute(
                select(
                    Agent.id,
                    Agent.state,
                    Agent.state_since,
                    Agent.logged_in_since,
                    Agent.last_break_end,
                    Agent.current_call_id,
                ).where(Agent.id.like(f"{tag}-%"))
            )
        }
    machine = replay(events)
    for agent_id, row in stored.items():
        tr = rules._agents.get(agent_id) or AgentStatus()  # a line that changes nothing
        s = machine.get(agent_id, AgentStatus())
        as_stored = (
            row.state,
            row.state_since,
            row.logged_in_since,
            row.last_break_end,
            row.current_call_id,
        )
        assert (tr.state, tr.since, tr.logged_in_since, tr.last_break_end, tr.call) == as_stored, (
            agent_id
        )
        assert (s.state, s.since, s.logged_in_since, s.last_break_end, s.call) == as_stored, (
            agent_id
        )


def test_a_first_ring_logs_in_an_unknown_member_for_the_rules_too(
    engine: Engine, clock: ManualClock
) -> None:
    """A log read from mid-shift: the store and the rules both take the first ring of a
    member never seen as their login (the rules kept them offline, so no rule ever ran)."""
    clock.set(T0 + timedelta(hours=1))
    rules = build_observer(Settings(), clock)
    writer = FeedWriter(engine, Settings(), observers=[rules], clock=clock)
    writer.write_batch(
        [FeedEvent("k1", "q", 1, T0, K.CALL_RING_NO_ANSWER, "m1", "c1", {"ring_ms": 15000})]
    )
    with engine.connect() as conn:
        assert conn.execute(select(Agent.state)).scalar_one() == AVAILABLE
    assert rules._agents["m1"].state == AVAILABLE
