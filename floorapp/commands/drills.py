"""``floorapp drills``: drills on the period's hot issues (模拟拨测), coverage and results."""

from __future__ import annotations

import argparse

from floorapp.context import AppContext
from floorapp.i18n import _
from floorapp.policy import Refused
from floorapp.services import ServiceError
from floorapp.services import drills as svc
from floorapp.text import say


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("drills", help=_("drills on the hot issues: the ones to run, coverage"))
    p.add_argument("--team")
    p.add_argument("--coverage", action="store_true", help=_("per hot issue and team"))
    p.set_defaults(func=cmd_list)
    dsub = p.add_subparsers(dest="drills_command", metavar="ACTION")
    r = dsub.add_parser("result", help=_("record a drill's result"))
    r.add_argument("id", type=int)
    r.add_argument("result", choices=("passed", "practice"))
    r.add_argument("--note", help=_("what needs practice (required for practice)"))
    r.set_defaults(func=cmd_result)


def _fail(exc: ServiceError) -> int:
    say(f"floorapp drills: {exc.message if isinstance(exc, Refused) else exc}", err=True)
    return 1


def cmd_list(ctx: AppContext, args: argparse.Namespace) -> int:
    now = ctx.clock.now()
    tz = ctx.settings.timezone
    try:
        if args.coverage:
            rows = svc.coverage(ctx.engine, actor=ctx.actor, now=now)
            if not rows:
                say(_("no hot issues in the plan in force"))
            for c in rows:
                say(
                    _(
                        "{hot_issue:<20} {team_id:<12} drilled {drilled}/{agents}  passed "
                        "{passed}  practice {practice}  to drill {to_drill}  overdue {overdue}"
                    ).format(
                        hot_issue=c.hot_issue,
                        team_id=c.team_id,
                        drilled=c.drilled,
                        agents=c.agents,
                        passed=c.passed,
                        practice=c.practice,
                        to_drill=c.to_drill,
                        overdue=c.overdue,
                    )
                )
            return 0
        drills = svc.open_drills(ctx.engine, actor=ctx.actor, now=now, team=args.team)
    except ServiceError as exc:
        return _fail(exc)
    if not drills:
        say(_("no drills to run"))
    for d in drills:
        late = "  OVERDUE" if d.overdue(now) else ""
        say(
            f"#{d.id:<4} {d.planned_at.astimezone(tz):%m-%d %H:%M}  {d.status:<8} "
            f"{d.agent_name} ({d.agent_id}, {d.team_id})  {d.title}"
            + (_(" (attempt {attempt})").format(attempt=d.attempt) if d.attempt > 1 else "")
            + late
        )
    return 0


def cmd_result(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        d = svc.record_result(
            ctx.engine,
            args.id,
            result=args.result,
            actor=ctx.actor,
            now=ctx.clock.now(),
            note=args.note,
        )
    except ServiceError as exc:
        return _fail(exc)
    say(
        _("drill #{id} ({agent_id}, {hot_issue}): {status}").format(
            id=d.id, agent_id=d.agent_id, hot_issue=d.hot_issue, status=d.status
        )
    )
    return 0
