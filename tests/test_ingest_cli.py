"""``floorapp ingest`` as a user runs it: messages, exit statuses, stdin, --follow and signals."""

from __future__ import annotations

import io
import os
import pty
import select as io_select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.engine import open_store
from db.models import Call, FeedEventRow, RejectedInput
from floorapp.cli import main

SAMPLE = Path(__file__).parent / "data" / "asterisk-queue_log.sample"
E = 1773652000


def count(db_url: str, table: object) -> int:
    engine = open_store(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(table)).scalar_one()  # type: ignore[arg-type]
    finally:
        engine.dispose()


def test_clean_file_exits_0_with_a_summary(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db_url, "ingest", "--no-rules", str(SAMPLE)]) == 0
    err = capsys.readouterr().err
    assert "271 accepted, 0 duplicates, 0 rejected, 7 ignored (CONFIGRELOAD 7)" in err
    assert count(db_url, Call) == 21
    assert main(["--db", db_url, "ingest", "--no-rules", str(SAMPLE)]) == 0
    assert "0 accepted, 271 duplicates" in capsys.readouterr().err


def test_rejected_lines_exit_1_and_are_named_by_path_and_line(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = tmp_path / "queue_log"
    feed.write_text(
        f"{E}|c1|9000|NONE|ENTERQUEUE||5|1\n"
        f"{E}|c2|9000\n"
        f"{E}|c3|9000|NONE|ENTERQUEUE||6|1\n"
        f"later|c4|9000|NONE|ENTERQUEUE||7|1\n"
    )
    assert main(["--db", db_url, "ingest", "--no-rules", str(feed)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"{feed}:2: too few fields")
    assert err[1] == f"{feed}:4: epoch is not a number: 'later'"
    assert err[-1].endswith("2 accepted, 0 duplicates, 2 rejected, 0 ignored")
    assert count(db_url, Call) == 2 and count(db_url, RejectedInput) == 2
    # Re-running keeps one reject row per bad line.
    assert main(["--db", db_url, "ingest", "--no-rules", str(feed)]) == 1
    assert count(db_url, RejectedInput) == 2


def test_unusable_input_exits_2(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", db_url, "ingest", str(tmp_path / "missing.log")]) == 2
    assert "no such file" in capsys.readouterr().err
    prose = tmp_path / "notes.txt"
    prose.write_text("dear diary\n")
    assert main(["--db", db_url, "ingest", str(prose)]) == 2
    assert "cannot tell the format" in capsys.readouterr().err
    assert main(["--db", db_url, "ingest", str(tmp_path)]) == 2
    assert "not a regular file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:  # argparse: an unknown --format
        main(["--db", db_url, "ingest", "--format", "csv", str(SAMPLE)])
    assert exc.value.code == 2


def test_format_is_sniffed_and_can_be_forced(db_url: str, tmp_path: Path) -> None:
    odd = tmp_path / "feed.dat"
    shutil.copy(SAMPLE, odd)
    assert main(["--db", db_url, "ingest", "--no-rules", str(odd)]) == 0
    as_jsonl = main(["--db", db_url, "ingest", "--no-rules", "--format", "jsonl", str(odd)])
    assert as_jsonl == 1  # every line is a reject when read as the wrong format


def test_stdin(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = b'\n{"type":"agent_login","ts":"2026-03-10T09:00:00+08:00","agent":"a1"}\n{"bad"\n'
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["--db", db_url, "ingest", "--no-rules", "-"]) == 1
    err = capsys.readouterr().err
    assert "-:3: not valid JSON" in err
    assert count(db_url, FeedEventRow) == 1


def test_follow_until_sigterm(db_url: str, tmp_path: Path) -> None:
    feed = tmp_path / "queue_log"
    feed.write_text(f"{E}|c1|9000|NONE|ENTERQUEUE||5|1\n")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "floorapp",
            "--db",
            db_url,
            "ingest",
            "--follow",
            "--no-rules",
            str(feed),
        ],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + 30
        while count(db_url, FeedEventRow) < 1:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "first line never stored"
            time.sleep(0.1)
        with open(feed, "a", encoding="utf-8") as fh:
            fh.write(f"{E + 1}|c2|9000|NONE|ENTERQUEUE||6|1\n")
        while count(db_url, FeedEventRow) < 2:  # flushed within about half a second
            assert time.monotonic() < deadline, "appended line never stored"
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "2 accepted" in err


def test_progress_bar_on_a_terminal_only(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from floorapp.commands import ingest

    monkeypatch.setattr(ingest, "PROGRESS_MIN_BYTES", 1000)  # the sample is ~18 KB
    assert main(["--db", db_url, "ingest", "--no-rules", str(SAMPLE)]) == 0
    assert "━" not in capsys.readouterr().err  # piped: no bar
    master, slave = pty.openpty()
    with capsys.disabled(), os.fdopen(slave, "w", encoding="utf-8") as tty:
        monkeypatch.setattr(sys, "stderr", tty)
        assert main(["--db", db_url, "ingest", "--no-rules", str(SAMPLE)]) == 0
        tty.flush()
        out = b""
        while True:
            ready, _, _ = io_select.select([master], [], [], 0.5)
            if not ready:
                break
            out += os.read(master, 65536)
    os.close(master)
    text = out.decode("utf-8", "replace")
    assert "━" in text and "0 accepted, 271 duplicates" in text


def test_an_empty_file_is_nothing_to_do_not_an_error(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "queue_log"
    empty.write_text("")
    assert main(["--db", db_url, "ingest", str(empty)]) == 0
    assert "empty file" in capsys.readouterr().err


def test_a_full_disk_is_waited_out_with_a_line_on_stderr(
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import errno

    from floorapp.feed import pipeline
    from floorapp.feed.writer import FeedWriter

    path = tmp_path / "queue_log"
    path.write_text("".join(f"{E + i}|c{i}|q|NONE|ENTERQUEUE||cust|1\n" for i in range(10)))
    real = FeedWriter.write_batch
    failures = [2]

    def full(self: FeedWriter, items: object, **kw: object) -> object:
        if failures[0]:
            failures[0] -= 1
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, items, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(FeedWriter, "write_batch", full)
    monkeypatch.setattr(pipeline, "RETRY_S", 0.01)
    assert main(["--db", db_url, "ingest", "--no-rules", str(path)]) == 0
    err = capsys.readouterr().err
    assert "the disk is full" in err and "nothing is lost" in err and "Traceback" not in err
    assert count(db_url, FeedEventRow) == 10
