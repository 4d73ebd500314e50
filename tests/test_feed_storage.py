"""What a stored event costs, and that the compact store keeps every promise of the old one.

Every event has a ``feed_event`` row and most a state change: the bytes per event are the
store's size for a month of a centre. These tests pin the layout (docs/storage.md) and
that the conversion of an older store keeps times exact and re-ingest idempotent.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from hashlib import blake2b
from pathlib import Path

from sqlalchemy import Engine, select, text

from db.engine import make_engine, open_store, upgrade
from db.models import AgentStateChange, Call, FeedEventRow, FeedSource
from db.types import HexKey, UTCMicros
from floorapp.clock import ManualClock
from floorapp.config import Settings
from floorapp.feed.queue_log import parse_queue_log
from floorapp.feed.writer import FeedWriter

E = 1773100000
LINES = [
    f"{E}|NONE|q1|PJSIP/1001|ADDMEMBER|\n",
    f"{E + 5}|c1|q1|NONE|ENTERQUEUE||13800001111|1\n",
    f"{E + 9}|c1|q1|PJSIP/1001|CONNECT|4|c1b|3\n",
    f"{E + 99}|c1|q1|PJSIP/1001|COMPLETEAGENT|4|90|1\n",
]


def _ingest(
    engine: Engine, lines: list[str], source: str = "/var/log/asterisk/queue_log"
) -> tuple[int, int]:
    clock = ManualClock(datetime.fromtimestamp(E + 3600, UTC))
    s = FeedWriter(engine, Settings(), clock=clock).write(parse_queue_log(lines, source))
    return s.accepted, s.duplicates


def test_times_round_trip_exactly_and_order_as_instants() -> None:
    t = UTCMicros()
    for dt in (
        datetime(2026, 3, 16, 1, 2, 3, 456789, tzinfo=timezone(timedelta(hours=8))),
        datetime(2000, 1, 1, tzinfo=UTC),
        datetime(2099, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ):
        stored = t.process_bind_param(dt, None)
        assert t.process_result_value(stored, None) == dt
        assert t.bulk_bind([dt, None]) == [stored, None]
    a = datetime(2026, 3, 16, 9, 0, tzinfo=timezone(timedelta(hours=8)))  # 01:00 UTC
    b = datetime(2026, 3, 16, 1, 0, 0, 1, tzinfo=UTC)
    assert t.process_bind_param(a, None) < t.process_bind_param(b, None)
    for bad in (datetime(2026, 3, 16), "2026-03-16"):
        for convert in (lambda v: t.process_bind_param(v, None), lambda v: t.bulk_bind([v])):
            try:
                convert(bad)
            except (TypeError, ValueError):
                continue
            raise AssertionError(f"{bad!r} was stored")


def test_keys_are_twelve_bytes_ordered_as_their_hex() -> None:
    k = HexKey()
    keys = ["69b7486421e3783021c7e291", "69b74864ff00000000000000", "00000001aa00000000000000"]
    stored = k.bulk_bind(keys)
    assert [len(b) for b in stored] == [12, 12, 12]
    assert [k.process_result_value(b, None) for b in stored] == keys
    assert sorted(stored) == [bytes.fromhex(x) for x in sorted(keys)]
    # A key made by hand that is not hex is still stored and read back the same way.
    assert k.process_result_value(k.process_bind_param("bench-1", None), None) == b"bench-1".hex()


def test_an_event_row_holds_no_repeated_text(engine: Engine) -> None:
    assert _ingest(engine, LINES) == (4, 0)
    path = engine.url.database
    assert path is not None
    con = sqlite3.connect(path)
    try:
        rows = con.execute("SELECT key, source_id, ts FROM feed_event ORDER BY id").fetchall()
        sources = con.execute("SELECT id, name FROM feed_source").fetchall()
        hist = con.execute("SELECT typeof(started_at) FROM agent_state_history").fetchall()
    finally:
        con.close()
    assert sources == [(1, "/var/log/asterisk/queue_log")]
    assert {(type(k), len(k), s, type(ts)) for k, s, ts in rows} == {(bytes, 12, 1, int)}
    assert [r[2] for r in rows] == [(E + d) * 10**6 for d in (0, 5, 9, 99)]
    assert hist and {h for (h,) in hist} == {"integer"}
    with engine.connect() as conn:
        assert conn.execute(select(FeedEventRow.ts).order_by(FeedEventRow.id)).scalars().all() == [
            datetime.fromtimestamp(E + d, UTC) for d in (0, 5, 9, 99)
        ]
        started = (
            conn.execute(
                select(AgentStateChange.started_at).where(
                    AgentStateChange.started_at >= datetime.fromtimestamp(E + 9, UTC)
                )
            )
            .scalars()
            .all()
        )
        assert started == [datetime.fromtimestamp(E + 9, UTC), datetime.fromtimestamp(E + 99, UTC)]
    # A second feed gets its own source number; the same lines again are duplicates.
    assert _ingest(engine, LINES, "/var/log/asterisk/queue_log.1") == (0, 4)
    assert _ingest(engine, [f"{E + 200}|NONE|q1|PJSIP/1001|REMOVEMEMBER|\n"], "other") == (1, 0)
    with engine.connect() as conn:
        assert conn.execute(select(FeedSource.name).order_by(FeedSource.id)).scalars().all() == [
            "/var/log/asterisk/queue_log",
            "other",
        ]


def _old_key(line: str, second: int) -> str:
    """A key as the writer made it before revision 0011 (32 hex digits)."""
    digest = blake2b(f"queue-log\x00{line}".encode(), digest_size=12).hexdigest()
    return f"{second:08x}{digest}"


def test_a_store_from_before_keeps_its_events_and_recognises_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'floor.db'}"
    old = make_engine(url)
    upgrade(old, "0010")
    with old.begin() as conn:
        conn.execute(text("INSERT INTO team (id, name) VALUES ('unassigned', 'U')"))
        conn.execute(
            text(
                "INSERT INTO agent (id, name, team_id, tier, sensitive_designated, from_feed, "
                "state, seq) VALUES ('PJSIP/1001', 'PJSIP/1001', 'unassigned', 1, 0, 1, "
                "'available', 1)"
            )
        )
        for i, line in enumerate(LINES[:2], 1):
            sec = int(line.split("|")[0])
            conn.execute(
                text(
                    "INSERT INTO feed_event (key, source, line_no, ts, kind, agent_id, call_id,"
                    " payload) VALUES (:k, :s, :n, :ts, 'agent_login', NULL, NULL, NULL)"
                ),
                {
                    "k": _old_key(line.rstrip("\n"), sec),
                    "s": "/var/log/asterisk/queue_log",
                    "n": i,
                    "ts": datetime.fromtimestamp(sec, UTC).strftime("%Y-%m-%d %H:%M:%S.%f"),
                },
            )
        conn.execute(
            text(
                "INSERT INTO agent_state_history (agent_id, state, reason, started_at) VALUES "
                "('PJSIP/1001', 'available', NULL, '2026-03-09 23:46:40.250000')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO call (id, queue, outcome, complaint, negative_sentiment,"
                " refused_explanations, sensitive_customer, offered_at, exit_reason) VALUES"
                " ('c0', 'q1', 'abandoned', 0, 0, 0, 0, '2026-03-09 23:40:00.000001', 'abandon')"
            )
        )
    old.dispose()

    engine = open_store(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(FeedEventRow.line_no, FeedEventRow.ts, FeedSource.name)
                .join(FeedSource, FeedSource.id == FeedEventRow.source_id)
                .order_by(FeedEventRow.id)
            ).all()
            started = conn.execute(select(AgentStateChange.started_at)).scalar_one()
            call = conn.execute(
                select(Call.offered_at, Call.answered_at, Call.exit_reason).where(Call.id == "c0")
            ).one()
        assert [tuple(r) for r in rows] == [
            (1, datetime.fromtimestamp(E, UTC), "/var/log/asterisk/queue_log"),
            (2, datetime.fromtimestamp(E + 5, UTC), "/var/log/asterisk/queue_log"),
        ]
        assert started == datetime(2026, 3, 9, 23, 46, 40, 250000, tzinfo=UTC)
        assert tuple(call) == (datetime(2026, 3, 9, 23, 40, 0, 1, tzinfo=UTC), None, "abandon")
        # The lines stored before the upgrade are recognised; only the rest is new.
        assert _ingest(engine, LINES) == (2, 2)
    finally:
        engine.dispose()
