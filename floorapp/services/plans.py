"""The guarantee plan as a supervisor reaches it: check a file, import it, read it.

The work is ``floorapp.plan.store``'s; each function asks the access policy first.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from floorapp import policy
from floorapp.plan import store
from floorapp.plan.model import Plan


def check(
    engine: Engine, text: str, *, actor: str, now: datetime, rules: Mapping[str, Any] | None = None
) -> Plan:
    policy.require(engine, "plan.check", actor, now=now)
    return store.check_text(engine, text, rules)


def import_plan(
    engine: Engine,
    text: str,
    *,
    source: str,
    actor: str,
    now: datetime,
    rules: Mapping[str, Any] | None = None,
) -> int:
    policy.require(engine, "plan.import", actor, now=now)
    return store.import_plan(engine, text, source=source, actor=actor, now=now, rules=rules)


def in_force(engine: Engine, *, actor: str, now: datetime) -> store.StoredPlan | None:
    policy.require(engine, "plan.read", actor, now=now)
    return store.active_plan(engine)


def versions(engine: Engine, *, actor: str, now: datetime) -> list[tuple[int, str, datetime, str]]:
    policy.require(engine, "plan.read", actor, now=now)
    return store.versions(engine)
