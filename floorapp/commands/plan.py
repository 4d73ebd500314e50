"""``floorapp plan check|import|show``: the guarantee plan file (docs/plan.md)."""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from pathlib import Path

from floorapp.context import AppContext
from floorapp.plan.loader import PlanError
from floorapp.plan.model import Plan
from floorapp.policy import Refused
from floorapp.services import ServiceError, plans
from floorapp.services.care import record_leave
from floorapp.text import say


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("plan", help="check, import or show the guarantee-period plan")
    psub = p.add_subparsers(dest="plan_command", metavar="ACTION", required=True)
    c = psub.add_parser("check", help="validate a plan file and list every problem")
    c.add_argument("file")
    c.set_defaults(func=cmd_check)
    i = psub.add_parser("import", help="store a plan file as a new version (old ones kept)")
    i.add_argument("file")
    i.set_defaults(func=cmd_import)
    s = psub.add_parser("show", help="print the plan in force now")
    s.set_defaults(func=cmd_show)
    v = psub.add_parser("versions", help="list the stored plan versions")
    v.set_defaults(func=cmd_versions)
    lv = psub.add_parser("leave", help="record an agent's leave (the first day back is a "
                         "personal care moment)")
    lv.add_argument("agent")
    lv.add_argument("first_day", type=date.fromisoformat, help="YYYY-MM-DD")
    lv.add_argument("last_day", type=date.fromisoformat, help="YYYY-MM-DD, the last day away")
    lv.set_defaults(func=cmd_leave)


def _refused(exc: Refused) -> int:
    say(f"floorapp plan: {exc.message}", err=True)
    return 1


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        say(f"{path}: {exc.strerror}")
        return None


def _report(path: str, err: PlanError) -> None:
    n = len(err.issues)
    say(f"{path}: {n} problem{'s' if n != 1 else ''}")
    for issue in err.issues:
        say(f"  {issue.path}: {issue.message}")


def cmd_check(ctx: AppContext, args: argparse.Namespace) -> int:
    text = _read(args.file)
    if text is None:
        return 1
    try:
        plan = plans.check(ctx.engine, text, actor=ctx.actor, now=ctx.clock.now(),
                           rules=ctx.settings.rules)
    except Refused as exc:
        return _refused(exc)
    except PlanError as err:
        _report(args.file, err)
        return 1
    say(f"{args.file}: OK: {plan.name!r}, {len(plan.periods)} period(s), "
          f"{len(plan.requirements)} requirement(s), {len(plan.care_items)} care item(s)")
    return 0


def cmd_import(ctx: AppContext, args: argparse.Namespace) -> int:
    text = _read(args.file)
    if text is None:
        return 1
    try:
        vid = plans.import_plan(ctx.engine, text, source=args.file, actor=ctx.actor,
                                now=ctx.clock.now(), rules=ctx.settings.rules)
    except Refused as exc:
        return _refused(exc)
    except PlanError as err:
        _report(args.file, err)
        return 1
    say(f"imported {args.file} as plan version {vid}")
    return 0


def describe(plan: Plan) -> list[str]:
    tz = plan.timezone
    lines = [f"time zone {tz.key}; shift {plan.shift.start:%H:%M}-{plan.shift.end:%H:%M}"]
    for team, sh in sorted(plan.team_shifts.items()):
        lines.append(f"  team {team}: shift {sh.start:%H:%M}-{sh.end:%H:%M}")
    lines.append("periods:")
    for p in plan.periods:
        lines.append(f"  {p.name}: {p.start.astimezone(tz):%Y-%m-%d %H:%M} → "
                     f"{p.end.astimezone(tz):%Y-%m-%d %H:%M}, teams {', '.join(p.teams)}"
                     + (f"; dense days {', '.join(map(str, p.dense_days))}"
                        if p.dense_days else ""))
    lines.append("requirements:")
    for q in plan.requirements:
        lines.append(f"  [{q.key}]{f' ({q.period})' if q.period else ''} {q.text}")
        if q.trigger_rule:
            thr = f" ≥ {q.trigger_threshold:g}" if q.trigger_threshold is not None else ""
            lines.append(f"      trigger: {q.trigger_rule}{thr}")
        if q.metric:
            from floorapp.plan.metrics import METRICS

            m = METRICS[q.metric]
            lines.append(f"      target: {m.label} {q.baseline:g}{m.unit} → {q.target:g}{m.unit}")
    c = plan.cadence
    lines.append(f"patrols: every {c.normal} min, every {c.period} min in a period")
    for team, tc in sorted(plan.team_cadence.items()):
        lines.append(f"  team {team}: every {tc.normal} min, every {tc.period} min in a period")
    lines.append(f"care (no repeat within {plan.repeat_days} days):")
    for item in plan.care_items:
        when = "alternative" if item.on == "never" else f"{item.on} at {item.at}"
        lines.append(f"  {item.key}: {item.title} ({when})")
    lines.append(f"  after a long call: {plan.water_title} within {plan.water_within_min} min")
    if plan.birthday:
        lines.append(f"  birthdays at {plan.birthday.at:%H:%M}: {plan.birthday.title}")
    if plan.back_from_leave:
        lines.append(f"  back from leave at {plan.back_from_leave.at:%H:%M}: "
                     f"{plan.back_from_leave.title}")
    if plan.recognition_at:
        lines.append(f"recognition at {', '.join(plan.recognition_at)} on period days: "
                     f"{', '.join(plan.dimensions)}")
    return lines


def cmd_show(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        stored = plans.in_force(ctx.engine, actor=ctx.actor, now=ctx.clock.now())
    except Refused as exc:
        return _refused(exc)
    if stored is None:
        say("no plan imported yet: floorapp plan import FILE")
        return 1
    now = ctx.clock.now()
    tz = stored.plan.timezone
    say(f"{stored.plan.name} (version {stored.version_id}, imported "
          f"{stored.imported_at.astimezone(tz):%Y-%m-%d %H:%M} by {stored.imported_by} "
          f"from {stored.source})")
    active = stored.plan.active_period(now)
    say(f"in force now: {active.name} until {active.end.astimezone(tz):%Y-%m-%d %H:%M}"
          if active else "in force now: no guarantee period (normal cadence)")
    for line in describe(stored.plan):
        say(line)
    return 0


def cmd_versions(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        rows = plans.versions(ctx.engine, actor=ctx.actor, now=ctx.clock.now())
    except Refused as exc:
        return _refused(exc)
    if not rows:
        say("no plan imported yet")
    for vid, name, at, by in rows:
        say(f"{vid:>4}  {at:%Y-%m-%d %H:%M}Z  {by:<16} {name}")
    return 0


def cmd_leave(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        record_leave(ctx.engine, agent_id=args.agent, starts_on=args.first_day,
                     ends_on=args.last_day, actor=ctx.actor, now=ctx.clock.now())
    except Refused as exc:
        return _refused(exc)
    except ServiceError as exc:
        say(f"floorapp plan leave: {exc}", err=True)
        return 1
    say(f"{args.agent}: away {args.first_day} to {args.last_day}, back "
          f"{args.last_day + timedelta(days=1)}")
    return 0
