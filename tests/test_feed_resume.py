"""Exact resume: a follower stopped anywhere stores what one uninterrupted read stores.

The follower is stopped between lines (a clean stop commits the batch in hand; a kill
loses only uncommitted batches, which the cursor has not passed either), the file grows,
is rotated or copy-truncated while nothing runs, and a new follower carries on from the
cursor. The rows must be those of a one-shot ingest of the same bytes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from db.engine import open_store
from db.models import Agent, AgentStateChange, Call, FeedEventRow, RejectedInput
from floorapp.clock import ManualClock
from floorapp.config import Settings
from floorapp.feed import pipeline
from floorapp.feed.cursor import load_position
from floorapp.feed.follow import FileReader, Follower
from floorapp.feed.writer import FeedWriter, IngestSummary

E = 1773652000
# This host's clock a day after these lines: lines ahead of it are clock errors.
HOST_NOW = datetime.fromtimestamp(E + 86400, UTC)


class _UntilIdle:
    """A follower that stops itself once it has been idle twice in a row (caught up)."""

    def __init__(self, reader: Follower, stop: threading.Event) -> None:
        self._reader = reader
        self._stop = stop

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)

    def __iter__(self) -> Iterator[str | None]:
        idle = 0
        for text in self._reader:
            idle = idle + 1 if text is None else 0
            if idle >= 2:
                self._stop.set()
            yield text


def follow_once(engine: Engine, path: Path, fmt: str, *, batch_size: int = 3) -> IngestSummary:
    """Start a follower from the stored cursor, read what is there, stop cleanly."""
    source = str(path)
    stop = threading.Event()
    reader = Follower(path, source, stop, start=load_position(engine, source), poll_s=0.001)
    writer = FeedWriter(engine, Settings(), clock=ManualClock(HOST_NOW), batch_size=batch_size)
    return pipeline.run(
        _UntilIdle(reader, stop),
        pipeline.make_parser(fmt, source),
        writer,
        stop=stop,
        save_position=True,
        flush_s=0.0,
    )


def ingest_once(engine: Engine, path: Path, fmt: str, source: str | None = None) -> None:
    source = source or str(path)
    writer = FeedWriter(engine, Settings(), clock=ManualClock(HOST_NOW))
    pipeline.run(FileReader(path, source), pipeline.make_parser(fmt, source), writer)


def rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Everything the feed wrote, in a form that does not depend on batch boundaries."""
    fe, rj = FeedEventRow.__table__.c, RejectedInput.__table__.c  # type: ignore[attr-defined]
    ag, hi = Agent.__table__.c, AgentStateChange.__table__.c  # type: ignore[attr-defined]
    ca = Call.__table__.c  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return {
            "events": sorted(
                conn.execute(
                    select(fe.key, fe.line_no, fe.ts, fe.kind, fe.agent_id, fe.call_id, fe.payload)
                ).all()
            ),
            "rejects": sorted(conn.execute(select(rj.line_no, rj.reason, rj.raw)).all()),
            "agents": sorted(
                conn.execute(
                    select(
                        ag.id,
                        ag.state,
                        ag.state_reason,
                        ag.state_since,
                        ag.logged_in_since,
                        ag.current_call_id,
                    )
                ).all()
            ),
            "history": sorted(
                conn.execute(select(hi.agent_id, hi.state, hi.reason, hi.started_at)).all(),
                key=repr,
            ),
            "calls": sorted(
                conn.execute(
                    select(
                        ca.id, ca.agent_id, ca.offered_at, ca.answered_at, ca.ended_at, ca.outcome
                    )
                ).all(),
                key=repr,
            ),
        }


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated database, copied for every example (migrating is the slow part)."""
    path = tmp_path_factory.mktemp("resume") / "template.db"
    open_store(f"sqlite:///{path}").dispose()
    return path


def fresh_engine(template: Path, where: Path) -> Engine:
    shutil.copy(template, where)
    return open_store(f"sqlite:///{where}")


# --- the in-second copy count ---------------------------------------------------------------

RING = f"{E}|c1|sales|PJSIP/1001|RINGNOANSWER|15000\n"


@pytest.mark.parametrize(
    "fmt,first,twin",
    [
        ("queue-log", f"{E}|c1|sales|NONE|ENTERQUEUE||cust|1\n" + RING, RING),
        (
            "jsonl",
            '{"type":"raise_hand","ts":"2026-03-16T09:06:40+00:00","agent":"a1"}\n',
            '{"type":"raise_hand","ts":"2026-03-16T09:06:40+00:00","agent":"a1"}\n',
        ),
    ],
)
def test_a_stop_between_two_identical_lines_keeps_both(
    engine: Engine, tmp_path: Path, fmt: str, first: str, twin: str
) -> None:
    path = tmp_path / ("queue_log" if fmt == "queue-log" else "feed.jsonl")
    path.write_text(first)
    follow_once(engine, path, fmt)
    with open(path, "a") as fh:  # the twin is written while nothing runs
        fh.write(twin)
    summary = follow_once(engine, path, fmt)
    assert (summary.accepted, summary.duplicates) == (1, 0)
    whole = tmp_path / "whole.db"
    other = open_store(f"sqlite:///{whole}")
    ingest_once(other, path, fmt)
    assert rows(engine) == rows(other)


# --- any split points -----------------------------------------------------------------------

_TEMPLATES = (
    "{e}|NONE|{q}|{a}|ADDMEMBER|",
    "{e}|NONE|{q}|{a}|REMOVEMEMBER|",
    "{e}|NONE|{q}|{a}|PAUSE|lunch",
    "{e}|NONE|{q}|{a}|UNPAUSE|",
    "{e}|c{c}|{q}|NONE|ENTERQUEUE||cust{c}|1",
    "{e}|c{c}|{q}|{a}|RINGNOANSWER|15000",
    "{e}|c{c}|{q}|{a}|CONNECT|3|x|1",
    "{e}|c{c}|{q}|{a}|COMPLETECALLER|3|40|1",
    "{e}|c{c}|{q}|{a}|CONNECT|not-a-number|x|1",  # rejected
    "{e}|NONE|NONE|NONE|QUEUESTART|",  # ends the calls open before it
)
# Mostly a few seconds apart (identical lines), sometimes beyond the occurrence window.
_SECONDS = st.one_of(st.integers(0, 3), st.integers(0, 3), st.integers(590, 1300))
_LINE = st.builds(
    lambda t, s, a, q, c: _TEMPLATES[t].format(e=E + s, a=f"PJSIP/100{a}", q=f"q{q}", c=c),
    st.integers(0, len(_TEMPLATES) - 1),
    _SECONDS,
    st.integers(1, 2),
    st.integers(1, 2),
    st.integers(1, 3),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(lines=st.lists(_LINE, min_size=1, max_size=30), data=st.data())
def test_any_split_stores_what_one_read_stores(
    template_db: Path, lines: list[str], data: st.DataObject
) -> None:
    splits = data.draw(
        st.lists(st.integers(1, len(lines)), max_size=4, unique=True).map(sorted), label="splits"
    )
    batch = data.draw(st.integers(1, 4), label="batch size")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        feed = d / "queue_log"
        text = "".join(f"{line}\n" for line in lines)
        whole = fresh_engine(template_db, d / "whole.db")
        feed.write_text(text)
        ingest_once(whole, feed, "queue-log")
        split = fresh_engine(template_db, d / "split.db")
        feed.write_text("")
        done = 0
        for cut in [*splits, len(lines)]:
            with open(feed, "a") as fh:
                fh.write("".join(f"{line}\n" for line in lines[done:cut]))
            done = cut
            follow_once(split, feed, "queue-log", batch_size=batch)
        try:
            got, want = rows(split), rows(whole)
            # Agents included: the writer rebuilds its memberships and a pause asked for
            # mid-call from the stored events when it starts again.
            for table in ("events", "rejects", "calls", "agents", "history"):
                assert got[table] == want[table], table
        finally:
            whole.dispose()
            split.dispose()


# --- rotation and copy-truncate while stopped -------------------------------------------------


def qlines(start: int, n: int) -> str:
    return "".join(
        f"{E + i}|c{i}|9000|NONE|ENTERQUEUE||cust{i}|1\n" for i in range(start, start + n)
    )


def stored_lines(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(FeedEventRow.call_id)).scalars())


def calls(start: int, n: int) -> set[str]:
    return {f"c{i}" for i in range(start, start + n)}


def test_copytruncate_while_stopped_reads_the_copy_then_the_new_file(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "queue_log"
    path.write_text(qlines(0, 10))
    follow_once(engine, path, "queue-log")
    # While stopped: two more lines, then logrotate's copytruncate, then a busy new file
    # that is already longer than the old one was (the old offset lands inside it).
    with open(path, "a") as fh:
        fh.write(qlines(10, 2))
    shutil.copy(path, tmp_path / "queue_log.1")
    with open(path, "r+") as fh:
        fh.truncate(0)
    with open(path, "a") as fh:
        fh.write(qlines(100, 40))
    follow_once(engine, path, "queue-log")
    assert stored_lines(engine) == calls(0, 12) | calls(100, 40)


def test_copytruncate_while_stopped_without_the_copy_reads_the_new_file_whole(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "queue_log"
    path.write_text(qlines(0, 10))
    follow_once(engine, path, "queue-log")
    with open(path, "r+") as fh:  # truncated, the copy compressed away
        fh.truncate(0)
    with open(path, "a") as fh:
        fh.write(qlines(100, 40))
    follow_once(engine, path, "queue-log")
    assert stored_lines(engine) == calls(0, 10) | calls(100, 40)


def test_a_new_file_on_a_reused_inode_is_read_from_its_start(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "queue_log"
    path.write_text(qlines(0, 10))
    follow_once(engine, path, "queue-log")
    # Rewritten in place with other content of the same length and more: same inode and
    # a size past the offset, but not the file the cursor was in.
    path.write_text(qlines(200, 30))
    follow_once(engine, path, "queue-log")
    assert stored_lines(engine) == calls(0, 10) | calls(200, 30)


def test_rename_rotation_while_stopped_finishes_the_old_file(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "queue_log"
    path.write_text(qlines(0, 10))
    follow_once(engine, path, "queue-log")
    with open(path, "a") as fh:
        fh.write(qlines(10, 3))
    os.rename(path, tmp_path / "queue_log.1")
    path.write_text(qlines(100, 40))
    follow_once(engine, path, "queue-log")
    assert stored_lines(engine) == calls(0, 13) | calls(100, 40)


def test_identical_lines_across_a_stop_just_after_a_rename_rotation(
    engine: Engine, tmp_path: Path
) -> None:
    """The copy count lives in the cursor's file: rotation while stopped keeps it."""
    path = tmp_path / "queue_log"
    path.write_text(qlines(0, 3) + RING)
    follow_once(engine, path, "queue-log")
    with open(path, "a") as fh:
        fh.write(RING)  # the twin, then the rotation, while stopped
    os.rename(path, tmp_path / "queue_log.1")
    path.write_text(qlines(100, 2))
    follow_once(engine, path, "queue-log")
    with engine.connect() as conn:
        rings = (
            conn.execute(select(FeedEventRow.key).where(FeedEventRow.kind == "call_ring_no_answer"))
            .scalars()
            .all()
        )
    assert len(set(rings)) == 2


# --- what the writer remembers beyond the agent row -------------------------------------------


@pytest.mark.parametrize(
    "before,after",
    [
        # In two queues, removed from one after the restart: still logged in.
        (
            [f"{E}|NONE|q1|PJSIP/1001|ADDMEMBER|", f"{E + 1}|NONE|q2|PJSIP/1001|ADDMEMBER|"],
            [f"{E + 60}|NONE|q1|PJSIP/1001|REMOVEMEMBER|"],
        ),
        # A pause asked for during a call starts when the call ends, restart in between.
        (
            [
                f"{E}|NONE|q1|PJSIP/1001|ADDMEMBER|",
                f"{E + 5}|c1|q1|NONE|ENTERQUEUE||cust|1",
                f"{E + 9}|c1|q1|PJSIP/1001|CONNECT|4|x|1",
                f"{E + 30}|NONE|q1|PJSIP/1001|PAUSE|lunch",
            ],
            [f"{E + 90}|c1|q1|PJSIP/1001|COMPLETECALLER|4|81|1"],
        ),
    ],
    ids=["membership", "pause-mid-call"],
)
def test_a_restart_keeps_what_the_writer_remembered(
    template_db: Path, tmp_path: Path, before: list[str], after: list[str]
) -> None:
    feed = tmp_path / "queue_log"
    whole = fresh_engine(template_db, tmp_path / "whole.db")
    feed.write_text("".join(f"{x}\n" for x in [*before, *after]))
    ingest_once(whole, feed, "queue-log")
    split = fresh_engine(template_db, tmp_path / "split.db")
    feed.write_text("".join(f"{x}\n" for x in before))
    follow_once(split, feed, "queue-log")
    with open(feed, "a") as fh:
        fh.write("".join(f"{x}\n" for x in after))
    follow_once(split, feed, "queue-log")
    try:
        got, want = rows(split), rows(whole)
        assert got["agents"] == want["agents"]
        assert want["agents"][0][1] in ("available", "break")
        assert got["history"] == want["history"]
    finally:
        whole.dispose()
        split.dispose()
