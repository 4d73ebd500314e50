"""Bytes a console writes to its terminal (what an SSH link carries), beside its references.

A busy 2,000-agent floor, seeded as it stands now (a tenth of the agents change state every
second, written by a separate connection as the feed would), and a real console in a
pseudo-terminal of the given size, started as an SSH login would start it
(``SSH_CONNECTION`` set, TERM ``xterm-256color``). After the first paint settles, every
byte the console writes is recorded for a while, twice in the same run: with the console's
output layer (``screens/wire.py``: changed cells only) and without it
(``FLOORAPP_FULL_ROWS=1``: Textual's whole rows).

Each recording is replayed through a terminal emulator (pyte, from the test extra) to count
the cells that changed from one frame to the next: bytes per changed cell, and a lower
bound for any encoder of the same screens (each changed character, plus a three-byte cursor
move per run of them, no colours). htop, when installed, runs in the same size for the same
window: the reference a terminal program is judged against.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import random
import select
import shutil
import signal
import struct
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from floorapp.bench import Figure
from floorapp.bench.console import STATES, seed

AGENTS = 2000
BURST_GAP_S = 0.05  # reads this close together are one frame's output
SIZES = ((80, 24), (200, 50))


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
        changes = [
            (f"A{rng.randrange(agents):05d}", rng.choice(STATES)) for _ in range(agents // 10)
        ]

        def tx(conn: Any, changes: list[tuple[str, str]] = changes, now: datetime = now) -> None:
            seq = next_change(conn)  # written as the feed writes: one change number a batch
            for agent_id, state in changes:
                conn.execute(
                    update(Agent)
                    .where(Agent.id == agent_id)
                    .values(state=state, state_since=now, updated_at=now, seq=seq)
                )

        run_write(engine, tx)
        stop.wait(max(0.0, 1.0 - (time.monotonic() - tick)))
    engine.dispose()


@dataclass
class Recording:
    chunks: list[tuple[float, bytes]]  # (seconds since start, what was read)
    warmup: float
    window: float
    cpu_s: float  # the program's CPU time (user + system) within the window

    def steady_bytes(self) -> int:
        return sum(len(b) for t, b in self.chunks if t >= self.warmup)

    def rate(self) -> float:
        return self.steady_bytes() / self.window


def record(
    argv: list[str],
    cols: int,
    rows: int,
    warmup: float,
    window: float,
    extra_env: dict[str, str] | None = None,
) -> Recording:
    """Run ``argv`` in a pseudo-terminal of ``cols`` x ``rows``; keep what it writes."""
    pid, fd = pty.fork()
    if pid == 0:  # the program, as sshd would start it
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TEXTUAL", "COLORTERM", "FLOORAPP_FULL_ROWS"))
        }
        env.update(
            TERM="xterm-256color",
            SSH_CONNECTION="127.0.0.1 50000 127.0.0.1 22",
            LANG="C.UTF-8",
            **(extra_env or {}),
        )
        os.execve(argv[0], argv, env)
    chunks: list[tuple[float, bytes]] = []
    start = time.monotonic()
    # The window opens ``warmup`` seconds after the program first writes (the first paint
    # and, for the console, the floor's load are not steady state), however long a busy
    # machine takes to start it; never sooner than ``warmup`` after the start.
    opens = start + warmup
    end = opens + window
    cpu_at_open: float | None = None
    try:
        while (left := end - time.monotonic()) > 0:
            if cpu_at_open is None and time.monotonic() >= opens and chunks:
                cpu_at_open = _cpu_s(pid)
            ready, _, _ = select.select([fd], [], [], min(left, 0.25))
            if ready:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    break
                if not data:
                    break
                now = time.monotonic()
                if not chunks:
                    opens = max(opens, now + warmup)
                    end = opens + window
                chunks.append((now - start, data))
        cpu = _cpu_s(pid) - (cpu_at_open if cpu_at_open is not None else 0.0)
        return Recording(chunks, opens - start, window, cpu)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        drain_until = time.monotonic() + 0.5
        while (left := drain_until - time.monotonic()) > 0:
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                break
            try:
                if not os.read(fd, 65536):
                    break
            except OSError:
                break
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        os.close(fd)


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a running process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Replay:
    changed_cells: int  # cells that differ between one frame and the next, in the window
    lower_bound_bytes: int  # their characters plus a 3-byte move per run of them


def replay(rec: Recording, cols: int, rows: int) -> Replay:
    """The recording through a terminal emulator, frame by frame."""
    import pyte

    screen = pyte.Screen(cols, rows)
    stream = pyte.ByteStream(screen)

    def snapshot() -> list[list[tuple[Any, ...]]]:
        return [[tuple(screen.buffer[y][x]) for x in range(cols)] for y in range(rows)]

    before = snapshot()
    changed = lower = 0
    last_t = None
    for t, data in [*rec.chunks, (float("inf"), b"")]:
        if last_t is not None and t - last_t > BURST_GAP_S:
            after = snapshot()  # a frame is complete: compare it with the one before
            if last_t >= rec.warmup:
                for y in range(rows):
                    old, new = before[y], after[y]
                    in_run = False
                    for x in range(cols):
                        if old[x] != new[x]:
                            changed += 1
                            lower += len(new[x][0].encode()) + (0 if in_run else 3)
                            in_run = True
                        else:
                            in_run = False
            before = after
        stream.feed(data)
        last_t = t
    return Replay(changed, lower)


def _console(url: str) -> list[str]:
    return [sys.executable, "-m", "floorapp", "--db", url, "--as", "bench", "console"]


def figures(quick: bool) -> Iterable[Figure]:
    window = 10.0 if quick else 30.0
    warmup = 6.0
    htop = shutil.which("htop")
    with tempfile.TemporaryDirectory(prefix="floorapp-bench-wire-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'floor.db'}"
        # As it stands now: every row's time in state ticks each second, as on a real floor.
        seed(url, AGENTS, at=datetime.now(UTC).replace(microsecond=0))
        stop = threading.Event()
        churn = threading.Thread(target=_churn, args=(url, stop, AGENTS), daemon=True)
        churn.start()
        try:
            for cols, rows in SIZES:
                size = f"{cols}x{rows}"
                ours = record(_console(url), cols, rows, warmup, window)
                rows_ = record(
                    _console(url), cols, rows, warmup, window, {"FLOORAPP_FULL_ROWS": "1"}
                )
                seen, seen_rows = replay(ours, cols, rows), replay(rows_, cols, rows)
                rate, rate_rows = ours.rate(), rows_.rate()
                yield (
                    f"ssh_console_bytes_per_s_{size}_{AGENTS}_agents",
                    round(rate / 1024, 2),
                    "KB/s (changed cells only)",
                )
                yield (
                    f"ssh_console_bytes_per_s_{size}_textual_rows",
                    round(rate_rows / 1024, 2),
                    "KB/s (same run, FLOORAPP_FULL_ROWS=1)",
                )
                yield f"ssh_console_rows_vs_cells_{size}", round(rate_rows / rate, 1), "x"
                yield (
                    f"ssh_console_cpu_{size}",
                    round(100 * ours.cpu_s / window, 1),
                    f"% of a core (whole rows: {100 * rows_.cpu_s / window:.1f} %)",
                )
                yield (
                    f"ssh_console_changed_cells_per_s_{size}",
                    round(seen.changed_cells / window),
                    "cells/s",
                )
                per_cell_rows = rows_.steady_bytes() / max(seen_rows.changed_cells, 1)
                yield (
                    f"ssh_console_bytes_per_changed_cell_{size}",
                    round(ours.steady_bytes() / max(seen.changed_cells, 1), 1),
                    f"bytes (Textual's rows: {per_cell_rows:.1f})",
                )
                bound = seen.lower_bound_bytes / window
                yield (
                    f"ssh_screen_diff_lower_bound_{size}",
                    round(bound / 1024, 2),
                    "KB/s (changed characters + a 3-byte move per run)",
                )
                yield f"ssh_console_vs_lower_bound_{size}", round(rate / max(bound, 1), 1), "x"
                if htop:
                    ref = record([htop], cols, rows, warmup, window).rate()
                    yield f"ssh_htop_bytes_per_s_{size}", round(ref / 1024, 2), "KB/s (same run)"
                    yield f"ssh_console_vs_htop_{size}", round(rate / max(ref, 1), 1), "x"
        finally:
            stop.set()
            churn.join(10)
