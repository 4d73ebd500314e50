"""The plan file: every wrong field named with its path and why; versions kept; show."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.models import AuditEntry
from db.models_plan import PlanVersion
from floorapp.cli import main
from floorapp.plan import PlanError, parse_plan_text
from tests.test_plan_support import PLAN, load_test_plan, seed_floor

BAD = """
name = "broken"
timezone = "Asia/Shanghai"
colour = "blue"

[[period]]
name = "3·15"
start = 2026-03-16T08:00:00
end = 2026-03-13T20:00:00
teams = ["t1", "nosuchteam"]

[[period]]
name = "launch"
start = 2026-03-14T08:00:00
end = 2026-03-18T20:00:00
teams = ["t1"]

[[period]]
name = "5·17"
start = 2026-05-16T08:00:00
end = 2026-05-18T20:00:00
teams = ["t2"]

[[period]]
name = "5·18"
start = 2026-05-17T08:00:00
end = 2026-05-19T20:00:00
teams = ["t2"]

[[requirement]]
id = "r1"
text = "refusals"
trigger = { rule = "customer_is_angry", threshold = 3 }

[[requirement]]
id = "r2"
text = "fewer attitude problems"
target = { metric = "dissatisfaction_rate", baseline = 5.0, target = 7.0 }

[patrols]
normal = "often"
period = 20

[care]
repeat_days = "monthly"

[[care.item]]
id = "tea"
title = "Tea"
on = "sometimes"
at = "25:00"

[recognition]
dimensions = ["popularity"]
"""


def test_every_error_is_collected_and_names_its_field() -> None:
    with pytest.raises(PlanError) as exc:
        parse_plan_text(BAD, known_teams={"t1", "t2"})
    by_path = {i.path: i.message for i in exc.value.issues}
    assert "unknown field" in by_path["colour"]
    assert "before" in by_path["period[0].end"]  # end before start
    assert "unknown team 'nosuchteam'" in by_path["period[0].teams[1]"]
    assert "overlaps period '5·17'" in by_path["period[3].start"]  # overlapping periods
    assert "unknown rule 'customer_is_angry'" in by_path["requirement[0].trigger.rule"]
    assert "below the baseline" in by_path["requirement[1].target.target"]
    assert "got a string 'often'" in by_path["patrols.normal"]  # wrong type
    assert "whole number of days" in by_path["care.repeat_days"]
    assert "sometimes" in by_path["care.item[0].on"]
    assert "25:00" in by_path["care.item[0].at"]
    assert "unknown dimension 'popularity'" in by_path["recognition.dimensions[0]"]
    assert len(by_path) == len(exc.value.issues) == 11


def test_missing_required_fields_are_named() -> None:
    with pytest.raises(PlanError) as exc:
        parse_plan_text('[[period]]\nname = "x"\n')
    paths = {i.path for i in exc.value.issues}
    assert {"name", "timezone", "period[0].start", "period[0].end", "period[0].teams"} <= paths


def test_examples_are_valid() -> None:
    root = Path(__file__).parent.parent / "examples"
    for name in ("plan-315.toml", "plan-517.toml"):
        plan = parse_plan_text((root / name).read_text(), {"投诉处理组", "移动业务组", "宽带一组"})
        assert plan.periods and plan.requirements and plan.care_items


def test_check_command_lists_every_error_with_teams_from_the_store(
    engine, db_url, tmp_path, capsys
) -> None:
    seed_floor(engine)
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD)
    assert main(["--db", db_url, "--as", "lead.t1", "plan", "check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "period[0].teams[1]: unknown team 'nosuchteam'" in out
    assert "patrols.normal:" in out and "11 problems" in out
    good = tmp_path / "good.toml"
    good.write_text(PLAN)
    assert main(["--db", db_url, "--as", "lead.t1", "plan", "check", str(good)]) == 0


def test_import_keeps_old_versions_and_show_prints_the_one_in_force(
    engine, db_url, clock, tmp_path, capsys
) -> None:
    seed_floor(engine)
    first = load_test_plan(engine, clock.now())
    f = tmp_path / "v2.toml"
    f.write_text(PLAN.replace('name = "test plan"', 'name = "test plan v2"'))
    assert main(["--db", db_url, "--as", "boss", "plan", "import", str(f)]) == 0
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(PlanVersion)).scalar() == 2
        assert (
            conn.execute(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "plan.import")
            ).scalar()
            == 2
        )
    capsys.readouterr()
    assert main(["--db", db_url, "--as", "lead.t1", "plan", "show"]) == 0
    out = capsys.readouterr().out
    assert "test plan v2" in out and f"version {first + 1}" in out
    assert "dissatisfaction rate" in out and "refused explanations ≥ 3" in out
    assert "every 60 min, every 20 min in a period" in out


def test_import_refuses_an_invalid_plan_and_stores_nothing(engine, db_url, tmp_path) -> None:
    seed_floor(engine)
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD)
    assert main(["--db", db_url, "--as", "boss", "plan", "import", str(bad)]) == 1
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(PlanVersion)).scalar() == 0


def test_example_roster_and_plans_work_together(db_url: str, capsys) -> None:
    """What a new centre tries first: load the sample roster, check the sample plans."""
    root = Path(__file__).resolve().parents[1] / "examples"
    assert main(["--db", db_url, "roster", "import", str(root / "roster.csv")]) == 0
    for name in ("plan-315.toml", "plan-517.toml"):
        assert main(["--db", db_url, "--as", "fm.chen", "plan", "check", str(root / name)]) == 0, (
            capsys.readouterr()
        )
