"""The door of the commands that read the floor (``status``, ``report``): who acts, what they
may see, the clock; each refusal audited and said on stderr, nothing printed on stdout.

Not a command (a leading ``_``): ``floorapp.cli`` lists only the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from floorapp.context import AppContext
    from floorapp.services.scope import Scope

EXIT_REFUSED = 1
EXIT_USAGE = 2


class Closed(Exception):
    """The door stayed shut: why was said on stderr; ``code`` is the exit status."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Door:
    actor: str
    scope: Scope
    team: str | None  # the team asked for (``--team``) by its id, None for every team
    wall: datetime  # the wall clock as the command opened


def admit(engine: Engine, actor: str, action: str, team: str | None, now: datetime) -> Door:
    """The actor allowed ``action`` (an unknown or removed supervisor is refused:
    UnknownSupervisor), their scope, and ``team`` resolved (UnknownTeam) and within it
    (OutOfScope); every refusal is audited under ``action``."""
    from floorapp.identity import resolve_actor
    from floorapp.services.scope import load_scope, refuse
    from floorapp.snapshot import resolve_team

    resolve_actor(engine, actor, action=action, now=now)
    scope = load_scope(engine, actor)
    team_id = None
    if team is not None:
        team_id = resolve_team(engine, team)
        if not scope.allows_team(team_id):
            raise refuse(
                engine,
                now=now,
                actor=actor,
                action=action,
                target_kind="team",
                target_id=team_id,
                team=team_id,
            )
    return Door(actor, scope, team_id, now)


def open_door(ctx: AppContext, command: str, action: str, team: str | None) -> Door:
    """``admit`` for a command: a refusal is said on stderr and raises Closed."""
    from floorapp.i18n import _
    from floorapp.identity import UnknownSupervisor
    from floorapp.services.scope import OutOfScope
    from floorapp.snapshot import UnknownTeam
    from floorapp.text import say

    try:
        return admit(ctx.engine, ctx.actor, action, team, ctx.clock.now())
    except UnknownSupervisor as exc:
        say(_("floorapp: refused: {exc}").format(exc=exc), err=True)
        raise Closed(EXIT_REFUSED) from None
    except UnknownTeam as exc:
        say(_("floorapp {command}: {error}").format(command=command, error=exc), err=True)
        raise Closed(EXIT_USAGE) from None
    except OutOfScope:
        error = _("team {team} is not one of yours ({actor})").format(team=team, actor=ctx.actor)
        say(_("floorapp {command}: {error}").format(command=command, error=error), err=True)
        raise Closed(EXIT_REFUSED) from None
