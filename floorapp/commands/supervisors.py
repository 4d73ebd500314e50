"""`floorapp supervisors add|list|remove|authorized-keys|policy`."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from floorapp import policy
from floorapp import supervisors as sv
from floorapp.context import AppContext
from floorapp.policy import Refused
from floorapp.text import cell, say


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("supervisors", help="manage supervisors, their teams and SSH keys")
    ssub = p.add_subparsers(dest="sup_cmd", metavar="ACTION", required=True)

    a = ssub.add_parser("add", help="add or update a supervisor")
    a.add_argument("id", help="login name (the OS user, or the name a key's forced command uses)")
    a.add_argument("--name", help="display name (default: the id)")
    a.add_argument("--role", choices=sv.ROLES, default="team_leader")
    a.add_argument("--team", action="append", default=[], help="a team they lead (repeatable)")
    a.add_argument("--key", action="append", default=[],
                   help="an OpenSSH public key, as text or a .pub file path (repeatable)")
    a.set_defaults(func=_add)

    ls = ssub.add_parser("list", help="list supervisors")
    ls.add_argument("--all", action="store_true", help="include removed supervisors")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_list)

    rm = ssub.add_parser("remove", help="deactivate a supervisor and drop their keys")
    rm.add_argument("id")
    rm.set_defaults(func=_remove)

    ak = ssub.add_parser("authorized-keys",
                         help="print authorized_keys lines (restrict,pty,forced command per key)")
    ak.add_argument("--floorapp", default=None,
                    help="path of the floorapp program on the server (default: this one)")
    ak.set_defaults(func=_authorized_keys)

    po = ssub.add_parser("policy", help="who may do what: every action, its routes, who may "
                         "take it (also docs/access.md)")
    po.set_defaults(func=_policy)


def _key_text(value: str) -> str:
    p = Path(value).expanduser()
    if len(value) < 4096 and p.suffix == ".pub" and p.is_file():
        return p.read_text(encoding="utf-8")
    return value


def _refused(action: str, exc: Refused) -> int:
    say(f"floorapp supervisors {action}: {exc.message}", err=True)
    return 1


def _add(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        sv.add_supervisor(
            ctx.engine, sup_id=args.id, name=args.name or args.id, role=args.role,
            teams=args.team, keys=[_key_text(k) for k in args.key], actor=ctx.actor,
            now=ctx.clock.now(),
        )
    except Refused as exc:
        return _refused("add", exc)
    except ValueError as exc:
        say(f"floorapp supervisors add: {exc}", err=True)
        return 2
    say(f"supervisor {args.id} ({args.role}) saved")
    return 0


def _list(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        rows = sv.list_supervisors(ctx.engine, include_inactive=args.all, actor=ctx.actor,
                                   now=ctx.clock.now())
    except Refused as exc:
        return _refused("list", exc)
    if args.json:
        say(json.dumps([r.__dict__ | {"teams": list(r.teams)} for r in rows],
                       ensure_ascii=False, indent=2))
        return 0
    if not rows:
        say("no supervisors yet: floorapp supervisors add ID --name NAME --team TEAM")
        return 0
    from rich.console import Console
    from rich.table import Table

    # rich measures double-width characters, so Chinese names and teams stay aligned.
    table = Table(box=None, pad_edge=False, header_style="bold")
    for col in ("id", "name", "role", "teams", "keys", ""):
        table.add_column(col)
    for r in rows:
        table.add_row(cell(r.id), cell(r.name), r.role.replace("_", " "),
                      cell(", ".join(r.teams) or "all" if r.role == "floor_manager"
                           else ", ".join(r.teams) or "-"),
                      str(r.keys), "" if r.active else "removed")
    Console(highlight=False).print(table)
    return 0


def _remove(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        removed = sv.remove_supervisor(ctx.engine, sup_id=args.id, actor=ctx.actor,
                                       now=ctx.clock.now())
    except Refused as exc:
        return _refused("remove", exc)
    if removed:
        say(f"supervisor {args.id} removed")
        return 0
    say(f"floorapp supervisors remove: no supervisor {args.id!r}", err=True)
    return 1


def _authorized_keys(ctx: AppContext, args: argparse.Namespace) -> int:
    prog = args.floorapp or shutil.which("floorapp") or sys.argv[0]
    try:
        lines = sv.authorized_keys_lines(ctx.engine, [prog, "--db", ctx.db_url],
                                         actor=ctx.actor, now=ctx.clock.now())
    except Refused as exc:
        return _refused("authorized-keys", exc)
    for line in lines:
        say(line)
    if not lines:
        say("floorapp: no supervisor has a key (supervisors add ID --key FILE.pub)", err=True)
    return 0


def _policy(ctx: AppContext, args: argparse.Namespace) -> int:
    for line in policy.table_lines():
        say(line)
    return 0
