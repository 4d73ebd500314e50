"""The feed writer: the real queue_log sample end to end, idempotency, observers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, MetaData, func, select

from db.models import Agent, Call, FeedEventRow
from floorapp.clock import ManualClock
from floorapp.config import Settings
from floorapp.feed.events import EventKind, FeedEvent
from floorapp.feed.jsonl import parse_jsonl
from floorapp.feed.queue_log import parse_queue_log
from floorapp.feed.writer import FeedWriter, IngestSummary

SAMPLE = Path(__file__).parent / "data" / "asterisk-queue_log.sample"


def ingest_sample(engine: Engine, clock: ManualClock, batch_size: int = 5000) -> IngestSummary:
    writer = FeedWriter(engine, Settings(), clock=clock, batch_size=batch_size)
    with open(SAMPLE, encoding="utf-8") as fh:
        return writer.write(parse_queue_log(fh, str(SAMPLE)))


def table_counts(engine: Engine) -> dict[str, int]:
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return {
            name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in meta.tables.items()
        }


def test_real_sample_end_to_end(engine: Engine, clock: ManualClock) -> None:
    s = ingest_sample(engine, clock, batch_size=50)  # several batches, state carried across
    # 280 lines: 2 blank, 7 housekeeping (CONFIGRELOAD), the rest events (QUEUESTART 2).
    assert (s.accepted, s.duplicates, s.rejected, s.ignored) == (271, 0, 0, 7)
    assert s.ignored_kinds == {"CONFIGRELOAD": 7}
    with engine.connect() as conn:
        outcomes = dict(
            conn.execute(select(Call.outcome, func.count()).group_by(Call.outcome)).all()
        )
        live = conn.execute(
            select(Call.__table__).where(Call.ended_at.is_(None)).order_by(Call.id)
        ).all()
        agents = dict(conn.execute(select(Agent.id, Agent.state)).all())
        first = conn.execute(select(Call.__table__).where(Call.id == "1266833905.2")).one()
        teams = set(conn.execute(select(Agent.team_id)).scalars())
    assert outcomes == {"completed": 7, "abandoned": 12, "in_progress": 1, "waiting": 1}
    # The log ends with one call connected to 2004 and one still waiting in the queue.
    connected, waiting = live
    assert (connected.id, connected.agent_id, connected.outcome, connected.customer_id) == (
        "1266839761.533",
        "Local/2004@from-internal/n",
        "in_progress",
        "03420254064",
    )
    assert connected.answered_at == datetime.fromtimestamp(1266839775, UTC)
    assert (waiting.id, waiting.outcome, waiting.agent_id) == ("1266839768.534", "waiting", None)
    assert agents["Local/2004@from-internal/n"] == "on_call"
    # Nine of the ten members appear in this log (2003 never rings); none is on the roster.
    assert len(agents) == 9 and teams == {"unassigned"}
    # The very first call: answered by 2004 after 1 s, 3 s of talk, hung up by the agent.
    assert (first.offered_at, first.answered_at, first.ended_at) == (
        datetime.fromtimestamp(1266833911, UTC),
        datetime.fromtimestamp(1266833912, UTC),
        datetime.fromtimestamp(1266833915, UTC),
    )
    assert (first.hold_seconds, first.talk_seconds, first.customer_id) == (1, 3, "01773597776")


def test_reingest_adds_nothing_in_any_table(any_engine: Engine, clock: ManualClock) -> None:
    first = ingest_sample(any_engine, clock)
    before = table_counts(any_engine)
    with any_engine.connect() as conn:
        agents_before = conn.execute(select(Agent.__table__).order_by(Agent.id)).all()
    again = ingest_sample(any_engine, clock, batch_size=7)
    assert (again.accepted, again.duplicates, again.ignored) == (0, first.accepted, 7)
    assert table_counts(any_engine) == before
    with any_engine.connect() as conn:
        assert conn.execute(select(Agent.__table__).order_by(Agent.id)).all() == agents_before
    assert before["feed_event"] == 271 and before["call"] == 21


def test_a_batch_with_an_event_twice_stores_it_once(engine: Engine, clock: ManualClock) -> None:
    text = '{"id":"e1","type":"agent_login","ts":"2026-03-10T09:00:00Z","agent":"a1"}'
    s = FeedWriter(engine, Settings(), clock=clock).write(parse_jsonl([text, text], "f"))
    assert (s.accepted, s.duplicates) == (1, 1)


def test_roster_fields_survive_the_feed(engine: Engine, clock: ManualClock) -> None:
    from db.models import Team
    from db.upsert import insert_ignore

    with engine.begin() as conn:
        conn.execute(insert_ignore(conn, Team, ["id"]), {"id": "t1", "name": "Team 1"})
        conn.execute(Agent.__table__.insert().values(id="a1", name="张伟", team_id="t1", tier=2))
    FeedWriter(engine, Settings(), clock=clock).write(
        parse_jsonl(['{"type":"agent_login","ts":"2026-03-10T09:00:00Z","agent":"a1"}'], "f")
    )
    with engine.connect() as conn:
        a = conn.execute(select(Agent.__table__)).one()
    assert (a.name, a.team_id, a.tier, a.from_feed, a.state) == (
        "张伟",
        "t1",
        2,
        False,
        "available",
    )


class Recorder:
    """A FeedObserver that remembers what the writer told it, and writes in its batch."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def start(self, conn: Connection) -> None:
        n = conn.execute(select(func.count()).select_from(FeedEventRow)).scalar_one()
        self.calls.append(("start", n))

    def observe(self, event: FeedEvent) -> None:
        self.calls.append(("observe", event.line_no))

    def tick(self, now: datetime) -> None:
        self.calls.append(("tick", now))

    def flush(self, conn: Connection) -> None:
        # Inside the batch transaction: the batch's events are already visible.
        n = conn.execute(select(func.count()).select_from(FeedEventRow)).scalar_one()
        self.calls.append(("flush", n))


def test_observers_see_new_events_once_with_a_tick_and_a_flush_per_batch(
    engine: Engine, clock: ManualClock
) -> None:
    lines = [
        f'{{"type":"agent_login","ts":"2026-03-10T09:00:0{i}Z","agent":"a{i}"}}' for i in range(5)
    ]
    rec = Recorder()
    writer = FeedWriter(engine, Settings(), clock=clock, observers=[rec], batch_size=3)
    writer.write(parse_jsonl(lines[:3], "f"))
    writer.write(parse_jsonl(lines, "f"))  # the first three are duplicates now
    t = [datetime(2026, 3, 10, 9, 0, i, tzinfo=UTC) for i in range(5)]
    assert rec.calls == [
        ("start", 0),
        ("observe", 1),
        ("observe", 2),
        ("observe", 3),
        ("tick", t[2]),
        ("flush", 3),
        ("flush", 3),  # batch of three duplicates: nothing observed, no tick
        ("observe", 4),
        ("observe", 5),
        ("tick", t[4]),
        ("flush", 5),
    ]


def test_each_batch_numbers_the_agents_it_writes(engine: Engine, clock: ManualClock) -> None:
    """Consoles read agent rows by change number: a batch that writes agents takes a number
    later than any before, and only the agents it wrote carry it (the real log's event times
    are from 2010: the number, not the time, tells a console what is new)."""
    ingest_sample(engine, clock, batch_size=50)
    with engine.connect() as conn:
        before = dict(conn.execute(select(Agent.id, Agent.seq)).all())
    assert min(before.values()) >= 1
    ingest_sample(engine, clock, batch_size=50)  # the same lines again: all duplicates
    agent = "Local/2004@from-internal/n"
    later = json.dumps(
        {
            "ts": "2010-02-22T12:00:00Z",
            "type": "state",
            "agent": agent,
            "state": "break",
            "reason": "lunch",
        }
    )
    FeedWriter(engine, Settings(), clock=clock).write(parse_jsonl([later], "f"))
    with engine.connect() as conn:
        after = dict(conn.execute(select(Agent.id, Agent.seq)).all())
    assert after[agent] == max(before.values()) + 1
    assert {a: s for a, s in after.items() if a != agent} == {
        a: s for a, s in before.items() if a != agent
    }


# --- nothing one event holds stops the batch -----------------------------------------------


def _rejects(engine: Engine) -> list[tuple[int, str]]:
    from db.models import RejectedInput

    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(RejectedInput.line_no, RejectedInput.reason).order_by(RejectedInput.line_no)
            )
        ]


def _jsonl(*events: dict[str, object]) -> list[str]:
    return [json.dumps(e) for e in events]


def test_an_event_the_store_cannot_take_is_rejected_and_its_batch_is_kept(
    engine: Engine, clock: ManualClock
) -> None:
    """An event only the store refuses (an id PostgreSQL or SQLite cannot hold) fails its
    batch's transaction: the batch is split until only that event is left, which is
    rejected with the error named; every other event of the batch is stored."""
    lines = _jsonl(
        {"type": "agent_login", "ts": "2026-03-10T09:00:00Z", "agent": "a1"},
        {"type": "agent_login", "ts": "2026-03-10T09:00:01Z", "agent": "a2"},
        {"type": "agent_login", "ts": "2026-03-10T09:00:02Z", "agent": "a3"},
        {"type": "agent_login", "ts": "2026-03-10T09:00:03Z", "agent": "a4"},
        {"type": "agent_login", "ts": "2026-03-10T09:00:04Z", "agent": "a5"},
    )
    parsed = list(parse_jsonl(lines, "f.jsonl"))
    assert isinstance(parsed[2], FeedEvent)
    parsed[2].agent = "bad\ud800"  # a lone surrogate: no database encoding takes it
    s = FeedWriter(engine, Settings(), clock=clock).write(parsed)
    assert (s.accepted, s.rejected) == (4, 1)
    with engine.connect() as conn:
        assert set(conn.execute(select(Agent.id)).scalars()) == {"a1", "a2", "a4", "a5"}
        assert conn.execute(select(func.count()).select_from(FeedEventRow)).scalar_one() == 4
    [(line_no, reason)] = _rejects(engine)
    assert line_no == 3 and "could not be stored" in reason and "Encode" in reason


def test_a_huge_hold_time_is_rejected_by_the_writer_not_raised(
    engine: Engine, clock: ManualClock
) -> None:
    """The writer checks numbers before its time arithmetic (defence behind the parsers)."""
    ev = FeedEvent(
        "k-huge",
        "f.jsonl",
        2,
        datetime(2026, 3, 10, 9, 0, 5, tzinfo=UTC),
        EventKind.CALL_ANSWERED,
        "a1",
        "c1",
        {"hold_seconds": 100000000000},
    )
    ok = FeedEvent(
        "k-ok",
        "f.jsonl",
        1,
        datetime(2026, 3, 10, 9, 0, 0, tzinfo=UTC),
        EventKind.AGENT_LOGIN,
        "a1",
    )
    s = FeedWriter(engine, Settings(), clock=clock).write([ok, ev])
    assert (s.accepted, s.rejected) == (1, 1)
    [(line_no, reason)] = _rejects(engine)
    assert line_no == 2 and "hold_seconds" in reason and "100000000000" in reason


def test_a_batch_of_good_and_bad_lines_keeps_every_good_line(
    engine: Engine, clock: ManualClock
) -> None:
    good = [
        {"type": "agent_login", "ts": f"2026-03-10T09:00:{i:02d}Z", "agent": f"a{i}"}
        for i in range(20)
    ]
    parsed = list(parse_jsonl(_jsonl(*good), "f.jsonl"))
    for i in (0, 7, 8, 19):
        parsed[i].agent = f"x{i}\udc80"  # type: ignore[union-attr]
    s = FeedWriter(engine, Settings(), clock=clock).write(parsed)
    assert (s.accepted, s.rejected) == (16, 4)
    assert [n for n, _ in _rejects(engine)] == [1, 8, 9, 20]
    with engine.connect() as conn:
        assert len(conn.execute(select(Agent.id)).all()) == 16


# --- feed time against wall time -----------------------------------------------------------


def test_an_event_far_ahead_of_the_wall_clock_is_a_clock_error(
    engine: Engine, clock: ManualClock
) -> None:
    lines = _jsonl(
        {"type": "agent_login", "ts": "2026-03-10T09:00:00Z", "agent": "a1"},
        {"type": "agent_login", "ts": "2099-03-10T09:00:00Z", "agent": "a2"},
        {"type": "agent_login", "ts": "2026-03-10T09:04:00Z", "agent": "a3"},  # 4 min: fine
    )
    s = FeedWriter(engine, Settings(), clock=clock).write(parse_jsonl(lines, "f.jsonl"))
    assert (s.accepted, s.rejected) == (2, 1)
    [(line_no, reason)] = _rejects(engine)
    assert line_no == 2
    assert reason.startswith("clock error: event time 2099-03-10")
    assert "73 years ahead of this host's clock" in reason


def test_a_late_logout_goes_into_history_but_does_not_log_out_a_later_login(
    engine: Engine, clock: ManualClock
) -> None:
    from db.models import AgentStateChange

    clock.set(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    writer = FeedWriter(engine, Settings(), clock=clock)
    writer.write(
        parse_jsonl(
            _jsonl(
                {"type": "agent_login", "ts": "2026-03-10T08:00:00Z", "agent": "a1"},
                {"type": "agent_logout", "ts": "2026-03-10T11:00:00Z", "agent": "a1"},
                {"type": "agent_login", "ts": "2026-03-10T11:50:00Z", "agent": "a1"},
            ),
            "f.jsonl",
        )
    )
    # A logout stamped three hours ago arrives now (a PBX's buffered line).
    s = writer.write(
        parse_jsonl(
            _jsonl(
                {"type": "agent_logout", "ts": "2026-03-10T09:00:00Z", "agent": "a1"},
            ),
            "late.jsonl",
        )
    )
    assert s.accepted == 1
    with engine.connect() as conn:
        a = conn.execute(select(Agent.__table__).where(Agent.id == "a1")).one()
        history = conn.execute(
            select(AgentStateChange.state, AgentStateChange.started_at)
            .where(AgentStateChange.agent_id == "a1")
            .order_by(AgentStateChange.started_at)
        ).all()
    assert (a.state, a.logged_in_since) == ("available", datetime(2026, 3, 10, 11, 50, tzinfo=UTC))
    assert [(st, t.hour) for st, t in history] == [
        ("available", 8),
        ("offline", 9),
        ("offline", 11),
        ("available", 11),
    ]


def test_the_simulator_faster_than_real_time_is_no_clock_error(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """At --speed above 1 the floor's time runs ahead of this host's; the simulator writes
    with the floor's clock, so a quarter of an hour of floor (beyond max_ahead) is all kept."""
    from floorapp.cli import main

    rc = main(
        [
            "--db",
            db_url,
            "simulate",
            "--agents",
            "12",
            "--teams",
            "3",
            "--seed",
            "3",
            "--speed",
            "100000",
            "--duration",
            "900",
        ]
    )
    assert rc == 0
    assert " 0 rejected" in capsys.readouterr().err


def test_ingest_names_a_clock_error_like_any_rejected_line(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from floorapp.cli import main

    path = tmp_path / "f.jsonl"
    path.write_text(
        "\n".join(
            _jsonl(
                {"type": "agent_login", "ts": "2020-03-10T09:00:00Z", "agent": "a1"},
                {"type": "agent_login", "ts": "2099-03-10T09:00:00Z", "agent": "a2"},
            )
        )
        + "\n",
        encoding="utf-8",
    )
    assert main(["--db", db_url, "ingest", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:2: clock error: event time 2099-03-10T09:00:00+00:00 is " in err
    assert "1 accepted, 0 duplicates, 1 rejected" in err
