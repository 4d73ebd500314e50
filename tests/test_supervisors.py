"""Supervisors: managed from the CLI, mapped from the login, keys turned into forced commands."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.engine import write_tx
from db.models import AuditEntry, Team
from floorapp import supervisors as sv
from floorapp.cli import main
from floorapp.identity import UnknownSupervisor, resolve_actor
from tests.conftest import T0


@pytest.fixture
def db_url(store_url: str) -> str:
    """This module runs on SQLite and on PostgreSQL (marker ``postgres``)."""
    return store_url


KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGd0ZXN0a2V5Zm9yZmxvb3JhcHA wang@laptop"


def _teams(engine, *ids: str) -> None:
    with write_tx(engine) as conn:
        for t in ids:
            conn.execute(Team.__table__.insert().values(id=t, name=t))


def _boss(engine) -> None:
    sv.add_supervisor(
        engine,
        sup_id="boss",
        name="Boss",
        role="floor_manager",
        teams=[],
        keys=[],
        actor="boss",
        now=T0,
    )


def test_add_list_remove_through_cli_is_audited(db_url, engine, capsys) -> None:
    _teams(engine, "A", "B")
    # The first supervisor of a new floor is its floor manager; they add the rest.
    assert (
        main(
            [
                "--db",
                db_url,
                "--as",
                "boss",
                "supervisors",
                "add",
                "boss",
                "--role",
                "floor_manager",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "--db",
                db_url,
                "--as",
                "boss",
                "supervisors",
                "add",
                "wang",
                "--name",
                "王芳",
                "--team",
                "A",
                "--key",
                KEY,
            ]
        )
        == 0
    )
    assert main(["--db", db_url, "--as", "boss", "supervisors", "list"]) == 0
    out = capsys.readouterr().out
    (row,) = [line for line in out.splitlines() if line.startswith("wang ")]
    assert row.split() == ["wang", "王芳", "team", "leader", "A", "1", "-"]  # no language
    assert main(["--db", db_url, "--as", "boss", "supervisors", "remove", "wang"]) == 0
    with engine.connect() as conn:
        actions = conn.execute(select(AuditEntry.actor, AuditEntry.action)).all()
    assert ("boss", "supervisor.add") in actions and ("boss", "supervisor.remove") in actions


def test_unknown_team_and_bad_key_are_refused_with_reason(db_url, engine, capsys) -> None:
    assert main(["--db", db_url, "supervisors", "add", "li", "--team", "nope"]) == 2
    assert "unknown team: nope" in capsys.readouterr().err
    assert main(["--db", db_url, "supervisors", "add", "li", "--key", "not a key"]) == 2
    assert "not an OpenSSH public key" in capsys.readouterr().err


def test_authorized_keys_force_the_console_as_the_key_owner(engine) -> None:
    _teams(engine, "A")
    _boss(engine)
    sv.add_supervisor(
        engine,
        sup_id="wang",
        name="Wang",
        role="team_leader",
        teams=["A"],
        keys=[KEY],
        actor="boss",
        now=T0,
    )
    (line,) = sv.authorized_keys_lines(engine, ["/usr/bin/floorapp", "--db", "sqlite:////f.db"])
    assert line.startswith(
        'restrict,pty,command="/usr/bin/floorapp --db sqlite:////f.db '
        '--as wang console" ssh-ed25519 '
    )
    sv.remove_supervisor(engine, sup_id="wang", actor="boss", now=T0)
    assert sv.authorized_keys_lines(engine, ["floorapp"]) == []


def test_unknown_login_is_refused_once_supervisors_exist(engine, monkeypatch) -> None:
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    monkeypatch.delenv("SSH_TTY", raising=False)
    # A brand-new floor opened locally lets its first user in to set it up...
    assert resolve_actor(engine, "first").is_floor_manager
    # ...but never over SSH.
    monkeypatch.setenv("SSH_CONNECTION", "127.0.0.1 5000 127.0.0.1 22")
    with pytest.raises(UnknownSupervisor, match="'first' is not a supervisor"):
        resolve_actor(engine, "first")
    _teams(engine, "A")
    monkeypatch.delenv("SSH_CONNECTION")  # a new floor is set up locally
    _boss(engine)
    sv.add_supervisor(
        engine,
        sup_id="wang",
        name="Wang",
        role="team_leader",
        teams=["A"],
        keys=[],
        actor="boss",
        now=T0,
    )
    monkeypatch.setenv("SSH_CONNECTION", "127.0.0.1 5000 127.0.0.1 22")
    actor = resolve_actor(engine, "wang")
    assert actor.teams == frozenset({"A"}) and not actor.is_floor_manager
    assert actor.may_see_team("A") and not actor.may_see_team("B")
    monkeypatch.delenv("SSH_CONNECTION")
    with pytest.raises(UnknownSupervisor):
        resolve_actor(engine, "stranger")
