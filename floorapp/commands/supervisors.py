"""`floorapp supervisors add|set|list|remove|authorized-keys|policy`."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from floorapp import i18n, policy
from floorapp import supervisors as sv
from floorapp.context import AppContext
from floorapp.i18n import _
from floorapp.policy import Refused
from floorapp.text import cell, say
from floorapp.words import ROLES, word


class _OwnLangParser(argparse.ArgumentParser):
    """After ``supervisors add|set``, ``--lang`` is the supervisor's language, not the one
    this command answers in: the global ``--lang`` the command line adds to every command
    is left out where the command has its own (before the command it still chooses)."""

    def add_argument(self, *names: str, **kwargs: Any) -> argparse.Action:
        if "--lang" in names and "--lang" in self._option_string_actions:
            return self._option_string_actions["--lang"]
        return super().add_argument(*names, **kwargs)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("supervisors", help=_("manage supervisors, their teams and SSH keys"))
    ssub = p.add_subparsers(
        dest="sup_cmd", metavar="ACTION", required=True, parser_class=_OwnLangParser
    )

    a = ssub.add_parser("add", help=_("add or update a supervisor"))
    a.add_argument(
        "id", help=_("login name (the OS user, or the name a key's forced command uses)")
    )
    a.add_argument("--name", help=_("display name (default: the id)"))
    a.add_argument("--role", choices=sv.ROLES, default="team_leader")
    a.add_argument("--team", action="append", default=[], help=_("a team they lead (repeatable)"))
    a.add_argument(
        "--key",
        action="append",
        default=[],
        help=_("an OpenSSH public key, as text or a .pub file path (repeatable)"),
    )
    a.add_argument(
        "--lang",
        dest="sup_lang",
        metavar="LANG",
        default=None,
        help=_("the language they read: en or zh-CN (default: as before, else the locale)"),
    )
    a.set_defaults(func=_add)

    st = ssub.add_parser(
        "set",
        help=_(
            "change a supervisor's own settings (a supervisor their own, a floor manager anyone's)"
        ),
    )
    st.add_argument("id")
    which = st.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--lang", dest="sup_lang", metavar="LANG", help=_("the language they read: en or zh-CN")
    )
    which.add_argument(
        "--no-lang",
        dest="sup_lang",
        action="store_const",
        const="",
        help=_("forget it: the settings file and the locale decide"),
    )
    st.set_defaults(func=_set)

    ls = ssub.add_parser("list", help=_("list supervisors"))
    ls.add_argument("--all", action="store_true", help=_("include removed supervisors"))
    ls.add_argument("--json", action="store_true", help=_("as JSON"))
    ls.set_defaults(func=_list)

    rm = ssub.add_parser("remove", help=_("deactivate a supervisor and drop their keys"))
    rm.add_argument("id")
    rm.set_defaults(func=_remove)

    ak = ssub.add_parser(
        "authorized-keys",
        help=_("print authorized_keys lines (restrict,pty,forced command per key)"),
    )
    ak.add_argument(
        "--floorapp",
        default=None,
        help=_("path of the floorapp program on the server (default: this one)"),
    )
    ak.set_defaults(func=_authorized_keys)

    po = ssub.add_parser(
        "policy",
        help=_("who may do what: every action, its routes, who may take it (also docs/access.md)"),
    )
    po.set_defaults(func=_policy)


def _key_text(value: str) -> str:
    p = Path(value).expanduser()
    if len(value) < 4096 and p.suffix == ".pub" and p.is_file():
        return p.read_text(encoding="utf-8")
    return value


def _failed(action: str, message: object) -> None:
    say(
        _("floorapp supervisors {action}: {message}").format(action=action, message=message),
        err=True,
    )


def _refused(action: str, exc: Refused) -> int:
    _failed(action, exc.message)
    return 1


def _add(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        sv.add_supervisor(
            ctx.engine,
            sup_id=args.id,
            name=args.name or args.id,
            role=args.role,
            teams=args.team,
            keys=[_key_text(k) for k in args.key],
            actor=ctx.actor,
            now=ctx.clock.now(),
            lang=args.sup_lang,
        )
    except Refused as exc:
        return _refused("add", exc)
    except ValueError as exc:
        _failed("add", exc)
        return 2
    say(_("supervisor {id} ({role}) saved").format(id=args.id, role=word(ROLES, args.role)))
    return 0


def _set(ctx: AppContext, args: argparse.Namespace) -> int:
    lang = args.sup_lang or None
    try:
        i18n.set_supervisor_lang(ctx.engine, args.id, lang, actor=ctx.actor, now=ctx.clock.now())
    except Refused as exc:
        return _refused("set", exc)
    except ValueError as exc:  # an unknown language or supervisor
        _failed("set", exc)
        return 2
    if lang is None:
        say(_("{id} reads the language of the settings file or the locale").format(id=args.id))
    else:
        say(
            _("{id} reads {language}").format(
                id=args.id, language=i18n.LANGUAGES[i18n.parse(lang, "--lang")]
            )
        )
    return 0


def _list(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        rows = sv.list_supervisors(
            ctx.engine, include_inactive=args.all, actor=ctx.actor, now=ctx.clock.now()
        )
    except Refused as exc:
        return _refused("list", exc)
    if args.json:
        say(
            json.dumps(
                [r.__dict__ | {"teams": list(r.teams)} for r in rows], ensure_ascii=False, indent=2
            )
        )
        return 0
    if not rows:
        say(_("no supervisors yet: floorapp supervisors add ID --name NAME --team TEAM"))
        return 0
    from rich.console import Console
    from rich.table import Table

    # rich measures double-width characters, so Chinese names and teams stay aligned.
    table = Table(box=None, pad_edge=False, header_style="bold")
    for col in (_("id"), _("name"), _("role"), _("teams"), _("keys"), _("language"), ""):
        table.add_column(col)
    for r in rows:
        teams = ", ".join(r.teams) or (_("all") if r.role == "floor_manager" else "-")
        table.add_row(
            cell(r.id),
            cell(r.name),
            word(ROLES, r.role),
            cell(teams),
            str(r.keys),
            i18n.LANGUAGES.get(r.lang or "", "-"),
            "" if r.active else _("removed"),
        )
    Console(highlight=False).print(table)
    return 0


def _remove(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        removed = sv.remove_supervisor(
            ctx.engine, sup_id=args.id, actor=ctx.actor, now=ctx.clock.now()
        )
    except Refused as exc:
        return _refused("remove", exc)
    if removed:
        say(_("supervisor {id} removed").format(id=args.id))
        return 0
    _failed("remove", _("no supervisor {id!r}").format(id=args.id))
    return 1


def _authorized_keys(ctx: AppContext, args: argparse.Namespace) -> int:
    prog = args.floorapp or shutil.which("floorapp") or sys.argv[0]
    try:
        lines = sv.authorized_keys_lines(
            ctx.engine, [prog, "--db", ctx.db_url], actor=ctx.actor, now=ctx.clock.now()
        )
    except Refused as exc:
        return _refused("authorized-keys", exc)
    for line in lines:
        say(line)
    if not lines:
        say(
            "floorapp: " + _("no supervisor has a key (supervisors add ID --key FILE.pub)"),
            err=True,
        )
    return 0


def _policy(ctx: AppContext, args: argparse.Namespace) -> int:
    for line in policy.table_lines():
        say(line)
    return 0
