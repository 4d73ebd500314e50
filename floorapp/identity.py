"""Who is acting: the login, or the name a forced SSH command gives, mapped to a supervisor.

Over SSH the identity is decided by OpenSSH, not by the person typing: either the OS account
(``ForceCommand floorapp console``) or, on a shared service account, the key they logged in
with (``restrict,pty,command="floorapp console --as NAME"`` in authorized_keys). An unknown
name gets a clear refusal and nothing else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from db.engine import read_tx
from db.models import Supervisor, SupervisorRole, SupervisorTeam


@dataclass(frozen=True)
class Actor:
    id: str
    name: str
    role: str
    teams: frozenset[str]

    @property
    def is_floor_manager(self) -> bool:
        return self.role == SupervisorRole.FLOOR_MANAGER

    def may_see_team(self, team_id: str | None) -> bool:
        return self.is_floor_manager or (team_id is not None and team_id in self.teams)


class UnknownSupervisor(LookupError):
    """Refused at the door: not (or no longer) a supervisor, or not allowed in."""

    def __init__(self, who: str, reason: str | None = None) -> None:
        super().__init__(
            reason
            or (
                f"'{who}' is not a supervisor on this floor. Ask a floor manager to run: "
                f"floorapp supervisors add {who} --name '...' --team TEAM"
            )
        )
        self.who = who


def over_ssh() -> bool:
    return bool(os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_TTY"))


def load_actor(engine: Engine, who: str) -> Actor | None:
    with read_tx(engine) as conn:
        sup = conn.execute(
            select(Supervisor).where(Supervisor.id == who, Supervisor.active.is_(True))
        ).first()
        if sup is None:
            return None
        teams = conn.execute(
            select(SupervisorTeam.team_id).where(SupervisorTeam.supervisor_id == who)
        ).scalars()
        return Actor(id=sup.id, name=sup.name, role=sup.role, teams=frozenset(teams))


def supervisor_count(engine: Engine) -> int:
    with read_tx(engine) as conn:
        return int(conn.execute(select(func.count()).select_from(Supervisor)).scalar_one())


def resolve_actor(
    engine: Engine,
    who: str,
    *,
    action: str = "status.read",
    team: str | None = None,
    now: datetime | None = None,
) -> Actor:
    """The supervisor record for ``who``, or UnknownSupervisor (the refusal audited).

    The door of the routes that open on the floor (the console, ``status``): the access
    policy decides (floorapp.policy), so a floor with no supervisors at all, opened locally
    (not over SSH), lets its first user in as floor manager so a new install can be tried
    and set up; over SSH it never does.
    """
    from floorapp import policy

    try:
        scope = policy.require(
            engine,
            action,
            who,
            now=now or datetime.now(UTC),
            **({"team": team} if team is not None else {}),
        )
    except policy.Refused as refused:
        raise UnknownSupervisor(who, refused.reason) from None
    actor = load_actor(engine, who)
    if actor is not None:
        return actor
    return Actor(id=who, name=who, role=SupervisorRole.FLOOR_MANAGER, teams=scope.teams)
