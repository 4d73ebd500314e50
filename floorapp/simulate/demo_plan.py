"""The demo floor's guarantee plan: a period running now, so every guarantee feature shows.

Built from the example 3·15 plan's levers (requirements with triggers and targets, tighter
patrols, planned care, recognition, drills on two hot issues), dated around the moment the
demo starts and covering the demo's teams. The demo runs at any hour, so its shift is the whole day.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

TEMPLATE = """\
# Demo guarantee plan, made by `floorapp demo` for the period running now.
name = "{plan_name}"
timezone = "{tz}"

[shift]
start = "00:00"
end = "23:59"

[[period]]
name = "{period_name}"
start = {start}
end = {end}
teams = [{teams}]
dense_days = [{today}]

[[requirement]]
id = "refusals"
text = "{req_refusals}"
trigger = {{ rule = "refused_explanations", threshold = 3 }}

[[requirement]]
id = "attitude"
text = "{req_attitude}"
target = {{ metric = "dissatisfaction_rate", baseline = 6.0, target = 4.0 }}

[[requirement]]
id = "complaints"
text = "{req_complaints}"
trigger = {{ rule = "complaint_streak", threshold = 2 }}
target = {{ metric = "complaint_rate", baseline = 1.5, target = 1.0 }}

[patrols]
normal = 60
period = 20

[care]
repeat_days = 30

[[care.item]]
id = "afternoon-tea"
title = "{care_tea}"
on = "dense_days"
at = "15:00"

[[care.item]]
id = "snacks-debrief"
title = "{care_snacks}"
on = "period_days"
at = "shift_end"

[[care.item]]
id = "team-meal"
title = "{care_meal}"
on = "day_after_period"
at = "18:00"

[[care.item]]
id = "fruit"
title = "{care_fruit}"

[care.triggered.long_call]
title = "{care_water}"
within_minutes = 5

[drills]
run_up_days = 5
max_per_agent_per_day = 2
minutes = 10

[[hot_issue]]
id = "outage-refund"
title = "{refund_title}"
scenario = "{refund_scenario}"
answer = "{refund_answer}"
teams = [{teams}]
practised_by_days = -2

[[hot_issue]]
id = "tariff-change"
title = "{tariff_title}"
scenario = "{tariff_scenario}"
answer_ref = "{tariff_ref}"
teams = [{teams}]
practised_by_days = -2

[recognition]
at = ["shift_end"]
dimensions = ["hardest_escalations", "raised_early", "sensitive_no_complaint", "improvement"]
improvement_requirement = "attitude"
"""


# The plan's own words: a plan is written in its floor's language, so a Chinese demo gets a
# Chinese plan (these are data, like a centre's own plan file, not catalog strings).
WORDS = {
    "en": {
        "plan_name": "Demo guarantee period",
        "period_name": "demo-period",
        "req_refusals": "A customer still refusing after three explanations goes to the team "
        "leader at once.",
        "req_attitude": "Attitude dissatisfaction down 2 points.",
        "req_complaints": "Two complaint calls within an hour: the team leader listens in on "
        "the next call.",
        "care_tea": "Afternoon tea for the team",
        "care_snacks": "Snacks and a five-minute debrief at the end of the shift",
        "care_meal": "Team meal: the guarantee period is over",
        "care_fruit": "Fresh fruit on every desk",
        "care_water": "Bring {agent} a glass of water (long call just ended)",
        "refund_title": "Refund after the outage",
        "refund_scenario": "Offline for two days in last week's outage, the customer demands "
        "a full month refunded and threatens the regulator.",
        "refund_answer": "Apologise; the credit is 1/30 of the monthly fee per day offline, on "
        "the next bill; still refusing after three explanations: the team leader.",
        "tariff_title": "Tariff change announced today",
        "tariff_scenario": "The customer read this morning that their plan changes next month "
        "and wants to cancel without the contract penalty.",
        "tariff_ref": "Knowledge base: today's tariff notice and the cancellation 口径",
    },
    "zh_CN": {
        "plan_name": "演示保障期",
        "period_name": "演示保障期",
        "req_refusals": "客户经三次解释仍不接受的，立即转班组长。",
        "req_attitude": "服务态度不满意率下降 2 个百分点。",
        "req_complaints": "一小时内两通投诉来电：班组长监听该坐席的下一通电话。",
        "care_tea": "班组下午茶",
        "care_snacks": "班后加餐，五分钟小结",
        "care_meal": "保障期结束，班组聚餐",
        "care_fruit": "每个工位送上新鲜水果",
        "care_water": "给 {agent} 送一杯水（刚结束长通话）",
        "refund_title": "故障后退费",
        "refund_scenario": "上周故障断网两天，客户要求退还整月费用，并扬言向管局投诉。",
        "refund_answer": "先致歉；按断网天数每天补偿月费的 1/30，计入下月账单；"
        "三次解释后仍不接受的，转班组长。",
        "tariff_title": "今日公布资费调整",
        "tariff_scenario": "客户今早得知套餐下月调整，要求免违约金销户。",
        "tariff_ref": "知识库：今日资费公告及销户口径",
    },
}


def demo_plan_text(now: datetime, tz: ZoneInfo, teams: Sequence[str], lang: str = "en") -> str:
    local = now.astimezone(tz)
    today = local.date()
    start = datetime.combine(today - timedelta(days=1), datetime.min.time())
    end = datetime.combine(today + timedelta(days=2), datetime.min.time()) + timedelta(hours=22)
    return TEMPLATE.format(
        tz=str(tz),
        start=start.strftime("%Y-%m-%dT%H:%M:%S"),
        end=end.strftime("%Y-%m-%dT%H:%M:%S"),
        today=today.isoformat(),
        teams=", ".join(f'"{t}"' for t in teams),
        **WORDS[lang],
    )
