"""--follow: a growing file, rotation by rename and by truncation, restart from the cursor."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from db.models import FeedCursor, FeedEventRow
from floorapp.clock import ManualClock
from floorapp.config import Settings
from floorapp.feed import pipeline
from floorapp.feed.cursor import load_position
from floorapp.feed.follow import Follower, file_id
from floorapp.feed.queue_log import QueueLogParser
from floorapp.feed.writer import FeedWriter, IngestSummary
from tests.waiting import wait_until

E = 1773652000
TIMEOUT = 15.0


@pytest.fixture
def clock() -> ManualClock:
    """This host's clock a day after these lines: lines ahead of it are clock errors."""
    return ManualClock(datetime.fromtimestamp(E + 86400, UTC))


def lines(start: int, n: int) -> str:
    """n distinct queue_log lines (one call offered each)."""
    return "".join(
        f"{E + i}|c{i}|9000|NONE|ENTERQUEUE||cust{i}|1\n" for i in range(start, start + n)
    )


def append(path: Path, text: str) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text)


def stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(FeedEventRow)).scalar_one()


def wait_for(pred: Callable[[], bool], what: str) -> None:
    wait_until(pred, what, TIMEOUT)


class IdleTicks:
    """The follower as the pipeline reads it, counting its idle ticks: each is a pass over
    the file that found no whole line to hand on."""

    def __init__(self, reader: Follower) -> None:
        self.reader = reader
        self.idle = 0

    def __iter__(self) -> Iterator[str | None]:
        for item in self.reader:
            if item is None:
                self.idle += 1
            yield item

    def __getattr__(self, name: str) -> object:
        return getattr(self.reader, name)


@contextmanager
def following(engine: Engine, path: Path, clock: ManualClock) -> Iterator[dict[str, object]]:
    """Run the follow loop in a thread; on exit stop it and collect its summary."""
    stop = threading.Event()
    source = str(path)
    out: dict[str, object] = {}
    reader = Follower(path, source, stop, start=load_position(engine, source), poll_s=0.02)
    ticks = IdleTicks(reader)
    writer = FeedWriter(engine, Settings(), clock=clock)

    def work() -> None:
        try:
            out["summary"] = pipeline.run(
                ticks, QueueLogParser(source), writer, stop=stop, save_position=True, flush_s=0.05
            )
        except BaseException as exc:  # surfaced by the test below
            out["error"] = exc

    t = threading.Thread(target=work, daemon=True)
    t.start()
    out["reader"] = reader
    out["ticks"] = ticks
    try:
        yield out
    finally:
        stop.set()
        t.join(TIMEOUT)
        assert not t.is_alive(), "follower did not stop"
        assert "error" not in out, out.get("error")


def test_growing_file_and_rename_rotation(
    engine: Engine, clock: ManualClock, tmp_path: Path
) -> None:
    path = tmp_path / "queue_log"
    path.write_text(lines(0, 3))
    with following(engine, path, clock) as run:
        wait_for(lambda: stored(engine) == 3, "the first 3 lines")
        append(path, lines(3, 2))
        wait_for(lambda: stored(engine) == 5, "appended lines")
        # logrotate: rename, the PBX still writes a line to the old file, then reopens.
        os.rename(path, tmp_path / "queue_log.1")
        append(tmp_path / "queue_log.1", lines(5, 1))
        wait_for(lambda: stored(engine) == 6, "the line written to the renamed file")
        path.write_text(lines(6, 2))
        wait_for(lambda: stored(engine) == 8, "lines after rotation")
        reader = run["reader"]
        assert isinstance(reader, Follower) and reader.rotations == 1
    summary = run["summary"]
    assert isinstance(summary, IngestSummary)
    assert (summary.accepted, summary.duplicates, summary.rejected) == (8, 0, 0)
    with engine.connect() as conn:
        cur = conn.execute(select(FeedCursor.__table__)).one()
        line_nos = conn.execute(select(FeedEventRow.line_no).order_by(FeedEventRow.id)).scalars()
        assert list(line_nos) == [1, 2, 3, 4, 5, 6, 1, 2]  # numbering restarts in the new file
    assert (cur.file_id, cur.line_no, cur.offset) == (
        file_id(os.stat(path)),
        2,
        path.stat().st_size,
    )


def test_truncation_in_place(engine: Engine, clock: ManualClock, tmp_path: Path) -> None:
    path = tmp_path / "queue_log"
    path.write_text(lines(0, 4))
    with following(engine, path, clock):
        wait_for(lambda: stored(engine) == 4, "the first lines")
        with open(path, "w", encoding="utf-8") as fh:  # copytruncate
            fh.write(lines(100, 2))
        wait_for(lambda: stored(engine) == 6, "lines written after truncation")


def test_a_half_written_line_waits_for_its_end(
    engine: Engine, clock: ManualClock, tmp_path: Path
) -> None:
    path = tmp_path / "queue_log"
    path.write_text(lines(0, 1))
    whole = lines(1, 1)
    with following(engine, path, clock) as run:
        wait_for(lambda: stored(engine) == 1, "the first line")
        ticks = run["ticks"]
        assert isinstance(ticks, IdleTicks)
        seen = ticks.idle
        append(path, whole[:12])
        # Three passes over the file since the half line was written, each one idle (the
        # first may have begun before it): a line handed on would have been stored by then.
        wait_for(lambda: ticks.idle >= seen + 3, "the follower to pass over the half line")
        assert stored(engine) == 1  # not stored, not rejected: the writer is mid-line
        append(path, whole[12:])
        wait_for(lambda: stored(engine) == 2, "the completed line")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(FeedEventRow)).scalar_one() == 2


def test_restart_resumes_where_it_stopped_even_across_a_rotation(
    engine: Engine, clock: ManualClock, tmp_path: Path
) -> None:
    path = tmp_path / "queue_log"
    path.write_text(lines(0, 3))
    with following(engine, path, clock):
        wait_for(lambda: stored(engine) == 3, "the first run")
    # While stopped: two more lines, then a rotation and a fresh file.
    append(path, lines(3, 2))
    os.rename(path, tmp_path / "queue_log.1")
    path.write_text(lines(5, 1))
    with following(engine, path, clock) as run:
        wait_for(lambda: stored(engine) == 6, "the lines written while stopped")
    summary = run["summary"]
    assert isinstance(summary, IngestSummary)
    # Resumed by position: nothing was re-read (no duplicates), nothing was missed.
    assert (summary.accepted, summary.duplicates) == (3, 0)
