"""The period view: requirements against their targets, patrols done vs due, care, nominations."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, func, select

from db.engine import read_tx
from db.models_plan import CareLog, Nomination
from floorapp.config import Settings
from floorapp.plan.metrics import METRICS, measure, on_track
from floorapp.plan.model import Period, Plan
from floorapp.plan.store import load_plan
from floorapp.services.patrols import counts, patrol_log


@dataclass(frozen=True)
class RequirementStatus:
    key: str
    text: str
    trigger: str | None  # "refused_explanations ≥ 3"
    metric: str | None
    label: str | None
    unit: str | None
    baseline: float | None
    current: float | None
    target: float | None
    calls: int  # the denominator: calls measured
    status: str  # met, improving, off, too few, no data, "" (not measurable)
    numerator: float | None = None  # calls counted (a rate) or the sum averaged
    min_sample: int = 0  # judged on or off track only from this many calls


@dataclass(frozen=True)
class PeriodInfo:
    name: str
    start: datetime
    end: datetime
    teams: tuple[str, ...]
    active: bool
    days_left: int  # whole days until the end (0 on the last day)


@dataclass(frozen=True)
class PeriodSummary:
    plan_name: str
    period: PeriodInfo
    requirements: list[RequirementStatus] = field(default_factory=list)
    patrols: Counter[str] = field(default_factory=Counter)
    care_delivered: int = 0
    care_by_item: Counter[str] = field(default_factory=Counter)
    nominations: int = 0
    nominations_by_dimension: Counter[str] = field(default_factory=Counter)


def _info(plan: Plan, p: Period, now: datetime) -> PeriodInfo:
    active = p.start <= now < p.end
    end_local = p.end.astimezone(plan.timezone).date()
    days_left = max(0, (end_local - now.astimezone(plan.timezone).date()).days)
    return PeriodInfo(p.name, p.start, p.end, p.teams, active, days_left)


def active_period(engine: Engine, *, now: datetime) -> PeriodInfo | None:
    """The guarantee period in force now (for the console header), or None."""
    with read_tx(engine) as conn:
        stored = load_plan(conn)
    if stored is None:
        return None
    p = stored.plan.active_period(now)
    return _info(stored.plan, p, now) if p else None


def _choose(plan: Plan, name: str | None, now: datetime) -> Period | None:
    if name is not None:
        return plan.period(name)
    p = plan.active_period(now)
    if p:
        return p
    started = [x for x in plan.periods if x.start <= now]
    if started:
        return max(started, key=lambda x: x.start)
    return min(plan.periods, key=lambda x: x.start)


def period_summary(
    engine: Engine,
    *,
    settings: Settings | None = None,
    now: datetime,
    period: str | None = None,
    team: str | None = None,
) -> PeriodSummary | None:
    """The period in force (or ``period``, or the latest started one); None without a plan.
    A target is judged only past the settings' ``min_sample`` calls."""
    from floorapp.figures.settings import min_sample

    least = min_sample(settings)
    with read_tx(engine) as conn:
        stored = load_plan(conn)
        if stored is None:
            return None
        plan = stored.plan
        p = _choose(plan, period, now)
        if p is None:
            return None
        start, end = p.start, min(now, p.end)
        reqs: list[RequirementStatus] = []
        for q in plan.requirements:
            if q.period not in (None, p.name):
                continue
            trigger = (
                f"{q.trigger_rule} ≥ {q.trigger_threshold:g}"
                if q.trigger_rule and q.trigger_threshold is not None
                else q.trigger_rule
            )
            if q.metric is None or q.baseline is None or q.target is None:
                reqs.append(
                    RequirementStatus(
                        q.key, q.text, trigger, None, None, None, None, None, None, 0, ""
                    )
                )
                continue
            m = METRICS[q.metric]
            got = measure(conn, q.metric, start, end, team=team) if end > start else None
            value = got.value if got else None
            calls = got.calls if got else 0
            reqs.append(
                RequirementStatus(
                    q.key,
                    q.text,
                    trigger,
                    q.metric,
                    m.label,
                    m.unit,
                    q.baseline,
                    value,
                    q.target,
                    calls,
                    on_track(q.metric, q.baseline, q.target, value, calls, least),
                    got.numerator if got else None,
                    least,
                )
            )
        care_stmt = (
            select(CareLog.item, func.count())
            .where(CareLog.at >= p.start, CareLog.at < p.end)
            .group_by(CareLog.item)
        )
        if team is not None:
            care_stmt = care_stmt.where(CareLog.team_id == team)
        care = Counter(dict(conn.execute(care_stmt).all()))
        nom = Counter(
            dict(
                conn.execute(
                    select(Nomination.dimension, func.count())
                    .where(Nomination.period == p.name)
                    .group_by(Nomination.dimension)
                ).all()
            )
        )
    patrols = (
        counts(patrol_log(engine, now=min(now, p.end), since=p.start, team=team))
        if now > p.start
        else Counter()
    )
    return PeriodSummary(
        plan.name,
        _info(plan, p, now),
        reqs,
        patrols,
        sum(care.values()),
        care,
        sum(nom.values()),
        nom,
    )
