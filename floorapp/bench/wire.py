"""Bytes per second a console writes to its terminal: what an SSH link has to carry.

A busy 2,000-agent floor (a tenth of the agents change state every second, written by a
separate connection as the feed would) and a real console in a pseudo-terminal of the
given size, started as an SSH login would start it (``SSH_CONNECTION`` set, TERM
``xterm-256color``). After the first paint settles, every byte the console writes is
counted for a while: the steady-state rate, comparable to htop's < 1 KB/s.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import random
import select
import signal
import struct
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from floorapp.bench import Figure
from floorapp.bench.console import STATES, seed

AGENTS = 2000


def _churn(url: str, stop: threading.Event, agents: int) -> None:
    from sqlalchemy import update

    from db.changes import next_change
    from db.engine import make_engine, run_write
    from db.models import Agent

    engine = make_engine(url)
    rng = random.Random(7)
    while not stop.is_set():
        tick = time.monotonic()
        now = datetime.now(UTC)
        changes = [(f"A{rng.randrange(agents):05d}", rng.choice(STATES))
                   for _ in range(agents // 10)]

        def tx(conn: Any, changes: list[tuple[str, str]] = changes, now: datetime = now) -> None:
            seq = next_change(conn)  # written as the feed writes: one change number a batch
            for agent_id, state in changes:
                conn.execute(update(Agent).where(Agent.id == agent_id).values(
                    state=state, state_since=now, updated_at=now, seq=seq))

        run_write(engine, tx)
        stop.wait(max(0.0, 1.0 - (time.monotonic() - tick)))
    engine.dispose()


def _read_for(fd: int, seconds: float) -> int:
    total = 0
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                total += len(os.read(fd, 65536))
            except OSError:
                break
    return total


def measure(url: str, cols: int, rows: int, warmup: float, window: float) -> float:
    """Bytes/s written by one console at ``cols`` x ``rows`` in steady state."""
    pid, fd = pty.fork()
    if pid == 0:  # the console, as sshd would start it
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TEXTUAL", "COLORTERM"))}
        env.update(TERM="xterm-256color", SSH_CONNECTION="127.0.0.1 50000 127.0.0.1 22",
                   LANG="C.UTF-8")
        os.execve(sys.executable, [sys.executable, "-m", "floorapp", "--db", url,
                                   "--as", "bench", "console"], env)
    try:
        _read_for(fd, warmup)  # start-up and first full paint: not steady state
        return _read_for(fd, window) / window
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        _read_for(fd, 0.5)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        os.close(fd)


def figures(quick: bool) -> Iterable[Figure]:
    window = 10.0 if quick else 30.0
    with tempfile.TemporaryDirectory(prefix="floorapp-bench-wire-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'floor.db'}"
        seed(url, AGENTS)
        stop = threading.Event()
        churn = threading.Thread(target=_churn, args=(url, stop, AGENTS), daemon=True)
        churn.start()
        try:
            for cols, rows in ((80, 24), (200, 50)):
                rate = measure(url, cols, rows, warmup=8.0, window=window)
                yield f"ssh_console_bytes_per_s_{cols}x{rows}_{AGENTS}_agents", round(
                    rate / 1024, 2), "KB/s"
        finally:
            stop.set()
            churn.join(10)
