"""Column types shared by every table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import SQLCoreOperations
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, hands back aware UTC.

    SQLite has no time-zone type and PostgreSQL's ``timestamptz`` converts to the
    session zone on the way out; storing naive UTC everywhere keeps both engines
    byte-for-byte comparable and makes ``ORDER BY`` on the raw column correct.
    """

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a time zone")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # raw SQL paths on SQLite
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC)


_T = TypeVar("_T")


def not_null(column: SQLCoreOperations[_T | None]) -> SQLCoreOperations[_T]:
    """A nullable column that the query's own filter keeps from NULL (``IN (...)``,
    ``IS NOT NULL``, a comparison), typed as what it then reads back. Types only: the SQL is
    the column's."""
    return cast("SQLCoreOperations[_T]", column)
