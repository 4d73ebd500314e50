"""What goes wrong around a command is said in one line: unusable databases, closed pipes."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from db.engine import head_revision, open_store
from floorapp.cli import main

ROOT = Path(__file__).resolve().parents[1]
ENV = dict(os.environ, PYTHONPATH=str(ROOT))


def _floor_db(path: Path) -> Path:
    engine = open_store(f"sqlite:///{path}")
    engine.dispose()
    con = sqlite3.connect(path)  # fold the WAL back in: the file alone is the database
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()
    return path


def truncated(tmp: Path) -> Path:
    path = _floor_db(tmp / "truncated.db")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3 + 100])  # cut mid-page
    return path


def random_bytes(tmp: Path) -> Path:
    path = tmp / "random.db"
    path.write_bytes(os.urandom(64 * 1024))
    return path


def someone_elses(tmp: Path) -> Path:
    path = tmp / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    con.execute("INSERT INTO invoices VALUES (1, 9.5)")
    con.commit()
    con.close()
    return path


def from_the_future(tmp: Path) -> Path:
    path = _floor_db(tmp / "newer.db")
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = '0099'")
    con.commit()
    con.close()
    return path


@pytest.mark.parametrize(
    "make,says",
    [
        (truncated, "damaged"),
        (random_bytes, "not a database"),
        (someone_elses, "not a floorapp database"),
        (from_the_future, "newer floorapp"),
    ],
)
def test_an_unusable_database_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: object, says: str
) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    before = path.read_bytes()
    code = main(["--db", str(path), "status"])
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("floorapp: ") and str(path) in lines[0] and says in lines[0]
    assert "Traceback" not in err
    assert path.read_bytes() == before  # nothing was "upgraded" into it


def test_a_newer_database_says_which_versions_and_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = from_the_future(tmp_path)
    assert main(["--db", str(path), "status"]) == 2
    err = capsys.readouterr().err
    assert "0099" in err and head_revision() in err and "upgrade floorapp" in err


def test_a_new_empty_file_is_still_a_new_floor(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    assert main(["--db", str(path), "status", "--json"]) == 0


@pytest.mark.parametrize("argv", [["plan", "show"], ["rules", "--json"], ["status"], ["--help"]])
def test_a_closed_pipe_ends_the_command_quietly(tmp_path: Path, argv: list[str]) -> None:
    """`floorapp plan show | head -1`: the reader went away; no traceback about it."""
    db = tmp_path / "floor.db"
    open_store(f"sqlite:///{db}").dispose()
    read_end, write_end = os.pipe()
    os.close(read_end)  # head has read what it wanted and exited
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "floorapp", "--db", str(db), *argv],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=ENV,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert proc.stderr.decode() == ""
    assert proc.returncode in (0, 1)


def _imported(args: str) -> set[str]:
    code = (
        "import sys\nfrom floorapp.cli import main\n"
        f"try:\n    main({args})\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
        check=True,
    ).stdout
    return set(out.split()[-1000:])


def test_version_imports_nothing_heavy() -> None:
    heavy = {"alembic", "apscheduler", "sqlmodel", "sqlalchemy", "textual", "pydantic", "rich"}
    assert _imported("['--version']") & heavy == set()


@pytest.mark.parametrize(
    "argv", [["--help"], ["status", "--help"], ["report", "--help"], ["--lang", "zh-CN", "--help"]]
)
def test_help_imports_no_database_scheduler_settings_or_ui(argv: list[str]) -> None:
    heavy = {"alembic", "apscheduler", "textual", "sqlalchemy", "sqlmodel", "pydantic"}
    assert _imported(repr(argv)) & heavy == set()
