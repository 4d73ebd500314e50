"""Reading a plan TOML into a ``Plan``, collecting every wrong field with its path and why.

Nothing stops at the first error: a centre fixing a plan the night before 3·15 wants
the whole list at once (``floorapp plan check FILE``).

The file's shape is the ``PlanDoc`` schema below (floorapp.schema: the same rules as the
settings file: unknown keys refused, numbers finite and in range, text escaped in
messages). What one field cannot say alone is checked after: periods in order and not
overlapping, teams known to the store, a trigger's threshold against the rule it names,
a target better than its baseline.

One module past 400 lines on purpose: it is the one reader of the plan format, and each
check names the field and line it refuses in the same way.
"""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, Field

from floorapp import words
from floorapp.config import ConfigError
from floorapp.i18n import N_, _
from floorapp.plan.metrics import METRICS
from floorapp.plan.model import (
    CARE_ON,
    DIMENSIONS,
    Cadence,
    CareItem,
    HotIssue,
    Period,
    Personal,
    Plan,
    Requirement,
    Shift,
)
from floorapp.rules.definitions import RULE_NAMES, check_param, load_rules
from floorapp.schema import (
    INVALID,
    ClockOrShiftEnd,
    ClockTime,
    Issue,
    Section,
    Text,
    Zone,
    escape,
    fail,
    finite,
    format_path,
    kind,
    list_of,
    one_of,
    shown,
    validate_sections,
    whole,
)

PlanIssue = Issue  # a plan problem: ``path: why``

# A plan is for the floor's working life: dates outside these years are typing mistakes,
# and keeping them out keeps every conversion (zone, end of day) in range.
FIRST_YEAR, LAST_YEAR = 1970, 2200


class PlanError(ValueError):
    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("\n".join(str(i) for i in issues))
        self.issues = issues


# --- the schema ------------------------------------------------------------------------


def _when(v: Any) -> datetime | date:
    if isinstance(v, date):  # a datetime is a date too
        if not FIRST_YEAR <= v.year <= LAST_YEAR:
            raise fail(
                _("expected a date from {first} to {last}, got {value}").format(
                    first=FIRST_YEAR, last=LAST_YEAR, value=shown(v)
                )
            )
        return v
    raise fail(
        _("expected a date-time like 2026-03-15T08:00:00, got {value}").format(value=shown(v))
    )


def _day(v: Any) -> date:
    if isinstance(v, datetime) or not isinstance(v, date):
        raise fail(_("expected a date like 2026-03-15, got {value}").format(value=shown(v)))
    return _when(v)


def _times(v: Any) -> Any:
    if isinstance(v, str):  # one time may be written alone
        return [v]
    if not isinstance(v, list):
        raise fail(_("expected a list of times, got {kind}").format(kind=kind(v)))
    return v


When = Annotated[datetime | date, BeforeValidator(_when)]
Day = Annotated[date, BeforeValidator(_day)]
Teams = Annotated[list[Text], list_of(N_("team ids"))]
PatrolMinutes = Annotated[
    int, whole(1, 24 * 60, N_("minutes"), message=N_("expected whole minutes between 1 and 1440"))
]
# Percentages (0-100) and the 1-5 satisfaction average both fit here; per metric below.
MetricValue = Annotated[float, finite(0, 100)]


def _rule_name(v: Any) -> str:
    rules = tuple(RULE_NAMES)
    if not isinstance(v, str) or v not in rules:
        raise fail(
            _("unknown rule {rule} (rules: {rules})").format(
                rule=escape(repr(v)), rules=", ".join(rules)
            )
        )
    return v


class ShiftHours(Section):
    start: ClockTime = time(8)
    end: ClockTime = time(20)


class ShiftDoc(Section):
    start: ClockTime = time(8)
    end: ClockTime = time(20)
    teams: dict[str, ShiftHours] = Field(default_factory=dict)


class PeriodDoc(Section):
    name: Text
    start: When
    end: When
    teams: Teams = Field(description="the teams the period concerns")
    dense_days: Annotated[list[Day], list_of(N_("dates like 2026-03-15"))] = Field(
        default_factory=list
    )


class TriggerDoc(Section):
    rule: Annotated[str, BeforeValidator(_rule_name)]
    # Checked against the rule it names (floorapp.rules.definitions), after.
    threshold: Any = None


class TargetDoc(Section):
    metric: Annotated[str, one_of(tuple(METRICS), N_("metric"))]
    baseline: MetricValue
    target: MetricValue


class RequirementDoc(Section):
    id: Text
    text: Text
    period: Text | None = None
    trigger: TriggerDoc | None = None
    target: TargetDoc | None = None


class CadenceDoc(Section):
    normal: PatrolMinutes | None = None
    period: PatrolMinutes | None = None


class PatrolsDoc(CadenceDoc):
    teams: dict[str, CadenceDoc] = Field(default_factory=dict)
    only_teams: Teams | None = None


class CareItemDoc(Section):
    id: Text
    title: Text
    on: Annotated[str, one_of(CARE_ON, N_("care schedule"))] = "never"
    at: ClockOrShiftEnd | None = None
    teams: Teams | None = None


class LongCallCareDoc(Section):
    title: Text | None = None
    within_minutes: PatrolMinutes | None = None


class TriggeredCareDoc(Section):
    long_call: LongCallCareDoc | None = None


class PersonalDoc(Section):
    title: Text | None = None
    at: ClockTime = time(9)


class PersonalCareDoc(Section):
    birthday: PersonalDoc | None = None
    back_from_leave: PersonalDoc | None = None


class CareDoc(Section):
    repeat_days: Annotated[int, whole(0, 3650, N_("days"))] | None = None
    item: Annotated[list[CareItemDoc], list_of(N_("[[care.item]] tables"))] = Field(
        default_factory=list
    )
    triggered: TriggeredCareDoc | None = None
    personal: PersonalCareDoc | None = None


class RecognitionDoc(Section):
    at: Annotated[list[ClockOrShiftEnd], BeforeValidator(_times)] = Field(default_factory=list)
    dimensions: Annotated[
        list[Annotated[str, one_of(DIMENSIONS, N_("dimension"))]], list_of(N_("dimensions"))
    ] = Field(default_factory=lambda: list(DIMENSIONS))
    improvement_requirement: Text | None = None


class HotIssueDoc(Section):
    id: Text
    title: Text
    scenario: Text = Field(description="what the drill caller plays")
    answer: Text | None = None  # the model answer (口径) itself ...
    answer_ref: Text | None = None  # ... or where it is written
    teams: Teams = Field(description="the teams whose agents practise it")
    period: Text | None = None  # the only period when there is one
    # Days before the period starts by which every agent has practised (negative: into it).
    practised_by_days: Annotated[int, whole(-30, 60, N_("days"))] = 1


class DrillsDoc(Section):
    run_up_days: Annotated[int, whole(1, 60, N_("days"))] = 5
    max_per_agent_per_day: Annotated[int, whole(1, 20, N_("drills"))] = 2
    minutes: Annotated[int, whole(5, 120, N_("minutes"))] = 15


class PlanDoc(Section):
    """The whole plan file; docs/plan.md describes every field."""

    name: Text
    timezone: Zone = Field(description='the centre\'s time zone, e.g. "Asia/Shanghai"')
    shift: ShiftDoc | None = None
    period: list[PeriodDoc] = Field(default_factory=list)
    requirement: list[RequirementDoc] = Field(default_factory=list)
    patrols: PatrolsDoc | None = None
    care: CareDoc | None = None
    recognition: RecognitionDoc | None = None
    drills: DrillsDoc | None = None
    hot_issue: list[HotIssueDoc] = Field(default_factory=list)


# --- reading ---------------------------------------------------------------------------


def parse_plan_text(
    text: str,
    known_teams: Collection[str] | None = None,
    rules: Mapping[str, Any] | None = None,
    *,
    stored: bool = False,
) -> Plan:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(
            [Issue("(file)", _("not valid TOML: {error}").format(error=escape(str(exc))))]
        ) from None
    return parse_plan(data, known_teams, rules, stored=stored)


def parse_plan(
    data: dict[str, Any],
    known_teams: Collection[str] | None = None,
    rules: Mapping[str, Any] | None = None,
    *,
    stored: bool = False,
) -> Plan:
    """Validate and build; raises PlanError listing every issue found.

    ``known_teams``: the store's teams (None: not checked). ``rules``: the configured
    ``[rules.*]`` (None: each trigger is checked against its rule's own limits only; with
    a mapping, also against the rules in force with it, as the engine will run them).
    ``stored``: a version read back from the store, imported under older checks; a trigger
    today's checks refuse is dropped (the configured threshold rules) rather than making
    the plan in force unreadable.
    """
    parts, issues = validate_sections(PlanDoc, data)
    c = _Checks(
        issues,
        set(known_teams) if known_teams is not None else None,
        parts["timezone"] or ZoneInfo("UTC"),
    )
    shift, team_shifts = c.shifts(parts["shift"])
    periods = c.periods(parts["period"], data.get("period"))
    requirements = c.requirements(
        parts["requirement"], data.get("requirement"), periods, rules, stored
    )
    cadence, team_cadence, patrol_teams = c.patrols(parts["patrols"])
    care = c.care(parts["care"])
    recog = c.recognition(parts["recognition"], requirements, data.get("requirement"))
    drills = parts["drills"] or DrillsDoc()
    hot = c.hot_issues(parts["hot_issue"], periods, drills)
    if issues:
        raise PlanError(issues)
    return Plan(
        name=parts["name"],
        timezone=c.tz,
        periods=tuple(periods[0]),
        requirements=tuple(requirements),
        shift=shift,
        team_shifts=team_shifts,
        cadence=cadence,
        team_cadence=team_cadence,
        patrol_teams=patrol_teams,
        **care,
        **recog,
        hot_issues=tuple(hot),
        drill_max_per_day=drills.max_per_agent_per_day,
        drill_minutes=drills.minutes,
    )


def _raw_values(raw: Any, key: str) -> set[str]:
    """``key`` of each raw [[array]] entry: names a failed entry still gives, so a
    reference to it is not reported as a second, misleading problem."""
    if not isinstance(raw, list):
        return set()
    return {x[key] for x in raw if isinstance(x, dict) and isinstance(x.get(key), str)}


class _Checks:
    """What no single field can say alone, run on the parts that validated."""

    def __init__(self, issues: list[Issue], known_teams: set[str] | None, tz: ZoneInfo) -> None:
        self.issues = issues
        self.known_teams = known_teams
        self.tz = tz

    def err(self, loc: tuple[str | int, ...], message: str) -> None:
        self.issues.append(Issue(format_path(loc), message))

    def team(self, team: str, loc: tuple[str | int, ...]) -> None:
        if self.known_teams is not None and team not in self.known_teams:
            known = ", ".join(sorted(self.known_teams)) or _("none in the store yet")
            self.err(
                loc,
                _("unknown team {team} (teams: {known})").format(
                    team=escape(repr(team)), known=escape(known)
                ),
            )

    def teams(self, teams: list[str] | None, loc: tuple[str | int, ...]) -> tuple[str, ...]:
        for i, t in enumerate(teams or ()):
            self.team(t, (*loc, i))
        return tuple(teams or ())

    def utc(self, v: datetime | date, *, end: bool) -> datetime:
        """A local date-time in the plan's zone (or with an offset); a bare date is a whole day."""
        if isinstance(v, datetime):
            return (v if v.tzinfo else v.replace(tzinfo=self.tz)).astimezone(UTC)
        d = v + timedelta(days=1) if end else v
        return datetime.combine(d, time(0), tzinfo=self.tz).astimezone(UTC)

    def shift(self, doc: Any, loc: tuple[str | int, ...]) -> Shift | None:
        if doc.end <= doc.start:
            self.err(
                (*loc, "end"),
                _("end {end} is not after start {start} (shifts end on the day they start)").format(
                    end=f"{doc.end:%H:%M}", start=f"{doc.start:%H:%M}"
                ),
            )
            return None
        return Shift(doc.start, doc.end)

    def shifts(self, doc: ShiftDoc | None) -> tuple[Shift, dict[str, Shift]]:
        default = Shift(time(8), time(20))
        if not doc:
            return default, {}
        shift = self.shift(doc, ("shift",)) or default
        per_team: dict[str, Shift] = {}
        for team, hours in doc.teams.items():
            self.team(team, ("shift", "teams", team))
            if (s := self.shift(hours, ("shift", "teams", team))) is not None:
                per_team[team] = s
        return shift, per_team

    def periods(self, docs: Any, raw: Any) -> tuple[list[Period], set[str]]:
        """The valid periods, and every name a period was given (valid or not)."""
        names = _raw_values(raw, "name")
        if not docs:
            if docs is not INVALID:
                self.err(("period",), _("a plan needs at least one [[period]]"))
            return [], names
        out: list[Period] = []
        where: dict[str, int] = {}
        for i, p in enumerate(docs):
            if not p:
                continue
            loc: tuple[str | int, ...] = ("period", i)
            if p.name in where:
                self.err(
                    (*loc, "name"),
                    _("duplicate period name {name} (also period[{i}])").format(
                        name=escape(repr(p.name)), i=where[p.name]
                    ),
                )
                continue
            where[p.name] = i
            start, end = self.utc(p.start, end=False), self.utc(p.end, end=True)
            teams = self.teams(p.teams, (*loc, "teams"))
            if end <= start:
                self.err(
                    (*loc, "end"),
                    _("end {end} is before (or at) start {start}").format(end=p.end, start=p.start),
                )
                continue
            out.append(Period(p.name, start, end, teams, tuple(p.dense_days)))
        # Overlaps: two periods at once would make "the period in force" ambiguous.
        for a, b in itertools.pairwise(sorted(out, key=lambda x: x.start)):
            if b.start < a.end:
                self.err(
                    ("period", where[b.name], "start"),
                    _("period {b} overlaps period {a} (which ends {end})").format(
                        b=escape(repr(b.name)),
                        a=escape(repr(a.name)),
                        end=f"{a.end.astimezone(self.tz):%Y-%m-%d %H:%M}",
                    ),
                )
        return out, names

    def requirements(
        self,
        docs: Any,
        raw: Any,
        periods: tuple[list[Period], set[str]],
        rules: Mapping[str, Any] | None,
        stored: bool,
    ) -> list[Requirement]:
        out: list[Requirement] = []
        seen: set[str] = set()
        for i, q in enumerate(docs or ()):
            if not q:
                continue
            loc: tuple[str | int, ...] = ("requirement", i)
            if q.id in seen:
                self.err(
                    (*loc, "id"),
                    _("duplicate requirement id {id}").format(id=escape(repr(q.id))),
                )
            seen.add(q.id)
            if q.period is not None and q.period not in periods[1]:
                self.err(
                    (*loc, "period"),
                    _("no period named {name}").format(name=escape(repr(q.period))),
                )
            rule = threshold = None
            if q.trigger is not None:
                rule = q.trigger.rule
                threshold = self.trigger(q.trigger, (*loc, "trigger", "threshold"), rules, stored)
            metric = baseline = target = None
            if q.target is not None:
                metric, baseline, target = q.target.metric, q.target.baseline, q.target.target
                self.target(q.target, (*loc, "target"))
            out.append(
                Requirement(q.id, q.text, q.period, rule, threshold, metric, baseline, target)
            )
        return out

    def trigger(
        self,
        t: TriggerDoc,
        loc: tuple[str | int, ...],
        rules: Mapping[str, Any] | None,
        stored: bool,
    ) -> float | None:
        """The threshold as the engine will run it, or None (and an issue) if it cannot."""
        if t.threshold is None:
            return None
        try:
            value = check_param(t.rule, "threshold", t.threshold, "")
            if rules is not None:
                # With the configured rules, as the engine merges them while a period runs.
                merged = {name: dict(conf) for name, conf in rules.items()}
                merged.setdefault(t.rule, {})["threshold"] = value
                load_rules(merged)
        except ConfigError as exc:
            if not stored:
                why = str(exc).split(": ", 1)[-1]
                if rules is not None and not str(exc).startswith(": "):
                    why += _(" (with the configured [rules.{rule}])").format(rule=t.rule)
                self.err(loc, why)
            return None
        return value

    def target(self, t: TargetDoc, loc: tuple[str | int, ...]) -> None:
        m = METRICS[t.metric]
        if m.average:
            for key, v in (("baseline", t.baseline), ("target", t.target)):
                if not 1 <= v <= 5:
                    self.err(
                        (*loc, key),
                        _("expected an average rating from 1 to 5, got {value}").format(
                            value=f"{v:g}"
                        ),
                    )
        lower = m.lower_is_better
        if (lower and t.target >= t.baseline) or (not lower and t.target <= t.baseline):
            way = (
                _("{metric} target {target} must be below the baseline {baseline}")
                if lower
                else _("{metric} target {target} must be above the baseline {baseline}")
            )
            self.err(
                (*loc, "target"),
                way.format(
                    metric=words.metric(t.metric),
                    target=f"{t.target:g}",
                    baseline=f"{t.baseline:g}",
                ),
            )

    def patrols(
        self, doc: PatrolsDoc | None
    ) -> tuple[Cadence, dict[str, Cadence], tuple[str, ...]]:
        default = Cadence(60, 20)
        if not doc:
            return default, {}, ()
        base = Cadence(doc.normal or default.normal, doc.period or default.period)
        per_team: dict[str, Cadence] = {}
        for team, tc in doc.teams.items():
            self.team(team, ("patrols", "teams", team))
            per_team[team] = Cadence(tc.normal or base.normal, tc.period or base.period)
        only = self.teams(doc.only_teams, ("patrols", "only_teams"))
        return base, per_team, only

    def care(self, doc: CareDoc | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if not doc:
            return out
        if doc.repeat_days is not None:
            out["repeat_days"] = doc.repeat_days
        items: list[CareItem] = []
        seen: set[str] = set()
        for i, c in enumerate(doc.item):
            loc: tuple[str | int, ...] = ("care", "item", i)
            if c.id in seen:
                self.err(
                    (*loc, "id"), _("duplicate care item id {id}").format(id=escape(repr(c.id)))
                )
            seen.add(c.id)
            if c.at is None and c.on != "never":
                self.err((*loc, "at"), _('missing: when it happens ("15:00" or "shift_end")'))
            teams = self.teams(c.teams, (*loc, "teams"))
            items.append(CareItem(c.id, c.title, c.on, _hhmm(c.at), teams))
        out["care_items"] = tuple(items)
        long_call = doc.triggered.long_call if doc.triggered else None
        if long_call is not None:
            if long_call.title is not None:
                out["water_title"] = long_call.title
            if long_call.within_minutes is not None:
                out["water_within_min"] = long_call.within_minutes
        if doc.personal is not None:
            for key, default_title in (
                ("birthday", "Birthday: {agent}"),
                ("back_from_leave", "{agent} is back from leave today"),
            ):
                p = getattr(doc.personal, key)
                if p is not None:
                    out[key] = Personal(p.title or default_title, p.at)
        return out

    def hot_issues(
        self, docs: Any, periods: tuple[list[Period], set[str]], drills: DrillsDoc
    ) -> list[HotIssue]:
        out: list[HotIssue] = []
        seen: set[str] = set()
        valid, names = periods
        for i, h in enumerate(docs or ()):
            if not h:
                continue
            loc: tuple[str | int, ...] = ("hot_issue", i)
            if h.id in seen:
                self.err(
                    (*loc, "id"), _("duplicate hot issue id {id}").format(id=escape(repr(h.id)))
                )
                continue
            seen.add(h.id)
            if h.answer is None and h.answer_ref is None:
                self.err(
                    (*loc, "answer"),
                    _("missing: the model answer (口径), or answer_ref saying where it is written"),
                )
            teams = self.teams(h.teams, (*loc, "teams"))
            if h.period is None:
                if len(names) > 1:
                    self.err(
                        (*loc, "period"),
                        _("missing: which period (the plan has {n})").format(n=len(names)),
                    )
                    continue
                period = valid[0] if valid else None
            else:
                period = next((p for p in valid if p.name == h.period), None)
                if period is None and h.period not in names:
                    self.err(
                        (*loc, "period"),
                        _("no period named {name}").format(name=escape(repr(h.period))),
                    )
            if period is None:
                continue
            for j, t in enumerate(teams):
                if t not in period.teams:
                    self.err(
                        (*loc, "teams", j),
                        _("team {team} is not in period {period}").format(
                            team=escape(repr(t)), period=escape(repr(period.name))
                        ),
                    )
            due = period.start - timedelta(days=h.practised_by_days)
            if due > period.end:
                self.err(
                    (*loc, "practised_by_days"),
                    _("{days} days before the start falls after period {period} ends").format(
                        days=h.practised_by_days, period=escape(repr(period.name))
                    ),
                )
                continue
            start = period.start - timedelta(days=drills.run_up_days)
            if start >= due:
                self.err(
                    (*loc, "practised_by_days"),
                    _(
                        "leaves no time to drill: the run-up starts {days} days before the "
                        "period ([drills] run_up_days)"
                    ).format(days=drills.run_up_days),
                )
                continue
            out.append(
                HotIssue(
                    h.id,
                    h.title,
                    h.scenario,
                    teams,
                    period.name,
                    start,
                    due,
                    h.answer,
                    h.answer_ref,
                )
            )
        return out

    def recognition(
        self, doc: RecognitionDoc | None, requirements: list[Requirement], raw: Any
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if not doc:
            return out
        out["recognition_at"] = tuple(_hhmm(a) for a in doc.at)
        out["dimensions"] = tuple(doc.dimensions)
        key = doc.improvement_requirement
        if key is not None:
            req = next((q for q in requirements if q.key == key), None)
            if req is None:
                if key not in _raw_values(raw, "id"):  # a failed one is reported already
                    self.err(
                        ("recognition", "improvement_requirement"),
                        _("no requirement with id {id}").format(id=escape(repr(key))),
                    )
            elif req.metric is None:
                self.err(
                    ("recognition", "improvement_requirement"),
                    _("requirement {id} has no measurable target").format(id=escape(repr(key))),
                )
            else:
                out["improvement_requirement"] = key
        return out


def _hhmm(v: time | str | None) -> str | None:
    """Times of day are kept as "HH:MM" (or "shift_end") in the model."""
    if v is None or isinstance(v, str):
        return v
    return v.strftime("%H:%M")
