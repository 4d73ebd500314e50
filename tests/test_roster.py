"""Roster import: the centre's own sheet, bad rows named, good rows kept, re-import idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from db.models import Agent, AuditEntry, SensitiveCustomer, Supervisor, SupervisorTeam, Team
from floorapp.cli import main
from floorapp.roster import (
    RosterError,
    RosterFileError,
    designate,
    import_roster,
    list_agents,
)
from floorapp.supervisors import list_supervisors
from tests.conftest import T0

GOOD = """id,name,team,tier,sensitive,birthday,role
1001,王芳,宽带一组,1,是,1994-03-12,agent
1002,欧阳晓明,宽带一组,2,否,,agent
1003,Maria Santos,Mobile,3,yes,1990-01-31,
tl.li,李秀英,宽带一组;Mobile,,,,team_leader
fm.chen,陈志强,,,,,floor_manager
"""


def write(tmp_path: Path, text: str, name: str = "roster.csv", bom: bool = False) -> Path:
    p = tmp_path / name
    p.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return p


def count(engine: Engine, model: type) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def test_good_file_loads_agents_teams_and_supervisors(engine: Engine, tmp_path: Path) -> None:
    report = import_roster(engine, write(tmp_path, GOOD), "lead.wang", T0)
    assert report.ok and report.agents_added == 3 and report.supervisors_added == 2
    agents = {a.id: a for a in list_agents(engine)}
    assert agents["1001"].name == "王芳" and agents["1001"].team == "宽带一组"
    assert agents["1001"].sensitive and agents["1001"].birthday.isoformat() == "1994-03-12"
    assert agents["1002"].name == "欧阳晓明" and agents["1002"].tier == 2
    assert not agents["1002"].sensitive and agents["1002"].birthday is None
    assert agents["1003"].tier == 3 and agents["1003"].sensitive
    sups = {s.id: s for s in list_supervisors(engine)}
    assert sups["tl.li"].role == "team_leader"
    assert set(sups["tl.li"].teams) == {"宽带一组", "Mobile"}
    assert sups["fm.chen"].role == "floor_manager" and sups["fm.chen"].teams == ()
    with engine.connect() as conn:
        assert set(conn.execute(select(Team.id)).scalars()) == {"宽带一组", "Mobile"}


def test_bad_rows_reported_by_row_and_field_and_good_rows_kept(
    engine: Engine, tmp_path: Path
) -> None:
    text = (
        "id,name,team,tier,sensitive,birthday\n"
        "1001,王芳,A,1,是,\n"  # row 2 good
        "1002,李娜,A,x,否,\n"  # row 3 bad tier
        "\n"  # row 4 blank: ignored
        "1003,,A,1,否,\n"  # row 5 no name
        "1004,张伟,A,1,maybe,\n"  # row 6 bad sensitive
        "1005,刘洋,A,1,否,1990-02-30\n"  # row 7 bad date
        "1001,王芳二,A,1,否,\n"  # row 8 duplicate id
        "1006,Bob,A,2,no,\n"  # row 9 good
    )
    path = write(tmp_path, text)
    report = import_roster(engine, path, "lead.wang", T0)
    lines = [str(e) for e in report.errors]
    assert lines == [
        f"{path}:3: field 'tier': expected 1, 2 or 3, got 'x'",
        f"{path}:5: field 'name': required, got ''",
        f"{path}:6: field 'sensitive': expected yes/no (1/0, true/false, 是/否), got 'maybe'",
        f"{path}:7: field 'birthday': expected a date YYYY-MM-DD, got '1990-02-30'",
        f"{path}:8: field 'id': '1001' already given on row 2",
    ]
    assert {a.id for a in list_agents(engine)} == {"1001", "1006"}
    assert {a.name for a in list_agents(engine)} == {"王芳", "Bob"}


def test_reimport_is_idempotent_and_updates_changes(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    import_roster(engine, path, "lead.wang", T0)
    audits = count(engine, AuditEntry)
    again = import_roster(engine, path, "lead.wang", T0)
    assert (again.agents_added, again.agents_updated, again.supervisors_added) == (0, 0, 0)
    assert again.unchanged == 5
    assert count(engine, Agent) == 3 and count(engine, Supervisor) == 2
    assert count(engine, SupervisorTeam) == 2
    assert count(engine, AuditEntry) == audits + 1  # only the import itself

    changed = GOOD.replace("1002,欧阳晓明,宽带一组,2", "1002,欧阳晓明,Mobile,3").replace(
        "宽带一组;Mobile", "Mobile"
    )
    report = import_roster(engine, write(tmp_path, changed, "v2.csv"), "lead.wang", T0)
    assert report.agents_updated == 1 and report.supervisors_updated == 1
    agent = {a.id: a for a in list_agents(engine)}["1002"]
    assert (agent.team, agent.tier) == ("Mobile", 3)
    assert {s.id: s for s in list_supervisors(engine)}["tl.li"].teams == ("Mobile",)
    with engine.connect() as conn:
        detail = conn.execute(
            select(AuditEntry.detail).where(AuditEntry.action == "roster.agent.update")
        ).scalar_one()
    assert "team: 宽带一组 -> Mobile" in detail and "tier: 2 -> 3" in detail


def test_bom_and_chinese_headers(engine: Engine, tmp_path: Path) -> None:
    text = "工号,姓名,班组,层级,敏感,生日\n2001,司马春燕,移动业务组,3,是,1987-06-06\n"
    report = import_roster(engine, write(tmp_path, text, bom=True), "lead.wang", T0)
    assert report.ok, report.errors
    (a,) = list_agents(engine)
    assert (a.id, a.name, a.team) == ("2001", "司马春燕", "移动业务组")
    assert (a.tier, a.sensitive) == (3, True)


def test_control_characters_in_names_are_neutralised(engine: Engine, tmp_path: Path) -> None:
    text = 'id,name,team\n1001,"Eve\x1b]2;pwned\x07",A\n'
    import_roster(engine, write(tmp_path, text), "lead.wang", T0)
    (a,) = list_agents(engine)
    assert "\x1b" not in a.name and "\x07" not in a.name and a.name.startswith("Eve")


def test_agent_created_by_feed_moves_to_roster_team(engine: Engine, tmp_path: Path) -> None:
    from db.engine import write_tx

    with write_tx(engine) as conn:
        conn.execute(Team.__table__.insert().values(id="unassigned", name="unassigned"))
        conn.execute(
            Agent.__table__.insert().values(
                id="1001", name="1001", team_id="unassigned", from_feed=True
            )
        )
    report = import_roster(engine, write(tmp_path, GOOD), "lead.wang", T0)
    assert report.agents_updated == 1
    a = {a.id: a for a in list_agents(engine)}["1001"]
    assert a.team == "宽带一组" and not a.from_feed and a.name == "王芳"


def test_unusable_files(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(RosterFileError, match="cannot read"):
        import_roster(engine, tmp_path / "missing.csv", "x", T0)
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("id,name,team\n1,王芳,A\n".encode("gbk"))
    with pytest.raises(RosterFileError, match="not UTF-8"):
        import_roster(engine, gbk, "x", T0)
    with pytest.raises(RosterFileError, match="no 'id' column"):
        import_roster(engine, write(tmp_path, "who,name\n1,x\n"), "x", T0)


def test_import_from_dict_rows(engine: Engine) -> None:
    rows = [
        {"id": "7", "name": "李娜", "team": "T", "tier": 2, "sensitive": "1"},
        {"id": "8", "name": "Ann", "team": "T", "tier": 9},
    ]
    report = import_roster(engine, rows, "lead.wang", T0)
    assert [str(e) for e in report.errors] == [
        "<rows>:3: field 'tier': expected 1, 2 or 3, got '9'"
    ]
    assert [a.id for a in list_agents(engine)] == ["7"]


def test_designate_is_audited(engine: Engine, tmp_path: Path) -> None:
    import_roster(engine, write(tmp_path, GOOD), "lead.wang", T0)
    assert designate(engine, "1002", True, actor="tl.li", now=T0) is True
    assert designate(engine, "1002", True, actor="tl.li", now=T0) is False
    assert {a.id: a for a in list_agents(engine)}["1002"].sensitive
    with pytest.raises(RosterError):
        designate(engine, "nobody", True, actor="tl.li", now=T0)
    with engine.connect() as conn:
        actors = (
            conn.execute(select(AuditEntry.actor).where(AuditEntry.action == "roster.designate"))
            .scalars()
            .all()
        )
    assert actors == ["tl.li"]


def test_cli_exit_statuses_and_messages(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path, GOOD)
    assert main(["--db", db_url, "--as", "tl.li", "roster", "import", str(good)]) == 0
    bad = write(tmp_path, "id,name,team,tier\n9,X,A,4\n", "bad.csv")
    # The roster now names its supervisors: from here on, its floor manager acts.
    assert main(["--db", db_url, "--as", "fm.chen", "roster", "import", str(bad)]) == 1
    assert f"{bad}:2: field 'tier': expected 1, 2 or 3, got '4'" in capsys.readouterr().err
    assert (
        main(["--db", db_url, "--as", "fm.chen", "roster", "import", str(tmp_path / "nope.csv")])
        == 2
    )
    capsys.readouterr()
    assert main(["--db", db_url, "--as", "fm.chen", "roster", "list", "--team", "Mobile"]) == 0
    out = capsys.readouterr().out
    assert "Maria Santos" in out and "王芳" not in out and "李秀英" in out


def test_cli_sensitive_customers(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from db.engine import open_store

    csv_path = write(tmp_path, "客户号,备注\nC1,3·15 媒体投诉\nC2,\n,oops\n", "sc.csv", bom=True)
    assert main(["--db", db_url, "roster", "sensitive-customers", "import", str(csv_path)]) == 1
    assert f"{csv_path}:4: field 'customer_id'" in capsys.readouterr().err
    assert (
        main(["--db", db_url, "roster", "sensitive-customers", "add", "C3", "--note", "[b]VIP[/b]"])
        == 0
    )
    assert main(["--db", db_url, "roster", "sensitive-customers", "list"]) == 0
    out = capsys.readouterr().out
    assert "3·15 媒体投诉" in out and "[b]VIP[/b]" in out  # shown literally, not as markup
    engine = open_store(db_url)
    assert count(engine, SensitiveCustomer) == 3
    engine.dispose()
