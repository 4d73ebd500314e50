"""A floor database made by the first schema version upgrades in place with no data loss."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from db.engine import current_revision, head_revision, make_engine, open_store, upgrade

FIRST = "0001"


def test_first_version_database_upgrades_in_place(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old-floor.db'}"
    old = make_engine(url)
    upgrade(old, FIRST)  # exactly what the first release created
    assert current_revision(old) == FIRST
    first_tables = set(inspect(old).get_table_names())
    with old.begin() as conn:
        conn.execute(text("INSERT INTO team (id, name) VALUES ('A', 'Team A')"))
        conn.execute(
            text(
                "INSERT INTO agent (id, name, team_id, tier, sensitive_designated, from_feed, "
                "state) VALUES ('PJSIP/1001', '王芳', 'A', 1, 0, 0, 'on_call')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO call (id, agent_id, outcome, complaint, negative_sentiment, "
                "refused_explanations, sensitive_customer, offered_at) VALUES "
                "('c1', 'PJSIP/1001', 'completed', 1, 0, 2, 0, '2026-03-10 09:00:00')"
            )
        )
    old.dispose()

    engine = open_store(url)  # what any later release does on its first command
    assert current_revision(engine) == head_revision()
    now_tables = set(inspect(engine).get_table_names())
    assert first_tables <= now_tables
    # What later releases added (guarantee periods, reminders, rules' log) is there now.
    assert {"reminder", "plan_period", "rule_firing"} <= now_tables - first_tables
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name, state FROM agent")).one() == ("王芳", "on_call")
        row = conn.execute(text("SELECT complaint, refused_explanations FROM call")).one()
        assert tuple(row) == (1, 2)
    engine.dispose()
    # The raw file is still a healthy SQLite database.
    raw = create_engine(url)
    with raw.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    raw.dispose()


def test_migrations_create_exactly_what_the_models_describe(tmp_path: Path) -> None:
    """A column added to a model without a migration would fail here, not on a floor."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    from db.registry import import_all_models

    import_all_models()
    engine = open_store(f"sqlite:///{tmp_path / 'head.db'}")
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [
            d
            for d in compare_metadata(ctx, SQLModel.metadata)
            if not (d[0] == "remove_table" and d[1].name.startswith("apscheduler_"))
        ]
    engine.dispose()
    assert diff == []
