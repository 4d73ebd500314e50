"""Engines, transactions and the schema for any SQLAlchemy URL.

SQLite is the embedded default and gets the settings that let several consoles
and one feed writer share a file: WAL, a busy timeout, foreign keys, and
``BEGIN IMMEDIATE`` for transactions that write (a deferred transaction that
reads and then writes can fail with SQLITE_BUSY that no timeout fixes).
Nothing else in the code base may assume SQLite: dialect specifics stay here
and in ``db.upsert``.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

BUSY_TIMEOUT_MS = 30_000
_IMMEDIATE = "floorapp_immediate"
T = TypeVar("T")


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for memory databases and other engines."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with floorapp's connection settings for its dialect."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        connect_args = {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        connect_args.update(kwargs.pop("connect_args", {}))
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from the driver so "begin" below decides.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        # NORMAL in WAL mode survives application crashes (sqlite.org/pragma.html).
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(_IMMEDIATE):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


@contextlib.contextmanager
def write_tx(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: takes SQLite's write lock up front."""
    with engine.connect() as conn:
        conn.execution_options(**{_IMMEDIATE: True})
        with conn.begin():
            yield conn


@contextlib.contextmanager
def read_tx(engine: Engine) -> Iterator[Connection]:
    """A short read transaction (keep it short: long readers starve the WAL checkpoint)."""
    with engine.connect() as conn:
        with conn.begin():
            yield conn


def is_locked(exc: BaseException) -> bool:
    """Another writer holds the store (SQLite busy or locked, a PostgreSQL deadlock): the
    same transaction will work once it lets go. The one test for it, so every retry loop
    agrees on what is worth retrying."""
    if not isinstance(exc, OperationalError):
        return False
    msg = str(exc.orig if exc.orig is not None else exc).lower()
    return "locked" in msg or "busy" in msg or "deadlock" in msg


_SQLITE_FULL = 13
_PG_DISK_FULL = "53100"


def is_disk_full(exc: BaseException) -> bool:
    """No room left for the database (or its journal): worth waiting for, not a bad row."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    orig = getattr(exc, "orig", None)
    if orig is not None and orig is not exc:
        if getattr(orig, "sqlite_errorcode", None) == _SQLITE_FULL:
            return True
        if _PG_DISK_FULL in (getattr(orig, "sqlstate", None), getattr(orig, "pgcode", None)):
            return True
        if isinstance(orig, OSError):
            return is_disk_full(orig)
    msg = str(exc).lower()
    return "database or disk is full" in msg or "no space left on device" in msg


def is_transient(exc: BaseException) -> bool:
    """A store that is full or held locked for long: the same write will work later."""
    if is_disk_full(exc):
        return True
    return is_locked(exc)


def run_write(
    engine: Engine,
    fn: Callable[[Connection], T],
    attempts: int = 8,
    *,
    rolled_back: Callable[[], None] | None = None,
) -> T:
    """Run ``fn`` in a write transaction, retrying when the database stays locked.

    busy_timeout already waits; the retry covers the rare lock that outlives it
    under heavy load so that no "database is locked" ever reaches a supervisor.
    ``rolled_back`` is called after each attempt that did not commit (whatever the error),
    for a caller whose memory followed the transaction and must be rebuilt.
    """
    delay = 0.05
    for attempt in range(attempts):
        try:
            with write_tx(engine) as conn:
                return fn(conn)
        except BaseException as exc:
            if rolled_back is not None:
                rolled_back()
            if not is_locked(exc) or attempt == attempts - 1:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
    raise AssertionError("unreachable")


# --- schema -------------------------------------------------------------------------

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _alembic_config(conn: Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = conn
    return cfg


_REVISION_LINE = re.compile(
    r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(None|'[^']*'|\"[^\"]*\")\s*$", re.M
)


@functools.cache
def _revision_graph() -> dict[str, str | None] | None:
    """Each revision in migrations/versions -> the one it revises, read from the files'
    two assignment lines; None if any file is beyond that (a merge of two heads), so the
    caller asks Alembic. Opening an up-to-date store is the common case: answering it
    without importing Alembic (and Mako) keeps ~10 MB out of every console."""
    graph: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        found: dict[str, str] = {m[1]: m[2] for m in _REVISION_LINE.finditer(path.read_text())}
        rev, down = found.get("revision"), found.get("down_revision")
        if rev is None or rev == "None" or down is None:
            return None
        graph[rev[1:-1]] = None if down == "None" else down[1:-1]
    return graph


def head_revision() -> str:
    _known, head = script_revisions()
    if head is not None:
        return head
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The store's schema version, read from Alembic's own table (one row on a single line
    of revisions); several rows or none of the expected shape are left to Alembic."""
    from sqlalchemy import inspect

    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
        if len(rows) <= 1:
            return rows[0][0] if rows else None
        from alembic.runtime.migration import MigrationContext

        return MigrationContext.configure(conn).get_current_revision()


@contextlib.contextmanager
def _schema_lock(engine: Engine) -> Iterator[None]:
    """Serialise schema upgrades between processes starting at the same moment."""
    path = sqlite_path(str(engine.url))
    if path is not None:
        lock_path = path.with_name(path.name + ".schema-lock")
        with open(lock_path, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
    elif engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(74207401)"))
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(74207401)"))
                conn.commit()
    else:
        yield


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` in place (Alembic), keeping all data."""
    from alembic import command

    with _schema_lock(engine):
        with engine.connect() as conn:
            command.upgrade(_alembic_config(conn), revision)
            conn.commit()


class StoreError(Exception):
    """A database floorapp cannot use, said in one line: where, why, and what to do."""


def describe(engine: Engine | str) -> str:
    """The database as the user named it: a file path, or the URL without its password."""
    from sqlalchemy.exc import ArgumentError

    url = engine if isinstance(engine, str) else engine.url.render_as_string(hide_password=False)
    try:
        path = sqlite_path(url)
        return str(path) if path is not None else make_url(url).render_as_string(hide_password=True)
    except ArgumentError:  # already a file path
        return url


def unusable(engine: Engine | str, exc: BaseException) -> StoreError:
    """A driver error met on opening or using a database, as a one-line StoreError."""
    orig = getattr(exc, "orig", None) or exc
    msg = " ".join(str(orig).split()) or type(orig).__name__
    where = describe(engine)
    low = msg.lower()
    if "file is not a database" in low:
        return StoreError(
            f"{where}: not a database (the file holds something else): "
            "pass --db a floorapp database or a new file name"
        )
    if "malformed" in low or "corrupt" in low:
        return StoreError(
            f"{where}: the database is damaged ({msg}): restore it from a "
            "backup, or try `sqlite3 FILE .recover`"
        )
    return StoreError(f"{where}: cannot use the database: {msg}")


def script_revisions() -> tuple[frozenset[str], str | None]:
    """Every revision of the migration scripts and their one head (None when there is not
    exactly one or a script is written some other way, so the caller asks Alembic)."""
    graph = _revision_graph()
    if graph is None:
        return frozenset(), None
    heads = set(graph) - set(graph.values())
    return frozenset(graph), (next(iter(heads)) if len(heads) == 1 else None)


def _known_revisions() -> set[str]:
    known, _head = script_revisions()
    if known:
        return set(known)
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return {rev.revision for rev in ScriptDirectory.from_config(cfg).walk_revisions()}


def _refuse_unknown(where: str, revision: str | None, tables: set[str]) -> None:
    """StoreError unless the database is new, or floorapp's at a version this release knows."""
    if revision is None:
        if tables - {"alembic_version"}:
            raise StoreError(
                f"{where}: not a floorapp database (it has tables such as "
                f"{sorted(tables)[0]!r} but no floorapp schema version): pass --db a "
                "floorapp database or a new file name"
            )
    elif revision not in _known_revisions():
        raise StoreError(
            f"{where}: made by a newer floorapp (schema version {revision}; this release "
            f"knows versions up to {head_revision()}): upgrade floorapp on this machine, "
            "or pass --db another database"
        )


def _check_sqlite_file(path: Path) -> None:
    """Look at an existing SQLite file read-only before floorapp's settings touch it.

    Opening it the usual way would switch it to WAL and so change another program's
    database before we could tell it is not ours.
    """
    import sqlite3

    try:
        if path.stat().st_size == 0:
            return
    except OSError:
        return
    where = str(path)
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise unusable(where, exc) from None
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        revision = (
            con.execute("SELECT version_num FROM alembic_version").fetchone()
            if "alembic_version" in tables
            else None
        )
    except sqlite3.Error as exc:
        raise unusable(where, exc) from None
    finally:
        con.close()
    _refuse_unknown(where, revision[0] if revision else None, tables)


def ensure_schema(engine: Engine) -> None:
    """Create or upgrade the schema if needed: the first command on a new database does this.

    A database this release cannot use (not a database, damaged, another program's,
    made by a newer release) raises StoreError and is left as it was.
    """
    from sqlalchemy import inspect

    try:
        current = current_revision(engine)  # up to date is the usual case: no Alembic
        if current == head_revision():
            return
        tables = set(inspect(engine).get_table_names()) if current is None else set()
        _refuse_unknown(describe(engine), current, tables)
        upgrade(engine)
    except DBAPIError as exc:
        raise unusable(engine, exc) from None


def open_store(url: str, **kwargs: Any) -> Engine:
    path = sqlite_path(url)
    if path is not None:
        _check_sqlite_file(path)
    engine = make_engine(url, **kwargs)
    try:
        ensure_schema(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine
