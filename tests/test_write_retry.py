"""One home for the lock retry (db.engine): what counts as locked, and the caller told of
every attempt that did not commit, so the feed writer can use it and rebuild its memory."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from db.engine import is_locked, make_engine, run_write


def _op(message: str) -> OperationalError:
    return OperationalError("INSERT ...", None, sqlite3.OperationalError(message))


@pytest.mark.parametrize(
    "message",
    ["database is locked", "database table is locked", "database is busy", "deadlock detected"],
)
def test_a_held_store_is_locked(message: str) -> None:
    assert is_locked(_op(message))


def test_other_errors_are_not_locks() -> None:
    assert not is_locked(_op("no such table: agent"))
    assert not is_locked(IntegrityError("INSERT ...", None, sqlite3.IntegrityError("locked")))
    assert not is_locked(ValueError("locked"))


def test_run_write_retries_a_lock_and_reports_each_rollback(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    tries: list[int] = []
    rollbacks: list[int] = []

    def work(conn) -> str:
        tries.append(1)
        if len(tries) < 3:
            raise _op("database is locked")
        return "done"

    assert run_write(engine, work, rolled_back=lambda: rollbacks.append(1)) == "done"
    assert (len(tries), len(rollbacks)) == (3, 2)


def test_run_write_gives_up_at_once_on_anything_else(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    rollbacks: list[int] = []

    def work(conn) -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        run_write(engine, work, rolled_back=lambda: rollbacks.append(1))
    assert rollbacks == [1]
