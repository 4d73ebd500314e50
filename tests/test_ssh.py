"""Consoles through a real OpenSSH server: who is acting comes from the key, drops end the console.

Each test starts ``sshd`` on a loopback port (throwaway host key, key-only auth), logs in with
``ssh -tt`` inside tmux, and reads the screen the way a supervisor would.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from db.models import AuditEntry, Flag
from floorapp import supervisors as sv
from tests.console_helpers import make_floor
from tests.sshd import SshServer, running_sshd, sshd_available

pytestmark = [
    pytest.mark.ssh,
    pytest.mark.skipif(
        not sshd_available() or shutil.which("tmux") is None,
        reason="needs OpenSSH's sshd and tmux (installed by .ci/run)",
    ),
]
FLOORAPP = str(Path(sys.executable).parent / "floorapp")


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[SshServer]:
    with running_sshd(tmp_path / "sshd") as server:
        yield server


def _authorize(server: SshServer, engine: Engine, db_url: str, who: str) -> None:
    """What a floor manager does: give the key to a supervisor, print authorized_keys."""
    from datetime import UTC, datetime

    sv.add_supervisor(
        engine,
        sup_id=who,
        name=who,
        role="team_leader",
        teams=["T1"],
        keys=[server.public_key()],
        actor="fm.zhou",
        now=datetime.now(UTC),
    )
    lines = sv.authorized_keys_lines(engine, [FLOORAPP, "--db", db_url])
    server.authorized_keys.write_text("\n".join(lines) + "\n")


class Tmux:
    def __init__(self, argv: list[str], size: tuple[int, int] = (100, 30)) -> None:
        self.name = f"ssh-{uuid.uuid4().hex[:8]}"
        cmd = " ".join(_quote(a) for a in argv)
        subprocess.run(
            [
                "tmux",
                "new-session",
                "-d",
                "-s",
                self.name,
                "-x",
                str(size[0]),
                "-y",
                str(size[1]),
                f"{cmd}; sleep 30",
            ],
            check=True,
            env={"PATH": "/usr/bin:/bin:/usr/sbin", "TERM": "xterm-256color"},
        )

    def screen(self) -> str:
        r = subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True
        )
        return r.stdout

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared:\n{screen}")
            time.sleep(0.2)

    def kill(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


def _pids(pattern: str, comm: str | None = None) -> list[int]:
    r = subprocess.run(["pgrep", "-f", "--", pattern], capture_output=True, text=True)
    pids = [int(p) for p in r.stdout.split()]
    if comm is None:
        return pids
    out = []
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == comm:
                out.append(pid)
        except OSError:
            pass
    return out


def _console_pids(who: str) -> list[int]:
    """The Python process running this supervisor's console (not the shell around it)."""
    return [
        p for p in _pids(f"--as {who} console") if "python" in _comm(p) or "floorapp" in _comm(p)
    ]


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def test_login_with_a_key_acts_as_its_supervisor(
    sshd: SshServer, engine: Engine, db_url: str, clock
) -> None:
    make_floor(engine, clock.now())
    _authorize(sshd, engine, db_url, "lead.sun")
    term = Tmux(sshd.ssh_argv())
    try:
        first = term.wait_for("王芳")  # the T1 board, Chinese names and all
        assert "Board" in first and "欧阳静" not in first  # T2 is not theirs
        term.keys("2")  # the flags view
        term.wait_for("call over 20")
        term.keys("a")  # acknowledge the flag under the cursor
        deadline = time.monotonic() + 20
        while True:
            with engine.connect() as conn:
                by = conn.execute(select(Flag.acknowledged_by)).scalar()
            if by is not None or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert by == "lead.sun"
        with engine.connect() as conn:
            audit = (
                conn.execute(
                    select(AuditEntry.actor).where(AuditEntry.action == "flag.acknowledge")
                )
                .scalars()
                .all()
            )
        assert audit == ["lead.sun"]
        term.keys("q")
    finally:
        term.kill()


def test_console_exits_when_the_ssh_client_is_killed(
    sshd: SshServer, engine: Engine, db_url: str, clock
) -> None:
    make_floor(engine, clock.now())
    _authorize(sshd, engine, db_url, "lead.zhang")
    term = Tmux(sshd.ssh_argv())
    try:
        term.wait_for("王芳")
        pids = _console_pids("lead.zhang")
        assert pids, "no console process behind the ssh session"
        clients = _pids(f"ssh -tt -p {sshd.port}", comm="ssh")
        assert clients
        for pid in clients:
            os.kill(pid, signal.SIGKILL)  # the supervisor's ssh client dies
        deadline = time.monotonic() + 5
        while _console_pids("lead.zhang") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _console_pids("lead.zhang"), "console still running 5 s after the drop"
    finally:
        term.kill()


def test_an_unknown_key_is_refused_and_the_session_ends(
    sshd: SshServer, engine: Engine, db_url: str, clock
) -> None:
    make_floor(engine, clock.now())
    # A key whose forced command names someone who is not (or no longer) a supervisor.
    sshd.authorized_keys.write_text(
        f'restrict,pty,command="{FLOORAPP} --db {db_url} --as stranger console" '
        f"{sshd.public_key()}\n"
    )
    r = subprocess.run(
        sshd.ssh_argv(), capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL
    )
    assert r.returncode != 0
    assert "'stranger' is not a supervisor on this floor" in r.stdout + r.stderr
    assert not _console_pids("stranger")


def test_a_burst_of_keys_over_ssh_lands_in_the_dialogs_it_opens(
    sshd: SshServer, engine: Engine, db_url: str, clock
) -> None:
    """Fast typing reaches a console over SSH in one read: each key still goes where the
    screen it was typed on would have sent it."""
    from db.models import Escalation

    make_floor(engine, clock.now())
    _authorize(sshd, engine, db_url, "lead.sun")
    term = Tmux(sshd.ssh_argv())
    try:
        term.wait_for("王芳")
        term.keys("e3", "Down", "wants a manager", "Enter")  # one send: one burst
        deadline = time.monotonic() + 20
        while True:
            with engine.connect() as conn:
                row = conn.execute(
                    select(Escalation.severity, Escalation.tier, Escalation.opened_by).where(
                        Escalation.reason == "wants a manager"
                    )
                ).first()
            if row is not None or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert row is not None, term.screen()
        assert tuple(row) == ("high", 2, "lead.sun")
        screen = term.wait_for("Escalation opened")
        assert "State" in screen  # still on the board: no letter opened a filter behind
        term.keys("q")
    finally:
        term.kill()


def test_a_shell_login_has_exactly_the_rights_of_the_forced_command(
    sshd: SshServer, engine: Engine, db_url: str, clock
) -> None:
    """The same team leader, through a key's forced command (``--as`` them) and through a
    shell login as their own OS account: the same answers, and ``--as`` cannot widen them."""
    import shlex
    from datetime import UTC, datetime

    make_floor(engine, clock.now())
    me = sshd.user  # the OS account sshd logs into, here a team leader of T1
    sv.add_supervisor(
        engine,
        sup_id=me,
        name=me,
        role="team_leader",
        teams=["T1"],
        keys=[],
        actor="fm.zhou",
        now=datetime.now(UTC),
    )
    # This worktree's code, not whatever floorapp the PATH of a login would find.
    here = str(Path(__file__).resolve().parents[1])
    prog = ["env", f"PYTHONPATH={here}", sys.executable, "-m", "floorapp", "--db", db_url]

    def forced(*argv: str) -> subprocess.CompletedProcess[str]:
        cmd = shlex.join([*prog, "--as", me, *argv])
        sshd.authorized_keys.write_text(f'restrict,pty,command="{cmd}" {sshd.public_key()}\n')
        return subprocess.run(
            sshd.ssh_argv(), capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
        )

    def shell(*argv: str) -> subprocess.CompletedProcess[str]:
        sshd.authorized_keys.write_text(f"{sshd.public_key()}\n")  # a plain login
        return subprocess.run(
            [*sshd.ssh_argv(), shlex.join([*prog, *argv])],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )

    for argv, code in (
        (["status"], 0),
        (["status", "--team", "T2"], 1),
        (["roster", "designate", "1004"], 1),
        (["rules"], 0),
        (["supervisors", "add", me, "--role", "floor_manager"], 1),
    ):
        a, b = forced(*argv), shell(*argv)
        assert (a.returncode, b.returncode) == (code, code), (argv, a.stdout, b.stdout)
        if argv == ["status"]:
            assert "王芳" in a.stdout and "王芳" in b.stdout  # T1's
            assert "欧阳静" not in a.stdout + b.stdout  # T2's
    # From the shell, naming the floor manager is refused, not obeyed.
    r = shell("--as", "fm.zhou", "status", "--team", "T2")
    assert r.returncode == 1 and "acts as" in r.stdout + r.stderr
    with engine.connect() as conn:
        refused = (
            conn.execute(
                select(AuditEntry.action).where(
                    AuditEntry.actor == me, AuditEntry.outcome == "refused"
                )
            )
            .scalars()
            .all()
        )
    assert "identity.as_other" in refused
    assert refused.count("supervisors.add") == 2  # once per route, same answer
