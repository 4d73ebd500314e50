"""The command line as a person meets it: whole processes, timed from outside.

- ``cli_status_table_<N>_s`` / ``cli_status_json_<N>_s``: ``floorapp status`` (the table,
  piped) and ``status --json`` on an N-agent floor (the console bench's floor: states,
  calls, flags, escalations), whole process, median of the runs. Target: ≤ 1 s at 10,000.
  Reference, same run: ``cli_status_ref_sqlite_<N>_s``, a plain Python process reading the
  same three lists with ``sqlite3`` and printing them; ``..._ratio`` is status over it.
- ``cli_version_s`` / ``cli_help_s``: ``floorapp --version`` and ``floorapp --help``.
  Target: ≤ 0.25 s. Reference, same run: ``cli_python_pass_s`` (``python -c pass``: the
  interpreter's own start) and the ratios to it.
- ``..._cpu_s``: the same processes' CPU time (user + system), which a machine shared with
  other work does not inflate as it does the wall time.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from floorapp.bench import Figure

ROOT = Path(__file__).resolve().parents[2]

# The same three reads as ``floorapp status``, in plain sqlite3: the floor of what the
# answer costs in Python.
_REFERENCE = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
out = []
for row in con.execute(
        "SELECT a.id, a.name, a.team_id, a.state, a.state_since, a.state_reason, "
        "a.logged_in_since, c.id, c.customer_id, c.queue, c.answered_at "
        "FROM agent a LEFT JOIN call c ON c.id = a.current_call_id AND c.ended_at IS NULL "
        "ORDER BY a.team_id, a.id"):
    out.append("\\t".join("" if v is None else str(v) for v in row))
for row in con.execute("SELECT f.id, f.agent_id, a.name, f.kind, f.severity, f.status, "
                       "f.raised_at, f.detail FROM flag f JOIN agent a ON a.id = f.agent_id "
                       "WHERE f.status != 'resolved' ORDER BY f.raised_at, f.id"):
    out.append("\\t".join("" if v is None else str(v) for v in row))
for row in con.execute("SELECT * FROM escalation WHERE status != 'resolved' "
                       "ORDER BY deadline, id"):
    out.append("\\t".join("" if v is None else str(v) for v in row))
sys.stdout.write("\\n".join(out) + "\\n")
"""


def _env(config: Path) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), FLOORAPP_CONFIG=str(config), FLOORAPP_LANG="en")
    for var in ("FLOORAPP_DB", "COLUMNS", "SSH_CONNECTION", "SSH_TTY", "FLOORAPP_DEBUG"):
        env.pop(var, None)
    return env


def _timed(argv: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``runs`` whole processes (output to /dev/null)."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(
            argv,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=True,
            timeout=300,
        )
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def figures(quick: bool) -> Iterable[Figure]:
    from floorapp.bench.console import seed

    py = sys.executable
    runs = 3 if quick else 5
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text("")  # the defaults, whatever this machine's own settings say
        env = _env(config)

        ref, ref_cpu = _timed([py, "-c", "pass"], env, runs)  # the interpreter's start
        yield ("cli_python_pass_s", ref, "s")
        yield ("cli_python_pass_cpu_s", ref_cpu, "s")
        for name, argv in (("version", ["--version"]), ("help", ["--help"])):
            wall, cpu = _timed([py, "-m", "floorapp", *argv], env, runs)
            yield (f"cli_{name}_s", wall, "s")
            yield (f"cli_{name}_cpu_s", cpu, "s")
            yield (f"cli_{name}_ratio_to_python", wall / ref, "x")

        agents = 2000 if quick else 10000
        db = Path(tmp) / "floor.db"
        seed(f"sqlite:///{db}", agents)
        status = [py, "-m", "floorapp", "--db", str(db), "--as", "bench", "status"]
        _timed(status, env, 1)  # the first run writes the byte code and warms the cache
        ref, ref_cpu = _timed([py, "-c", _REFERENCE, str(db)], env, runs)
        yield (f"cli_status_ref_sqlite_{agents}_s", ref, "s")
        yield (f"cli_status_ref_sqlite_{agents}_cpu_s", ref_cpu, "s")
        for name, extra in (("table", []), ("json", ["--json"])):
            wall, cpu = _timed([*status, *extra], env, runs)
            yield (f"cli_status_{name}_{agents}_s", wall, "s")
            yield (f"cli_status_{name}_{agents}_cpu_s", cpu, "s")
            yield (f"cli_status_{name}_{agents}_ratio_to_sqlite", wall / ref, "x")
