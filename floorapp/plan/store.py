"""Storing plan versions (old ones kept) and reading the one in force."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from db.engine import read_tx, run_write
from db.models import Team
from db.models_plan import PlanPeriod, PlanRequirement, PlanVersion
from floorapp import audit
from floorapp.plan.model import Plan
from floorapp.text import clean


@dataclass(frozen=True)
class StoredPlan:
    version_id: int
    imported_at: datetime
    imported_by: str
    source: str
    plan: Plan


def team_ids(conn: Connection) -> set[str]:
    return set(conn.execute(select(Team.id)).scalars())


def check_text(engine: Engine, text: str, rules: Mapping[str, Any] | None = None) -> Plan:
    """Validate against the teams in the store (and, given them, the configured
    ``[rules.*]`` a trigger's threshold joins); raises PlanError with every issue."""
    with read_tx(engine) as conn:
        teams = team_ids(conn)
    from floorapp.plan.loader import parse_plan_text

    return parse_plan_text(text, teams, rules)


def import_plan(
    engine: Engine,
    text: str,
    *,
    source: str,
    actor: str,
    now: datetime,
    rules: Mapping[str, Any] | None = None,
) -> int:
    """Store ``text`` as a new version (previous versions stay); returns its id."""
    plan = check_text(engine, text, rules)
    digest = hashlib.sha256(text.encode()).hexdigest()

    def tx(conn: Connection) -> int:
        vid = conn.execute(
            insert(PlanVersion)
            .values(
                name=clean(plan.name) or "?",
                timezone=plan.timezone.key,
                source=clean(source) or "?",
                sha256=digest,
                content=text,
                imported_at=now,
                imported_by=actor,
            )
            .returning(PlanVersion.id)
        ).scalar_one()
        for p in plan.periods:
            conn.execute(
                insert(PlanPeriod).values(
                    plan_version_id=vid,
                    name=clean(p.name),
                    starts_at=p.start,
                    ends_at=p.end,
                    teams=",".join(p.teams),
                )
            )
        for q in plan.requirements:
            conn.execute(
                insert(PlanRequirement).values(
                    plan_version_id=vid,
                    key=clean(q.key),
                    period=clean(q.period),
                    text=clean(q.text, multiline=True),
                    trigger_rule=q.trigger_rule,
                    trigger_threshold=q.trigger_threshold,
                    metric=q.metric,
                    baseline=q.baseline,
                    target=q.target,
                )
            )
        audit.record(
            conn,
            at=now,
            actor=actor,
            action="plan.import",
            target_kind="plan",
            target_id=vid,
            detail=f"{plan.name} from {source} ({digest[:12]})",
        )
        from floorapp.services.drills import schedule_for_plan

        schedule_for_plan(conn, int(vid), plan, now=now, actor=actor)
        return int(vid)

    return run_write(engine, tx)


@lru_cache(maxsize=16)
def _parse_cached(version_id: int, digest: str, text: str) -> Plan:
    # Teams are not re-checked: they were valid at import, and a team removed later
    # must not make the plan in force unreadable. Nor is a trigger an older release let
    # in: it is dropped, and the configured threshold rules. The loader is imported here:
    # a console on a floor with no plan stored never needs it.
    from floorapp.plan.loader import parse_plan_text

    return parse_plan_text(text, None, stored=True)


def load_plan(conn: Connection, version_id: int | None = None) -> StoredPlan | None:
    """The given version, or the latest imported one (the plan in force); None if none."""
    stmt = select(
        PlanVersion.id,
        PlanVersion.sha256,
        PlanVersion.content,
        PlanVersion.imported_at,
        PlanVersion.imported_by,
        PlanVersion.source,
    )
    if version_id is None:
        stmt = stmt.order_by(PlanVersion.id.desc()).limit(1)
    else:
        stmt = stmt.where(PlanVersion.id == version_id)
    row = conn.execute(stmt).first()
    if row is None:
        return None
    vid, digest, text, at, by, source = row
    return StoredPlan(vid, at, by, source, _parse_cached(vid, digest, text))


def active_plan(engine: Engine) -> StoredPlan | None:
    with read_tx(engine) as conn:
        return load_plan(conn)


def versions(engine: Engine) -> list[tuple[int, str, datetime, str]]:
    with read_tx(engine) as conn:
        return [
            (id_, name, at, by)
            for id_, name, at, by in conn.execute(
                select(
                    PlanVersion.id,
                    PlanVersion.name,
                    PlanVersion.imported_at,
                    PlanVersion.imported_by,
                ).order_by(PlanVersion.id)
            )
        ]
