"""The distress rules as data: names, defaults, and validation of the config overrides.

A centre tunes a rule in its config or plan TOML::

    [rules.long_call]
    threshold = 25          # minutes
    severity = "high"

    [rules.no_break]
    enabled = false

Every wrong name or value is a ``ConfigError`` naming its path (``rules.long_call.threshold``).
Each parameter has a range (``Param.high``): the settings file and a plan's requirement
triggers are both checked here, so nothing the engine cannot run (nan, inf, 1e300, a
streak longer than its window) gets past loading.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from db.models import Severity
from floorapp.config import ConfigError
from floorapp.schema import escape

SEVERITIES = tuple(s.value for s in Severity)


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    default: float
    unit: str  # "min" or "calls" / "refusals": shown by `floorapp rules`
    integer: bool = True
    help: str = ""
    # Largest sane value: minutes within a day (a week for a window), streaks of at most a
    # hundred calls. Every value must also be above zero.
    high: float = 100


@dataclass(frozen=True, slots=True)
class RuleDef:
    name: str
    summary: str
    severity: str
    params: tuple[Param, ...] = ()


DAY_MIN = 24 * 60
WEEK_MIN = 7 * DAY_MIN

RULE_DEFS: tuple[RuleDef, ...] = (
    RuleDef(
        "long_call",
        "a call in progress longer than the threshold; proposes water when it ends",
        "medium",
        (Param("threshold", 20, "min", integer=False, help="call length", high=DAY_MIN),),
    ),
    RuleDef(
        "complaint_streak",
        "complaint calls within a window",
        "medium",
        (
            Param("threshold", 2, "calls", help="complaint calls"),
            Param("window", 60, "min", integer=False, help="within this window", high=WEEK_MIN),
        ),
    ),
    RuleDef(
        "hostile_streak",
        "negative-sentiment calls among the agent's last calls",
        "high",
        (
            Param("threshold", 3, "calls", help="negative calls"),
            Param("last_calls", 5, "calls", help="out of the last calls"),
        ),
    ),
    RuleDef(
        "refused_explanations",
        "a customer refused explanations on one call: escalates to the team leader",
        "medium",
        (Param("threshold", 3, "refusals", help="explanations refused"),),
    ),
    RuleDef(
        "after_call_overrun",
        "after-call work overruns right after a complaint or hostile call",
        "light",
        (Param("threshold", 5, "min", integer=False, help="after-call work", high=DAY_MIN),),
    ),
    RuleDef(
        "no_break",
        "logged in without a break for longer than the threshold",
        "light",
        (Param("threshold", 150, "min", integer=False, help="without a break", high=DAY_MIN),),
    ),
    RuleDef("raised_hand", "the agent asked for help", "high"),
    RuleDef("observed", "a supervisor raised it by hand or from an observation", "medium"),
    RuleDef(
        "sensitive_customer",
        "a sensitive customer's call reached an agent not designated for them",
        "medium",
    ),
)
RULES_BY_NAME: dict[str, RuleDef] = {r.name: r for r in RULE_DEFS}
RULE_NAMES: tuple[str, ...] = tuple(RULES_BY_NAME)


@dataclass(frozen=True, slots=True)
class RuleConfig:
    name: str
    enabled: bool
    severity: str
    params: dict[str, float] = field(default_factory=dict)

    def __getitem__(self, key: str) -> float:
        return self.params[key]

    @property
    def summary(self) -> str:
        return RULES_BY_NAME[self.name].summary


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The rules in force: one ``RuleConfig`` per known rule, in definition order."""

    rules: dict[str, RuleConfig]

    def __getitem__(self, name: str) -> RuleConfig:
        return self.rules[name]

    def enabled(self, name: str) -> bool:
        return self.rules[name].enabled

    def __iter__(self) -> Iterator[RuleConfig]:
        return iter(self.rules.values())


def _number(value: Any, path: str, p: Param) -> float:
    shown = escape(repr(value))
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{path}: expected a number of {p.unit}, got {shown}")
    if not math.isfinite(value):
        raise ConfigError(f"{path}: expected a finite number of {p.unit}, got {shown}")
    if p.integer and not float(value).is_integer():
        raise ConfigError(f"{path}: expected a whole number of {p.unit}, got {shown}")
    if value <= 0 or value > p.high:
        raise ConfigError(
            f"{path}: expected a positive number of {p.unit} up to {p.high:g}, got {shown}"
        )
    return int(value) if p.integer else float(value)


def check_param(rule: str, param: str, value: Any, path: str) -> float:
    """One rule parameter as the engine will take it; ConfigError naming ``path`` if not.

    The plan's requirement triggers use this, so a trigger is held to what
    ``[rules.<rule>]`` in the settings is held to.
    """
    rdef = RULES_BY_NAME.get(rule)
    if rdef is None:
        raise ConfigError(f"{path}: unknown rule {escape(repr(rule))}")
    spec = next((p for p in rdef.params if p.name == param), None)
    if spec is None:
        has = ", ".join(p.name for p in rdef.params) or "no parameters"
        raise ConfigError(f"{path}: rule {rule} has no {param} to set (it has {has})")
    return _number(value, path, spec)


def _one(rule: RuleDef, conf: Mapping[str, Any]) -> RuleConfig:
    base = f"rules.{rule.name}"
    if not isinstance(conf, Mapping):
        raise ConfigError(f"{base}: expected a table")
    allowed = ("enabled", "severity", *(p.name for p in rule.params))
    for key in conf:
        if key not in allowed:
            raise ConfigError(
                f"{base}.{escape(str(key))}: unknown setting (known: {', '.join(allowed)})"
            )
    enabled = conf.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"{base}.enabled: expected true or false, got {escape(repr(enabled))}")
    severity = conf.get("severity", rule.severity)
    if severity not in SEVERITIES:
        raise ConfigError(
            f"{base}.severity: expected one of {', '.join(SEVERITIES)}, "
            f"got {escape(repr(severity))}"
        )
    params = {
        p.name: _number(conf[p.name], f"{base}.{p.name}", p) if p.name in conf else p.default
        for p in rule.params
    }
    if rule.name == "hostile_streak" and params["threshold"] > params["last_calls"]:
        raise ConfigError(
            f"{base}.threshold: {params['threshold']:g} negative calls cannot happen "
            f"in the last {params['last_calls']:g} calls"
        )
    return RuleConfig(rule.name, enabled, str(severity), params)


def load_rules(overrides: Mapping[str, Any] | None) -> RuleSet:
    """Defaults merged with ``Settings.rules``; raises ConfigError naming the bad path."""
    overrides = overrides or {}
    for name in overrides:
        if name not in RULES_BY_NAME:
            raise ConfigError(
                f"rules.{escape(str(name))}: unknown rule (known: {', '.join(RULE_NAMES)})"
            )
    return RuleSet({r.name: _one(r, overrides.get(r.name, {})) for r in RULE_DEFS})


def format_params(cfg: RuleConfig) -> str:
    """``threshold 20 min`` style text for listings."""
    rule = RULES_BY_NAME[cfg.name]
    return ", ".join(f"{p.name} {cfg.params[p.name]:g} {p.unit}" for p in rule.params) or "-"
