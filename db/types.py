"""Column types shared by every table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import BigInteger, DateTime, LargeBinary
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


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


class UTCMicros(TypeDecorator[datetime]):
    """Aware UTC in Python, whole microseconds since 1970-01-01 UTC on disk.

    For the feed's high-volume rows (every event, every state change): 8 bytes a value
    instead of UTCDateTime's 26-character text, in the row and again in each index that
    holds it, ordered the same. Compare such a column only with values bound through its
    own type (a column comparison does that), never with a UTCDateTime parameter.
    """

    impl = BigInteger
    cache_ok = True
    bulk_distinct = True  # a burst of events shares one time: convert it once

    def process_bind_param(self, value: Any, dialect: Dialect | None) -> int | None:
        if value is None:
            return None
        return to_micros(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return _EPOCH + value * _US

    def bulk_bind(self, values: list[Any]) -> list[int | None]:
        """``process_bind_param`` for a whole column (the feed writer's many rows)."""
        epoch, us = _EPOCH, _US
        try:
            return [None if v is None else (v - epoch) // us for v in values]
        except TypeError:  # a naive time or not a time: say so as one value would
            return [self.process_bind_param(v, None) for v in values]


def to_micros(value: Any) -> int:
    """An aware datetime as whole microseconds since 1970-01-01 UTC (UTCMicros' storage)."""
    if not isinstance(value, datetime):
        raise TypeError(f"expected datetime, got {type(value).__name__}")
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column; attach a time zone")
    return (value - _EPOCH) // _US


class HexKey(TypeDecorator[str]):
    """A key written as lowercase hex in Python, stored as the bytes it spells.

    Half the size in the row and in its unique index, ordered the same (bytes compare
    as their hex does). Text that is not hex (a key made by hand) is stored as its UTF-8
    bytes and read back as their hex.
    """

    impl = LargeBinary
    cache_ok = True
    bulk_probe = "00ff"  # a value to try bulk_bind on

    def process_bind_param(self, value: Any, dialect: Dialect | None) -> bytes | None:
        if value is None or isinstance(value, bytes):
            return value
        try:
            return bytes.fromhex(value)
        except ValueError:
            return str(value).encode("utf-8", "surrogatepass")

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return bytes(value).hex()

    def bulk_bind(self, values: list[Any]) -> list[bytes | None]:
        """``process_bind_param`` for a whole column (the feed writer's many rows)."""
        try:
            return list(map(bytes.fromhex, values))
        except (TypeError, ValueError):
            return [self.process_bind_param(v, None) for v in values]


_T = TypeVar("_T")


def not_null(column: SQLCoreOperations[_T | None]) -> SQLCoreOperations[_T]:
    """A nullable column that the query's own filter keeps from NULL (``IN (...)``,
    ``IS NOT NULL``, a comparison), typed as what it then reads back. Types only: the SQL is
    the column's."""
    return cast("SQLCoreOperations[_T]", column)
