"""Alembic environment: runs on the connection handed in by ``db.engine.upgrade``."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection, create_engine
from sqlalchemy.sql.schema import SchemaItem
from sqlmodel import SQLModel

from db.registry import import_all_models

# Registers every table on SQLModel.metadata (FLOORAPP_MODELS_ONLY: for writing revisions).
import_all_models(os.environ.get("FLOORAPP_MODELS_ONLY"))

config = context.config
target_metadata = SQLModel.metadata


def _include_object(
    obj: SchemaItem, name: str | None, type_: str, reflected: bool, compare_to: SchemaItem | None
) -> bool:
    # APScheduler owns its job table; autogenerate must not propose dropping it.
    return not (type_ == "table" and name is not None and name.startswith("apscheduler_"))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things in place
        include_object=_include_object,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # `alembic` command line, for writing new revisions
    url = config.get_main_option("sqlalchemy.url") or "sqlite:///floorapp-dev.db"
    with create_engine(url).connect() as conn:
        _run(conn)
