"""``floorapp rules``: the rules in force, their thresholds, and how often each fired today."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from db.engine import write_tx
from db.models import Flag
from floorapp.cli import main
from floorapp.commands.rules import cmd_rules
from floorapp.context import AppContext
from floorapp.feed.events import EventKind as K
from tests.test_rules import Feed, at


def _fire_some(ctx: AppContext) -> None:
    feed = Feed(ctx.engine, ctx.settings, ctx.clock)  # type: ignore[arg-type]
    feed.login("a1", 0)
    feed.send(feed.ev(K.RAISE_HAND, 1, "a1"), feed.ev(K.RAISE_HAND, 2, "a1"))
    feed.call("a1", "c1", 3, 6, refused_explanations=3)
    # Yesterday (centre's day): not counted today.
    feed.send(feed.ev(K.RAISE_HAND, -60 * 10, "a1"))


def test_rules_json_lists_every_rule_with_counts_for_today(
    ctx: AppContext, capsys: pytest.CaptureFixture[str]
) -> None:
    _fire_some(ctx)
    with write_tx(ctx.engine) as conn:  # a flag raised by hand in the console
        conn.execute(
            Flag.__table__.insert().values(
                agent_id="a1",
                kind="observed",
                open_key="a1|observed",
                raised_at=at(30),
                raised_by="lead.wang",
                updated_at=at(30),
            )
        )
    ctx.clock.set(at(60))  # type: ignore[attr-defined]
    assert cmd_rules(ctx, argparse.Namespace(json=True)) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["day"] == "2026-03-10" and out["timezone"] == "UTC"
    rules = {r["name"]: r for r in out["rules"]}
    assert list(rules) == [
        "long_call",
        "complaint_streak",
        "hostile_streak",
        "refused_explanations",
        "after_call_overrun",
        "no_break",
        "raised_hand",
        "observed",
        "sensitive_customer",
    ]
    assert rules["raised_hand"]["fired_today"] == 2
    assert rules["refused_explanations"]["fired_today"] == 1
    assert rules["observed"]["fired_today"] == 1
    assert rules["long_call"]["fired_today"] == 0
    assert rules["long_call"]["params"] == {"threshold": 20}
    assert rules["long_call"]["units"] == {"threshold": "min"}
    assert rules["hostile_streak"]["params"] == {"threshold": 3, "last_calls": 5}
    assert rules["refused_explanations"]["severity"] == "medium"
    assert all(r["enabled"] for r in out["rules"])


def test_today_is_the_centres_day(ctx: AppContext, capsys: pytest.CaptureFixture[str]) -> None:
    from zoneinfo import ZoneInfo

    _fire_some(ctx)
    # 09:00 UTC is 17:00 in Shanghai; the event 10 h earlier (23:00 UTC the day before)
    # is 07:00 the same Shanghai day, so it counts there and not in UTC.
    ctx.settings.timezone = ZoneInfo("Asia/Shanghai")
    cmd_rules(ctx, argparse.Namespace(json=True))
    rules = {r["name"]: r for r in json.loads(capsys.readouterr().out)["rules"]}
    assert rules["raised_hand"]["fired_today"] == 3


def test_rules_table_shows_overrides_from_the_config(
    tmp_path: Path, db_url: str, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        '[rules.long_call]\nthreshold = 25\nseverity = "high"\n\n'
        "[rules.no_break]\nenabled = false\n"
    )
    assert main(["--db", db_url, "--config", str(cfg), "rules"]) == 0
    out = capsys.readouterr().out
    # Words, not the config's codes (80 columns: no config column either).
    assert "long_call" not in out and "raised_hand" not in out and "last_calls" not in out
    long_line = next(line for line in out.splitlines() if "long call" in line)
    assert "25 min" in long_line and "high" in long_line
    no_break = next(line for line in out.splitlines() if "no break" in line)
    assert "off" in no_break.split()
    hostile = next(line for line in out.splitlines() if "hostile calls" in line)
    assert "3 of the last 5 calls" in hostile


def test_a_bad_rule_in_the_config_is_named_and_exits_2(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("[rules.long_call]\nthreshold = -1\n")
    assert main(["--db", db_url, "--config", str(cfg), "rules"]) == 2
    assert "rules.long_call.threshold" in capsys.readouterr().err


def test_floorapp_ingest_runs_the_rules_unless_told_not_to(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlalchemy import select

    from db.engine import open_store

    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        '{"type":"agent_login","ts":"2026-03-10T09:00:00+08:00","agent":"1001"}\n'
        '{"type":"call_answered","ts":"2026-03-10T09:01:00+08:00","agent":"1001","call":"c1"}\n'
        '{"type":"call_update","ts":"2026-03-10T09:03:00+08:00","call":"c1",'
        '"refused_explanations":3}\n'
        '{"type":"raise_hand","ts":"2026-03-10T09:04:00+08:00","agent":"1001","note":"help"}\n'
        '{"type":"call_ended","ts":"2026-03-10T09:30:00+08:00","agent":"1001","call":"c1"}\n',
        encoding="utf-8",
    )
    for name, extra, expected in (
        ("on", [], {"raised_hand", "refused_explanations", "long_call"}),
        ("off", ["--no-rules"], set()),
    ):
        url = f"sqlite:///{tmp_path / name}.db"
        assert main(["--db", url, "ingest", *extra, str(feed)]) == 0
        eng = open_store(url)
        with eng.connect() as conn:
            assert set(conn.execute(select(Flag.kind)).scalars()) == expected
        eng.dispose()
