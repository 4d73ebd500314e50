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


def test_a_chinese_demo_gets_a_chinese_plan() -> None:
    """A plan is written in its floor's language: the demo's, in Chinese, says the same
    things (same ids, rules, care items and hot issues) in Chinese words."""
    now = datetime(2026, 12, 7, 8, tzinfo=UTC)
    teams = ["billing", "mobile"]
    en = parse_plan_text(demo_plan_text(now, ZoneInfo("Asia/Shanghai"), teams), set(teams))
    zh = parse_plan_text(demo_plan_text(now, ZoneInfo("Asia/Shanghai"), teams, "zh_CN"), set(teams))
    assert [r.key for r in zh.requirements] == [r.key for r in en.requirements]
    assert [h.key for h in zh.hot_issues] == [h.key for h in en.hot_issues]
    assert zh.hot_issue("outage-refund").title == "故障后退费"
    assert zh.care_item("fruit").title == "每个工位送上新鲜水果"
    assert "{agent}" in demo_plan_text(now, ZoneInfo("Asia/Shanghai"), teams, "zh_CN")
