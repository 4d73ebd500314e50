"""Change numbers follow commit order, so a console reads every agent change exactly once,
whatever clock stamped it and however the writers interleave."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import Engine, update

from db.changes import next_change
from db.engine import make_engine, run_write, write_tx
from db.models import Agent
from floorapp.context import AppContext
from floorapp.services.board import BoardReader
from tests.console_helpers import make_floor


@pytest.fixture
def db_url(store_url: str) -> str:
    """This module runs on SQLite and on PostgreSQL (marker ``postgres``)."""
    return store_url


def test_a_writer_waits_for_the_one_before_and_numbers_after_it(
    engine: Engine, db_url: str
) -> None:
    first_has_number = threading.Event()
    second_begins = threading.Event()
    got: dict[str, tuple[int, float]] = {}
    committed: list[float] = []

    def first() -> None:
        with write_tx(engine) as conn:
            got["first"] = (next_change(conn), time.monotonic())
            first_has_number.set()
            # A slow batch: still uncommitted when the second transaction begins. The hold
            # after that is what makes the second wait; the assertions below hold either way.
            second_begins.wait(10)
            time.sleep(0.2)
            committed.append(time.monotonic())  # the last moment before the commit

    def second() -> None:
        first_has_number.wait(10)
        other = make_engine(db_url)  # another process's connection
        try:
            second_begins.set()
            with write_tx(other) as conn:
                got["second"] = (next_change(conn), time.monotonic())
        finally:
            other.dispose()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert got["second"][0] == got["first"][0] + 1
    # The second number was handed out only once the first transaction ended (it waited
    # out the first's slow batch): no reader can see the second change without the first.
    assert committed and got["second"][1] > committed[0]


def test_a_change_stamped_older_than_what_was_read_still_shows(
    ctx: AppContext, engine: Engine
) -> None:
    """Two feeds, one lagging: its change commits after a newer-stamped one was read."""
    now = ctx.clock.now()
    make_floor(engine, now)
    reader = BoardReader(ctx.engine, settings=ctx.settings, actor="lead.wang")
    reader.poll(now=ctx.clock.now())
    ahead, behind = now + timedelta(minutes=5), now - timedelta(minutes=5)

    def write(agent: str, state: str, at: object) -> None:
        run_write(
            engine,
            lambda c: c.execute(
                update(Agent)
                .where(Agent.id == agent)
                .values(state=state, state_since=at, updated_at=at, seq=next_change(c))
            ),
        )

    write("1003", "on_call", ahead)
    assert [(a.id, a.state) for a in reader.poll(now=ctx.clock.now()).agents] == [
        ("1003", "on_call")
    ]
    write("1005", "available", behind)
    assert [(a.id, a.state) for a in reader.poll(now=ctx.clock.now()).agents] == [
        ("1005", "available")
    ]
    assert reader.poll(now=ctx.clock.now()).empty  # and nothing is read twice
