"""Asterisk queue_log: every event maps to what a supervisor should see on the board."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from db.models import UNASSIGNED_TEAM, Agent, AgentStateChange, Call, FeedEventRow
from floorapp.clock import ManualClock
from floorapp.config import Settings
from floorapp.feed.events import EventKind, FeedEvent, Ignored, Rejected
from floorapp.feed.queue_log import parse_queue_log
from floorapp.feed.writer import FeedWriter, IngestSummary

E = 1773652000  # 2026-03-16 09:06:40 UTC
A = "Local/2004@from-internal/n"


@pytest.fixture
def clock() -> ManualClock:
    """This host's clock a day after these lines: lines ahead of it are clock errors."""
    return ManualClock(datetime.fromtimestamp(E + 86400, UTC))


def at(offset: int) -> datetime:
    return datetime.fromtimestamp(E + offset, UTC)


def parse_one(line: str) -> FeedEvent | Rejected | Ignored:
    items = list(parse_queue_log([line], "q"))
    assert len(items) == 1
    return items[0]


def ingest(engine: Engine, lines: list[str], clock: ManualClock) -> IngestSummary:
    return FeedWriter(engine, Settings(), clock=clock).write(parse_queue_log(lines, "q"))


def agent(engine: Engine, agent_id: str = A) -> Agent:
    with engine.connect() as conn:
        row = conn.execute(select(Agent.__table__).where(Agent.id == agent_id)).one()
    return Agent(**row._mapping)


def call(engine: Engine, call_id: str) -> Call:
    with engine.connect() as conn:
        row = conn.execute(select(Call.__table__).where(Call.id == call_id)).one()
    return Call(**row._mapping)


# --- the parser: one line, one event ---------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "kind", "data"),
    [
        (f"{E}|NONE|9000|{A}|ADDMEMBER|", EventKind.AGENT_LOGIN, {"queue": "9000"}),
        (
            f"{E}|NONE|9000|{A}|ADDMEMBER|PAUSED",
            EventKind.AGENT_LOGIN,
            {"queue": "9000", "state": "break", "reason": "paused"},
        ),
        (f"{E}|NONE|9000|{A}|REMOVEMEMBER|", EventKind.AGENT_LOGOUT, {"queue": "9000"}),
        (f"{E}|NONE|NONE|Agent/1001|AGENTLOGIN|SIP/1001-0001", EventKind.AGENT_LOGIN, {}),
        (f"{E}|NONE|NONE|Agent/1001|AGENTLOGOFF|SIP/1001-0001|3600", EventKind.AGENT_LOGOUT, {}),
        (
            f"{E}|NONE|9000|PJSIP/1001|PAUSE|lunch",
            EventKind.STATE,
            {"state": "break", "reason": "lunch"},
        ),
        (
            f"{E}|NONE|NONE|PJSIP/1001|PAUSEALL|",
            EventKind.STATE,
            {"state": "break", "reason": None},
        ),
        (f"{E}|NONE|9000|PJSIP/1001|UNPAUSE|", EventKind.STATE, {"state": "available"}),
        (f"{E}|NONE|NONE|PJSIP/1001|UNPAUSEALL|", EventKind.STATE, {"state": "available"}),
        (
            f"{E}|1.2|9000|NONE|ENTERQUEUE||01773597776|1",
            EventKind.CALL_OFFERED,
            {"customer": "01773597776", "queue": "9000"},
        ),
        (f"{E}|1.2|9000|NONE|ENTERQUEUE||anonymous|1", EventKind.CALL_OFFERED, {"queue": "9000"}),
        (
            f"{E}|1.2|9000|{A}|CONNECT|7|1.7|2",
            EventKind.CALL_ANSWERED,
            {"hold_seconds": 7, "ring_seconds": 2, "queue": "9000"},
        ),
        (
            f"{E}|1.2|9000|{A}|COMPLETECALLER|7|120|1",
            EventKind.CALL_ENDED,
            {"hold_seconds": 7, "talk_seconds": 120, "ended_by": "caller", "queue": "9000"},
        ),
        (
            f"{E}|1.2|9000|{A}|COMPLETEAGENT|7|120|1",
            EventKind.CALL_ENDED,
            {"hold_seconds": 7, "talk_seconds": 120, "ended_by": "agent", "queue": "9000"},
        ),
        (f"{E}|1.2|9000|{A}|RINGNOANSWER|15000", EventKind.CALL_RING_NO_ANSWER, {"ring_ms": 15000}),
        (f"{E}|1.2|9000|{A}|RINGCANCELED|2000", EventKind.CALL_RING_NO_ANSWER, {"ring_ms": 2000}),
        (
            f"{E}|1.2|9000|NONE|ABANDON|2|2|13",
            EventKind.CALL_ABANDONED,
            {"outcome": "abandoned", "hold_seconds": 13, "exit": "abandon", "queue": "9000"},
        ),
        (
            f"{E}|1.2|9000|NONE|EXITWITHTIMEOUT|1|1|300",
            EventKind.CALL_ABANDONED,
            {"outcome": "timeout", "hold_seconds": 300, "exit": "exitwithtimeout", "queue": "9000"},
        ),
        (
            f"{E}|1.2|9000|NONE|EXITEMPTY|1|1|4",
            EventKind.CALL_ABANDONED,
            {"outcome": "timeout", "hold_seconds": 4, "exit": "exitempty", "queue": "9000"},
        ),
        (
            f"{E}|1.2|9000|NONE|EXITWITHKEY|5|1|1|9",
            EventKind.CALL_ABANDONED,
            {"outcome": "abandoned", "hold_seconds": 9, "exit": "exitwithkey", "queue": "9000"},
        ),
        (
            f"{E}|1.2|9000|{A}|TRANSFER|8001|from-internal|7|60|1",
            EventKind.CALL_TRANSFERRED,
            {"to": "8001@from-internal", "hold_seconds": 7, "talk_seconds": 60, "queue": "9000"},
        ),
        (
            f"{E}|1.2|9000|{A}|BLINDTRANSFER|8001|sales|7|60|1",
            EventKind.CALL_TRANSFERRED,
            {"to": "8001@sales", "hold_seconds": 7, "talk_seconds": 60, "queue": "9000"},
        ),
        (
            f"{E}|1.2|9000|{A}|ATTENDEDTRANSFER|BRIDGE|1.9|7|60|1",
            EventKind.CALL_TRANSFERRED,
            {"to": "BRIDGE:1.9", "hold_seconds": 7, "talk_seconds": 60, "queue": "9000"},
        ),
    ],
)
def test_each_event_maps_to_a_feed_event(line: str, kind: EventKind, data: dict) -> None:
    ev = parse_one(line)
    assert isinstance(ev, FeedEvent), ev
    assert ev.kind is kind
    assert ev.data == data
    assert ev.ts == at(0)


def test_agent_and_call_fields_as_written() -> None:
    ev = parse_one(f"{E}|1266833905.2|9000|{A}|CONNECT|1|1266833911.7")
    assert isinstance(ev, FeedEvent)
    assert ev.agent == A and ev.call == "1266833905.2"
    offered = parse_one(f"{E}|1266833905.2|9000|NONE|ENTERQUEUE||01773597776")
    assert isinstance(offered, FeedEvent) and offered.agent is None


@pytest.mark.parametrize("event", ["CONFIGRELOAD", "AGENTDUMP", "SYSCOMPAT", "SOMETHINGNEW"])
def test_housekeeping_and_unknown_events_are_ignored_by_name(event: str) -> None:
    item = parse_one(f"{E}|NONE|NONE|NONE|{event}|")
    assert isinstance(item, Ignored) and item.what == event


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (f"{E}|1.2|9000", "too few fields"),
        (f"yesterday|1.2|9000|{A}|CONNECT|1|1.7", "epoch is not a number: 'yesterday'"),
        (f"{E}|1.2|9000|{A}|CONNECT|soon|1.7", "CONNECT: holdtime is not a number"),
        (f"{E}|1.2|9000|{A}|COMPLETEAGENT|1||1", "COMPLETEAGENT: missing calltime"),
        (f"{E}|1.2|9000|NONE|CONNECT|1|1.7", "CONNECT: no agent"),
        (f"{E}|NONE|9000|NONE|ENTERQUEUE||0177", "ENTERQUEUE: no call id"),
        (f"{E}|1.2|9000|NONE|ABANDON|1|1|-3", "ABANDON: waittime is negative"),
        (f"{E}|1.2|9000|{A}|RINGNOANSWER|x", "RINGNOANSWER: ring time is not a number"),
    ],
)
def test_bad_lines_are_rejected_with_the_reason(line: str, reason: str) -> None:
    item = parse_one(line)
    assert isinstance(item, Rejected)
    assert reason in item.reason
    assert item.line_no == 1 and item.raw == line


def test_blank_lines_are_skipped_and_numbering_continues() -> None:
    items = list(parse_queue_log(["", "   \n", f"{E}|NONE|NONE|NONE|QUEUESTART|\n", "oops"], "q"))
    assert [i.line_no for i in items] == [3, 4]


def test_identical_lines_are_distinct_events_with_stable_keys() -> None:
    line = f"{E}|1.2|9000|{A}|RINGNOANSWER|0"
    first = [e.key for e in parse_queue_log([line, line], "q")]  # type: ignore[union-attr]
    again = [e.key for e in parse_queue_log([line, line], "elsewhere")]  # type: ignore[union-attr]
    assert first[0] != first[1]
    assert first == again  # the key follows the content, not the file it came from


def test_control_characters_in_outside_text_are_neutralised() -> None:
    ev = parse_one(f"{E}|NONE|9000|PJSIP/1001|PAUSE|\x1b]2;pwned\x07lunch")
    assert isinstance(ev, FeedEvent)
    assert "\x1b" not in ev.data["reason"] and "\x07" not in ev.data["reason"]
    assert ev.data["reason"].endswith("lunch")


# --- the writer: what each mapping does to agents and calls -------------------------------


def test_addmember_logs_in_and_removemember_logs_out(engine: Engine, clock: ManualClock) -> None:
    ingest(engine, [f"{E}|NONE|9000|{A}|ADDMEMBER|"], clock)
    a = agent(engine)
    assert (a.state, a.logged_in_since, a.state_since) == ("available", at(0), at(0))
    assert a.team_id == UNASSIGNED_TEAM and a.from_feed and a.name == A
    ingest(engine, [f"{E + 60}|NONE|9000|{A}|REMOVEMEMBER|"], clock)
    a = agent(engine)
    assert (a.state, a.logged_in_since, a.state_since) == ("offline", None, at(60))


def test_membership_of_two_queues_keeps_the_agent_logged_in(
    engine: Engine, clock: ManualClock
) -> None:
    ingest(
        engine,
        [
            f"{E}|NONE|9000|{A}|ADDMEMBER|",
            f"{E + 5}|NONE|9001|{A}|ADDMEMBER|",
            f"{E + 60}|NONE|9000|{A}|REMOVEMEMBER|",
        ],
        clock,
    )
    a = agent(engine)
    assert a.state == "available" and a.logged_in_since == at(0)


def test_addmember_paused_starts_on_break(engine: Engine, clock: ManualClock) -> None:
    ingest(engine, [f"{E}|NONE|9000|{A}|ADDMEMBER|PAUSED"], clock)
    a = agent(engine)
    assert (a.state, a.state_reason) == ("break", "paused")


def test_agentlogin_and_agentlogoff(engine: Engine, clock: ManualClock) -> None:
    ingest(engine, [f"{E}|NONE|NONE|Agent/1001|AGENTLOGIN|SIP/1001-01"], clock)
    assert agent(engine, "Agent/1001").state == "available"
    ingest(engine, [f"{E + 9}|NONE|NONE|Agent/1001|AGENTLOGOFF|SIP/1001-01|9"], clock)
    assert agent(engine, "Agent/1001").state == "offline"


def test_pause_with_reason_then_unpause_records_the_break(
    engine: Engine, clock: ManualClock
) -> None:
    ingest(
        engine,
        [
            f"{E}|NONE|9000|{A}|ADDMEMBER|",
            f"{E + 10}|NONE|9000|{A}|PAUSE|lunch",
            f"{E + 1810}|NONE|9000|{A}|UNPAUSE|",
        ],
        clock,
    )
    a = agent(engine)
    assert (a.state, a.state_reason, a.state_since, a.last_break_end) == (
        "available",
        None,
        at(1810),
        at(1810),
    )
    with engine.connect() as conn:
        hist = conn.execute(
            select(
                AgentStateChange.state, AgentStateChange.reason, AgentStateChange.started_at
            ).order_by(AgentStateChange.id)
        ).all()
    assert [tuple(h) for h in hist] == [
        ("available", None, at(0)),
        ("break", "lunch", at(10)),
        ("available", None, at(1810)),
    ]


def test_pauseall_and_unpauseall(engine: Engine, clock: ManualClock) -> None:
    ingest(
        engine, [f"{E}|NONE|9000|{A}|ADDMEMBER|", f"{E + 1}|NONE|NONE|{A}|PAUSEALL|training"], clock
    )
    assert (agent(engine).state, agent(engine).state_reason) == ("break", "training")
    ingest(engine, [f"{E + 2}|NONE|NONE|{A}|UNPAUSEALL|"], clock)
    assert agent(engine).state == "available"


def test_a_full_call_enterqueue_connect_complete(engine: Engine, clock: ManualClock) -> None:
    ingest(
        engine,
        [
            f"{E}|NONE|9000|{A}|ADDMEMBER|",
            f"{E + 100}|1.2|9000|NONE|ENTERQUEUE||01773597776|1",
            f"{E + 101}|1.2|9000|PJSIP/9|RINGNOANSWER|1000",
            f"{E + 106}|1.2|9000|{A}|CONNECT|6|1.7|1",
        ],
        clock,
    )
    c = call(engine, "1.2")
    assert (c.queue, c.customer_id, c.outcome, c.offered_at, c.answered_at, c.hold_seconds) == (
        "9000",
        "01773597776",
        "in_progress",
        at(100),
        at(106),
        6,
    )
    a = agent(engine)
    assert (a.state, a.current_call_id, a.state_since) == ("on_call", "1.2", at(106))
    ingest(engine, [f"{E + 226}|1.2|9000|{A}|COMPLETECALLER|6|120|1"], clock)
    c = call(engine, "1.2")
    assert (c.outcome, c.ended_at, c.talk_seconds, c.agent_id) == ("completed", at(226), 120, A)
    a = agent(engine)
    assert (a.state, a.current_call_id, a.state_since) == ("available", None, at(226))


def test_ringnoanswer_is_recorded_without_changing_a_known_state(
    engine: Engine, clock: ManualClock
) -> None:
    ingest(
        engine,
        [
            f"{E}|NONE|9000|{A}|ADDMEMBER|",
            f"{E + 1}|NONE|9000|{A}|PAUSE|lunch",
            f"{E + 5}|1.2|9000|{A}|RINGNOANSWER|15000",
        ],
        clock,
    )
    assert agent(engine).state == "break"
    with engine.connect() as conn:
        kinds = conn.execute(select(FeedEventRow.kind).order_by(FeedEventRow.id)).scalars().all()
    assert kinds[-1] == "call_ring_no_answer"


def test_pause_during_a_call_starts_when_the_call_ends(engine: Engine, clock: ManualClock) -> None:
    writer = FeedWriter(engine, Settings(), clock=clock)
    writer.write(
        parse_queue_log(
            [
                f"{E}|NONE|9000|{A}|ADDMEMBER|",
                f"{E + 1}|1.2|9000|NONE|ENTERQUEUE||5|1",
                f"{E + 2}|1.2|9000|{A}|CONNECT|1|1.7|1",
                f"{E + 30}|NONE|9000|{A}|PAUSE|toilet",
            ],
            "q",
        )
    )
    assert agent(engine).state == "on_call"
    writer.write(parse_queue_log([f"{E + 90}|1.2|9000|{A}|COMPLETEAGENT|1|88|1"], "q"))
    a = agent(engine)
    assert (a.state, a.state_reason, a.state_since) == ("break", "toilet", at(90))


@pytest.mark.parametrize(
    ("event", "data", "outcome"),
    [
        ("ABANDON", "2|2|13", "abandoned"),
        ("EXITWITHTIMEOUT", "1|1|13", "timeout"),
        ("EXITEMPTY", "1|1|13", "timeout"),
        ("EXITWITHKEY", "5|1|1|13", "abandoned"),
    ],
)
def test_unanswered_exits_end_the_call(
    engine: Engine, clock: ManualClock, event: str, data: str, outcome: str
) -> None:
    ingest(
        engine,
        [f"{E}|1.2|9000|NONE|ENTERQUEUE||5|1", f"{E + 13}|1.2|9000|NONE|{event}|{data}"],
        clock,
    )
    c = call(engine, "1.2")
    assert (c.outcome, c.ended_at, c.answered_at, c.hold_seconds) == (outcome, at(13), None, 13)
    # The figures tell the four exits apart: the outcome alone folds them into two.
    assert c.exit_reason == event.lower()


@pytest.mark.parametrize("event", ["TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"])
def test_transfers_end_the_call_and_free_the_agent(
    engine: Engine, clock: ManualClock, event: str
) -> None:
    ingest(
        engine,
        [
            f"{E}|1.2|9000|NONE|ENTERQUEUE||5|1",
            f"{E + 3}|1.2|9000|{A}|CONNECT|3|1.7|1",
            f"{E + 63}|1.2|9000|{A}|{event}|8001|ctx|3|60|1",
        ],
        clock,
    )
    c = call(engine, "1.2")
    assert (c.outcome, c.ended_at, c.talk_seconds) == ("transferred", at(63), 60)
    a = agent(engine)
    assert (a.state, a.current_call_id) == ("available", None)


def test_summary_counts_ignored_kinds_and_rejects(engine: Engine, clock: ManualClock) -> None:
    s = ingest(
        engine,
        [
            f"{E}|NONE|NONE|NONE|CONFIGRELOAD|",
            f"{E}|NONE|NONE|NONE|CONFIGRELOAD|",
            f"{E}|NONE|NONE|NONE|AGENTDUMP|",
            "junk",
            f"{E}|1.2|9000|NONE|ENTERQUEUE||5|1",
        ],
        clock,
    )
    assert (s.accepted, s.rejected, s.ignored) == (1, 1, 3)
    assert s.ignored_kinds == {"CONFIGRELOAD": 2, "AGENTDUMP": 1}
