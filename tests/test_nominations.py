"""Recognition: candidates from the period's own data, never the everyday top performer."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from db.engine import write_tx
from db.models import Call, FeedEventRow
from floorapp.cli import main
from floorapp.config import Settings
from floorapp.escalations import open_escalation
from floorapp.services import nominations as svc
from floorapp.services.periods import period_summary
from tests.test_plan_support import load_test_plan, seed_floor

START = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # period P: 12:00-16:00, team t1
BEFORE = START - timedelta(hours=4)
AFTER = datetime(2026, 3, 10, 16, 30, tzinfo=UTC)


def _calls(
    conn,
    agent: str,
    at: datetime,
    n: int,
    *,
    dissatisfied: int = 0,
    sensitive: bool = False,
    complaint: int = 0,
    talk: int = 180,
    refused: int = 0,
) -> None:
    rows = []
    for i in range(n):
        ended = at + timedelta(minutes=2 * i, seconds=talk)
        rows.append(
            dict(
                id=f"{agent}-{at:%H%M}-{i}",
                agent_id=agent,
                offered_at=at + timedelta(minutes=2 * i),
                answered_at=at + timedelta(minutes=2 * i),
                ended_at=ended,
                outcome="completed",
                talk_seconds=talk,
                satisfaction=1 if i < dissatisfied else 5,
                sensitive_customer=sensitive,
                complaint=i < complaint,
                refused_explanations=refused,
            )
        )
    conn.execute(insert(Call), rows)


@pytest.fixture
def period_data(engine, clock):
    seed_floor(engine)
    load_test_plan(engine, clock.now())
    with write_tx(engine) as conn:
        # a1: the everyday top performer: many short calls, all satisfied, before and during.
        _calls(conn, "a1", BEFORE, 60, talk=90)
        _calls(conn, "a1", START, 60, talk=90)
        # a2: took the sensitive customers, no complaint.
        _calls(conn, "a2", START + timedelta(minutes=5), 3, sensitive=True, talk=600)
        # a3: raised a hand twice and opened an escalation themself, early.
        conn.execute(
            insert(FeedEventRow),
            [
                dict(
                    key=f"k{i}",
                    line_no=i,
                    ts=START + timedelta(minutes=10 * i),
                    kind="raise_hand",
                    agent_id="a3",
                )
                for i in (1, 2)
            ],
        )
        open_escalation(
            conn,
            Settings(),
            now=START + timedelta(minutes=30),
            opened_by="a3",
            reason="customer threatens to go to the press",
            agent_id="a3",
        )
        # a4: improved on the period's requirement (dissatisfaction 40 % → 10 %) and had
        # the hardest escalation opened on their call.
        _calls(conn, "a4", BEFORE, 10, dissatisfied=4)
        _calls(conn, "a4", START, 10, dissatisfied=1)
        open_escalation(
            conn,
            Settings(),
            now=START + timedelta(hours=1),
            opened_by="rules",
            reason="refused three explanations",
            agent_id="a4",
            tier=2,
            severity="high",
        )
        # b1 (team t2, not in the period) took sensitive customers too.
        _calls(conn, "b1", START, 4, sensitive=True)
        # a3 took one sensitive customer and it ended in a complaint: not proposed for that.
        _calls(conn, "a3", START + timedelta(hours=2), 1, sensitive=True, complaint=1)


def test_candidates_come_from_the_period_and_exclude_the_everyday_top_performer(
    engine, period_data
) -> None:
    found = svc.candidates(engine, now=AFTER, period="P")
    ids = {d: [c.agent_id for c in cs] for d, cs in found.items()}
    assert ids == {
        "hardest_escalations": ["a4"],
        "raised_early": ["a3"],
        "sensitive_no_complaint": ["a2"],
        "improvement": ["a4"],
    }
    assert all("a1" not in v for v in ids.values())  # 120 calls, fastest handle time: no merit
    assert found["improvement"][0].reason.startswith("dissatisfaction rate 40.0% → 10.0%")
    assert "raised a hand 2 time(s), opened 1 escalation(s)" in found["raised_early"][0].reason
    assert "1 high" in found["hardest_escalations"][0].reason


def test_nominate_export_csv_and_period_view(engine, db_url, clock, period_data, capsys) -> None:
    with pytest.raises(svc.NominationError, match="say why"):
        svc.nominate(
            engine,
            period="P",
            agent_id="a2",
            dimension="sensitive_no_complaint",
            reason=" ",
            actor="lead.t1",
            now=AFTER,
        )
    with pytest.raises(svc.NominationError, match="no period"):
        svc.nominate(
            engine,
            period="Q",
            agent_id="a2",
            dimension="sensitive_no_complaint",
            reason="x",
            actor="lead.t1",
            now=AFTER,
        )
    svc.nominate(
        engine,
        period="P",
        agent_id="a2",
        dimension="sensitive_no_complaint",
        reason="=3 sensitive customers, calm throughout",
        actor="lead.t1",
        now=AFTER,
    )
    assert (
        main(
            [
                "--db",
                db_url,
                "--as",
                "lead.t1",
                "nominations",
                "add",
                "a4",
                "improvement",
                "dissatisfaction 40% to 10%",
                "--period",
                "P",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["--db", db_url, "--as", "boss", "nominations", "--period", "P", "--csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][:5] == ["period", "agent_id", "agent", "team", "dimension"]
    assert [(r[1], r[4], r[6]) for r in rows[1:]] == [
        ("a2", "sensitive_no_complaint", "lead.t1"),
        ("a4", "improvement", "lead.t1"),
    ]
    assert rows[1][5] == "'=3 sensitive customers, calm throughout"  # no formula in a sheet
    summary = period_summary(engine, now=AFTER, period="P")
    assert summary is not None and summary.nominations == 2
    (attitude,) = [r for r in summary.requirements if r.key == "attitude"]
    # The floor in the period: a1 60 satisfied, a4 1 of 10, b1 4, a3 1, a2 3 → 1 / 78.
    assert attitude.current == pytest.approx(100 / 78)
    assert attitude.status == "met" and attitude.baseline == 10.0
