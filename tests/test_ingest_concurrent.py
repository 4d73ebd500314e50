"""Two ingest processes and a reader on one SQLite file: no "database is locked", nothing lost."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
import time
from pathlib import Path

import pytest

from floorapp.bench.ingest import write_jsonl, write_queue_log

pytestmark = pytest.mark.slow


def _ingest(db_url: str, path: str, fmt: str, q: mp.Queue) -> None:  # type: ignore[type-arg]
    import contextlib
    import io

    from floorapp.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            # Small batches: many short write transactions competing for the lock.
            code = main(
                [
                    "--db",
                    db_url,
                    "ingest",
                    "--no-rules",
                    "--format",
                    fmt,
                    "--batch-size",
                    "100",
                    path,
                ]
            )
        except Exception as exc:  # reported to the test, not swallowed
            code, err = -1, io.StringIO(f"{err.getvalue()}\n{type(exc).__name__}: {exc}")
    q.put((path, code, err.getvalue()))


def _read(db_url: str, stop: mp.Event, q: mp.Queue) -> None:  # type: ignore[type-arg]
    from sqlalchemy import func, select

    from db.engine import make_engine, read_tx
    from db.models import Agent, Call, FeedEventRow

    engine = make_engine(db_url)
    reads, errors = 0, []
    while not stop.is_set():
        try:
            with read_tx(engine) as conn:
                conn.execute(select(func.count()).select_from(FeedEventRow)).scalar_one()
                conn.execute(select(Agent.id, Agent.state)).all()
                conn.execute(select(func.count()).select_from(Call)).scalar_one()
            reads += 1
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        time.sleep(0.01)
    q.put(("reader", reads, errors))


def test_two_writers_and_a_reader_share_one_file(tmp_path: Path) -> None:
    from db.engine import open_store

    db = tmp_path / "floor.db"
    db_url = f"sqlite:///{db}"
    open_store(db_url).dispose()  # the schema exists before the race starts
    feeds = {"jsonl": tmp_path / "a.jsonl", "queue-log": tmp_path / "b.queue_log"}
    write_jsonl(feeds["jsonl"], 4000, n_agents=40, seed=1)
    write_queue_log(feeds["queue-log"], 4000, n_agents=40, seed=2)

    ctx = mp.get_context("spawn")  # no engine or connection crosses a fork
    q = ctx.Queue()
    stop = ctx.Event()
    reader = ctx.Process(target=_read, args=(db_url, stop, q))
    reader.start()
    writers = [
        ctx.Process(target=_ingest, args=(db_url, str(p), fmt, q)) for fmt, p in feeds.items()
    ]
    for w in writers:
        w.start()
    results = [q.get(timeout=180) for _ in writers]
    stop.set()
    reader_result = q.get(timeout=60)
    for p in [*writers, reader]:
        p.join(30)
    for path, code, err in results:
        assert "locked" not in err.lower(), err
        assert code == 0, f"{path}: {err}"
    _, reads, errors = reader_result
    assert errors == [] and reads > 0
    conn = sqlite3.connect(db)
    try:
        stored = conn.execute("SELECT count(*) FROM feed_event").fetchone()[0]
        sources = conn.execute("SELECT count(DISTINCT source_id) FROM feed_event").fetchone()[0]
    finally:
        conn.close()
    # Every line of both feeds is there: 4000 JSONL events + 4000 queue_log lines (the
    # QUEUESTART among them).
    assert (stored, sources) == (8000, 2)
