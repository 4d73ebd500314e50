"""The demo's guarantee plan is valid and puts a period in force the moment the demo starts."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from floorapp.plan import parse_plan_text
from floorapp.simulate.demo_plan import demo_plan_text


@pytest.mark.parametrize(
    "now", [datetime(2026, 11, 24, 1, 57, tzinfo=UTC), datetime(2026, 12, 31, 23, 59, tzinfo=UTC)]
)
def test_demo_plan_is_in_force_now_for_every_demo_team(now: datetime) -> None:
    teams = ["billing", "mobile", "broadband", "complaints"]
    plan = parse_plan_text(demo_plan_text(now, ZoneInfo("Asia/Shanghai"), teams), set(teams))
    period = plan.active_period(now)
    assert period is not None and set(period.teams) == set(teams)
    assert {r.trigger_rule for r in plan.requirements} >= {
        "refused_explanations",
        "complaint_streak",
    }
