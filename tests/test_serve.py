"""The floor service: follows the feed, stops cleanly, resumes without loss or doubling."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.engine import open_store
from db.models import FeedEventRow, RejectedInput
from db.models_plan import SchedulerLease
from tests.waiting import wait_until

pytestmark = pytest.mark.slow
T = datetime(2026, 3, 10, 9, tzinfo=UTC)


def _lines(start: int, n: int) -> str:
    out = []
    for i in range(start, start + n):
        out.append(
            json.dumps(
                {
                    "type": "state",
                    "ts": (T + timedelta(seconds=i)).isoformat(),
                    "agent": f"PJSIP/{1000 + i % 7}",
                    "state": "break" if i % 2 else "available",
                    "reason": "restroom" if i % 2 else None,
                }
            )
        )
    return "\n".join(out) + "\n"


def _count(url: str) -> tuple[int, int]:
    engine = open_store(url)
    try:
        with engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(FeedEventRow)).scalar_one()
            distinct = conn.execute(
                select(func.count(func.distinct(FeedEventRow.line_no))).select_from(FeedEventRow)
            ).scalar_one()
        return total, distinct
    finally:
        engine.dispose()


def _start(url: str, feed: Path, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "floorapp",
            "--db",
            url,
            "serve",
            "--feed",
            str(feed),
            "--no-scheduler",
        ],
        stderr=open(log, "ab"),
        stdout=subprocess.DEVNULL,
        env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1])),
    )


def _wait_for(url: str, n: int) -> None:
    wait_until(lambda: _count(url)[0] >= n, f"{n} feed lines stored")


def test_serve_stops_cleanly_and_resumes_where_it_stopped(db_url: str, tmp_path: Path) -> None:
    feed, log = tmp_path / "feed.jsonl", tmp_path / "serve.log"
    feed.write_text(_lines(0, 300))
    proc = _start(db_url, feed, log)
    _wait_for(db_url, 300)
    with feed.open("a") as fh:  # arrives while running
        fh.write(_lines(300, 100))
    _wait_for(db_url, 400)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(20) == 0
    text = log.read_text()
    assert "received SIGTERM" in text and "stopped:" in text

    with feed.open("a") as fh:  # arrives while nothing runs
        fh.write(_lines(400, 150))
    proc = _start(db_url, feed, log)
    _wait_for(db_url, 550)
    # kill -9 and restart: still nothing lost, nothing doubled.
    with feed.open("a") as fh:
        fh.write(_lines(550, 50))
    wait_until(lambda: _count(db_url)[0] > 550, "some of the new lines")  # killed mid-stream
    proc.kill()
    proc.wait(10)
    started = log.read_text().count("resuming at line")
    proc = _start(db_url, feed, log)
    _wait_for(db_url, 600)
    # The killed process may have stored all 600 already: wait until the new one is really
    # running (it has said where it resumes) before asking it to stop, or a slow start on a
    # loaded machine meets SIGTERM before its handler is in place.
    wait_until(
        lambda: log.read_text().count("resuming at line") > started,
        "the restarted service to say where it resumes",
    )
    # One more line, stored only once the restarted service has read past everything the
    # killed one may have stored: a doubling would have happened by then.
    with feed.open("a") as fh:
        fh.write(_lines(600, 1))
    wait_until(lambda: _count(db_url)[0] >= 601, "the line after the restart")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(20) == 0
    assert _count(db_url) == (601, 601)
    assert "resuming at line" in log.read_text()


def _rejected(url: str) -> int:
    engine = open_store(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(RejectedInput)).scalar_one()
    finally:
        engine.dispose()


def _lease_holder(url: str) -> str | None:
    engine = open_store(url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                select(SchedulerLease.holder).where(SchedulerLease.name == "reminders")
            ).scalar()
    finally:
        engine.dispose()


BAD = (
    json.dumps(
        {
            "type": "call_answered",
            "ts": T.isoformat(),
            "agent": "PJSIP/1001",
            "call": "x1",
            "hold_seconds": 100000000000,
        }
    )
    + "\n"
)


def test_serve_moves_past_a_bad_line_and_never_reads_it_again(db_url: str, tmp_path: Path) -> None:
    feed, log = tmp_path / "feed.jsonl", tmp_path / "serve.log"
    feed.write_text(_lines(0, 50) + BAD + _lines(50, 50))
    proc = subprocess.Popen(
        [sys.executable, "-m", "floorapp", "--db", db_url, "serve", "--feed", str(feed)],
        stderr=open(log, "ab"),
        stdout=subprocess.DEVNULL,
        env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1])),
    )
    try:
        wait_until(
            lambda: _count(db_url)[0] == 100 and _rejected(db_url) == 1,
            "the good lines stored and the bad one recorded",
        )
        wait_until(lambda: _lease_holder(db_url) is not None, "the scheduler lease")
        assert proc.poll() is None  # still running
        with feed.open("a") as fh:
            fh.write(_lines(100, 10))
        wait_until(lambda: _count(db_url)[0] == 110, "lines after the bad one")
    finally:
        # SIGHUP (a closed terminal, `systemctl kill -s HUP`): like SIGTERM, the leases go.
        proc.send_signal(signal.SIGHUP)
        assert proc.wait(20) == 0
    text = log.read_text()
    assert "received SIGHUP" in text and ":51: " in text
    assert _lease_holder(db_url) is None

    proc = _start(db_url, feed, log)
    try:
        wait_until(lambda: log.read_text().count("resuming at line") == 1, "the restart")
        with feed.open("a") as fh:
            fh.write(_lines(110, 5))
        wait_until(lambda: _count(db_url)[0] == 115, "lines after the restart")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    assert _rejected(db_url) == 1
    assert log.read_text().count(":51: ") == 1  # the bad line was not read again
