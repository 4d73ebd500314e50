"""JSONL: the documented schema, errors that name the line and the field, good lines kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, func, select

from db.models import Agent, AgentNote, Call, Escalation, FeedEventRow, RejectedInput
from floorapp.clock import ManualClock
from floorapp.config import Settings
from floorapp.feed.events import EventKind, FeedEvent, Rejected
from floorapp.feed.jsonl import event_to_json, parse_jsonl
from floorapp.feed.writer import FeedWriter
from tests.conftest import T0

TS = "2026-03-10T17:00:00+08:00"  # 09:00 UTC, written in the centre's zone


def line(**fields: object) -> str:
    return json.dumps({"ts": TS, **fields}, ensure_ascii=False)


def test_every_documented_type_parses() -> None:
    lines = [
        line(type="agent_login", agent="a1"),
        line(type="agent_login", agent="a2", state="break", reason="meeting"),
        line(type="state", agent="a1", state="after_call"),
        line(
            type="call_offered",
            call="c1",
            queue="billing",
            customer="cust-9",
            sensitive_customer=True,
        ),
        line(type="call_ring_no_answer", call="c1", agent="a2", ring_ms=15000),
        line(type="call_answered", call="c1", agent="a1", hold_seconds=12),
        line(type="call_update", call="c1", refused_explanations=2, negative_sentiment=True),
        line(
            type="call_ended",
            call="c1",
            agent="a1",
            outcome="completed",
            talk_seconds=300,
            satisfaction=2,
            effort=5,
            complaint=True,
            after_call=True,
        ),
        line(type="call_abandoned", call="c2", outcome="timeout", hold_seconds=600),
        line(type="call_transferred", call="c3", agent="a1", to="tier2", talk_seconds=20),
        line(type="raise_hand", agent="a1", note="customer threatens to go to the press"),
        line(
            type="escalation",
            agent="a1",
            call="c1",
            reason="refund dispute",
            severity="medium",
            tier=2,
        ),
        line(type="observation", agent="a1", supervisor="lead.wang", text="voice raised"),
        line(type="agent_logout", agent="a2"),
    ]
    items = list(parse_jsonl(lines, "f.jsonl"))
    assert all(isinstance(i, FeedEvent) for i in items), [
        i for i in items if isinstance(i, Rejected)
    ]
    assert [i.kind for i in items][:3] == [EventKind.AGENT_LOGIN] * 2 + [EventKind.STATE]
    first = items[0]
    assert isinstance(first, FeedEvent)
    assert first.ts == T0 and first.ts.tzinfo is UTC
    ended = items[7]
    assert isinstance(ended, FeedEvent)
    assert ended.data == {
        "outcome": "completed",
        "talk_seconds": 300,
        "satisfaction": 2,
        "effort": 5,
        "complaint": True,
        "after_call": True,
    }


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            '{"type":"agent_login","ts":"2026-03-10T09:00:00","agent":"a1"}',
            "field 'ts': no UTC offset in '2026-03-10T09:00:00'",
        ),
        (
            '{"type":"agent_login","ts":"tuesday","agent":"a1"}',
            "field 'ts': not an ISO 8601 time: 'tuesday'",
        ),
        ('{"type":"agent_login","agent":"a1"}', "field 'ts': missing"),
        (
            '{"type":"dance","ts":"2026-03-10T09:00:00Z"}',
            "field 'type': unknown event type 'dance'",
        ),
        ('{"ts":"2026-03-10T09:00:00Z"}', "field 'type': missing"),
        (
            '{"type":"state","ts":"2026-03-10T09:00:00Z","agent":"a1"}',
            "field 'state': required for state",
        ),
        (
            '{"type":"state","ts":"2026-03-10T09:00:00Z","agent":"a1","state":"asleep"}',
            "field 'state': asleep is not one of available, on_call, after_call, break, offline",
        ),
        (
            '{"type":"call_ended","ts":"2026-03-10T09:00:00Z","call":"c","satisfaction":9}',
            "field 'satisfaction': 9 is out of range (1-5)",
        ),
        (
            '{"type":"call_ended","ts":"2026-03-10T09:00:00Z","call":"c","complaint":"yes"}',
            "field 'complaint': expected true or false",
        ),
        (
            '{"type":"call_answered","ts":"2026-03-10T09:00:00Z","call":"c"}',
            "field 'agent': required for call_answered",
        ),
        (
            '{"type":"escalation","ts":"2026-03-10T09:00:00Z","agent":"a","reason":"x","tier":4}',
            "field 'tier': 4 is out of range (1-3)",
        ),
        (
            '{"type":"observation","ts":"2026-03-10T09:00:00Z","agent":"a","text":"x"}',
            "field 'supervisor': required for observation",
        ),
        ('{"type": "agent_login", ', "not valid JSON"),
        ('["agent_login"]', "expected a JSON object, got list"),
    ],
)
def test_schema_errors_name_the_field(bad: str, message: str) -> None:
    (item,) = parse_jsonl([bad], "f.jsonl", start_line=11)
    assert isinstance(item, Rejected)
    assert item.line_no == 12
    assert message in item.reason


def test_bad_lines_are_kept_as_rejects_and_good_lines_around_them_are_stored(
    engine: Engine, clock: ManualClock
) -> None:
    lines = [
        line(type="agent_login", agent="a1"),
        '{"type":"agent_login","ts":"2026-03-10T09:00:00","agent":"a2"}',
        "",
        line(type="agent_login", agent="a3"),
        "not json at all",
        line(type="agent_logout", agent="a1"),
    ]
    s = FeedWriter(engine, Settings(), clock=clock).write(parse_jsonl(lines, "f.jsonl"))
    assert (s.accepted, s.rejected) == (3, 2)
    with engine.connect() as conn:
        agents = dict(conn.execute(select(Agent.id, Agent.state)).all())
        rejects = conn.execute(
            select(
                RejectedInput.line_no, RejectedInput.reason, RejectedInput.source, RejectedInput.at
            ).order_by(RejectedInput.line_no)
        ).all()
    assert agents == {"a1": "offline", "a3": "available"}
    assert [(r.line_no, r.source, r.at) for r in rejects] == [
        (2, "f.jsonl", T0),
        (5, "f.jsonl", T0),
    ]
    assert "no UTC offset" in rejects[0].reason


def test_id_field_is_the_idempotency_key() -> None:
    a = next(iter(parse_jsonl([line(type="agent_login", agent="a1", id="ev-1")], "x")))
    b = next(
        iter(
            parse_jsonl(
                [
                    json.dumps(
                        {
                            "type": "agent_login",
                            "agent": "a1",
                            "id": "ev-1",
                            "ts": "2026-03-10T09:00:00Z",
                        }
                    )
                ],
                "y",
            )
        )
    )
    c = next(iter(parse_jsonl([line(type="agent_login", agent="a1", id="ev-2")], "x")))
    assert isinstance(a, FeedEvent) and isinstance(b, FeedEvent) and isinstance(c, FeedEvent)
    assert a.key == b.key != c.key


def test_event_to_json_round_trips_through_the_parser() -> None:
    when = datetime(2026, 3, 10, 17, 0, tzinfo=timezone(timedelta(hours=8)))
    text = event_to_json(
        {
            "type": "call_ended",
            "ts": when,
            "call": "c1",
            "agent": "坐席 7",
            "satisfaction": 4,
            "effort": None,
            "complaint": False,
        }
    )
    assert "\n" not in text and "effort" not in text and "坐席" in text
    (ev,) = parse_jsonl([text], "sim")
    assert isinstance(ev, FeedEvent)
    assert (ev.ts, ev.agent, ev.data) == (T0, "坐席 7", {"satisfaction": 4, "complaint": False})
    with pytest.raises(ValueError, match="naive"):
        event_to_json({"type": "state", "ts": datetime(2026, 3, 10, 9, 0)})


def test_control_characters_and_markup_are_stored_inert(engine: Engine, clock: ManualClock) -> None:
    lines = [
        line(
            type="observation",
            agent="a1\x1b[2J",
            supervisor="lead",
            id="o1",
            text="[bold]shouted[/bold] \x1b]2;pwned\x07 at customer",
        )
    ]
    FeedWriter(engine, Settings(), clock=clock).write(parse_jsonl(lines, "f"))
    with engine.connect() as conn:
        note = conn.execute(select(AgentNote.agent_id, AgentNote.text)).one()
    assert "\x1b" not in note.agent_id and "\x1b" not in note.text and "\x07" not in note.text
    assert "[bold]shouted[/bold]" in note.text  # markup is kept as text: screens show it literally


def test_calls_escalations_and_notes_from_jsonl(engine: Engine, clock: ManualClock) -> None:
    lines = [
        line(type="agent_login", agent="a1"),
        line(type="call_offered", call="c1", queue="billing", customer="cust-9"),
        line(type="call_answered", call="c1", agent="a1", hold_seconds=12),
        line(type="call_update", call="c1", refused_explanations=3, negative_sentiment=True),
        line(
            type="escalation",
            agent="a1",
            call="c1",
            reason="refund dispute",
            severity="medium",
            tier=2,
        ),
        line(
            type="call_ended",
            call="c1",
            agent="a1",
            talk_seconds=300,
            satisfaction=2,
            effort=5,
            complaint=True,
            after_call=True,
        ),
    ]
    writer = FeedWriter(engine, Settings(), clock=clock)
    writer.write(parse_jsonl(lines, "f"))
    with engine.connect() as conn:
        c = conn.execute(select(Call.__table__)).one()
        esc = conn.execute(select(Escalation.__table__)).one()
        a = conn.execute(select(Agent.state, Agent.state_since)).one()
    assert (
        c.outcome,
        c.customer_id,
        c.refused_explanations,
        c.negative_sentiment,
        c.satisfaction,
        c.effort,
        c.complaint,
        c.hold_seconds,
        c.talk_seconds,
    ) == ("completed", "cust-9", 3, True, 2, 5, True, 12, 300)
    assert (esc.tier, esc.severity, esc.customer_id, esc.agent_id, esc.call_id) == (
        2,
        "medium",
        "cust-9",
        "a1",
        "c1",
    )
    assert esc.deadline == T0 + Settings().deadline(2, "medium")
    assert tuple(a) == ("after_call", T0)
    # Re-ingesting opens no second escalation and stores no second event.
    again = FeedWriter(engine, Settings(), clock=clock).write(parse_jsonl(lines, "f"))
    assert (again.accepted, again.duplicates) == (0, 6)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Escalation)).scalar() == 1
        assert conn.execute(select(func.count()).select_from(FeedEventRow)).scalar() == 6
