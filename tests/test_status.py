"""``floorapp status``: the floor after a few feed events, as JSON and as a table."""

from __future__ import annotations

import argparse
import json
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from floorapp.commands.status import cmd_status
from floorapp.config import settings_from_dict
from floorapp.context import AppContext
from floorapp.feed.jsonl import event_to_json, parse_jsonl
from floorapp.feed.writer import FeedWriter
from floorapp.roster import import_roster
from floorapp.simulate.runner import rules_observers
from tests.conftest import T0

SHANGHAI = settings_from_dict({"floor": {"timezone": "Asia/Shanghai"}})


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


@pytest.fixture
def floor(ctx: AppContext, engine: Engine) -> AppContext:
    ctx.settings = SHANGHAI
    import_roster(
        engine,
        [
            {"id": "1001", "name": "王芳", "team": "A"},
            {"id": "1002", "name": "[b]Bob[/b]", "team": "B"},
        ],
        "lead.wang",
        T0,
    )
    events = [
        {"type": "agent_login", "ts": at(-60), "agent": "1001"},
        {"type": "agent_login", "ts": at(-30), "agent": "1002"},
        {"type": "state", "ts": at(-10), "agent": "1002", "state": "break", "reason": "lunch"},
        {
            "type": "escalation",
            "ts": at(-20),
            "agent": "1002",
            "reason": "refund refused",
            "tier": 2,
            "severity": "high",
        },
        {"type": "call_offered", "ts": at(-5), "call": "c1", "queue": "A", "customer": "C1"},
        {"type": "call_answered", "ts": at(-4), "call": "c1", "agent": "1001"},
        {"type": "raise_hand", "ts": at(-2), "agent": "1001", "note": "needs help"},
        {"type": "call_offered", "ts": at(-1), "call": "c2", "queue": "B", "customer": "C2"},
    ]
    events.sort(key=lambda e: e["ts"])
    writer = FeedWriter(
        engine, ctx.settings, observers=rules_observers(ctx.settings, ctx.clock), clock=ctx.clock
    )
    summary = writer.write_batch(list(parse_jsonl([event_to_json(e) for e in events], "t")))
    assert summary.accepted == len(events) and summary.rejected == 0
    return ctx


def status(
    ctx: AppContext,
    capsys: pytest.CaptureFixture[str],
    *,
    team: str | None = None,
    as_json: bool = True,
) -> tuple[int, str]:
    capsys.readouterr()
    rc = cmd_status(ctx, argparse.Namespace(team=team, json=as_json))
    return rc, capsys.readouterr().out


def test_json_keys_and_values(floor: AppContext, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out = status(floor, capsys)
    assert rc == 0
    data = json.loads(out)
    assert {"agents", "flags", "escalations"} <= set(data)
    agents = {a["id"]: a for a in data["agents"]}
    wang = agents["1001"]
    assert {"id", "name", "team", "state", "state_since"} <= set(wang)
    assert (wang["name"], wang["team"], wang["state"]) == ("王芳", "A", "on_call")
    assert wang["state_since"] == "2026-03-10T16:56:00+08:00"  # T0 - 4 min, Shanghai time
    assert wang["call"]["id"] == "c1" and wang["call"]["customer"] == "C1"
    bob = agents["1002"]
    assert (bob["state"], bob["reason"], bob["call"]) == ("break", "lunch", None)
    assert bob["state_since"] == "2026-03-10T16:50:00+08:00"

    (flag,) = data["flags"]
    assert {"id", "agent", "kind", "severity", "status", "raised_at"} <= set(flag)
    assert (flag["agent"], flag["kind"], flag["status"]) == ("1001", "raised_hand", "raised")
    assert flag["raised_at"] == "2026-03-10T16:58:00+08:00"

    (esc,) = data["escalations"]
    assert {"id", "tier", "severity", "status", "deadline", "handoffs", "holder"} <= set(esc)
    assert (esc["tier"], esc["severity"], esc["status"]) == (2, "high", "open")
    assert (esc["handoffs"], esc["holder"]) == (0, None)
    assert esc["deadline"] == "2026-03-10T16:55:00+08:00"  # high severity: 15 minutes
    assert esc["overdue"] is True
    assert data["floor"]["calls_waiting"] == 1
    assert data["floor"]["states"]["on_call"] == 1 and data["floor"]["states"]["break"] == 1


def test_team_filter(floor: AppContext, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out = status(floor, capsys, team="B")
    data = json.loads(out)
    assert rc == 0 and [a["id"] for a in data["agents"]] == ["1002"]
    assert data["flags"] == [] and len(data["escalations"]) == 1
    rc, _ = status(floor, capsys, team="nope")
    assert rc == 2


def test_table_shows_names_literally_in_local_time(
    floor: AppContext, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, out = status(floor, capsys, as_json=False)
    assert rc == 0
    assert "[b]Bob[/b]" in out and "王芳" in out
    assert "16:56" in out  # 王芳 on the call since, Shanghai time
    assert "break (lunch)" in out and "raised hand" in out  # words, not codes
    assert "16:55 LATE 5:00" in out and "waiting 1" in out


def test_empty_floor(ctx: AppContext, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out = status(ctx, capsys)
    data = json.loads(out)
    assert rc == 0 and data["agents"] == data["flags"] == data["escalations"] == []
