"""The static checks CI runs before the tests, run here too so a developer sees them locally:
ruff (lint and layout), mypy over the packages (configured in pyproject.toml) and the import
contracts (import-linter, ``[tool.importlinter]``; tests/test_layering.py says what they
mean)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=280
    )


def test_ruff_finds_nothing_to_lint_or_reformat() -> None:
    pytest.importorskip("ruff")
    lint = _run("-m", "ruff", "check", "--quiet", ".")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    layout = _run("-m", "ruff", "format", "--check", "--quiet", ".")
    assert layout.returncode == 0, "run `ruff format .`:\n" + layout.stdout + layout.stderr


@pytest.mark.slow
def test_mypy_finds_no_error() -> None:
    pytest.importorskip("mypy")
    done = _run("-m", "mypy")
    assert done.returncode == 0, done.stdout + done.stderr


SNIPPET = """
from sqlalchemy import Connection, insert, select
from db.models import Agent, Flag

def ok(conn: Connection) -> int:
    names: list[str] = list(conn.execute(
        select(Agent.name).where(Agent.state == "break", Agent.state_since.is_not(None))
    ).scalars())
    return len(names) + conn.execute(insert(Flag).returning(Flag.id)).scalar_one()

def wrong(conn: Connection, agent: Agent) -> None:
    agent.state.is_(None)  # an agent's state is a str: no SQL on an instance
    Agent.__table__.c.id.in_(["a"])  # every table has its Table
    n: str = conn.execute(select(Agent.tier)).scalar_one()  # a tier is an int
"""


@pytest.mark.slow
def test_the_plugin_types_table_columns_and_still_finds_mistakes(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    path = tmp_path / "snippet.py"
    path.write_text(SNIPPET, encoding="utf-8")
    done = _run("-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), str(path))
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    lines = sorted({int(e.split(":")[1]) for e in errors})
    wanted = [
        n
        for n, line in enumerate(SNIPPET.splitlines(), start=1)
        if "# an agent's state" in line or "# a tier" in line
    ]
    assert lines == wanted, done.stdout  # `ok` passes; the instance and the int do not
