"""The layers hold, as ARCHITECTURE.md draws them: the contracts are import-linter's, in
pyproject.toml (``[tool.importlinter]``), so CI's ``lint-imports`` and this test check the
same thing:

- screens/ over floorapp/ over db/: db/ knows nothing above it; floorapp/ never imports
  screens/ except the console entry points (the console command and its benchmark), named
  one by one there with the reason;
- db/ never imports Textual or Rich; screens/ never import a SQL library;
- no import cycle inside floorapp.rules or floorapp.plan, and the plan sits between the
  rules' definitions and the rules engine that follows it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _contracts() -> list[dict[str, object]]:
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return conf["tool"]["importlinter"]["contracts"]


def test_the_import_contracts_are_kept() -> None:
    pytest.importorskip("importlinter")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(no_cache=True))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_console_entry_points_are_the_only_way_up() -> None:
    # The one exception to "floorapp never imports screens", spelt out so that widening it
    # is a visible change to this list.
    layers = next(c for c in _contracts() if c["layers"] == ["screens", "floorapp", "db"])
    importers = {line.split(" -> ")[0] for line in layers["ignore_imports"]}
    assert importers == {"floorapp.commands.console", "floorapp.bench.console"}
