"""Who may see and act on what: enforced here, in the service layer, for every route.

A floor manager sees every team; a team leader sees the teams they lead. Someone who is
not a supervisor record sees nothing — except on a brand-new floor with no supervisors at
all, opened locally, where the first user sets things up. Every refusal is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, Engine, false, func, select, true

from db.engine import read_tx, run_write
from db.models import Supervisor, SupervisorRole, SupervisorTeam
from floorapp import audit
from floorapp.identity import over_ssh
from floorapp.services import ServiceError


class OutOfScope(ServiceError):
    """The acting supervisor may not see or act on this team's work."""


@dataclass(frozen=True)
class Scope:
    supervisor: str
    all_teams: bool
    teams: frozenset[str]

    def allows_team(self, team: str | None) -> bool:
        # Work with no team (a feed agent not yet on the roster) is the floor's: managers only.
        return self.all_teams or (team is not None and team in self.teams)

    def allows(self, team: str | None, supervisor_id: str | None) -> bool:
        """Reminders: addressed to a supervisor (theirs alone) or to a team."""
        if supervisor_id is not None:
            return supervisor_id == self.supervisor or self.all_teams
        return self.all_teams or team is None or team in self.teams

    def team_clause(self, column: ColumnElement[str | None]) -> ColumnElement[bool]:
        if self.all_teams:
            return true()
        if not self.teams:
            return false()
        return column.in_(sorted(self.teams))


def scope_of(conn: Connection, supervisor: str) -> Scope:
    row = conn.execute(select(Supervisor.role).where(
        Supervisor.id == supervisor, Supervisor.active.is_(True))).first()
    if row is None:
        # Only a brand-new floor (no supervisors yet) opened locally is open to anyone:
        # the same rule the console applies at the door (floorapp.identity).
        empty = conn.execute(select(func.count()).select_from(Supervisor)).scalar_one() == 0
        return Scope(supervisor, all_teams=empty and not over_ssh(), teams=frozenset())
    teams = frozenset(conn.execute(
        select(SupervisorTeam.team_id).where(SupervisorTeam.supervisor_id == supervisor)
    ).scalars())
    return Scope(supervisor, all_teams=row[0] == SupervisorRole.FLOOR_MANAGER, teams=teams)


def load_scope(engine: Engine, supervisor: str) -> Scope:
    with read_tx(engine) as conn:
        return scope_of(conn, supervisor)


def refuse(engine: Engine, *, now: datetime, actor: str, action: str, target_kind: str,
           target_id: str | int, team: str | None) -> OutOfScope:
    """Audit the refusal in its own transaction and return the error to raise."""
    why = f"{target_kind} {target_id} belongs to team {team or '(none)'}, not one of yours"

    def tx(conn: Connection) -> None:
        audit.record(conn, at=now, actor=actor, action=action, target_kind=target_kind,
                     target_id=target_id, outcome="refused", detail=why)

    run_write(engine, tx)
    return OutOfScope(why)
