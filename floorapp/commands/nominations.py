"""``floorapp nominations``: role-model nominations for the team meeting, and candidates."""

from __future__ import annotations

import argparse

from floorapp import words
from floorapp.context import AppContext
from floorapp.i18n import _
from floorapp.plan.model import DIMENSIONS
from floorapp.plan.store import active_plan
from floorapp.policy import Refused
from floorapp.services import ServiceError
from floorapp.services import nominations as svc
from floorapp.text import say


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("nominations", help=_("benchmark nominations (export with --csv)"))
    p.add_argument("--period", help=_("only this guarantee period"))
    p.add_argument("--csv", action="store_true", help=_("CSV for the team meeting"))
    p.set_defaults(func=cmd_list)
    nsub = p.add_subparsers(dest="nominations_command", metavar="ACTION")
    c = nsub.add_parser("candidates", help=_("proposed candidates per dimension"))
    c.add_argument("--period")
    c.add_argument("--team")
    c.set_defaults(func=cmd_candidates)
    a = nsub.add_parser("add", help=_("nominate an agent"))
    a.add_argument("agent")
    a.add_argument("dimension", choices=DIMENSIONS)
    a.add_argument("reason")
    a.add_argument("--period", dest="add_period", required=True)
    a.set_defaults(func=cmd_add)


def _refused(exc: Refused) -> int:
    say(f"floorapp nominations: {exc.message}", err=True)
    return 1


def cmd_list(ctx: AppContext, args: argparse.Namespace) -> int:
    now = ctx.clock.now()
    try:
        rows = svc.list_nominations(ctx.engine, period=args.period, actor=ctx.actor, now=now)
    except Refused as exc:
        return _refused(exc)
    stored = active_plan(ctx.engine)
    tz = stored.plan.timezone if stored else None
    if args.csv:
        say(svc.to_csv(rows, tz), end="")
        return 0
    if not rows:
        say(
            _("no nominations")
            + (_(" for {period}").format(period=args.period) if args.period else "")
        )
    for r in rows:
        at = r.at.astimezone(tz) if tz else r.at
        say(
            f"{at:%Y-%m-%d %H:%M}  {r.period:<10} {r.agent_name} ({r.agent_id}, {r.team_id})  "
            f"{words.dimension(r.dimension)}: {r.reason}  — {r.nominated_by}"
        )
    return 0


def cmd_candidates(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        found = svc.candidates(
            ctx.engine, now=ctx.clock.now(), period=args.period, team=args.team, actor=ctx.actor
        )
    except Refused as exc:
        return _refused(exc)
    except ServiceError as exc:
        say(f"floorapp nominations: {exc}", err=True)
        return 1
    for dim, cands in found.items():
        # The code too: it is what `nominations add AGENT DIMENSION` takes.
        say(f"{words.dimension(dim)} ({dim}):")
        if not cands:
            say(_("  (nobody stands out in this period's data)"))
        for c in cands:
            say(f"  {c.name} ({c.agent_id}, {c.team_id}): {c.reason}")
    return 0


def cmd_add(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        nid = svc.nominate(
            ctx.engine,
            period=args.add_period,
            agent_id=args.agent,
            dimension=args.dimension,
            reason=args.reason,
            actor=ctx.actor,
            now=ctx.clock.now(),
        )
    except Refused as exc:
        return _refused(exc)
    except ServiceError as exc:
        say(f"floorapp nominations: {exc}", err=True)
        return 1
    say(_("nomination #{nid} recorded").format(nid=nid))
    return 0
