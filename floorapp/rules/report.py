"""The rules in force and how often each fired today: what ``floorapp rules`` shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, func, select

from db.engine import read_tx
from db.models import Flag
from db.models_rules import RuleFiring
from floorapp.config import Settings
from floorapp.rules.definitions import RULES_BY_NAME, format_params, load_rules
from floorapp.rules.today import day_bounds


@dataclass(frozen=True, slots=True)
class RuleStatus:
    name: str
    enabled: bool
    severity: str
    params: dict[str, float]
    units: dict[str, str]
    summary: str
    fired_today: int

    @property
    def thresholds(self) -> str:
        parts = [
            f"{v:g} {self.units[k]}" if k == "threshold" else f"{k} {v:g} {self.units[k]}"
            for k, v in self.params.items()
        ]
        return ", ".join(parts) or "-"

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "enabled": self.enabled,
            "severity": self.severity,
            "params": self.params,
            "units": self.units,
            "summary": self.summary,
            "fired_today": self.fired_today,
        }


@dataclass(frozen=True, slots=True)
class RulesReport:
    day: date
    timezone: str
    rules: list[RuleStatus]


def fired_today(engine: Engine, settings: Settings, now: datetime) -> dict[str, int]:
    """Triggers per rule in the centre's day, re-triggers of an open flag included.

    ``observed`` flags are mostly raised by hand in the console, which does not go
    through the rules: for that kind the count is of observed flags raised today.
    """
    start, end, _ = day_bounds(settings, now)
    with read_tx(engine) as conn:
        counts = {
            rule: int(n)
            for rule, n in conn.execute(
                select(RuleFiring.rule, func.count())
                .where(RuleFiring.at >= start, RuleFiring.at < end)
                .group_by(RuleFiring.rule)
            )
        }
        counts["observed"] = int(
            conn.execute(
                select(func.count())
                .select_from(Flag)
                .where(Flag.kind == "observed", Flag.raised_at >= start, Flag.raised_at < end)
            ).scalar_one()
        )
    return counts


def rules_report(engine: Engine, *, settings: Settings, now: datetime) -> RulesReport:
    rules = load_rules(settings.rules)
    counts = fired_today(engine, settings, now)
    _, _, day = day_bounds(settings, now)
    out = []
    for cfg in rules:
        d = RULES_BY_NAME[cfg.name]
        out.append(
            RuleStatus(
                name=cfg.name,
                enabled=cfg.enabled,
                severity=cfg.severity,
                params=dict(cfg.params),
                units={p.name: p.unit for p in d.params},
                summary=d.summary,
                fired_today=counts.get(cfg.name, 0),
            )
        )
    return RulesReport(day, str(settings.timezone), out)


__all__ = ["RuleStatus", "RulesReport", "fired_today", "format_params", "rules_report"]
