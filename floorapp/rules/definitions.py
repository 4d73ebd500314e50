"""The distress rules as data: names, defaults, and validation of the config overrides.

A centre tunes a rule in its config or plan TOML::

    [rules.long_call]
    threshold = 25          # minutes
    severity = "high"

    [rules.no_break]
    enabled = false

Every wrong name or value is a ``ConfigError`` naming its path (``rules.long_call.threshold``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from db.models import Severity
from floorapp.config import ConfigError

SEVERITIES = tuple(s.value for s in Severity)


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    default: float
    unit: str  # "min" or "calls" / "refusals": shown by `floorapp rules`
    integer: bool = True
    help: str = ""


@dataclass(frozen=True, slots=True)
class RuleDef:
    name: str
    summary: str
    severity: str
    params: tuple[Param, ...] = ()


RULE_DEFS: tuple[RuleDef, ...] = (
    RuleDef("long_call",
            "a call in progress longer than the threshold; proposes water when it ends",
            "medium", (Param("threshold", 20, "min", integer=False, help="call length"),)),
    RuleDef("complaint_streak", "complaint calls within a window",
            "medium", (Param("threshold", 2, "calls", help="complaint calls"),
                       Param("window", 60, "min", integer=False, help="within this window"))),
    RuleDef("hostile_streak", "negative-sentiment calls among the agent's last calls",
            "high", (Param("threshold", 3, "calls", help="negative calls"),
                     Param("last_calls", 5, "calls", help="out of the last calls"))),
    RuleDef("refused_explanations",
            "a customer refused explanations on one call: escalates to the team leader",
            "medium", (Param("threshold", 3, "refusals", help="explanations refused"),)),
    RuleDef("after_call_overrun",
            "after-call work overruns right after a complaint or hostile call",
            "light", (Param("threshold", 5, "min", integer=False, help="after-call work"),)),
    RuleDef("no_break", "logged in without a break for longer than the threshold",
            "light", (Param("threshold", 150, "min", integer=False, help="without a break"),)),
    RuleDef("raised_hand", "the agent asked for help", "high"),
    RuleDef("observed", "a supervisor raised it by hand or from an observation", "medium"),
    RuleDef("sensitive_customer",
            "a sensitive customer's call reached an agent not designated for them", "medium"),
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

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.rules.values())


def _number(value: Any, path: str, p: Param) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{path}: expected a number of {p.unit}, got {value!r}")
    if p.integer and not float(value).is_integer():
        raise ConfigError(f"{path}: expected a whole number of {p.unit}, got {value!r}")
    if value <= 0:
        raise ConfigError(f"{path}: expected a positive number of {p.unit}, got {value!r}")
    return int(value) if p.integer else float(value)


def _one(rule: RuleDef, conf: Mapping[str, Any]) -> RuleConfig:
    base = f"rules.{rule.name}"
    if not isinstance(conf, Mapping):
        raise ConfigError(f"{base}: expected a table")
    allowed = ("enabled", "severity", *(p.name for p in rule.params))
    for key in conf:
        if key not in allowed:
            raise ConfigError(f"{base}.{key}: unknown setting (known: {', '.join(allowed)})")
    enabled = conf.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"{base}.enabled: expected true or false, got {enabled!r}")
    severity = conf.get("severity", rule.severity)
    if severity not in SEVERITIES:
        raise ConfigError(
            f"{base}.severity: expected one of {', '.join(SEVERITIES)}, got {severity!r}"
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
            raise ConfigError(f"rules.{name}: unknown rule (known: {', '.join(RULE_NAMES)})")
    return RuleSet({r.name: _one(r, overrides.get(r.name, {})) for r in RULE_DEFS})


def format_params(cfg: RuleConfig) -> str:
    """``threshold 20 min`` style text for listings."""
    rule = RULES_BY_NAME[cfg.name]
    return ", ".join(f"{p.name} {cfg.params[p.name]:g} {p.unit}" for p in rule.params) or "-"
