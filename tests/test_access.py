"""Every route checks who is acting: what a team leader, a stranger or a removed supervisor
tried from the command line, and what they get now. Each refusal changes nothing and leaves
one audit row saying who, what and why."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from db.engine import write_tx
from db.models import Agent, AuditEntry, Flag, SensitiveCustomer, Supervisor
from db.models_plan import AgentLeave, Nomination, Reminder
from floorapp.cli import main
from floorapp.context import os_user
from floorapp.i18n import render
from tests.access_support import access_floor, audit_of, snapshot
from tests.conftest import T0

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def floor_db(engine: Engine, db_url: str, clock, monkeypatch) -> str:
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    monkeypatch.delenv("SSH_TTY", raising=False)
    access_floor(engine, clock.now())
    return db_url


def _refused(
    engine: Engine, argv: list[str], capsys, *, actor: str, action: str, code: int = 1
) -> str:
    """Run a command that must be refused: nothing changes, one refused audit row."""
    before, audit_before = snapshot(engine), audit_of(engine)
    assert main(argv) == code, capsys.readouterr()
    err = capsys.readouterr().err
    assert "refused" in err
    assert snapshot(engine) == before
    new = audit_of(engine)[len(audit_before) :]
    assert [(a, act, o) for a, act, o, _ in new] == [(actor, action, "refused")], new
    assert new[0][3], "a refusal says why"
    return err


def test_a_team_leader_cannot_make_themselves_floor_manager(engine, floor_db, capsys) -> None:
    _refused(
        engine,
        [
            "--db",
            floor_db,
            "--as",
            "lead.t1",
            "supervisors",
            "add",
            "lead.t1",
            "--role",
            "floor_manager",
        ],
        capsys,
        actor="lead.t1",
        action="supervisors.add",
    )
    with engine.connect() as conn:
        assert (
            conn.execute(select(Supervisor.role).where(Supervisor.id == "lead.t1")).scalar()
            == "team_leader"
        )
    assert main(["--db", floor_db, "--as", "lead.t1", "status", "--team", "t2"]) == 1


@pytest.mark.parametrize(
    "argv,action",
    [
        (
            ["nominations", "add", "b1", "improvement", "calm all day", "--period", "P"],
            "nomination.add",
        ),
        (["roster", "designate", "b1"], "roster.designate"),
        (["plan", "leave", "b1", "2026-03-02", "2026-03-09"], "leave.record"),
        (["roster", "sensitive-customers", "add", "C-99", "--note", "shouts"], "sensitive.edit"),
        (["roster", "list", "--team", "t2"], "roster.read"),
        (["nominations", "candidates", "--team", "t2"], "nominations.candidates"),
        (["plan", "import", str(ROOT / "examples" / "plan-315.toml")], "plan.import"),
    ],
)
def test_a_team_leader_acts_on_their_own_teams_only(engine, floor_db, capsys, argv, action) -> None:
    _refused(
        engine, ["--db", floor_db, "--as", "lead.t1", *argv], capsys, actor="lead.t1", action=action
    )


def test_a_team_leader_still_acts_on_their_own_team(engine, floor_db, capsys) -> None:
    assert (
        main(
            [
                "--db",
                floor_db,
                "--as",
                "lead.t1",
                "nominations",
                "add",
                "a1",
                "improvement",
                "calm all day",
                "--period",
                "P",
            ]
        )
        == 0
    )
    assert main(["--db", floor_db, "--as", "lead.t1", "roster", "designate", "a1"]) == 0
    assert (
        main(
            ["--db", floor_db, "--as", "lead.t1", "plan", "leave", "a2", "2026-03-02", "2026-03-09"]
        )
        == 0
    )
    assert main(["--db", floor_db, "--as", "lead.t1", "roster", "list"]) == 0
    out = capsys.readouterr().out
    assert "张伟" in out and "Chen Jie" not in out  # b1 is t2's
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Nomination)).scalar() == 1
        assert conn.execute(select(func.count()).select_from(AgentLeave)).scalar() == 1
        assert conn.execute(select(Agent.sensitive_designated).where(Agent.id == "a1")).scalar()


def test_nobody_records_a_nomination(engine, floor_db, capsys) -> None:
    _refused(
        engine,
        [
            "--db",
            floor_db,
            "--as",
            "nobody",
            "nominations",
            "add",
            "a1",
            "improvement",
            "calm all day",
            "--period",
            "P",
        ],
        capsys,
        actor="nobody",
        action="nomination.add",
    )


def test_refusals_at_the_door_are_audited(engine, floor_db, capsys) -> None:
    err = _refused(
        engine,
        ["--db", floor_db, "--as", "intruder", "console"],
        capsys,
        actor="intruder",
        action="console.open",
    )
    assert "'intruder' is not a supervisor on this floor" in err
    before = len(audit_of(engine))
    assert main(["--db", floor_db, "--as", "intruder", "status"]) == 1
    assert [(a, o) for a, _act, o, _ in audit_of(engine)[before:]] == [("intruder", "refused")]
    _refused(
        engine,
        ["--db", floor_db, "--as", "gone", "console"],
        capsys,
        actor="gone",
        action="console.open",
    )
    _refused(
        engine,
        ["--db", floor_db, "--as", "lead.t1", "console", "--team", "t2"],
        capsys,
        actor="lead.t1",
        action="console.open",
    )


def test_a_refused_flag_leaves_the_reminder_undone(engine, floor_db, capsys) -> None:
    # b1 is t2's: lead.t1 may not flag them, so the reminder must not be done either.
    _refused(
        engine,
        [
            "--db",
            floor_db,
            "--as",
            "lead.t1",
            "reminders",
            "done",
            "2",
            "--note",
            "seen",
            "--flag",
            "b1",
        ],
        capsys,
        actor="lead.t1",
        action="flag.raise",
    )
    with engine.connect() as conn:
        assert conn.execute(select(Reminder.status).where(Reminder.id == 2)).scalar() == "due"
        assert (
            conn.execute(
                select(func.count()).select_from(Flag).where(Flag.agent_id == "b1")
            ).scalar()
            == 0
        )
        assert (
            conn.execute(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "reminder.done")
            ).scalar()
            == 0
        )
    # With an agent of their own team, both happen.
    assert (
        main(
            [
                "--db",
                floor_db,
                "--as",
                "lead.t1",
                "reminders",
                "done",
                "2",
                "--note",
                "seen",
                "--flag",
                "a2",
            ]
        )
        == 0
    )
    with engine.connect() as conn:
        assert conn.execute(select(Reminder.status).where(Reminder.id == 2)).scalar() == "done"
        detail = conn.execute(select(Flag.detail).where(Flag.agent_id == "a2")).scalar()
    assert render(detail) == "patrol: seen"  # stored as a message, worded when read


@pytest.mark.parametrize(
    "argv,action",
    [
        (["rules"], "rules.read"),
        (["nominations"], "nominations.read"),
        (["status"], "status.read"),
    ],
)
def test_an_os_user_who_is_no_supervisor_gets_the_same_answer_everywhere(
    engine, floor_db, capsys, argv, action
) -> None:
    me = os_user()
    assert me not in ("boss", "lead.t1", "lead.t2", "gone")
    before = len(audit_of(engine))
    assert main(["--db", floor_db, *argv]) == 1
    assert f"'{me}' is not a supervisor on this floor" in capsys.readouterr().err
    assert [(a, o) for a, _act, o, _ in audit_of(engine)[before:]] == [(me, "refused")]


ESC = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_plan_show_never_prints_an_escape_sequence(engine, floor_db, tmp_path, capsys) -> None:
    plan = (ROOT / "tests" / "test_plan_support.py").read_text()
    text = plan.split('PLAN = """', 1)[1].split('"""', 1)[0]
    evil = text.replace('name = "test plan"', 'name = "\\u001b]0;PWNED\\u0007\\u001b[2J"')
    f = tmp_path / "evil.toml"
    f.write_text(evil)
    assert main(["--db", floor_db, "--as", "boss", "plan", "import", str(f)]) == 0
    capsys.readouterr()
    assert main(["--db", floor_db, "--as", "boss", "plan", "show"]) == 0
    out = capsys.readouterr().out
    assert "PWNED" in out and not ESC.search(out.replace("\n", "")), repr(out[:200])


def test_plan_check_never_echoes_an_escape_sequence(engine, floor_db, tmp_path, capsys) -> None:
    f = tmp_path / "bad.toml"
    f.write_text('name = "x"\ntimezone = "UTC"\n"\\u001b[2Jbad\\u202ekey" = 1\n')
    assert main(["--db", floor_db, "--as", "boss", "plan", "check", str(f)]) == 1
    out = capsys.readouterr().out
    assert "bad" in out and not ESC.search(out.replace("\n", "")), repr(out)


def test_a_supervisor_id_is_a_safe_name(engine, floor_db, capsys) -> None:
    assert main(["--db", floor_db, "--as", "boss", "supervisors", "add", "esc\x1b[2J"]) == 2
    assert "supervisor id must be a login name" in capsys.readouterr().err
    assert main(["--db", floor_db, "--as", "boss", "supervisors", "list", "--all"]) == 0
    out = capsys.readouterr().out
    assert "esc" not in out and "\x1b" not in out
    # A name given to --as is never obeyed either: refused, and shown harmless.
    assert main(["--db", floor_db, "--as", "x\x1b]0;PWNED\x07", "rules"]) == 1
    err = capsys.readouterr().err
    assert "refused" in err and "\x1b" not in err and "\x07" not in err


def test_bidi_overrides_are_neither_stored_nor_printed(engine, floor_db, capsys) -> None:
    from floorapp.text import clean, shown

    assert clean("A1\u202e0001") == "A1\ufffd0001"
    assert shown("gpj\u2066.exe\n") == "gpj\ufffd.exe\n"
    with write_tx(engine) as conn:  # stored by an older release, or by hand
        conn.execute(
            Agent.__table__.insert().values(id="a\u202e9", name="evil\u202ename", team_id="t1")
        )
    assert main(["--db", floor_db, "--as", "boss", "roster", "list"]) == 0
    out = capsys.readouterr().out
    assert "evil" in out and "\u202e" not in out


def test_every_command_prints_through_the_cleaner() -> None:
    """One output function (floorapp.text.say): no command prints on its own."""
    bare = re.compile(r"(?<![\w.])print\(")
    others = {"status.py", "ingest.py", "serve.py", "report.py"}  # kept by their owners
    offenders = [
        f"{p.name}:{n}"
        for p in sorted((ROOT / "floorapp" / "commands").glob("*.py"))
        if p.name not in others
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if bare.search(line)
    ]
    assert offenders == []


def test_the_cli_refuses_as_a_subprocess(engine, floor_db) -> None:
    """The real program, as a team leader at a shell would run it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("SSH_CONNECTION", None)
    env.pop("SSH_TTY", None)
    before = snapshot(engine)
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "floorapp",
            "--db",
            floor_db,
            "--as",
            "lead.t1",
            "roster",
            "sensitive-customers",
            "add",
            "C-1",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert r.returncode == 1 and "only a floor manager" in r.stderr
    assert snapshot(engine) == before
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(SensitiveCustomer)).scalar() == 0


def test_docs_list_the_whole_policy(capsys) -> None:
    """docs/access.md holds the table `floorapp supervisors policy` prints, action for action."""
    from floorapp.policy import POLICY, table_lines

    assert main(["supervisors", "policy"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed == table_lines()
    doc = (ROOT / "docs" / "access.md").read_text().splitlines()
    table = [line for line in doc if line.startswith("|")]
    assert table == table_lines(), "regenerate the table in docs/access.md"
    assert len(table) == len(POLICY) + 2
    assert "access.md" in (ROOT / "docs" / "ssh.md").read_text()


def test_audit_reads_the_log_as_the_policy_allows(engine, floor_db, capsys) -> None:
    import json

    assert main(["--db", floor_db, "--as", "lead.t1", "roster", "designate", "b1"]) == 1
    assert main(["--db", floor_db, "--as", "lead.t1", "roster", "designate", "a1"]) == 0
    assert main(["--db", floor_db, "--as", "lead.t2", "roster", "designate", "b1"]) == 0
    capsys.readouterr()
    # A floor manager reads everything, refusals included, as JSON for scripts.
    assert main(["--db", floor_db, "--as", "boss", "audit", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    seen = {(r["actor"], r["action"], r["outcome"]) for r in rows}
    assert {
        ("lead.t1", "roster.designate", "refused"),
        ("lead.t1", "roster.designate", "ok"),
        ("lead.t2", "roster.designate", "ok"),
    } <= seen
    refusal = next(r for r in rows if r["outcome"] == "refused")
    assert "t2" in refusal["detail"] and refusal["target_id"] == "t2"
    # ... or one supervisor's entries.
    assert main(["--db", floor_db, "--as", "boss", "audit", "--who", "lead.t2"]) == 0
    out = capsys.readouterr().out
    assert "lead.t2" in out and "lead.t1" not in out
    # A team leader reads their own entries only, and may not ask for another's.
    assert main(["--db", floor_db, "--as", "lead.t1", "audit"]) == 0
    out = capsys.readouterr().out
    assert "lead.t1" in out and "lead.t2" not in out and "[refused]" in out
    before = len(audit_of(engine))
    assert main(["--db", floor_db, "--as", "lead.t1", "audit", "--who", "lead.t2"]) == 1
    assert audit_of(engine)[before:][0][:3] == ("lead.t1", "audit.read", "refused")
    # --since: an age or a date; entries before it are left out (the CLI runs on the wall
    # clock, as the entries it wrote).
    assert main(["--db", floor_db, "--as", "boss", "audit", "--since", "1h"]) == 0
    assert "lead.t2  roster.designate" in capsys.readouterr().out
    assert main(["--db", floor_db, "--as", "boss", "audit", "--since", "2999-01-01"]) == 0
    assert "no audit entries since 2999-01-01" in capsys.readouterr().out
    assert main(["--db", floor_db, "--as", "boss", "audit", "--since", "yesterday"]) == 2
    assert "--since" in capsys.readouterr().err


def test_over_ssh_a_supervisors_own_login_acts_as_them_only(
    engine, floor_db, monkeypatch, capsys
) -> None:
    """A shell login has the rights of the same person's forced command, no more."""
    from floorapp import supervisors as sv

    me = os_user()
    sv.add_supervisor(
        engine,
        sup_id=me,
        name="me",
        role="team_leader",
        teams=["t1"],
        keys=[],
        actor="boss",
        now=T0,
    )
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.9 52000 10.0.0.1 22")
    # As themselves (no --as, or --as their own login): a team leader of t1.
    assert main(["--db", floor_db, "roster", "designate", "a1"]) == 0
    assert main(["--db", floor_db, "--as", me, "roster", "designate", "a2"]) == 0
    assert main(["--db", floor_db, "roster", "designate", "b1"]) == 1
    # Naming the floor manager does not make them one: refused, audited, nothing done.
    before = snapshot(engine)
    with pytest.raises(SystemExit) as exit_:
        main(["--db", floor_db, "--as", "boss", "roster", "designate", "b1"])
    assert exit_.value.code == 1
    assert "acts as" in capsys.readouterr().err
    assert snapshot(engine) == before
    assert audit_of(engine)[-1][:3] == (me, "identity.as_other", "refused")


def test_the_assign_picker_offers_only_who_may_take_the_case(engine, floor_db, clock) -> None:
    from floorapp.config import Settings
    from floorapp.context import AppContext
    from floorapp.policy import NotAllowed
    from floorapp.services import escalations as esc

    ctx = AppContext(db_url=floor_db, settings=Settings(), clock=clock, actor="boss")
    ctx.__dict__["engine"] = engine
    # Escalation 1 is t1's: its team leader and the floor manager, not t2's nor the removed.
    assert [
        s.id for s in esc.assign_candidates(ctx.engine, 1, actor="boss", now=ctx.clock.now())
    ] == ["boss", "lead.t1"]
    assert [
        s.id for s in esc.assign_candidates(ctx.engine, 1, actor="lead.t1", now=ctx.clock.now())
    ] == ["boss", "lead.t1"]
    esc.assign(
        ctx.engine, 1, "lead.t1", settings=ctx.settings, actor="lead.t1", now=ctx.clock.now()
    )
    assert [
        s.id for s in esc.assign_candidates(ctx.engine, 1, actor="boss", now=ctx.clock.now())
    ] == ["boss"]  # not the holder
    with pytest.raises(NotAllowed):
        esc.assign_candidates(ctx.engine, 1, actor="lead.t2", now=ctx.clock.now())
    assert audit_of(engine)[-1][:3] == ("lead.t2", "escalation.assign", "refused")
