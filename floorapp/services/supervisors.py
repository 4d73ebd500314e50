"""Supervisors as the console needs them: the assign picker and who may override."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from db.engine import read_tx
from db.models import Supervisor, SupervisorRole, SupervisorTeam
from floorapp.context import AppContext
from floorapp.identity import Actor, load_actor


@dataclass(frozen=True)
class SupervisorView:
    id: str
    name: str
    role: str
    teams: tuple[str, ...]

    @property
    def is_floor_manager(self) -> bool:
        return self.role == SupervisorRole.FLOOR_MANAGER


def list_supervisors(ctx: AppContext, *, active_only: bool = True) -> list[SupervisorView]:
    with read_tx(ctx.engine) as conn:
        q = select(Supervisor.id, Supervisor.name, Supervisor.role).order_by(Supervisor.name)
        if active_only:
            q = q.where(Supervisor.active.is_(True))
        sups = conn.execute(q).all()
        teams: dict[str, list[str]] = {}
        for sid, tid in conn.execute(
            select(SupervisorTeam.supervisor_id, SupervisorTeam.team_id).order_by(
                SupervisorTeam.team_id
            )
        ):
            teams.setdefault(sid, []).append(tid)
    return [SupervisorView(s.id, s.name, s.role, tuple(teams.get(s.id, ()))) for s in sups]


def actor_of(ctx: AppContext, who: str) -> Actor | None:
    """The supervisor record behind a login, or None when the floor does not know them."""
    return load_actor(ctx.engine, who)


def is_floor_manager(ctx: AppContext, who: str) -> bool:
    actor = actor_of(ctx, who)
    return actor is not None and actor.is_floor_manager


def exists(ctx: AppContext, who: str) -> bool:
    return actor_of(ctx, who) is not None
