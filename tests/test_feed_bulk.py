"""The fast many-row path stores exactly what SQLAlchemy's own executemany stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, insert, select

from db.engine import write_tx
from db.models import AgentStateChange, Team
from floorapp.feed.bulk import BulkStatement

COLS = ("agent_id", "state", "reason", "started_at")


def test_same_stored_values_as_core_executemany(any_engine: Engine) -> None:
    times = [
        datetime(2026, 3, 10, 9, 0, tzinfo=UTC),
        datetime(2026, 3, 10, 17, 0, 0, 250000, tzinfo=timezone(timedelta(hours=8))),
        datetime(2010, 2, 22, 10, 18, 32, 7, tzinfo=timezone(timedelta(hours=-5))),
    ]
    with write_tx(any_engine) as conn:
        conn.execute(insert(Team), [{"id": "t", "name": "t"}])
        conn.exec_driver_sql(
            "INSERT INTO agent (id, name, team_id, tier, sensitive_designated, "
            "from_feed, state) VALUES ('a', 'a', 't', 1, false, true, 'offline')"
        )
    rows = [("a", "break", "lunch\u00e9", t) for t in times] + [("a", "available", None, times[0])]
    table = AgentStateChange.__table__  # type: ignore[attr-defined]
    with write_tx(any_engine) as conn:
        conn.execute(insert(AgentStateChange), [dict(zip(COLS, r, strict=True)) for r in rows])
        BulkStatement(lambda c: insert(AgentStateChange), [table.c[n] for n in COLS]).execute(
            conn, rows
        )
    with any_engine.connect() as conn:
        # Compare what is on disk, below the type layer: text on SQLite, naive on PostgreSQL.
        raw = conn.exec_driver_sql(
            "SELECT agent_id, state, reason, started_at FROM agent_state_history ORDER BY id"
        ).all()
        typed = conn.execute(select(table.c.started_at).order_by(table.c.id)).scalars().all()
    n = len(rows)
    assert raw[:n] == raw[n:]
    assert typed[n:] == [t.astimezone(UTC) for t in [*times, times[0]]]


def test_naive_times_are_still_refused(engine: Engine) -> None:
    table = AgentStateChange.__table__  # type: ignore[attr-defined]
    stmt = BulkStatement(lambda c: insert(AgentStateChange), [table.c[n] for n in COLS])
    with pytest.raises(Exception, match="naive datetime"), write_tx(engine) as conn:
        stmt.execute(conn, [("a", "break", None, datetime(2026, 3, 10, 9, 0))])
