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
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import BeforeValidator, Field

from db.models_requests import REQUEST_CATEGORIES
from floorapp.i18n import N_, _
from floorapp.schema import (
    ClockTime,
    Issue,
    Section,
    Zone,
    escape,
    fail,
    kind,
    one_of,
    validate_sections,
    whole,
)

APP_NAME = "floorapp"

# Handling deadlines per (tier, severity) in minutes. High severity is a risk case:
# 15 minutes whatever the tier; lighter cases get longer the higher they go, as the
# specialists at tier 2 and the complaint desk at tier 3 work them in depth.
DEFAULT_DEADLINES_MIN: dict[tuple[int, str], int] = {
    (1, "light"): 60,
    (1, "medium"): 30,
    (1, "high"): 15,
    (2, "light"): 120,
    (2, "medium"): 60,
    (2, "high"): 15,
    (3, "light"): 240,
    (3, "medium"): 120,
    (3, "high"): 15,
}
MAX_HANDOFFS = 3  # "things do not go past three"

# Service level definitions: what the denominator of "answered within the threshold" is.
SL_DEFINITIONS = ("asterisk", "offered", "offered_excluding_short")
LANGS = ("zh-CN", "en")
FLAG_SEVERITIES = ("light", "medium", "high")
# Minutes an unacknowledged flag may wait before it goes to the floor manager.
DEFAULT_FLAG_ACK_DEADLINE_MIN: dict[str, int] = {"high": 2, "medium": 10, "light": 30}


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class RequestDeadline:
    """How soon an agent's request of one category is answered, in working time."""

    acknowledge_min: int  # working minutes to say "heard, on it"
    answer_days: int  # working days to answer (what was done, or why not)
    manager_after_min: int  # working minutes past a missed deadline: the floor manager hears


# Wellbeing cannot wait a day; equipment is usually fixed the same day; the rest in two.
DEFAULT_REQUEST_DEADLINES: dict[str, RequestDeadline] = {
    "equipment": RequestDeadline(60, 1, 120),
    "schedule": RequestDeadline(60, 2, 120),
    "process": RequestDeadline(60, 2, 120),
    "wellbeing": RequestDeadline(30, 1, 60),
    "other": RequestDeadline(60, 2, 120),
}


@dataclass(frozen=True)
class WorkHours:
    """The centre's working hours (the office behind the floor), for requests' deadlines."""

    start: time = time(9)
    end: time = time(18)
    days: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday is 0

    @property
    def day_minutes(self) -> int:
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)


class ConfigError(ValueError):
    """A configuration value is wrong; the message names its path (every wrong one, a line
    each, when the file has several)."""

    def __init__(self, message: str, issues: list[Issue] | None = None) -> None:
        super().__init__(message)
        self.issues = issues or []


def default_db_url() -> str:
    data_dir = Path(platformdirs.user_data_dir(APP_NAME))
    return f"sqlite:///{data_dir / 'floor.db'}"


def resolve_db_url(cli_value: str | None = None) -> str:
    url = cli_value or os.environ.get("FLOORAPP_DB") or default_db_url()
    if "://" not in url:  # a bare path is a SQLite file: the friendly spelling
        url = f"sqlite:///{Path(url).expanduser().resolve()}"
    return url


# Names of UTC itself: shown as "UTC", as a machine set to Etc/UTC means nothing else.
_UTC_ALIASES = {"Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Universal", "Zulu"}


def _named_zone(name: str) -> ZoneInfo:
    return ZoneInfo("UTC" if name in _UTC_ALIASES else name)


def local_zone() -> ZoneInfo:
    """The machine's own zone: ``$TZ``, else the zone /etc/localtime names, else UTC.

    A console set up without a config file should count "today" as the people in the
    room do, which is what the machine's clock is set to.
    """
    tz = os.environ.get("TZ", "").strip().removeprefix(":")
    if tz:
        try:
            return _named_zone(tz)
        except (ZoneInfoNotFoundError, ValueError):
            pass  # a POSIX rule string such as "CST-8" has no zone name to show: fall through
    try:
        target = os.path.realpath("/etc/localtime")
    except OSError:
        target = ""
    if "zoneinfo/" in target:
        name = target.split("zoneinfo/", 1)[1]
        try:
            return _named_zone(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    try:
        name = Path("/etc/timezone").read_text(encoding="utf-8").strip()
        if name:
            return _named_zone(name)
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
    # Minutes the feed has to show what a step-in asked for (a break, the call handed on)
    # before the step-in comes back to its supervisor (floorapp.services.stepins).
    step_in_confirm_min: int = 5
    request_deadlines: dict[str, RequestDeadline] = field(
        default_factory=lambda: dict(DEFAULT_REQUEST_DEADLINES)
    )
    work_hours: WorkHours = field(default_factory=WorkHours)
    source: Path | None = None

    def sl_threshold_for(self, queue: str | None) -> int:
        """The service-level threshold in seconds for ``queue`` (the floor's when not set)."""
        if queue is not None and queue in self.sl_threshold_by_queue:
            return self.sl_threshold_by_queue[queue]
        return self.sl_threshold_s

    @property
    def step_in_confirm(self) -> timedelta:
        return timedelta(minutes=self.step_in_confirm_min)

    def deadline(self, tier: int, severity: str) -> timedelta:
        try:
            return timedelta(minutes=self.deadlines_min[(tier, severity)])
        except KeyError:
            raise ConfigError(f"no deadline for tier {tier} severity {severity!r}") from None


# --- the settings file's schema (floorapp.schema: the same rules as the plan file) -------

DeadlineMinutes = Annotated[
    int,
    whole(
        1,
        30 * 24 * 60,
        N_("minutes"),
        message=N_("expected a positive number of minutes up to 43200 (30 days)"),
    ),
]
Seconds = Annotated[int, whole(1, 3600, N_("seconds"))]


def _table_of_anything(v: Any) -> Any:
    if not isinstance(v, dict):
        raise fail(_("expected a table, got {kind}").format(kind=kind(v)))
    return v


class FloorDoc(Section):
    timezone: Zone | None = None
    day_start: ClockTime | None = None
    lang: Annotated[str, one_of(LANGS, N_("language"))] | None = None
    max_handoffs: Annotated[int, whole(0, 20, N_("hand-offs"))] | None = None


class QueueFiguresDoc(Section):
    sl_threshold: Seconds | None = None


class FiguresDoc(Section):
    sl_threshold: Seconds | None = None
    service_level: Annotated[str, one_of(SL_DEFINITIONS, N_("service level"))] | None = None
    short_abandon: Annotated[int, whole(0, 3600, N_("seconds"))] | None = None
    min_sample: Annotated[int, whole(1, 1_000_000, N_("calls"))] | None = None
    queues: dict[str, QueueFiguresDoc] = Field(default_factory=dict)


class FeedDoc(Section):
    # Up to a week: a simulator replaying at speed stamps events ahead on purpose.
    max_ahead: Annotated[int, whole(0, 7 * 86400, N_("seconds"))] | None = None


class SeverityMinutesDoc(Section):
    light: DeadlineMinutes | None = None
    medium: DeadlineMinutes | None = None
    high: DeadlineMinutes | None = None


class FlagsDoc(Section):
    ack_deadline: SeverityMinutesDoc | None = None
    # Up to four hours: past that nobody remembers what they asked for.
    step_in_confirm: Annotated[int, whole(1, 240, N_("minutes"))] | None = None


class DeadlinesDoc(Section):
    tier1: SeverityMinutesDoc | None = None
    tier2: SeverityMinutesDoc | None = None
    tier3: SeverityMinutesDoc | None = None


class RequestCategoryDoc(Section):
    acknowledge_minutes: DeadlineMinutes | None = None
    answer_days: Annotated[int, whole(1, 30, N_("working days"))] | None = None
    manager_after_minutes: DeadlineMinutes | None = None


class RequestsDoc(Section):
    work_start: ClockTime | None = None
    work_end: ClockTime | None = None
    work_days: list[Annotated[str, one_of(WEEKDAYS, N_("day"))]] | None = None
    equipment: RequestCategoryDoc | None = None
    schedule: RequestCategoryDoc | None = None
    process: RequestCategoryDoc | None = None
    wellbeing: RequestCategoryDoc | None = None
    other: RequestCategoryDoc | None = None


class SettingsDoc(Section):
    """The whole settings file; docs/config.md describes every key."""

    floor: FloorDoc | None = None
    figures: FiguresDoc | None = None
    feed: FeedDoc | None = None
    flags: FlagsDoc | None = None
    deadlines: DeadlinesDoc | None = None
    requests: RequestsDoc | None = None
    # Each rule's keys are checked against the rule definitions (floorapp.rules).
    rules: dict[str, Annotated[dict[str, Any], BeforeValidator(_table_of_anything)]] = Field(
        default_factory=dict
    )


_PLACEHOLDER = {"queues": '"<queue>"', "rules": "<rule>"}


def documented_keys() -> list[str]:
    """Every key the settings file takes, as docs/config.md names it."""

    def walk(model: type[Section], prefix: str) -> list[str]:
        out: list[str] = []
        for name, f in model.model_fields.items():
            path = f"{prefix}{name}"
            inner = f.annotation
            if get_origin(inner) in (Union, UnionType):
                inner = next(a for a in get_args(inner) if a is not type(None))
            if isinstance(inner, type) and issubclass(inner, Section):
                out += walk(inner, f"{path}.")
            elif get_origin(inner) is dict:
                value = get_args(inner)[1]
                sub = f"{path}.{_PLACEHOLDER[name]}"
                if isinstance(value, type) and issubclass(value, Section):
                    out += walk(value, f"{sub}.")
                else:
                    out.append(f"{sub}.*")
            else:
                out.append(path)
        return out

    return walk(SettingsDoc, "")


def settings_from_dict(data: dict[str, Any], source: Path | None = None) -> Settings:
    """Build ``Settings`` from a parsed file; ConfigError lists every wrong key by path."""
    parts, issues = validate_sections(SettingsDoc, data)
    s = Settings(source=source)
    floor: FloorDoc | None = parts["floor"] or None
    if floor:
        if floor.timezone is not None:
            s.timezone = floor.timezone
        if floor.day_start is not None:
            s.day_start = floor.day_start
        if floor.lang is not None:
            s.lang = floor.lang
        if floor.max_handoffs is not None:
            s.max_handoffs = floor.max_handoffs
    figures: FiguresDoc | None = parts["figures"] or None
    if figures:
        if figures.sl_threshold is not None:
            s.sl_threshold_s = figures.sl_threshold
        if figures.service_level is not None:
            s.sl_definition = figures.service_level
        if figures.short_abandon is not None:
            s.short_abandon_s = figures.short_abandon
        if figures.min_sample is not None:
            s.min_sample = figures.min_sample
        s.sl_threshold_by_queue = {
            q: c.sl_threshold for q, c in figures.queues.items() if c.sl_threshold is not None
        }
    feed: FeedDoc | None = parts["feed"] or None
    if feed and feed.max_ahead is not None:
        s.max_ahead_s = feed.max_ahead
    flags: FlagsDoc | None = parts["flags"] or None
    if flags and flags.step_in_confirm is not None:
        s.step_in_confirm_min = flags.step_in_confirm
    if flags and flags.ack_deadline:
        for sev in FLAG_SEVERITIES:
            if (minutes := getattr(flags.ack_deadline, sev)) is not None:
                s.flag_ack_deadline_min[sev] = minutes
    deadlines: DeadlinesDoc | None = parts["deadlines"] or None
    if deadlines:
        for tier in (1, 2, 3):
            by_sev = getattr(deadlines, f"tier{tier}")
            for sev in FLAG_SEVERITIES:
                if by_sev is not None and (minutes := getattr(by_sev, sev)) is not None:
                    s.deadlines_min[(tier, sev)] = minutes
    requests: RequestsDoc | None = parts["requests"] or None
    if requests:
        wh = s.work_hours
        start, end = requests.work_start or wh.start, requests.work_end or wh.end
        days = (
            tuple(sorted({WEEKDAYS.index(d) for d in requests.work_days}))
            if requests.work_days is not None
            else wh.days
        )
        if end <= start:
            issues.append(
                Issue("requests.work_end", f"{end:%H:%M} is not after work_start {start:%H:%M}")
            )
        elif not days:
            issues.append(Issue("requests.work_days", "at least one working day"))
        else:
            s.work_hours = WorkHours(start, end, days)
        for cat in REQUEST_CATEGORIES:
            doc = getattr(requests, cat)
            if doc is None:
                continue
            d = s.request_deadlines[cat]
            s.request_deadlines[cat] = RequestDeadline(
                doc.acknowledge_minutes or d.acknowledge_min,
                doc.answer_days or d.answer_days,
                doc.manager_after_minutes or d.manager_after_min,
            )
    rules = parts["rules"]
    if rules:
        s.rules = {name: dict(conf) for name, conf in rules.items()}
        # The engine takes these at every ingest: anything it cannot run is refused here,
        # when the file is read, with the same checks a plan's trigger gets.
        from floorapp.rules.definitions import load_rules

        try:
            load_rules(s.rules)
        except ConfigError as exc:
            issues.append(Issue(*str(exc).split(": ", 1)))
    if issues:
        raise ConfigError("\n  ".join(str(i) for i in issues), issues)
    return s


def load_settings(path: str | Path | None = None) -> Settings:
    explicit = path or os.environ.get("FLOORAPP_CONFIG")
    p = Path(explicit) if explicit else default_config_path()
    if not p.exists():
        if explicit:
            raise ConfigError(f"{escape(str(p))}: no such config file")
        return Settings()
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{escape(str(p))}: {escape(str(exc))}") from None
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ConfigError(f"{escape(str(p))}: {why}") from None
    return settings_from_dict(data, source=p)
