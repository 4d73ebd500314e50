"""Many-row writes without SQLAlchemy's per-row parameter handling.

``conn.execute(stmt, list_of_dicts)`` builds a parameter dict and runs every type
processor per row; at tens of thousands of rows a second that costs more than
SQLite itself. Here a Core statement is compiled once for the connection's dialect
and the rows (tuples in column order) go straight to the driver's ``executemany``
after the columns' own bind processors (``TypeEngine.bind_processor``, the public
API the Core path uses too), so the values stored are exactly the same. Nothing
here is specific to one database: the dialect compiles the SQL and its processors
convert the values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Column, Connection, DateTime
from sqlalchemy.engine import Dialect

_MEMO_MAX = 8192

# Times in several zones and precisions, to check a fast conversion against the real one.
_PROBES = tuple(
    datetime(y, mo, d, h, mi, s, us, tzinfo=tz)
    for (y, mo, d, h, mi, s, us) in ((2026, 3, 10, 9, 0, 0, 0), (2026, 12, 31, 23, 59, 59, 999999),
                                     (1999, 1, 2, 3, 4, 5, 60), (2010, 2, 22, 10, 18, 32, 500000))
    for tz in (UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5, minutes=-30)))
)


def _fast_time(proc: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A quicker twin of a time column's processor, used only if it gives identical values.

    Half of an ingest's CPU went into converting aware times for the store (about
    3 us each through the type's processor chain). The twins below produce the two
    shapes those chains end in: naive UTC as text in the store's layout, or as a
    naive datetime. Each is checked against the real processor on probe values in
    several zones; on any difference (another dialect, another type) the real
    processor is kept. Anything that is not an aware datetime goes to the real one,
    so its errors (a naive time, a wrong type) are raised exactly as before.
    """

    def as_text(v: Any) -> Any:
        if type(v) is datetime and v.tzinfo is not None:
            if v.tzinfo is not UTC:
                v = v.astimezone(UTC)
            return v.isoformat(" ", "microseconds")[:-6]  # drop "+00:00"
        return proc(v)

    def as_naive(v: Any) -> Any:
        if type(v) is datetime and v.tzinfo is not None:
            return v.astimezone(UTC).replace(tzinfo=None)
        return proc(v)

    try:
        expected = [proc(p) for p in _PROBES]
    except Exception:  # not a time column
        return proc
    for twin in (as_text, as_naive):
        got = [twin(p) for p in _PROBES]
        if got == expected and [type(g) for g in got] == [type(e) for e in expected]:
            return twin
    return proc


def _memoised(proc: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Feed times repeat (many events share a second): convert each distinct value once."""
    memo: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return memo[value]
        except KeyError:
            if len(memo) >= _MEMO_MAX:
                memo.clear()
            out = memo[value] = proc(value)
            return out
        except TypeError:  # unhashable: convert without the memo
            return proc(value)

    return convert


class BulkStatement:
    """A Core INSERT (or upsert) for fixed columns, compiled once per dialect.

    ``build(conn)`` makes the statement (an upsert needs the dialect to be built).
    """

    def __init__(self, build: Callable[[Connection], Any], columns: Sequence[Column[Any]]) -> None:
        self.build = build
        self.columns = list(columns)
        self._compiled: dict[str, tuple[str, bool, list[int], list[str],
                                        list[Callable[[Any], Any] | None]]] = {}

    def _compile(self, conn: Connection) -> tuple[str, bool, list[int], list[str],
                                                  list[Callable[[Any], Any] | None]]:
        dialect: Dialect = conn.dialect
        hit = self._compiled.get(dialect.name)
        if hit is not None:
            return hit
        keys = [c.key for c in self.columns]
        compiled = self.build(conn).compile(dialect=dialect, column_keys=keys)
        index = {k: i for i, k in enumerate(keys)}
        # names: as the SQL spells the parameters; order: which column each one is.
        names = list(compiled.positiontup) if compiled.positional else list(compiled.binds)
        order = [index[compiled.binds[n].key] for n in names]
        if sorted(order) != list(range(len(keys))):
            raise ValueError(f"statement binds {names}, expected exactly {keys}")
        procs: list[Callable[[Any], Any] | None] = []
        for i in order:
            proc = self.columns[i].type.dialect_impl(dialect).bind_processor(dialect)
            col_type = self.columns[i].type
            if proc is not None and isinstance(getattr(col_type, "impl_instance", col_type),
                                               DateTime):
                proc = _fast_time(proc)
            procs.append(_memoised(proc) if proc is not None else None)
        hit = (str(compiled), bool(compiled.positional), order, names, procs)
        self._compiled[dialect.name] = hit
        return hit

    def execute(self, conn: Connection, rows: Sequence[Sequence[Any]]) -> None:
        """Write ``rows``, each a sequence of values in ``columns`` order."""
        if not rows:
            return
        sql, positional, order, names, procs = self._compile(conn)
        cols = []
        for i, proc in zip(order, procs, strict=True):
            values = [r[i] for r in rows]
            if proc is not None:
                values = [None if v is None else proc(v) for v in values]
            cols.append(values)
        if positional:
            params: list[Any] = list(zip(*cols, strict=True))
        else:
            params = [dict(zip(names, vals, strict=True)) for vals in zip(*cols, strict=True)]
        conn.exec_driver_sql(sql, params)
