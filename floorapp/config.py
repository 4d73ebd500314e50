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
from datetime import time, timedelta
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

# Service level definitions: what the denominator of "answered within the threshold" is.
SL_DEFINITIONS = ("asterisk", "offered", "offered_excluding_short")
LANGS = ("zh-CN", "en")
FLAG_SEVERITIES = ("light", "medium", "high")
# Minutes an unacknowledged flag may wait before it goes to the floor manager.
DEFAULT_FLAG_ACK_DEADLINE_MIN: dict[str, int] = {"high": 2, "medium": 10, "light": 30}


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


def local_zone() -> ZoneInfo:
    """The machine's own zone: ``$TZ``, else the zone /etc/localtime names, else UTC.

    A console set up without a config file should count "today" as the people in the
    room do, which is what the machine's clock is set to.
    """
    tz = os.environ.get("TZ", "").strip().removeprefix(":")
    if tz:
        try:
            return ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            pass  # a POSIX rule string such as "CST-8" has no zone name to show: fall through
    try:
        target = os.path.realpath("/etc/localtime")
    except OSError:
        target = ""
    if "zoneinfo/" in target:
        name = target.split("zoneinfo/", 1)[1]
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    try:
        name = Path("/etc/timezone").read_text(encoding="utf-8").strip()
        if name:
            return ZoneInfo(name)
    except (OSError, ZoneInfoNotFoundError, ValueError):
        pass
    return ZoneInfo("UTC")


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


@dataclass
class Settings:
    timezone: ZoneInfo = field(default_factory=local_zone)
    # Where the centre's day begins; 24-hour centres often count a day from 06:00.
    day_start: time = time(0, 0)
    deadlines_min: dict[tuple[int, str], int] = field(
        default_factory=lambda: dict(DEFAULT_DEADLINES_MIN)
    )
    max_handoffs: int = MAX_HANDOFFS
    # Raw per-rule overrides ({rule: {threshold:..., severity:..., enabled:...}});
    # floorapp.rules validates them against the rules it knows.
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Service level: answered within sl_threshold_s seconds, over the sl_definition denominator.
    sl_threshold_s: int = 20
    sl_threshold_by_queue: dict[str, int] = field(default_factory=dict)
    sl_definition: str = "asterisk"
    short_abandon_s: int = 5  # abandons this short are not counted by offered_excluding_short
    min_sample: int = 30  # a plan target is judged on/off track only past this many calls
    max_ahead_s: int = 300  # events stamped further ahead of the wall clock are clock errors
    lang: str | None = None
    flag_ack_deadline_min: dict[str, int] = field(
        default_factory=lambda: dict(DEFAULT_FLAG_ACK_DEADLINE_MIN)
    )
    source: Path | None = None

    def sl_threshold_for(self, queue: str | None) -> int:
        """The service-level threshold in seconds for ``queue`` (the floor's when not set)."""
        if queue is not None and queue in self.sl_threshold_by_queue:
            return self.sl_threshold_by_queue[queue]
        return self.sl_threshold_s

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


def _whole(value: Any, path: str, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{path}: expected a whole number of {what} from {low} to {high}")
    return value


def _clock_time(value: Any, path: str) -> time:
    if isinstance(value, time):  # TOML's own local-time literal: day_start = 06:00:00
        return value
    if isinstance(value, str):
        try:
            hh, mm = value.split(":")
            if len(hh) <= 2 and len(mm) == 2 and hh.isdigit() and mm.isdigit():
                return time(int(hh), int(mm))
        except ValueError:
            pass
    raise ConfigError(f"{path}: expected a time of day like \"06:00\"")


def _table(data: dict[str, Any], key: str, path: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: expected a table")
    return value


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
    if "day_start" in floor:
        s.day_start = _clock_time(floor["day_start"], "floor.day_start")
    if "lang" in floor:
        if floor["lang"] not in LANGS:
            raise ConfigError(f"floor.lang: expected one of {', '.join(LANGS)}")
        s.lang = floor["lang"]
    figures = _table(data, "figures", "figures")
    if "sl_threshold" in figures:
        s.sl_threshold_s = _whole(figures["sl_threshold"], "figures.sl_threshold",
                                  "seconds", 1, 3600)
    if "service_level" in figures:
        if figures["service_level"] not in SL_DEFINITIONS:
            raise ConfigError(
                f"figures.service_level: expected one of {', '.join(SL_DEFINITIONS)}")
        s.sl_definition = figures["service_level"]
    if "short_abandon" in figures:
        s.short_abandon_s = _whole(figures["short_abandon"], "figures.short_abandon",
                                   "seconds", 0, 3600)
    if "min_sample" in figures:
        s.min_sample = _whole(figures["min_sample"], "figures.min_sample", "calls",
                              1, 1_000_000)
    queues = _table(figures, "queues", "figures.queues")
    for queue, conf in queues.items():
        qpath = f"figures.queues.{queue}"
        if not isinstance(conf, dict):
            raise ConfigError(f"{qpath}: expected a table")
        if "sl_threshold" in conf:
            s.sl_threshold_by_queue[queue] = _whole(
                conf["sl_threshold"], f"{qpath}.sl_threshold", "seconds", 1, 3600)
    feed = _table(data, "feed", "feed")
    if "max_ahead" in feed:
        s.max_ahead_s = _whole(feed["max_ahead"], "feed.max_ahead", "seconds", 0, 366 * 86400)
    flags = _table(data, "flags", "flags")
    ack = _table(flags, "ack_deadline", "flags.ack_deadline")
    for sev, minutes in ack.items():
        if sev not in FLAG_SEVERITIES:
            raise ConfigError(f"flags.ack_deadline.{sev}: unknown severity (light, medium, high)")
        s.flag_ack_deadline_min[sev] = _whole(
            minutes, f"flags.ack_deadline.{sev}", "minutes", 1, 7 * 24 * 60)
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
