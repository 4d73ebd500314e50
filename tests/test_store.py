"""The store: created on first touch, shared safely, upgraded in place."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from db.engine import current_revision, head_revision, open_store, write_tx
from db.models import Agent, Escalation, Team
from floorapp.config import Settings
from floorapp.escalations import open_escalation
from tests.conftest import T0


def test_first_open_creates_schema_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "new.db"
    engine = open_store(f"sqlite:///{path}")
    assert path.exists()
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    engine.dispose()
    # A plain sqlite3 shell sees the tables: nothing exotic on disk.
    names = {r[0] for r in sqlite3.connect(path).execute("select name from sqlite_master")}
    assert {"agent", "team", "call", "flag", "escalation", "audit_log", "feed_event"} <= names


def test_times_round_trip_as_aware_utc(any_engine) -> None:
    engine = any_engine
    with write_tx(engine) as conn:
        conn.execute(Team.__table__.insert().values(id="t1", name="Team 1"))
        conn.execute(
            Agent.__table__.insert().values(id="a1", name="张伟", team_id="t1", state_since=T0)
        )
    with engine.connect() as conn:
        since = conn.execute(select(Agent.state_since)).scalar_one()
    assert since == T0 and since.tzinfo is not None


def test_foreign_keys_are_enforced(any_engine) -> None:
    engine = any_engine
    import pytest
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        with write_tx(engine) as conn:
            conn.execute(Agent.__table__.insert().values(id="a1", name="x", team_id="nope"))


def test_escalation_deadline_from_settings_and_idempotent_source_key(any_engine) -> None:
    engine = any_engine
    s = Settings()
    with write_tx(engine) as conn:
        first = open_escalation(
            conn,
            s,
            now=T0,
            opened_by="feed",
            reason="refund refused",
            tier=1,
            severity="high",
            source_key="k1",
        )
        again = open_escalation(
            conn,
            s,
            now=T0,
            opened_by="feed",
            reason="refund refused",
            tier=1,
            severity="high",
            source_key="k1",
        )
    assert first is not None and again is None
    with engine.connect() as conn:
        rows = conn.execute(select(Escalation)).all()
    assert len(rows) == 1
    assert rows[0].deadline == T0 + timedelta(minutes=15)


def test_the_scripts_revisions_read_without_alembic_are_alembics() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from db.engine import MIGRATIONS_DIR, script_revisions

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    known, head = script_revisions()
    assert known == {r.revision for r in ScriptDirectory.from_config(cfg).walk_revisions()}
    assert head == head_revision()


def test_opening_an_up_to_date_store_does_not_load_alembic(tmp_path) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    db = tmp_path / "floor.db"
    open_store(f"sqlite:///{db}").dispose()
    code = (
        f"import sys\nfrom db.engine import open_store\nopen_store('sqlite:///{db}')\n"
        "print('alembic' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(root)),
        check=True,
        timeout=120,
    )
    assert out.stdout.split() == ["False"]
