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
from typing import Any, NamedTuple

from sqlalchemy import Boolean, Column, Connection, DateTime
from sqlalchemy.engine import Dialect

# Times in several zones and precisions, to check a fast conversion against the real one.
_PROBES = tuple(
    datetime(y, mo, d, h, mi, s, us, tzinfo=tz)
    for (y, mo, d, h, mi, s, us) in (
        (2026, 3, 10, 9, 0, 0, 0),
        (2026, 12, 31, 23, 59, 59, 999999),
        (1999, 1, 2, 3, 4, 5, 60),
        (2010, 2, 22, 10, 18, 32, 500000),
    )
    for tz in (UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5, minutes=-30)))
)


def _fast_time(proc: Callable[[Any], Any]) -> tuple[Callable[[Any], Any], bool]:
    """A quicker twin of a time column's processor, used only if it gives identical values.

    Half of an ingest's CPU went into converting aware times for the store (about
    3 us each through the type's processor chain). The twins below produce the two
    shapes those chains end in: naive UTC as text in the store's layout, or as a
    naive datetime. Each is checked against the real processor on probe values in
    several zones; on any difference (another dialect, another type) the real
    processor is kept. Anything that is not an aware datetime goes to the real one,
    so its errors (a naive time, a wrong type) are raised exactly as before.
    Says whether a twin was chosen: a twin's result depends on the instant alone.
    """

    def as_text(v: Any) -> Any:
        if type(v) is datetime and v.tzinfo is not None:
            if v.tzinfo is not UTC:
                v = v.astimezone(UTC)
            # isoformat(" ", "microseconds") without its "+00:00", a third quicker.
            return "%04d-%02d-%02d %02d:%02d:%02d.%06d" % (  # noqa: UP031 (f-string: 2x slower)
                v.year,
                v.month,
                v.day,
                v.hour,
                v.minute,
                v.second,
                v.microsecond,
            )
        return proc(v)

    def as_naive(v: Any) -> Any:
        if type(v) is datetime and v.tzinfo is not None:
            return v.astimezone(UTC).replace(tzinfo=None)
        return proc(v)

    try:
        expected = [proc(p) for p in _PROBES]
    except Exception:  # not a time column
        return proc, False
    for twin in (as_text, as_naive):
        got = [twin(p) for p in _PROBES]
        if got == expected and [type(g) for g in got] == [type(e) for e in expected]:
            return twin, True
    return proc, False


Converter = Callable[[list[Any], "dict[Any, dict[Any, Any]] | None"], list[Any]]


def _per_value(proc: Callable[[Any], Any]) -> Converter:
    """Convert a column value by value (any processor)."""

    def convert(values: list[Any], _memo: dict[Any, dict[Any, Any]] | None) -> list[Any]:
        return [None if v is None else proc(v) for v in values]

    return convert


def _whole_column(
    col_type: Any, bulk: Callable[[list[Any]], list[Any]], dialect: Dialect
) -> Converter:
    """A TypeDecorator's ``bulk_bind`` (its ``process_bind_param`` for a whole column),
    then the dialect's own processor for the type underneath, if it has one.

    With ``bulk_distinct`` (times: a burst shares one), equal values convert once for
    every statement of a transaction, as the time twins do.
    """
    impl = getattr(col_type, "impl_instance", None)
    inner = None if impl is None else impl.dialect_impl(dialect).bind_processor(dialect)
    probe = getattr(col_type, "bulk_probe", None)
    if inner is not None and probe is not None:
        value = bulk([probe])[0]
        if type(inner(value)) is memoryview and inner(value) == value:
            # A wrapper the driver takes as the value itself (SQLite's Binary is a
            # memoryview of the same bytes): the same row is stored without it.
            inner = None
    if inner is None:
        whole = bulk
    else:

        def whole(values: list[Any]) -> list[Any]:
            return [None if v is None else inner(v) for v in bulk(values)]

    if getattr(col_type, "bulk_distinct", False):
        return _per_distinct(whole, (dialect.name, type(col_type)), whole=True)

    def convert(values: list[Any], _memo: dict[Any, dict[Any, Any]] | None) -> list[Any]:
        return list(whole(values))

    return convert


def _per_distinct(
    proc: Callable[[Any], Any], share: Any = None, *, whole: bool = False
) -> Converter:
    """Convert each distinct value of a column once, then look the rest up.

    Feed columns repeat a few values (flags, times shared by a burst of lines), and a
    lookup through ``map`` costs a fraction of a Python call per row. Only used where
    equal values convert to equal results whatever their spelling: the time twins
    (both depend on the instant alone, not on its zone) and booleans (``1 == True``
    converts to 1 either way). With ``share`` (the same for columns of one type and
    twin) and a memo from the caller, the conversions are shared by every statement
    of a batch: one event's time lands in its feed row, its call and its history.
    """

    def convert(values: list[Any], memo: dict[Any, dict[Any, Any]] | None) -> list[Any]:
        table: dict[Any, Any] = {} if memo is None or share is None else memo.setdefault(share, {})
        if whole:  # ``proc`` takes the list of values not yet converted
            try:
                todo = [v for v in dict.fromkeys(values) if v not in table]
            except TypeError:
                return list(proc(values))
            table.update(zip(todo, proc(todo), strict=True))
            return list(map(table.__getitem__, values))
        try:
            for v in dict.fromkeys(values):
                if v not in table:
                    table[v] = None if v is None else proc(v)
        except TypeError:  # an unhashable value: the processor decides what it makes of it
            return [None if v is None else proc(v) for v in values]
        return list(map(table.__getitem__, values))

    return convert


class _Compiled(NamedTuple):
    sql: str
    positional: bool
    order: list[int]  # for each parameter of the SQL, the column it takes
    names: list[str]
    converters: list[Converter | None]
    as_is: bool


class BulkStatement:
    """A Core INSERT (or upsert) for fixed columns, compiled once per dialect.

    ``build(conn)`` makes the statement (an upsert needs the dialect to be built).
    """

    def __init__(self, build: Callable[[Connection], Any], columns: Sequence[Column[Any]]) -> None:
        self.build = build
        self.columns = list(columns)
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, conn: Connection) -> _Compiled:
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
        converters: list[Converter | None] = []
        for i in order:
            col_type = self.columns[i].type
            proc = col_type.dialect_impl(dialect).bind_processor(dialect)
            if proc is None:
                converters.append(None)
                continue
            base = getattr(col_type, "impl_instance", col_type)
            bulk = getattr(col_type, "bulk_bind", None)
            if bulk is not None:
                converters.append(_whole_column(col_type, bulk, dialect))
            elif isinstance(base, DateTime):
                fast, twin = _fast_time(proc)
                share = (dialect.name, type(col_type), fast.__name__)
                converters.append(_per_distinct(fast, share) if twin else _per_value(fast))
            elif isinstance(base, Boolean):
                converters.append(_per_distinct(proc))
            else:
                converters.append(_per_value(proc))
        # Rows already in the statement's order with nothing to convert go as they are.
        as_is = (
            bool(compiled.positional) and order == list(range(len(keys))) and not any(converters)
        )
        hit = _Compiled(str(compiled), bool(compiled.positional), order, names, converters, as_is)
        self._compiled[dialect.name] = hit
        return hit

    def execute(
        self,
        conn: Connection,
        rows: Sequence[Sequence[Any]],
        memo: dict[Any, dict[Any, Any]] | None = None,
    ) -> None:
        """Write ``rows``, each a sequence of values in ``columns`` order.

        ``memo``: a dict the caller passes to every statement of one transaction so
        that times are converted once for all of them (keep it no longer than that).
        """
        if not rows:
            return
        c = self._compile(conn)
        if c.as_is:
            conn.exec_driver_sql(c.sql, [tuple(r) for r in rows])
            return
        # Column by column: one conversion call per column instead of one per value.
        by_column = list(zip(*rows, strict=True))
        cols = []
        for i, convert in zip(c.order, c.converters, strict=True):
            values = by_column[i]
            cols.append(values if convert is None else convert(list(values), memo))
        if c.positional:
            params: list[Any] = list(zip(*cols, strict=True))
        else:
            params = [dict(zip(c.names, vals, strict=True)) for vals in zip(*cols, strict=True)]
        conn.exec_driver_sql(c.sql, params)
