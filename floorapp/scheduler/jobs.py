"""The callables APScheduler runs. Module-level, because ``SQLAlchemyJobStore`` pickles
jobs by reference: a lambda or a bound method could not be restored by the next holder.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from db.engine import open_store
from floorapp.scheduler.firing import fire
from floorapp.scheduler.schedule import Occurrence

# Engines by URL, registered by the SchedulerHost that runs the scheduler, so a job
# reuses its pool instead of opening a store per firing.
_ENGINES: dict[str, Engine] = {}


def register_engine(url: str, engine: Engine) -> None:
    _ENGINES[url] = engine


def _engine(url: str) -> Engine:
    eng = _ENGINES.get(url)
    if eng is None:
        eng = _ENGINES[url] = open_store(url)
    return eng


def fire_occurrence(
    db_url: str, holder: str, occ: dict[str, Any], plan_version_id: int | None = None
) -> None:
    fire(
        _engine(db_url),
        Occurrence.from_dict(occ),
        holder=holder,
        now=datetime.now(UTC),
        plan_version_id=plan_version_id,
    )
