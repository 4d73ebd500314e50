"""The measures a requirement's target can name, computed from the stored calls.

Each is a percentage or an average over answered calls in a time window, for the
whole floor, a team or one agent. ``lower_is_better`` says which way is progress. Every
value comes with its evidence: the numerator (calls counted, or the sum averaged) and the
number of calls measured; ``on_track`` judges only past a minimum sample.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, case, func, select

from db.models import Agent, Call
from floorapp import words


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    unit: str
    lower_is_better: bool
    # (numerator expression over Call, denominator condition); value = 100 * sum / count
    numerator: Callable[[], Any]
    population: Callable[[], Any]
    average: bool = False


def _rated() -> Any:
    return Call.satisfaction.is_not(None)


def _answered() -> Any:
    return Call.answered_at.is_not(None)


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric(
            "complaint_rate",
            words.METRICS["complaint_rate"],
            "%",
            True,
            lambda: case((Call.complaint.is_(True), 1), else_=0),
            _answered,
        ),
        # The satisfaction survey is 1-5; 1 and 2 are the dissatisfied answers
        # (the "attitude dissatisfaction" of a guarantee plan).
        Metric(
            "dissatisfaction_rate",
            words.METRICS["dissatisfaction_rate"],
            "%",
            True,
            lambda: case((Call.satisfaction <= 2, 1), else_=0),
            _rated,
        ),
        Metric(
            "negative_sentiment_rate",
            words.METRICS["negative_sentiment_rate"],
            "%",
            True,
            lambda: case((Call.negative_sentiment.is_(True), 1), else_=0),
            _answered,
        ),
        Metric(
            "high_effort_rate",
            words.METRICS["high_effort_rate"],
            "%",
            True,
            lambda: case((Call.effort >= 4, 1), else_=0),
            lambda: Call.effort.is_not(None),
        ),
        Metric(
            "satisfaction_avg",
            words.METRICS["satisfaction_avg"],
            "/5",
            False,
            lambda: Call.satisfaction,
            _rated,
            average=True,
        ),
    )
}


@dataclass(frozen=True)
class Measured:
    value: float | None  # None: no calls to measure
    calls: int  # the denominator: calls measured
    numerator: float = 0.0  # calls counted (a rate) or the sum averaged (an average)


def measure(
    conn: Connection,
    metric: str,
    start: datetime,
    end: datetime,
    *,
    team: str | None = None,
    agents: Sequence[str] | None = None,
) -> Measured:
    m = METRICS[metric]
    conds = [m.population(), Call.ended_at >= start, Call.ended_at < end]
    stmt = select(func.sum(m.numerator()), func.count()).select_from(Call)
    if team is not None:
        stmt = stmt.join(Agent, Agent.id == Call.agent_id)
        conds.append(Agent.team_id == team)
    if agents is not None:
        conds.append(Call.agent_id.in_(list(agents)))
    total, n = conn.execute(stmt.where(and_(*conds))).one()
    if not n:
        return Measured(None, 0)
    value = float(total or 0) / n
    return Measured(value if m.average else 100.0 * value, int(n), float(total or 0))


def measure_by_agent(
    conn: Connection, metric: str, start: datetime, end: datetime
) -> dict[str, Measured]:
    m = METRICS[metric]
    rows = conn.execute(
        select(Call.agent_id, func.sum(m.numerator()), func.count())
        .where(
            m.population(), Call.ended_at >= start, Call.ended_at < end, Call.agent_id.is_not(None)
        )
        .group_by(Call.agent_id)
    ).all()
    out: dict[str, Measured] = {}
    for agent, total, n in rows:
        value = float(total or 0) / n
        out[agent] = Measured(value if m.average else 100.0 * value, int(n), float(total or 0))
    return out


def on_track(
    metric: str,
    baseline: float,
    target: float,
    current: float | None,
    calls: int | None = None,
    min_sample: int = 0,
) -> str:
    """'met', 'improving' (better than the baseline, not yet at target), 'off', 'no data', or
    'too few' while fewer than ``min_sample`` calls are measured: a rate over a handful of
    calls swings by whole points with each one, and judging it would cry wolf."""
    if current is None:
        return "no data"
    if calls is not None and calls < min_sample:
        return "too few"
    lower = METRICS[metric].lower_is_better
    better = (lambda a, b: a <= b) if lower else (lambda a, b: a >= b)
    if better(current, target):
        return "met"
    if better(current, baseline) and current != baseline:
        return "improving"
    return "off"
