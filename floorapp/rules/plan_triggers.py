"""Executable requirements: a guarantee plan's triggers become rule thresholds while it runs.

A requirement such as "a customer who still refuses after three explanations is reported to
the team leader" names a rule and a threshold (``trigger = { rule = "refused_explanations",
threshold = 3 }``). While a period of the plan in force is running, that threshold replaces
the configured one floor-wide; when the period ends the configured value is back.
A requirement tied to a named period applies during that period only; one with no period
applies during any period of the plan.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from floorapp.plan.loader import PlanError
from floorapp.plan.store import load_plan

log = logging.getLogger(__name__)


def plan_overrides(conn: Connection, at: datetime) -> dict[str, dict[str, float]]:
    try:
        stored = load_plan(conn)
    except PlanError as exc:  # a version an older release let in and today's checks refuse
        log.warning("the stored plan is not used for rule thresholds: %s", exc)
        return {}
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


def merged_overrides(
    configured: Mapping[str, Mapping[str, Any]], plan: Mapping[str, Mapping[str, float]]
) -> dict[str, dict[str, Any]]:
    """The configured rules with the plan's thresholds laid over them.

    ``plan check`` refuses a trigger the engine cannot run with the settings in force, but
    the settings may change after a plan is imported (a shorter ``last_calls``): a plan
    threshold that does not fit what is configured now is left out, with a warning, and
    the configured one rules. A plan never stops ingestion.
    """
    from floorapp.config import ConfigError
    from floorapp.rules.definitions import load_rules

    merged = {name: dict(conf) for name, conf in configured.items()}
    for name, conf in plan.items():
        trial = {n: dict(c) for n, c in merged.items()}
        trial.setdefault(name, {}).update(conf)
        try:
            load_rules(trial)
        except ConfigError as exc:
            log.warning("plan trigger for %s left out: %s", name, exc)
            continue
        merged = trial
    return merged
