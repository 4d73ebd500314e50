"""The static checks CI runs before the tests, run here too so a developer sees them locally:
mypy over the packages (configured in pyproject.toml) and the import contracts
(import-linter, ``[tool.importlinter]``; tests/test_layering.py says what they mean)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=280)


@pytest.mark.slow
def test_mypy_finds_no_error() -> None:
    pytest.importorskip("mypy")
    done = _run("-m", "mypy")
    assert done.returncode == 0, done.stdout + done.stderr
