"""Reading a plan TOML into a ``Plan``, collecting every wrong field with its path and why.

Nothing stops at the first error: a centre fixing a plan the night before 3·15 wants
the whole list at once (``floorapp plan check FILE``).
"""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from floorapp.plan.metrics import METRICS
from floorapp.plan.model import (
    CARE_ON,
    DIMENSIONS,
    SHIFT_END,
    Cadence,
    CareItem,
    Period,
    Personal,
    Plan,
    Requirement,
    Shift,
)


def known_rules() -> tuple[str, ...]:
    """The distress rules a requirement's trigger may name (from floorapp.rules)."""
    try:
        from floorapp.rules.definitions import RULE_NAMES
    except ImportError:  # the rules module is not installed in this build
        return (
            "long_call", "complaint_streak", "hostile_streak", "refused_explanations",
            "after_call_overrun", "no_break", "raised_hand", "observed", "sensitive_customer",
        )
    return tuple(RULE_NAMES)


@dataclass(frozen=True)
class PlanIssue:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class PlanError(ValueError):
    def __init__(self, issues: list[PlanIssue]) -> None:
        super().__init__("\n".join(str(i) for i in issues))
        self.issues = issues


_TOP_KEYS = {"name", "timezone", "shift", "period", "requirement", "patrols", "care",
             "recognition"}


class _Reader:
    def __init__(self, known_teams: Collection[str] | None) -> None:
        self.issues: list[PlanIssue] = []
        self.known_teams = set(known_teams) if known_teams is not None else None
        self.tz: ZoneInfo = ZoneInfo("UTC")

    def err(self, path: str, message: str) -> None:
        self.issues.append(PlanIssue(path, message))

    # --- typed getters: return None (and record why) when wrong ----------------------

    def table(self, value: Any, path: str) -> dict[str, Any] | None:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.err(path, f"expected a table, got {_kind(value)}")
            return None
        return value

    def unknown_keys(self, data: dict[str, Any], allowed: Collection[str], path: str) -> None:
        for key in data:
            if key not in allowed:
                where = f"{path}.{key}" if path else key
                self.err(where, f"unknown field (expected one of: {', '.join(sorted(allowed))})")

    def text(self, data: dict[str, Any], key: str, path: str, required: bool = False) -> str | None:
        v = data.get(key)
        if v is None:
            if required:
                self.err(f"{path}.{key}" if path else key, "missing (required)")
            return None
        if not isinstance(v, str) or not v.strip():
            where = f"{path}.{key}" if path else key
            self.err(where, f"expected a non-empty string, got {_kind(v)}")
            return None
        return v.strip()

    def number(self, data: dict[str, Any], key: str, path: str, *, required: bool = False,
               positive: bool = False) -> float | None:
        v = data.get(key)
        where = f"{path}.{key}"
        if v is None:
            if required:
                self.err(where, "missing (required)")
            return None
        if isinstance(v, bool) or not isinstance(v, int | float):
            self.err(where, f"expected a number, got {_kind(v)}")
            return None
        if positive and v <= 0:
            self.err(where, f"expected a positive number, got {v}")
            return None
        return float(v)

    def minutes(self, data: dict[str, Any], key: str, path: str) -> int | None:
        v = data.get(key)
        where = f"{path}.{key}"
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0 or v > 24 * 60:
            self.err(where, f"expected whole minutes between 1 and 1440, got {_kind(v)} {v!r}")
            return None
        return v

    def clock_time(self, v: Any, where: str, allow_shift_end: bool = False) -> str | None:
        """'HH:MM' (or SHIFT_END), validated; returned as given."""
        if allow_shift_end and v == SHIFT_END:
            return SHIFT_END
        if isinstance(v, time):
            return v.strftime("%H:%M")
        if isinstance(v, str):
            try:
                t = time.fromisoformat(v)
                return t.strftime("%H:%M")
            except ValueError:
                pass
        hint = " or \"shift_end\"" if allow_shift_end else ""
        self.err(where, f"expected a time of day like \"15:00\"{hint}, got {_kind(v)} {v!r}")
        return None

    def when(self, v: Any, where: str, *, end: bool) -> datetime | None:
        """A local date-time in the plan's zone (or with an offset); a bare date is a whole day."""
        if isinstance(v, datetime):
            if v.tzinfo is None:
                v = v.replace(tzinfo=self.tz)
            return v.astimezone(UTC)
        if isinstance(v, date):
            d = v + timedelta(days=1) if end else v
            return datetime.combine(d, time(0), tzinfo=self.tz).astimezone(UTC)
        self.err(where, f"expected a date-time like 2026-03-15T08:00:00, got {_kind(v)} {v!r}")
        return None

    def teams(self, v: Any, where: str) -> tuple[str, ...] | None:
        if not isinstance(v, list) or not all(isinstance(t, str) and t for t in v):
            self.err(where, f"expected a list of team ids, got {_kind(v)}")
            return None
        for i, t in enumerate(v):
            if self.known_teams is not None and t not in self.known_teams:
                known = ", ".join(sorted(self.known_teams)) or "none in the store yet"
                self.err(f"{where}[{i}]", f"unknown team {t!r} (teams: {known})")
        return tuple(v)


def _kind(v: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "a list", dict: "a table"}.get(type(v), type(v).__name__)


def parse_plan_text(text: str, known_teams: Collection[str] | None = None) -> Plan:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlanError([PlanIssue("(file)", f"not valid TOML: {exc}")]) from None
    return parse_plan(data, known_teams)


def parse_plan(data: dict[str, Any], known_teams: Collection[str] | None = None) -> Plan:
    """Validate and build; raises PlanError listing every issue found."""
    r = _Reader(known_teams)
    r.unknown_keys(data, _TOP_KEYS, "")
    name = r.text(data, "name", "", required=True) or "?"
    tzname = data.get("timezone")
    if tzname is None:
        r.err("timezone", "missing (required): the centre's time zone, e.g. \"Asia/Shanghai\"")
    elif not isinstance(tzname, str):
        r.err("timezone", f"expected a time zone name, got {_kind(tzname)}")
    else:
        try:
            r.tz = ZoneInfo(tzname)
        except (ZoneInfoNotFoundError, ValueError):
            r.err("timezone", f"unknown time zone {tzname!r}")

    shift, team_shifts = _shifts(r, data.get("shift"))
    periods = _periods(r, data.get("period"))
    period_names = {p.name for p in periods}
    requirements = _requirements(r, data.get("requirement"), period_names)
    cadence, team_cadence, patrol_teams = _patrols(r, data.get("patrols"))
    care = _care(r, data.get("care"))
    recog = _recognition(r, data.get("recognition"), requirements)
    if r.issues:
        raise PlanError(r.issues)
    return Plan(
        name=name, timezone=r.tz, periods=tuple(periods), requirements=tuple(requirements),
        shift=shift, team_shifts=team_shifts, cadence=cadence, team_cadence=team_cadence,
        patrol_teams=patrol_teams, **care, **recog,
    )


def _shift(r: _Reader, v: Any, path: str) -> Shift | None:
    t = r.table(v, path)
    if t is None:
        return None
    s = r.clock_time(t.get("start", "08:00"), f"{path}.start")
    e = r.clock_time(t.get("end", "20:00"), f"{path}.end")
    if s is None or e is None:
        return None
    start, end = time.fromisoformat(s), time.fromisoformat(e)
    if end <= start:
        r.err(f"{path}.end", f"end {e} is not after start {s} (shifts end on the day they start)")
        return None
    return Shift(start, end)


def _shifts(r: _Reader, v: Any) -> tuple[Shift, dict[str, Shift]]:
    default = Shift(time(8), time(20))
    t = r.table(v, "shift")
    if t is None:
        return default, {}
    r.unknown_keys(t, {"start", "end", "teams"}, "shift")
    shift = _shift(r, {k: t[k] for k in ("start", "end") if k in t}, "shift") or default
    per_team: dict[str, Shift] = {}
    teams = r.table(t.get("teams"), "shift.teams") or {}
    for team, sv in teams.items():
        path = f"shift.teams.{team}"
        if r.known_teams is not None and team not in r.known_teams:
            r.err(path, f"unknown team {team!r}")
        s = _shift(r, sv, path)
        if s is not None:
            per_team[team] = s
    return shift, per_team


def _array_of_tables(r: _Reader, v: Any, path: str) -> list[dict[str, Any]]:
    if v is None:
        return []
    if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
        r.err(path, f"expected [[{path}]] tables, got {_kind(v)}")
        return []
    return v


def _periods(r: _Reader, v: Any) -> list[Period]:
    items = _array_of_tables(r, v, "period")
    if not items:
        r.err("period", "a plan needs at least one [[period]]")
    out: list[Period] = []
    seen: dict[str, int] = {}
    for i, p in enumerate(items):
        path = f"period[{i}]"
        r.unknown_keys(p, {"name", "start", "end", "teams", "dense_days"}, path)
        name = r.text(p, "name", path, required=True)
        if name is not None and name in seen:
            r.err(f"{path}.name", f"duplicate period name {name!r} (also period[{seen[name]}])")
        elif name is not None:
            seen[name] = i
        start = r.when(p["start"], f"{path}.start", end=False) if "start" in p else None
        end = r.when(p["end"], f"{path}.end", end=True) if "end" in p else None
        for key in ("start", "end"):
            if key not in p:
                r.err(f"{path}.{key}", "missing (required)")
        if start is not None and end is not None and end <= start:
            r.err(f"{path}.end", f"end {p['end']} is before (or at) start {p['start']}")
            end = None
        teams = r.teams(p["teams"], f"{path}.teams") if "teams" in p else None
        if "teams" not in p:
            r.err(f"{path}.teams", "missing (required): the teams the period concerns")
        dense: list[date] = []
        dv = p.get("dense_days", [])
        if not isinstance(dv, list) or not all(
            isinstance(d, date) and not isinstance(d, datetime) for d in dv
        ):
            r.err(f"{path}.dense_days",
                  f"expected a list of dates like 2026-03-15, got {_kind(dv)}")
        else:
            dense = list(dv)
        if name and start and end and teams is not None:
            out.append(Period(name, start, end, teams, tuple(dense)))
    # Overlaps: two periods at once would make "the period in force" ambiguous.
    ordered = sorted(out, key=lambda x: x.start)
    for a, b in itertools.pairwise(ordered):
        if b.start < a.end:
            ib = next(i for i, p in enumerate(items) if p.get("name") == b.name)
            r.err(f"period[{ib}].start",
                  f"period {b.name!r} overlaps period {a.name!r} "
                  f"(which ends {a.end.astimezone(r.tz):%Y-%m-%d %H:%M})")
    return out


def _requirements(r: _Reader, v: Any, period_names: set[str]) -> list[Requirement]:
    out: list[Requirement] = []
    rules = known_rules()
    keys: set[str] = set()
    for i, q in enumerate(_array_of_tables(r, v, "requirement")):
        path = f"requirement[{i}]"
        r.unknown_keys(q, {"id", "text", "period", "trigger", "target"}, path)
        key = r.text(q, "id", path, required=True)
        if key in keys:
            r.err(f"{path}.id", f"duplicate requirement id {key!r}")
        keys.add(key or "")
        text = r.text(q, "text", path, required=True)
        period = r.text(q, "period", path)
        if period is not None and period not in period_names:
            r.err(f"{path}.period", f"no period named {period!r}")
        rule = threshold = None
        if "trigger" in q:
            t = r.table(q["trigger"], f"{path}.trigger")
            if t is not None:
                r.unknown_keys(t, {"rule", "threshold"}, f"{path}.trigger")
                rule = r.text(t, "rule", f"{path}.trigger", required=True)
                if rule is not None and rule not in rules:
                    r.err(f"{path}.trigger.rule",
                          f"unknown rule {rule!r} (rules: {', '.join(rules)})")
                threshold = r.number(t, "threshold", f"{path}.trigger", positive=True)
        metric = baseline = target = None
        if "target" in q:
            t = r.table(q["target"], f"{path}.target")
            if t is not None:
                tp = f"{path}.target"
                r.unknown_keys(t, {"metric", "baseline", "target"}, tp)
                metric = r.text(t, "metric", tp, required=True)
                if metric is not None and metric not in METRICS:
                    r.err(f"{tp}.metric",
                          f"unknown metric {metric!r} (metrics: {', '.join(METRICS)})")
                baseline = r.number(t, "baseline", tp, required=True)
                target = r.number(t, "target", tp, required=True)
                if metric in METRICS and baseline is not None and target is not None:
                    lower = METRICS[metric].lower_is_better
                    if (lower and target >= baseline) or (not lower and target <= baseline):
                        way = "below" if lower else "above"
                        r.err(f"{tp}.target",
                              f"{metric} target {target:g} must be {way} the baseline {baseline:g}")
        if key and text:
            out.append(Requirement(key, text, period, rule, threshold, metric, baseline, target))
    return out


def _patrols(r: _Reader, v: Any) -> tuple[Cadence, dict[str, Cadence], tuple[str, ...]]:
    default = Cadence(60, 20)
    t = r.table(v, "patrols")
    if t is None:
        return default, {}, ()
    r.unknown_keys(t, {"normal", "period", "teams", "only_teams"}, "patrols")

    def cadence(tbl: dict[str, Any], path: str, base: Cadence) -> Cadence:
        normal = r.minutes(tbl, "normal", path) or base.normal
        period = r.minutes(tbl, "period", path) or base.period
        return Cadence(normal, period)

    base = cadence(t, "patrols", default)
    per_team: dict[str, Cadence] = {}
    for team, tv in (r.table(t.get("teams"), "patrols.teams") or {}).items():
        path = f"patrols.teams.{team}"
        if r.known_teams is not None and team not in r.known_teams:
            r.err(path, f"unknown team {team!r}")
        tt = r.table(tv, path)
        if tt is not None:
            r.unknown_keys(tt, {"normal", "period"}, path)
            per_team[team] = cadence(tt, path, base)
    only: tuple[str, ...] = ()
    if "only_teams" in t:
        only = r.teams(t["only_teams"], "patrols.only_teams") or ()
    return base, per_team, only


def _care(r: _Reader, v: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    t = r.table(v, "care")
    if t is None:
        return out
    r.unknown_keys(t, {"repeat_days", "item", "triggered", "personal"}, "care")
    if "repeat_days" in t:
        d = t["repeat_days"]
        if isinstance(d, bool) or not isinstance(d, int) or d < 0:
            r.err("care.repeat_days", f"expected a whole number of days, got {_kind(d)} {d!r}")
        else:
            out["repeat_days"] = d
    items: list[CareItem] = []
    keys: set[str] = set()
    for i, c in enumerate(_array_of_tables(r, t.get("item"), "care.item")):
        path = f"care.item[{i}]"
        r.unknown_keys(c, {"id", "title", "on", "at", "teams"}, path)
        key = r.text(c, "id", path, required=True)
        if key in keys:
            r.err(f"{path}.id", f"duplicate care item id {key!r}")
        keys.add(key or "")
        title = r.text(c, "title", path, required=True)
        on = c.get("on", "never")
        if on not in CARE_ON:
            r.err(f"{path}.on", f"expected one of {', '.join(CARE_ON)}, got {on!r}")
        at = None
        if "at" in c:
            at = r.clock_time(c["at"], f"{path}.at", allow_shift_end=True)
        elif on != "never":
            r.err(f"{path}.at", "missing: when it happens (\"15:00\" or \"shift_end\")")
        teams: tuple[str, ...] = ()
        if "teams" in c:
            teams = r.teams(c["teams"], f"{path}.teams") or ()
        if key and title and on in CARE_ON:
            items.append(CareItem(key, title, on, at, teams))
    out["care_items"] = tuple(items)
    trig = r.table(t.get("triggered"), "care.triggered") or {}
    r.unknown_keys(trig, {"long_call"}, "care.triggered")
    lc = r.table(trig.get("long_call"), "care.triggered.long_call") or {}
    r.unknown_keys(lc, {"title", "within_minutes"}, "care.triggered.long_call")
    if (title := r.text(lc, "title", "care.triggered.long_call")) is not None:
        out["water_title"] = title
    if (m := r.minutes(lc, "within_minutes", "care.triggered.long_call")) is not None:
        out["water_within_min"] = m
    pers = r.table(t.get("personal"), "care.personal") or {}
    r.unknown_keys(pers, {"birthday", "back_from_leave"}, "care.personal")
    for key, default_title in (("birthday", "Birthday: {agent}"),
                               ("back_from_leave", "{agent} is back from leave today")):
        if key not in pers:
            continue
        path = f"care.personal.{key}"
        p = r.table(pers[key], path)
        if p is None:
            continue
        r.unknown_keys(p, {"title", "at"}, path)
        title = r.text(p, "title", path) or default_title
        at = r.clock_time(p.get("at", "09:00"), f"{path}.at")
        if at is not None:
            out[key] = Personal(title, time.fromisoformat(at))
    return out


def _recognition(r: _Reader, v: Any, requirements: list[Requirement]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    t = r.table(v, "recognition")
    if not t:
        return out
    r.unknown_keys(t, {"at", "dimensions", "improvement_requirement"}, "recognition")
    at = t.get("at", [])
    if isinstance(at, str):
        at = [at]
    if not isinstance(at, list):
        r.err("recognition.at", f"expected a list of times, got {_kind(at)}")
    else:
        times = [r.clock_time(a, f"recognition.at[{i}]", allow_shift_end=True)
                 for i, a in enumerate(at)]
        out["recognition_at"] = tuple(x for x in times if x)
    dims = t.get("dimensions", list(DIMENSIONS))
    if not isinstance(dims, list):
        r.err("recognition.dimensions", f"expected a list, got {_kind(dims)}")
    else:
        for i, d in enumerate(dims):
            if d not in DIMENSIONS:
                r.err(f"recognition.dimensions[{i}]",
                      f"unknown dimension {d!r} (dimensions: {', '.join(DIMENSIONS)})")
        out["dimensions"] = tuple(d for d in dims if d in DIMENSIONS)
    if "improvement_requirement" in t:
        key = t["improvement_requirement"]
        req = next((q for q in requirements if q.key == key), None)
        if req is None:
            r.err("recognition.improvement_requirement", f"no requirement with id {key!r}")
        elif req.metric is None:
            r.err("recognition.improvement_requirement",
                  f"requirement {key!r} has no measurable target")
        else:
            out["improvement_requirement"] = key
    return out
