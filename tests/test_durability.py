"""kill -9 mid-write: the database is intact and every acknowledged event is there."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from db.engine import open_store
from db.models import FeedEventRow

# The writer process: commits batches through the real FeedWriter and prints each batch's
# keys only after the commit returned (that print is the "acknowledgement").
WRITER = r"""
import json, sys
from datetime import UTC, datetime, timedelta
from db.engine import open_store
from floorapp.config import Settings
from floorapp.feed.jsonl import parse_jsonl
from floorapp.feed.writer import FeedWriter

engine = open_store(sys.argv[1])
writer = FeedWriter(engine, Settings())
t0 = datetime(2026, 3, 10, 9, tzinfo=UTC)
n = 0
states = ["available", "break", "available", "after_call"]
while True:
    lines = []
    for _ in range(50):
        n += 1
        ts = (t0 + timedelta(milliseconds=n)).isoformat()
        lines.append(json.dumps({"id": f"ev{n}", "type": "state", "ts": ts,
                                 "agent": f"A{n % 40}", "state": states[n % 4],
                                 "reason": "lunch" if states[n % 4] == "break" else None}))
    events = [e for e in parse_jsonl(lines, "durability") if hasattr(e, "key")]
    writer.write_batch(events)
    print(" ".join(e.key for e in events), flush=True)
"""


@pytest.mark.slow
def test_kill_9_mid_write_keeps_every_acknowledged_event(store_url: str, tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, store_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    acked: list[str] = []
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while len(acked) < 1500 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        acked.extend(line.split())
    os.kill(proc.pid, signal.SIGKILL)  # mid-batch: it writes continuously
    proc.wait()
    assert len(acked) >= 1500, proc.stderr.read() if proc.stderr else ""

    engine = open_store(store_url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            stored = set(conn.execute(select(FeedEventRow.key)).scalars())
    finally:
        engine.dispose()
    missing = [k for k in acked if k not in stored]
    assert not missing, f"{len(missing)} acknowledged events lost, e.g. {missing[:3]}"
