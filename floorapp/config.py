"""Where the floor database is, the centre's time zone, and tunable defaults.

Resolution order for the database: ``--db URL`` > ``FLOORAPP_DB`` > a SQLite file
in the user's data directory. Settings come from a TOML file
(``--config`` > ``FLOORAPP_CONFIG`` > ``<user config dir>/floorapp/config.toml``);
every key is optional and a wrong one is named with its path.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

APP_NAME = "floorapp"

# Handling deadlines per (tier, severity) in minutes. High severity is a risk case:
# 15 minutes whatever the tier; lighter cases get longer the higher they go, as the
# specialists at tier 2 and the complaint desk at tier 3 work them in depth.
DEFAULT_DEADLINES_MIN: dict[tuple[int, str], int] = {
    (1, "light"): 60, (1, "medium"): 30, (1, "high"): 15,
    (2, "light"): 120, (2, "medium"): 60, (2, "high"): 15,
    (3, "light"): 240, (3, "medium"): 120, (3, "high"): 15,
}
MAX_HANDOFFS = 3  # "things do not go past three"


class ConfigError(ValueError):
    """A configuration value is wrong; the message names its path."""


def default_db_url() -> str:
    data_dir = Path(platformdirs.user_data_dir(APP_NAME))
    return f"sqlite:///{data_dir / 'floor.db'}"


def resolve_db_url(cli_value: str | None = None) -> str:
    url = cli_value or os.environ.get("FLOORAPP_DB") or default_db_url()
    if "://" not in url:  # a bare path is a SQLite file: the friendly spelling
        url = f"sqlite:///{Path(url).expanduser().resolve()}"
    return url


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


@dataclass
class Settings:
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    deadlines_min: dict[tuple[int, str], int] = field(
        default_factory=lambda: dict(DEFAULT_DEADLINES_MIN)
    )
    max_handoffs: int = MAX_HANDOFFS
    # Raw per-rule overrides ({rule: {threshold:..., severity:..., enabled:...}});
    # floorapp.rules validates them against the rules it knows.
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: Path | None = None

    def deadline(self, tier: int, severity: str) -> timedelta:
        try:
            return timedelta(minutes=self.deadlines_min[(tier, severity)])
        except KeyError:
            raise ConfigError(f"no deadline for tier {tier} severity {severity!r}") from None


def _zone(value: Any, path: str) -> ZoneInfo:
    if not isinstance(value, str):
        raise ConfigError(f"{path}: expected a time zone name like 'Asia/Shanghai'")
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{path}: unknown time zone {value!r}") from None


def settings_from_dict(data: dict[str, Any], source: Path | None = None) -> Settings:
    s = Settings(source=source)
    floor = data.get("floor", {})
    if not isinstance(floor, dict):
        raise ConfigError("floor: expected a table")
    if "timezone" in floor:
        s.timezone = _zone(floor["timezone"], "floor.timezone")
    if "max_handoffs" in floor:
        v = floor["max_handoffs"]
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise ConfigError("floor.max_handoffs: expected a non-negative integer")
        s.max_handoffs = v
    deadlines = data.get("deadlines", {})
    if not isinstance(deadlines, dict):
        raise ConfigError("deadlines: expected a table like [deadlines.tier1]")
    for tier_key, by_sev in deadlines.items():
        path = f"deadlines.{tier_key}"
        if tier_key not in ("tier1", "tier2", "tier3") or not isinstance(by_sev, dict):
            raise ConfigError(f"{path}: expected tier1, tier2 or tier3 holding severities")
        tier = int(tier_key[-1])
        for sev, minutes in by_sev.items():
            if sev not in ("light", "medium", "high"):
                raise ConfigError(f"{path}.{sev}: unknown severity (light, medium, high)")
            if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
                raise ConfigError(f"{path}.{sev}: expected a positive number of minutes")
            s.deadlines_min[(tier, sev)] = minutes
    rules = data.get("rules", {})
    if not isinstance(rules, dict):
        raise ConfigError("rules: expected a table of rule names")
    for name, conf in rules.items():
        if not isinstance(conf, dict):
            raise ConfigError(f"rules.{name}: expected a table")
        s.rules[name] = dict(conf)
    return s


def load_settings(path: str | Path | None = None) -> Settings:
    explicit = path or os.environ.get("FLOORAPP_CONFIG")
    p = Path(explicit) if explicit else default_config_path()
    if not p.exists():
        if explicit:
            raise ConfigError(f"{p}: no such config file")
        return Settings()
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: {exc}") from None
    return settings_from_dict(data, source=p)
