"""Shared set-up for the plan, scheduler, reminder, care and nomination tests (no tests here)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, insert

from db.engine import write_tx
from db.models import Agent, Supervisor, SupervisorTeam, Team
from floorapp.plan.store import import_plan

# T0 (conftest) is 2026-03-10 09:00 UTC. The period runs 12:00-16:00 that day for t1 only.
PLAN = """
name = "test plan"
timezone = "UTC"

[shift]
start = "08:00"
end = "20:00"

[[period]]
name = "P"
start = 2026-03-10T12:00:00
end = 2026-03-10T16:00:00
teams = ["t1"]
dense_days = [2026-03-10]

[[requirement]]
id = "attitude"
text = "Dissatisfaction down to 5 %"
target = { metric = "dissatisfaction_rate", baseline = 10.0, target = 5.0 }

[[requirement]]
id = "refusals"
text = "Three refusals: report to the team leader"
trigger = { rule = "refused_explanations", threshold = 3 }

[patrols]
normal = 60
period = 20

[care]
repeat_days = 14

[[care.item]]
id = "tea"
title = "Afternoon tea"
on = "dense_days"
at = "15:00"

[[care.item]]
id = "fruit"
title = "Fresh fruit"

[care.triggered.long_call]
within_minutes = 5

[recognition]
at = ["shift_end"]
improvement_requirement = "attitude"
"""


def seed_floor(engine: Engine) -> None:
    with write_tx(engine) as conn:
        conn.execute(insert(Team), [{"id": "t1", "name": "Team 1"}, {"id": "t2", "name": "Team 2"}])
        conn.execute(
            insert(Agent),
            [
                {"id": "a1", "name": "张伟", "team_id": "t1"},
                {"id": "a2", "name": "Li Na", "team_id": "t1"},
                {"id": "a3", "name": "Wang Fang", "team_id": "t1"},
                {"id": "a4", "name": "Zhao Lei", "team_id": "t1"},
                {"id": "b1", "name": "Chen Jie", "team_id": "t2"},
            ],
        )
        conn.execute(
            insert(Supervisor),
            [
                {"id": "lead.t1", "name": "Lead One", "role": "team_leader"},
                {"id": "lead.t2", "name": "Lead Two", "role": "team_leader"},
                {"id": "boss", "name": "Floor Manager", "role": "floor_manager"},
            ],
        )
        conn.execute(
            insert(SupervisorTeam),
            [
                {"supervisor_id": "lead.t1", "team_id": "t1"},
                {"supervisor_id": "lead.t2", "team_id": "t2"},
            ],
        )


def load_test_plan(engine: Engine, now: datetime, text: str = PLAN) -> int:
    return import_plan(engine, text, source="test.toml", actor="lead.wang", now=now)
