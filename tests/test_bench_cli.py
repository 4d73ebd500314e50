"""The bench's reference for ``floorapp status`` reads the same floor status shows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from floorapp.bench import cli as bench_cli
from floorapp.bench import modules
from floorapp.bench.console import seed
from floorapp.cli import main


def test_the_cli_bench_is_registered() -> None:
    assert "cli" in modules()


def test_the_sqlite_reference_reads_every_row_status_prints(tmp_path: Path, capsys) -> None:
    db = tmp_path / "floor.db"
    seed(f"sqlite:///{db}", 120)
    assert main(["--db", str(db), "--as", "bench", "status", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    ref = subprocess.run(
        [sys.executable, "-c", bench_cli._REFERENCE, str(db)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    rows = ref.splitlines()
    assert len(rows) == len(shown["agents"]) + len(shown["flags"]) + len(shown["escalations"])
    assert [r.split("\t")[0] for r in rows[: len(shown["agents"])]] == [
        a["id"] for a in shown["agents"]
    ]
