"""Managing supervisors: who they are, their role and teams, their SSH keys.

``list_supervisors`` is the one query of who the supervisors are: the CLI, the roster
listing and the console read it in the order each shows.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import Connection, Engine, delete, select, update

from db.engine import read_tx
from db.models import Supervisor, SupervisorRole, SupervisorTeam, Team
from db.models_access import SupervisorKey
from db.upsert import upsert
from floorapp import audit, pinyin, policy
from floorapp.i18n import N_, _, ngettext, said
from floorapp.policy import is_supervisor_id
from floorapp.text import clean

ROLES = tuple(r.value for r in SupervisorRole)
KEY_TYPES = ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-", "sk-ssh-ed25519", "sk-ecdsa-sha2-")


@dataclass(frozen=True)
class SupervisorInfo:
    id: str
    name: str
    role: str
    active: bool
    teams: tuple[str, ...]
    keys: int
    lang: str | None = None  # en, zh_CN, or None: the settings file and the locale decide

    @property
    def is_floor_manager(self) -> bool:
        return self.role == SupervisorRole.FLOOR_MANAGER


# By login; floor-wide first then by login (the roster listing); by name (the console).
Order = Literal["id", "role", "name"]


def validate_public_key(text: str) -> str:
    key = " ".join(text.strip().split())
    parts = key.split(" ")
    if len(parts) < 2 or not parts[0].startswith(KEY_TYPES):
        raise ValueError(_("not an OpenSSH public key (expected 'ssh-ed25519 AAAA... comment')"))
    if any(c in key for c in '"\n\r'):
        raise ValueError(_("a public key cannot hold quotes or line breaks"))
    return key


def add_supervisor(
    engine: Engine,
    *,
    sup_id: str,
    name: str,
    role: str,
    teams: list[str],
    keys: list[str],
    actor: str,
    now: datetime,
    lang: str | None = None,
) -> None:
    """Add or update a supervisor; ``lang`` (en, zh-CN) sets their language too, else the
    one they have stays."""
    from floorapp.i18n import parse

    code = None if lang is None else parse(lang, "--lang")
    if role not in ROLES:
        raise ValueError(
            _("role must be one of {join}, not {role!r}").format(join=", ".join(ROLES), role=role)
        )
    if not is_supervisor_id(sup_id):
        raise ValueError(
            _(
                "supervisor id must be a login name (letters, digits and . _ - @, at most "
                "64): {sup_id!r}"
            ).format(sup_id=clean(sup_id))
        )
    checked_keys = [validate_public_key(k) for k in keys]

    def work(conn: Connection) -> None:
        boot = policy.bootstrap_floor(conn)
        policy.check(conn, "supervisors.add", actor, target_kind="supervisor", target_id=sup_id)
        known = set(conn.execute(select(Team.id).where(Team.id.in_(teams))).scalars())
        missing = [t for t in teams if t not in known]
        if missing:
            raise ValueError(
                ngettext("unknown team: {teams}", "unknown teams: {teams}", len(missing)).format(
                    teams=", ".join(missing)
                )
            )
        if boot and role != SupervisorRole.FLOOR_MANAGER:
            # Otherwise the floor would have supervisors and nobody to administer them.
            raise policy.NotAllowed(
                "supervisors.add",
                actor,
                said(N_("the first supervisor of a floor must be a floor manager")),
                target_kind="supervisor",
                target_id=sup_id,
            )
        values = {"id": sup_id, "name": clean(name) or sup_id, "role": role, "active": True}
        if code is not None:
            values["lang"] = code
        conn.execute(
            upsert(conn, Supervisor, ["id"], [k for k in values if k != "id"]).values(**values)
        )
        if teams:
            conn.execute(delete(SupervisorTeam).where(SupervisorTeam.supervisor_id == sup_id))
            for t in teams:
                conn.execute(
                    SupervisorTeam.__table__.insert().values(supervisor_id=sup_id, team_id=t)
                )
        for k in checked_keys:
            conn.execute(
                upsert(conn, SupervisorKey, ["public_key"], ["supervisor_id"]).values(
                    supervisor_id=sup_id, public_key=k
                )
            )
        audit.record(
            conn,
            at=now,
            actor=actor,
            action="supervisor.add",
            target_kind="supervisor",
            target_id=sup_id,
            detail=f"role={role} teams={','.join(teams)} "
            f"keys+={len(checked_keys)}" + (f" lang={code}" if code else ""),
        )

    policy.write(engine, work, now=now)


def remove_supervisor(engine: Engine, *, sup_id: str, actor: str, now: datetime) -> bool:
    """Deactivate (their past actions stay attributed) and drop their keys."""

    def work(conn: Connection) -> bool:
        policy.check(conn, "supervisors.remove", actor, target_kind="supervisor", target_id=sup_id)
        n = conn.execute(
            update(Supervisor).where(Supervisor.id == sup_id).values(active=False)
        ).rowcount
        conn.execute(delete(SupervisorKey).where(SupervisorKey.supervisor_id == sup_id))
        audit.record(
            conn,
            at=now,
            actor=actor,
            action="supervisor.remove",
            target_kind="supervisor",
            target_id=sup_id,
            outcome="ok" if n else "refused",
            detail=None if n else "no such supervisor",
        )
        return bool(n)

    return policy.write(engine, work, now=now)


def list_supervisors(
    engine: Engine,
    include_inactive: bool = False,
    *,
    team: str | None = None,
    order: Order = "id",
    actor: str | None = None,
    now: datetime | None = None,
) -> list[SupervisorInfo]:
    """Every supervisor, or those of ``team`` (floor managers are of every team).

    With ``actor``, only if the policy lets them list supervisors.
    """
    if actor is not None:
        policy.require(engine, "supervisors.read", actor, now=now or datetime.now(UTC))
    with read_tx(engine) as conn:
        found = supervisors_in(conn, include_inactive=include_inactive, order=order)
    if team is not None:
        found = [s for s in found if team in s.teams or s.is_floor_manager]
    return found


def supervisors_in(
    conn: Connection, *, include_inactive: bool = False, order: Order = "id"
) -> list[SupervisorInfo]:
    """``list_supervisors`` inside a transaction the caller holds (a service's own read)."""
    sort = {
        "id": (Supervisor.id,),
        "role": (Supervisor.role.desc(), Supervisor.id),
        "name": (Supervisor.name, Supervisor.id),
    }[order]
    q = select(Supervisor).order_by(*sort)
    if not include_inactive:
        q = q.where(Supervisor.active.is_(True))
    sups = conn.execute(q).all()
    teams: dict[str, list[str]] = {}
    for sid, tid in conn.execute(select(SupervisorTeam.supervisor_id, SupervisorTeam.team_id)):
        teams.setdefault(sid, []).append(tid)
    keys: dict[str, int] = {}
    for (sid,) in conn.execute(select(SupervisorKey.supervisor_id)):
        keys[sid] = keys.get(sid, 0) + 1
    found = [
        SupervisorInfo(
            s.id,
            s.name,
            s.role,
            s.active,
            tuple(sorted(teams.get(s.id, []))),
            keys.get(s.id, 0),
            s.lang,
        )
        for s in sups
    ]
    if order == "name":
        # By name as the board orders people: pinyin order, not the database's code points
        # (which put 周 before 李).
        found.sort(key=lambda s: (pinyin.sort_key(s.name), s.name, s.id))
    return found


def authorized_keys_lines(
    engine: Engine,
    command_prefix: list[str],
    *,
    actor: str | None = None,
    now: datetime | None = None,
) -> list[str]:
    """authorized_keys lines for a shared service account: one forced command per key.

    ``restrict`` turns off forwarding, agent, X11 and user rc; ``pty`` gives back the
    terminal the console needs. The forced command names the supervisor, so the key,
    not what the client asks for, decides who is acting. With ``actor``, only if the policy
    lets them (floor managers).
    """
    if actor is not None:
        policy.require(engine, "supervisors.keys", actor, now=now or datetime.now(UTC))
    with read_tx(engine) as conn:
        rows = conn.execute(
            select(SupervisorKey.supervisor_id, SupervisorKey.public_key)
            .join(Supervisor, Supervisor.id == SupervisorKey.supervisor_id)
            .where(Supervisor.active.is_(True))
            .order_by(SupervisorKey.supervisor_id, SupervisorKey.id)
        ).all()
    lines = []
    for sup_id, key in rows:
        cmd = shlex.join([*command_prefix, "--as", sup_id, "console"])
        cmd = cmd.replace("\\", "\\\\").replace('"', '\\"')
        lines.append(f'restrict,pty,command="{cmd}" {key}')
    return lines
