"""An executable requirement: the plan's trigger threshold rules the floor while its period runs."""

from __future__ import annotations

from sqlalchemy import Engine

from db.engine import write_tx
from db.models import Agent, Team
from floorapp.clock import ManualClock
from floorapp.config import Settings
from floorapp.plan.store import import_plan
from tests.conftest import T0
from tests.test_rules import Feed, flags

PLAN = """
name = "launch day"
timezone = "UTC"

[[period]]
name = "launch"
start = 2026-03-10T08:00:00
end = 2026-03-10T10:00:00
teams = ["A"]

[[requirement]]
id = "long-calls"
text = "A call past ten minutes gets the team leader at the agent's side."
trigger = { rule = "long_call", threshold = 10 }
"""


def _floor(engine: Engine) -> None:
    with write_tx(engine) as conn:
        conn.execute(Team.__table__.insert().values(id="A", name="A"))
        conn.execute(Agent.__table__.insert().values(id="a1", name="王芳", team_id="A"))


def test_plan_threshold_applies_during_the_period_only(
    engine: Engine, settings: Settings, clock: ManualClock
) -> None:
    _floor(engine)
    import_plan(engine, PLAN, source="test", actor="fm.zhou", now=T0)
    feed = Feed(engine, settings, clock)
    feed.login("a1", 0)  # 09:00, inside the launch period: the plan's 10 minutes rule
    feed.call("a1", "c1", 1)
    feed.heartbeat(10.5)
    assert flags(engine, "long_call") == []
    feed.heartbeat(11.5)
    (flag,) = flags(engine, "long_call")
    assert "10" in flag["detail"]

    feed.call("a1", "c1", 1, 12)  # ends; the period ends at 10:00 (minute 60)
    feed.heartbeat(62)
    feed.call("a1", "c2", 70)  # after the period: the configured 20 minutes again
    feed.heartbeat(85)
    assert not any("c2" in (f["detail"] or "") for f in flags(engine, "long_call"))
    feed.heartbeat(91)
    assert any("c2" in (f["detail"] or "") for f in flags(engine, "long_call"))
