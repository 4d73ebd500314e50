"""`floorapp demo` twice on one database never writes a second simulated history over the
first: the second run starts a new database beside it (the console and the simulator are
stood in for: what is checked is where each run writes)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from db.engine import open_store, run_write
from db.models import Agent, FeedEventRow
from floorapp.commands import console as demo
from floorapp.context import AppContext
from tests.conftest import T0


def _run_demo(monkeypatch: pytest.MonkeyPatch, db: Path, ctx: AppContext) -> str:
    used: dict[str, Any] = {}

    class Proc:
        def poll(self) -> int:
            return 0

    def simulator(url: str, args: Any, log: Path) -> Proc:
        used["url"] = url
        # What the simulator leaves behind: the floor's feed.
        run_write(
            open_store(url),
            lambda c: c.execute(
                insert(FeedEventRow).values(key=f"sim-{url[-12:]}", line_no=1, ts=T0, kind="state")
            ),
        )
        return Proc()

    monkeypatch.setattr(demo, "start_simulator", simulator)
    monkeypatch.setattr(demo, "_open_console", lambda ctx, team: 0)
    args = argparse.Namespace(
        db=f"sqlite:///{db}", actor=None, agents=12, teams=2, seed=1, speed=1.0, team=None
    )
    assert demo.cmd_demo(ctx, args) == 0
    return str(used["url"])


def test_a_second_demo_on_the_same_database_starts_a_new_one(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    ctx: AppContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = tmp_path / "shift.db"
    first = _run_demo(monkeypatch, db, ctx)
    assert first == f"sqlite:///{db}"
    second = _run_demo(monkeypatch, db, ctx)
    assert second == f"sqlite:///{tmp_path / 'shift-2.db'}"
    assert "holds an earlier demo's floor" in capsys.readouterr().out
    for url in (first, second):  # each database: one floor, one history
        with open_store(url).connect() as conn:
            assert conn.execute(select(func.count()).select_from(FeedEventRow)).scalar() == 1
            assert conn.execute(select(func.count()).select_from(Agent)).scalar() == 12
    assert _run_demo(monkeypatch, db, ctx).endswith("shift-3.db")


def test_an_empty_database_is_used_as_named(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    open_store(url).dispose()
    assert demo.unmixed_demo_url(url) == url
    assert demo.unmixed_demo_url(f"sqlite:///{tmp_path / 'new.db'}").endswith("new.db")
