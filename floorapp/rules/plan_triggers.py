"""Executable requirements: a guarantee plan's triggers become rule thresholds while it runs.

A requirement such as "a customer who still refuses after three explanations is reported to
the team leader" names a rule and a threshold (``trigger = { rule = "refused_explanations",
threshold = 3 }``). While a period of the plan in force is running, that threshold replaces
the configured one floor-wide; when the period ends the configured value is back.
A requirement tied to a named period applies during that period only; one with no period
applies during any period of the plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from floorapp.plan.store import load_plan


def plan_overrides(conn: Connection, at: datetime) -> dict[str, dict[str, float]]:
    stored = load_plan(conn)
    if stored is None:
        return {}
    plan = stored.plan
    running = {p.name for p in plan.periods if p.start <= at < p.end}
    if not running:
        return {}
    out: dict[str, dict[str, float]] = {}
    for req in plan.requirements:
        if req.trigger_rule is None or req.trigger_threshold is None:
            continue
        if req.period is None or req.period in running:
            out[req.trigger_rule] = {"threshold": req.trigger_threshold}
    return out


def merged_overrides(configured: Mapping[str, Mapping[str, Any]],
                     plan: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, Any]]:
    merged = {name: dict(conf) for name, conf in configured.items()}
    for name, conf in plan.items():
        merged.setdefault(name, {}).update(conf)
    return merged
