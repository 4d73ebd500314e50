"""Dialect-aware INSERT ... ON CONFLICT, the one place that knows SQLite from PostgreSQL here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.dialects import postgresql, sqlite


def _insert(bind: Connection | Engine, table: Any) -> Any:
    name = bind.dialect.name
    if name == "sqlite":
        return sqlite.insert(table)
    if name == "postgresql":
        return postgresql.insert(table)
    raise NotImplementedError(f"floorapp supports SQLite and PostgreSQL, not {name}")


def insert_ignore(bind: Connection | Engine, table: Any, conflict_cols: Sequence[str]) -> Any:
    """INSERT that silently skips rows whose ``conflict_cols`` already exist.

    To learn whether the row went in, add ``.returning(pk)``: ``rowcount`` is -1 for
    this statement on PostgreSQL (psycopg), so it cannot tell.
    """
    return _insert(bind, table).on_conflict_do_nothing(index_elements=list(conflict_cols))


def upsert(
    bind: Connection | Engine,
    table: Any,
    conflict_cols: Sequence[str],
    update_cols: Sequence[str],
) -> Any:
    """INSERT, or UPDATE ``update_cols`` from the proposed row when ``conflict_cols`` exist."""
    stmt = _insert(bind, table)
    return stmt.on_conflict_do_update(
        index_elements=list(conflict_cols),
        set_={c: stmt.excluded[c] for c in update_cols},
    )
