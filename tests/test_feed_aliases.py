"""One agent, whatever the PBX calls them: roster aliases and the pairing Asterisk reveals."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from db.models import Agent, AgentAlias, Call
from floorapp.cli import main
from floorapp.clock import ManualClock
from floorapp.config import Settings
from floorapp.feed.queue_log import parse_queue_log
from floorapp.feed.writer import FeedWriter
from floorapp.roster import import_roster, list_aliases
from floorapp.rules import build_observer

# Written the FreePBX way (log_membername_as_agent = no): membership under the interface,
# pauses and calls under the member name, the pair in the same second.
FREEPBX = [
    "1659941803|MANAGER|500|SIP/1001|ADDMEMBER|",
    "1659941803|NONE|500|Sathish|UNPAUSE|",
    "1659941900|1659941900.7|500|NONE|ENTERQUEUE||09876543|1",
    "1659941905|1659941900.7|500|Sathish|CONNECT|5|1659941905.8|2",
    "1659942000|1659941900.7|500|Sathish|COMPLETECALLER|5|95|1",
    "1659943000|NONE|500|Sathish|PAUSE|lunch",
    "1659943600|NONE|500|Sathish|UNPAUSE|",
    "1659944443|MANAGER|500|SIP/1001|REMOVEMEMBER|",
]


@pytest.fixture
def clock() -> ManualClock:
    """This host's clock a day after these lines."""
    return ManualClock(datetime.fromtimestamp(1659944443 + 86400, UTC))


def agents(engine: Engine) -> dict[str, tuple[str, str]]:
    with engine.connect() as conn:
        return {
            r.id: (r.name, r.state) for r in conn.execute(select(Agent.id, Agent.name, Agent.state))
        }


def aliases(engine: Engine) -> dict[str, tuple[str, str]]:
    with engine.connect() as conn:
        return {r.alias: (r.agent_id, r.source) for r in conn.execute(select(AgentAlias))}


def ingest(
    engine: Engine,
    clock: ManualClock,
    lines: list[str],
    *,
    batch_size: int = 5000,
    rules: bool = False,
    source: str = "queue_log",
) -> FeedWriter:
    observers = [build_observer(Settings(), clock)] if rules else []
    writer = FeedWriter(engine, Settings(), clock=clock, observers=observers, batch_size=batch_size)
    writer.write(parse_queue_log(lines, source))
    return writer


@pytest.mark.parametrize("batch_size", [1, 2, 5000])
def test_freepbx_logs_show_one_agent_logged_out_by_removemember(
    engine: Engine, clock: ManualClock, batch_size: int
) -> None:
    writer = ingest(engine, clock, FREEPBX, batch_size=batch_size, rules=True)
    assert agents(engine) == {"SIP/1001": ("Sathish", "offline")}
    assert aliases(engine) == {"Sathish": ("SIP/1001", "learned")}
    with engine.connect() as conn:
        row = conn.execute(select(AgentAlias)).one()
    assert row.learned_at == datetime.fromtimestamp(1659941803, UTC)
    assert "queue_log:1" in row.evidence and "queue_log:2" in row.evidence
    # The rules hold the same one agent, offline too.
    rules = writer.observers[0]
    assert {a: t.state for a, t in rules._agents.items()} == {"SIP/1001": "offline"}


def test_between_login_and_logout_the_member_name_works_the_interfaces_agent(
    engine: Engine, clock: ManualClock
) -> None:
    ingest(engine, clock, FREEPBX[:6])
    assert agents(engine) == {"SIP/1001": ("Sathish", "break")}
    with engine.connect() as conn:
        taken_by = conn.execute(select(Call.agent_id)).scalar_one()
    assert taken_by == "SIP/1001"


def test_a_restart_resolves_by_what_was_learned(engine: Engine, clock: ManualClock) -> None:
    ingest(engine, clock, FREEPBX[:2])
    ingest(engine, clock, FREEPBX[2:], source="queue_log.1")  # a new writer: read from store
    assert agents(engine) == {"SIP/1001": ("Sathish", "offline")}


def test_membername_as_agent_yes_learns_nothing(engine: Engine, clock: ManualClock) -> None:
    lines = [ln.replace("SIP/1001", "Sathish") for ln in FREEPBX]
    ingest(engine, clock, lines)
    assert agents(engine) == {"Sathish": ("Sathish", "offline")}
    assert aliases(engine) == {}


def test_two_interfaces_joining_one_queue_in_one_second_are_not_guessed(
    engine: Engine, clock: ManualClock
) -> None:
    ingest(
        engine,
        clock,
        [
            "1659941803|MANAGER|500|SIP/1001|ADDMEMBER|",
            "1659941803|MANAGER|500|SIP/1002|ADDMEMBER|",
            "1659941803|NONE|500|Sathish|UNPAUSE|",
            "1659941803|NONE|500|Priya|UNPAUSE|",
        ],
    )
    assert aliases(engine) == {}
    assert set(agents(engine)) == {"SIP/1001", "SIP/1002", "Sathish", "Priya"}


def test_pairs_written_one_after_the_other_are_each_learned(
    engine: Engine, clock: ManualClock
) -> None:
    ingest(
        engine,
        clock,
        [
            "1659941803|MANAGER|500|SIP/1001|ADDMEMBER|",
            "1659941803|NONE|500|Sathish|UNPAUSE|",
            "1659941803|MANAGER|500|SIP/1002|ADDMEMBER|",
            "1659941803|NONE|500|Priya|UNPAUSE|",
            "1659941804|MANAGER|501|SIP/1003|ADDMEMBER|",
            "1659941805|NONE|501|Ravi|UNPAUSE|",  # a second later: no evidence
        ],
    )
    assert aliases(engine) == {"Sathish": ("SIP/1001", "learned"), "Priya": ("SIP/1002", "learned")}


ROSTER = """id,name,team,aliases
1001,Sathish Kumar,Sales,SIP/1001;PJSIP/1001 Agent/1001
1002,Priya Nair,Sales,Local/1002@callback-agent；Agent/1002
"""


def test_roster_aliases_put_every_feed_name_on_the_roster_agent(
    engine: Engine, clock: ManualClock, tmp_path: Path
) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER, encoding="utf-8")
    report = import_roster(engine, path, "fm.chen", clock.now())
    assert report.ok and (report.aliases_added, report.aliases_removed) == (5, 0)
    assert "aliases 5 added, 0 removed" in report.summary()
    # PBXware: membership under Local/N@callback-agent, calls under Agent/N.
    ingest(
        engine,
        clock,
        [
            "1659941803|MANAGER|600|Local/1002@callback-agent|ADDMEMBER|",
            "1659941900|c9|600|NONE|ENTERQUEUE||0123|1",
            "1659941905|c9|600|Agent/1002|CONNECT|5|c9.1|2",
            *FREEPBX,
        ],
    )
    assert agents(engine) == {
        "1001": ("Sathish Kumar", "offline"),
        "1002": ("Priya Nair", "on_call"),
    }
    # The roster's names hold: nothing was learned for an alias the roster gave.
    assert {a.alias: a.source for a in list_aliases(engine)} == {
        "SIP/1001": "roster",
        "PJSIP/1001": "roster",
        "Agent/1001": "roster",
        "Sathish": "learned",
        "Local/1002@callback-agent": "roster",
        "Agent/1002": "roster",
    }
    again = import_roster(engine, path, "fm.chen", clock.now())
    assert (again.aliases_added, again.aliases_removed) == (0, 0)
    path.write_text(ROSTER.replace(" Agent/1001", ""), encoding="utf-8")
    fewer = import_roster(engine, path, "fm.chen", clock.now())
    assert (fewer.aliases_added, fewer.aliases_removed) == (0, 1)


def test_an_alias_given_to_two_agents_is_a_bad_row(
    engine: Engine, clock: ManualClock, tmp_path: Path
) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(
        "id,name,team,aliases\n1001,A,T,SIP/1001\n1002,B,T,SIP/1001\n1003,C,T,1001\n",
        encoding="utf-8",
    )
    report = import_roster(engine, path, "fm.chen", clock.now())
    assert [(e.row, e.field) for e in report.errors] == [(3, "aliases"), (4, "aliases")]
    assert "already given on row 2" in report.errors[0].message
    assert set(agents(engine)) == {"1001"}


def test_a_feed_agent_the_roster_names_an_alias_is_merged_into_the_roster_agent(
    engine: Engine, clock: ManualClock, tmp_path: Path
) -> None:
    ingest(engine, clock, ["1659941803|MANAGER|500|PJSIP/1001|ADDMEMBER|"], rules=True)
    path = tmp_path / "roster.csv"
    path.write_text("id,name,team,aliases\n1001,Sathish Kumar,Sales,PJSIP/1001\n", encoding="utf-8")
    import_roster(engine, path, "fm.chen", clock.now())
    writer = ingest(engine, clock, ["1659941900|NONE|500|PJSIP/1001|PAUSE|coffee"], rules=True)
    assert agents(engine) == {
        "PJSIP/1001": ("PJSIP/1001", "offline"),
        "1001": ("Sathish Kumar", "break"),
    }
    ingest(engine, clock, ["1659944443|MANAGER|500|PJSIP/1001|REMOVEMEMBER|"])
    assert agents(engine)["1001"] == ("Sathish Kumar", "offline")
    assert writer.observers[0]._agents["1001"].state == "break"


def test_cli_lists_aliases_with_when_and_where_learned(
    db_url: str,
    engine: Engine,
    clock: ManualClock,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(
        "id,name,team,role,aliases\n1002,Priya Nair,Sales,agent,Agent/1002\n"
        "fm.chen,陈志强,,floor_manager,\n",
        encoding="utf-8",
    )
    assert main(["--db", db_url, "--as", "fm.chen", "roster", "import", str(path)]) == 0
    ingest(engine, clock, FREEPBX)
    capsys.readouterr()
    assert main(["--db", db_url, "--as", "fm.chen", "roster", "aliases"]) == 0
    out = capsys.readouterr().out
    assert "Aliases: 2 (1 from the roster, 1 learned from the feed)" in out
    assert "Sathish" in out and "SIP/1001" in out and "2022-08-08 06:56:43" in out
    assert "queue_log:1" in out and "Agent/1002" in out
