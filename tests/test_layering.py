"""The layers hold: db/ knows nothing above it; screens/ never touch SQL."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


def test_db_imports_nothing_from_the_layers_above() -> None:
    bad = {f: n & {"floorapp", "screens", "textual", "rich"} for f, n in _imports("db").items()}
    assert not {f: n for f, n in bad.items() if n}


def test_floorapp_core_does_not_import_the_screens() -> None:
    # The console command is the one place that opens the UI.
    bad = {f: n & {"screens"} for f, n in _imports("floorapp").items()
           if not f.startswith("floorapp/commands/") and not f.startswith("floorapp/bench/")}
    assert not {f: n for f, n in bad.items() if n}


def test_screens_never_write_sql() -> None:
    bad = {f: n & {"sqlalchemy", "sqlmodel", "sqlite3", "psycopg"}
           for f, n in _imports("screens").items()}
    assert not {f: n for f, n in bad.items() if n}
