"""Who may see what, for the reads that filter rather than refuse (board, lists).

The access policy itself (who may take which action) is ``floorapp.policy``; this module
keeps the team scope the read models filter by. A floor manager sees every team; a team
leader sees the teams they lead. Someone who is not a supervisor record sees nothing —
except on a brand-new floor with no supervisors at all, opened locally.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Engine, select

from db.engine import read_tx
from db.models import Supervisor, SupervisorRole, SupervisorTeam
from floorapp.i18n import N_, said
from floorapp.policy import (
    NotAllowed,
    Scope,
    audit_refusal,
    bootstrap_floor,
    not_your_team,
    target_words,
)

__all__ = ["OutOfScope", "Scope", "load_scope", "refuse", "scope_of"]


class OutOfScope(NotAllowed):
    """The acting supervisor may not see or act on this team's work."""


def scope_of(conn: Connection, supervisor: str) -> Scope:
    row = conn.execute(
        select(Supervisor.role).where(Supervisor.id == supervisor, Supervisor.active.is_(True))
    ).first()
    if row is None:
        # The same rule the policy applies at the door (floorapp.policy.bootstrap_floor).
        boot = bootstrap_floor(conn)
        return Scope(supervisor, all_teams=boot, teams=frozenset(), floor_manager=boot)
    teams = frozenset(
        conn.execute(
            select(SupervisorTeam.team_id).where(SupervisorTeam.supervisor_id == supervisor)
        ).scalars()
    )
    manager = row[0] == SupervisorRole.FLOOR_MANAGER
    return Scope(supervisor, all_teams=manager, teams=teams, floor_manager=manager)


def load_scope(engine: Engine, supervisor: str) -> Scope:
    with read_tx(engine) as conn:
        return scope_of(conn, supervisor)


def refuse(
    engine: Engine,
    *,
    now: datetime,
    actor: str,
    action: str,
    target_kind: str,
    target_id: str | int,
    team: str | None,
) -> OutOfScope:
    """Audit an out-of-scope refusal and return the error to raise."""
    why = (
        not_your_team(target_kind, target_id, team)
        if team
        else said(
            N_("{target} belongs to no team: floor managers only"),
            target=target_words(target_kind, target_id),
        )
    )
    refused = OutOfScope(action, actor, why, target_kind=target_kind, target_id=target_id)
    audit_refusal(engine, refused, now)
    return refused
