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
name = "Demo guarantee period"
timezone = "{tz}"

[shift]
start = "00:00"
end = "23:59"

[[period]]
name = "demo-period"
start = {start}
end = {end}
teams = [{teams}]
dense_days = [{today}]

[[requirement]]
id = "refusals"
text = "A customer still refusing after three explanations goes to the team leader at once."
trigger = {{ rule = "refused_explanations", threshold = 3 }}

[[requirement]]
id = "attitude"
text = "Attitude dissatisfaction down 2 points."
target = {{ metric = "dissatisfaction_rate", baseline = 6.0, target = 4.0 }}

[[requirement]]
id = "complaints"
text = "Two complaint calls within an hour: the team leader listens in on the next call."
trigger = {{ rule = "complaint_streak", threshold = 2 }}
target = {{ metric = "complaint_rate", baseline = 1.5, target = 1.0 }}

[patrols]
normal = 60
period = 20

[care]
repeat_days = 30

[[care.item]]
id = "afternoon-tea"
title = "Afternoon tea for the team"
on = "dense_days"
at = "15:00"

[[care.item]]
id = "snacks-debrief"
title = "Snacks and a five-minute debrief at the end of the shift"
on = "period_days"
at = "shift_end"

[[care.item]]
id = "team-meal"
title = "Team meal: the guarantee period is over"
on = "day_after_period"
at = "18:00"

[[care.item]]
id = "fruit"
title = "Fresh fruit on every desk"

[care.triggered.long_call]
title = "Bring {{agent}} a glass of water (long call just ended)"
within_minutes = 5

[drills]
run_up_days = 5
max_per_agent_per_day = 2
minutes = 10

[[hot_issue]]
id = "outage-refund"
title = "Refund after the outage"
scenario = \"\"\"\\
Offline for two days in last week's outage, the customer demands a full month refunded \\
and threatens the regulator.\"\"\"
answer = \"\"\"\\
Apologise; the credit is 1/30 of the monthly fee per day offline, on the next bill; \\
still refusing after three explanations: the team leader.\"\"\"
teams = [{teams}]
practised_by_days = -2

[[hot_issue]]
id = "tariff-change"
title = "Tariff change announced today"
scenario = \"\"\"\\
The customer read this morning that their plan changes next month and wants to cancel \\
without the contract penalty.\"\"\"
answer_ref = "Knowledge base: today's tariff notice and the cancellation 口径"
teams = [{teams}]
practised_by_days = -2

[recognition]
at = ["shift_end"]
dimensions = ["hardest_escalations", "raised_early", "sensitive_no_complaint", "improvement"]
improvement_requirement = "attitude"
"""


def demo_plan_text(now: datetime, tz: ZoneInfo, teams: Sequence[str]) -> str:
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
    )
