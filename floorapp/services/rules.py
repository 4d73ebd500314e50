"""The distress rules in force, as a supervisor reads them (``floorapp rules``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from floorapp import policy
from floorapp.config import Settings
from floorapp.rules.report import RulesReport, rules_report


def in_force(engine: Engine, *, settings: Settings, actor: str, now: datetime) -> RulesReport:
    policy.require(engine, "rules.read", actor, now=now)
    return rules_report(engine, settings=settings, now=now)
