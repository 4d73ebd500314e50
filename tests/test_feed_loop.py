"""The feed loop stops on no line and loses none: parser bugs, refused events, full disk."""

from __future__ import annotations

import errno
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, func, select

from db.models import FeedCursor, FeedEventRow, RejectedInput
from floorapp.clock import ManualClock
from floorapp.config import Settings
from floorapp.feed import pipeline
from floorapp.feed.events import FeedEvent, ParsedLine, Rejected
from floorapp.feed.follow import FileReader
from floorapp.feed.queue_log import QueueLogParser
from floorapp.feed.writer import FeedWriter

E = 1773652000


@pytest.fixture
def clock() -> ManualClock:
    """This host's clock a day after these lines: lines ahead of it are clock errors."""
    return ManualClock(datetime.fromtimestamp(E + 86400, UTC))


def qlines(start: int, n: int, agent: str = "NONE") -> str:
    return "".join(
        f"{E + i}|c{i}|9000|{agent}|ENTERQUEUE||cust{i}|1\n" for i in range(start, start + n)
    )


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


class RefusesAgent:
    """An observer that fails on one agent's events, as a writer bug on one value would."""

    def __init__(self, agent: str) -> None:
        self.agent = agent

    def start(self, conn: Connection) -> None:
        pass

    def observe(self, ev: FeedEvent) -> None:
        if ev.agent == self.agent:
            raise OverflowError("date value out of range")

    def tick(self, now: Any) -> None:
        pass

    def flush(self, conn: Connection) -> None:
        pass


class ChokingParser(QueueLogParser):
    def parse_line(self, text: str, line_no: int) -> ParsedLine | None:
        if "choke" in text:
            raise RecursionError("maximum recursion depth exceeded")
        return super().parse_line(text, line_no)


def test_a_parser_that_raises_gives_a_named_rejection(
    engine: Engine, clock: ManualClock, tmp_path: Path
) -> None:
    path = tmp_path / "queue_log"
    path.write_text(qlines(0, 3) + "choke\n" + qlines(3, 3))
    rejected: list[Rejected] = []
    summary = pipeline.run(
        FileReader(path, str(path)),
        ChokingParser(str(path)),
        FeedWriter(engine, Settings(), clock=clock),
        on_rejected=rejected.append,
    )
    assert (summary.accepted, summary.rejected) == (6, 1)
    assert [r.line_no for r in rejected] == [4]
    assert "RecursionError" in rejected[0].reason
    assert count(engine, RejectedInput) == 1


@pytest.mark.parametrize("batch_size", [1, 7, 1000])
def test_an_event_the_store_refuses_is_rejected_and_its_batch_kept(
    engine: Engine, clock: ManualClock, tmp_path: Path, batch_size: int
) -> None:
    path = tmp_path / "queue_log"
    bad = f"{E + 50}|c50|9000|PJSIP/bad|CONNECT|3|x|1\n"
    path.write_text(qlines(0, 20) + bad + qlines(20, 20))
    writer = FeedWriter(
        engine,
        Settings(),
        observers=[RefusesAgent("PJSIP/bad")],
        clock=clock,
        batch_size=batch_size,
    )
    rejected: list[Rejected] = []
    summary = pipeline.run(
        FileReader(path, str(path)), QueueLogParser(str(path)), writer, on_rejected=rejected.append
    )
    assert (summary.accepted, summary.rejected) == (40, 1)
    assert count(engine, FeedEventRow) == 40
    assert [r.line_no for r in rejected] == [21]
    assert "could not be stored" in rejected[0].reason and "OverflowError" in rejected[0].reason
    with engine.connect() as conn:
        assert conn.execute(select(RejectedInput.line_no)).scalars().all() == [21]


class FullDisk:
    """write_batch fails ``times`` times as a full disk makes it fail, then works."""

    def __init__(self, writer: FeedWriter, times: int, exc: BaseException) -> None:
        self.times = times
        self.exc = exc
        self.real = writer.write_batch
        writer.write_batch = self  # type: ignore[method-assign]

    def __call__(self, items: Any, **kw: Any) -> Any:
        if self.times > 0:
            self.times -= 1
            raise self.exc
        return self.real(items, **kw)


@pytest.mark.parametrize(
    "exc",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        __import__("sqlalchemy.exc").exc.OperationalError(
            "INSERT ...", {}, Exception("database or disk is full")
        ),
    ],
)
def test_a_full_disk_is_waited_out_and_nothing_is_lost(
    engine: Engine, clock: ManualClock, tmp_path: Path, exc: BaseException
) -> None:
    path = tmp_path / "queue_log"
    path.write_text(qlines(0, 30))
    writer = FeedWriter(engine, Settings(), clock=clock, batch_size=10)
    FullDisk(writer, 3, exc)
    said: list[str] = []
    summary = pipeline.run(
        FileReader(path, str(path)),
        QueueLogParser(str(path)),
        writer,
        on_problem=said.append,
        retry_s=0.001,
    )
    assert (summary.accepted, summary.rejected) == (30, 0)
    assert count(engine, FeedEventRow) == 30
    assert len(said) == 2 and "disk is full" in said[0] and "nothing is lost" in said[0]
    assert "written again" in said[1]


def test_stopping_while_the_disk_is_full_keeps_the_batch_for_the_next_run(
    engine: Engine, clock: ManualClock, tmp_path: Path
) -> None:
    from floorapp.feed.cursor import load_position
    from floorapp.feed.follow import Follower

    path = tmp_path / "queue_log"
    path.write_text(qlines(0, 5))
    stop = threading.Event()
    writer = FeedWriter(engine, Settings(), clock=clock)
    FullDisk(writer, 10**6, OSError(errno.ENOSPC, "No space left on device"))
    said: list[str] = []

    def problem(text: str) -> None:
        said.append(text)
        stop.set()  # the operator stops the service while the disk is full

    reader = Follower(path, str(path), stop, poll_s=0.01)
    pipeline.run(
        reader,
        QueueLogParser(str(path)),
        writer,
        stop=stop,
        save_position=True,
        on_problem=problem,
        flush_s=0,
        retry_s=0.001,
    )
    assert count(engine, FeedEventRow) == 0 and count(engine, FeedCursor) == 0
    assert load_position(engine, str(path)) is None  # the next run reads those lines again
