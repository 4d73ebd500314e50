"""``floorapp requests``: agents' requests to their leaders, with their deadlines.

``--agent ID --json`` is what an agent desktop reads back (the agent's requests, where
each stands, the answer).
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from db.models_requests import REQUEST_CATEGORIES
from floorapp.context import AppContext
from floorapp.i18n import _
from floorapp.policy import Refused
from floorapp.services import ServiceError
from floorapp.services import requests as svc
from floorapp.text import say


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("requests", help=_("agents' requests: open ones, with time left"))
    p.add_argument("--agent", help=_("only this agent's (with closed ones)"))
    p.add_argument("--team")
    p.add_argument("--all", action="store_true", help=_("closed ones too"))
    p.add_argument("--json", action="store_true", help=_("JSON (for an agent desktop)"))
    p.set_defaults(func=cmd_list)
    rsub = p.add_subparsers(dest="requests_command", metavar="ACTION")
    a = rsub.add_parser("add", help=_("record a request an agent raised on a patrol"))
    a.add_argument("agent")
    a.add_argument("category", choices=REQUEST_CATEGORIES)
    a.add_argument("text")
    a.set_defaults(func=cmd_add)
    k = rsub.add_parser("ack", help=_("acknowledge a request"))
    k.add_argument("id", type=int)
    k.set_defaults(func=cmd_ack)
    w = rsub.add_parser("answer", help=_("answer a request: what was done, or why not"))
    w.add_argument("id", type=int)
    w.add_argument("text")
    w.set_defaults(func=cmd_answer)
    c = rsub.add_parser("close", help=_("close an answered request"))
    c.add_argument("id", type=int)
    c.set_defaults(func=cmd_close)


def _fail(exc: ServiceError) -> int:
    say(f"floorapp requests: {exc.message if isinstance(exc, Refused) else exc}", err=True)
    return 1


def left(v: svc.RequestView, now: datetime) -> str:
    """``ack 42 min`` / ``answer 1 h 05 min`` / ``LATE (answer)`` / the status when done."""
    nxt = v.next_deadline()
    if nxt is None:
        return v.status
    what, when = nxt
    if now > when:
        return f"LATE ({what})"
    mins = int((when - now).total_seconds() // 60)
    return f"{what} {mins // 60} h {mins % 60:02d} min" if mins >= 60 else f"{what} {mins} min"


def cmd_list(ctx: AppContext, args: argparse.Namespace) -> int:
    now = ctx.clock.now()
    try:
        rows = svc.listing(
            ctx.engine,
            actor=ctx.actor,
            now=now,
            agent=args.agent,
            team=args.team,
            include_closed=args.all or args.agent is not None,
        )
    except ServiceError as exc:
        return _fail(exc)
    if args.json:
        say(json.dumps([v.to_json() for v in rows], ensure_ascii=False))
        return 0
    if not rows:
        say(_("no open requests"))
    tz = ctx.settings.timezone
    for v in rows:
        say(
            f"#{v.id:<4} {v.raised_at.astimezone(tz):%m-%d %H:%M}  {left(v, now):<20} "
            f"{v.agent_name} ({v.agent_id}, {v.team_id})  {v.category}: {v.text}"
            + (f"  -> {v.answer}" if v.answer else "")
        )
    return 0


def _show(v: svc.RequestView) -> int:
    say(
        _("request #{id} ({agent_id}, {category}): {status}").format(
            id=v.id, agent_id=v.agent_id, category=v.category, status=v.status
        )
    )
    return 0


def cmd_add(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        return _show(
            svc.record(
                ctx.engine,
                args.agent,
                args.category,
                args.text,
                settings=ctx.settings,
                actor=ctx.actor,
                now=ctx.clock.now(),
            )
        )
    except ServiceError as exc:
        return _fail(exc)


def cmd_ack(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        return _show(svc.acknowledge(ctx.engine, args.id, actor=ctx.actor, now=ctx.clock.now()))
    except ServiceError as exc:
        return _fail(exc)


def cmd_answer(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        return _show(
            svc.answer(ctx.engine, args.id, args.text, actor=ctx.actor, now=ctx.clock.now())
        )
    except ServiceError as exc:
        return _fail(exc)


def cmd_close(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        return _show(svc.close(ctx.engine, args.id, actor=ctx.actor, now=ctx.clock.now()))
    except ServiceError as exc:
        return _fail(exc)
