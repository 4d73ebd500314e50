"""Reading the audit log: a floor manager reads every entry, a team leader their own."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from db.engine import read_tx
from floorapp import audit, policy
from floorapp.i18n import N_, _, said
from floorapp.services import ServiceError


def entries(
    engine: Engine,
    *,
    actor: str,
    now: datetime,
    since: datetime | None = None,
    who: str | None = None,
    limit: int = 1000,
) -> list[audit.Entry]:
    scope = policy.require(engine, "audit.read", actor, now=now)
    if not scope.floor_manager:
        if who not in (None, actor):
            refused = policy.NotAllowed(
                "audit.read",
                actor,
                said(N_("a team leader reads their own entries, not {who}'s"), who=who),
                target_kind="supervisor",
                target_id=who,
            )
            policy.audit_refusal(engine, refused, now)
            raise refused
        who = actor
    if limit < 1:
        raise ServiceError(_("the limit must be at least 1"))
    with read_tx(engine) as conn:
        return audit.entries(conn, since=since, actor=who, limit=limit)
