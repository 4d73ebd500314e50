"""One follower per feed: a second ``ingest --follow`` or ``serve`` of the same file is refused."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from db.models_plan import SchedulerLease
from floorapp.cli import main
from floorapp.feed.lease import FeedBusy, FeedLease, lease_name
from floorapp.scheduler import lease
from tests.waiting import wait_until

E = 1773652000
ROOT = Path(__file__).resolve().parents[1]


wait_for = wait_until


def holder(engine: Engine, source: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(
            select(SchedulerLease.holder).where(SchedulerLease.name == lease_name(source))
        ).scalar()


def test_a_second_holder_is_refused_until_the_first_lets_go(engine: Engine) -> None:
    first = FeedLease(engine, "/var/log/asterisk/queue_log", "ingest@a:1")
    second = FeedLease(engine, "/var/log/asterisk/queue_log", "serve@b:2")
    other_feed = FeedLease(engine, "/var/log/asterisk/queue_log.other", "serve@b:2")
    with first:
        with pytest.raises(FeedBusy) as exc:
            second.acquire()
        assert "already followed by ingest@a:1" in str(exc.value)
        other_feed.acquire()  # another feed is another lease
    second.acquire()  # given up on a clean stop: no waiting for it to expire


def test_the_scheduler_lease_is_another_row(engine: Engine) -> None:
    with FeedLease(engine, "/x/queue_log", "serve@h:1"):
        state = lease.try_acquire(engine, "console@h:9", datetime.now(UTC))
        assert state.held


def test_a_dead_follower_on_this_host_is_taken_over_at_once(engine: Engine) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    gone = f"serve@{socket.gethostname()}:{dead.pid}"
    lease.try_acquire(
        engine, gone, datetime.now(UTC), timedelta(hours=1), name=lease_name("/x/queue_log")
    )
    FeedLease(engine, "/x/queue_log", "serve@here:1").acquire()
    assert holder(engine, "/x/queue_log") == "serve@here:1"
    # A live one elsewhere is not.
    with pytest.raises(FeedBusy):
        FeedLease(engine, "/x/queue_log", f"serve@{socket.gethostname()}:{os.getpid()}").acquire()


def test_a_second_follow_of_one_file_is_refused_in_one_line(
    db_url: str, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = tmp_path / "queue_log"
    feed.write_text(f"{E}|c1|q|NONE|ENTERQUEUE||cust|1\n")
    source = str(feed.resolve())
    first = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "floorapp",
            "--db",
            db_url,
            "ingest",
            "--follow",
            "--no-rules",
            str(feed),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    try:
        wait_for(lambda: holder(engine, source) is not None, "the first follower's lease")
        assert main(["--db", db_url, "ingest", "--follow", str(feed)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1, err
        assert f"{feed}: already followed by ingest@" in err[0]
        assert f":{first.pid}" in err[0]
        serve = subprocess.run(
            [
                sys.executable,
                "-m",
                "floorapp",
                "--db",
                db_url,
                "serve",
                "--no-scheduler",
                "--feed",
                str(feed),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
        )
        assert serve.returncode == 2
        assert "already followed by ingest@" in serve.stderr and "Traceback" not in serve.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(20) == 0
        assert first.stderr is not None
        first.stderr.close()
    assert holder(engine, source) is None  # given up on the way out
