"""``floorapp plan check|import|show``: the guarantee plan file (docs/plan.md)."""

from __future__ import annotations

import argparse
from datetime import date, timedelta, tzinfo
from pathlib import Path

from floorapp import words
from floorapp.context import AppContext
from floorapp.i18n import MARKS, _, ngettext
from floorapp.plan.loader import PlanError
from floorapp.plan.model import SHIFT_END, Plan
from floorapp.policy import Refused
from floorapp.services import ServiceError, plans
from floorapp.services.care import record_leave
from floorapp.text import say


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("plan", help=_("check, import or show the guarantee-period plan"))
    psub = p.add_subparsers(dest="plan_command", metavar="ACTION", required=True)
    c = psub.add_parser("check", help=_("validate a plan file and list every problem"))
    c.add_argument("file")
    c.set_defaults(func=cmd_check)
    i = psub.add_parser("import", help=_("store a plan file as a new version (old ones kept)"))
    i.add_argument("file")
    i.set_defaults(func=cmd_import)
    s = psub.add_parser("show", help=_("print the plan in force now"))
    s.set_defaults(func=cmd_show)
    v = psub.add_parser("versions", help=_("list the stored plan versions"))
    v.set_defaults(func=cmd_versions)
    lv = psub.add_parser(
        "leave", help=_("record an agent's leave (the first day back is a personal care moment)")
    )
    lv.add_argument("agent")
    lv.add_argument("first_day", type=date.fromisoformat, help=_("YYYY-MM-DD"))
    lv.add_argument("last_day", type=date.fromisoformat, help=_("YYYY-MM-DD, the last day away"))
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
    say(ngettext("{path}: {n} problem", "{path}: {n} problems", n).format(path=path, n=n))
    for issue in err.issues:
        say(f"  {issue.path}: {issue.message}")


def cmd_check(ctx: AppContext, args: argparse.Namespace) -> int:
    text = _read(args.file)
    if text is None:
        return 1
    try:
        plan = plans.check(
            ctx.engine, text, actor=ctx.actor, now=ctx.clock.now(), rules=ctx.settings.rules
        )
    except Refused as exc:
        return _refused(exc)
    except PlanError as err:
        _report(args.file, err)
        return 1
    counts = ", ".join(
        (
            ngettext("{n} period", "{n} periods", len(plan.periods)).format(n=len(plan.periods)),
            ngettext("{n} requirement", "{n} requirements", len(plan.requirements)).format(
                n=len(plan.requirements)
            ),
            ngettext("{n} care item", "{n} care items", len(plan.care_items)).format(
                n=len(plan.care_items)
            ),
        )
    )
    say(_("{file}: OK: {name!r}, {counts}").format(file=args.file, name=plan.name, counts=counts))
    return 0


def cmd_import(ctx: AppContext, args: argparse.Namespace) -> int:
    text = _read(args.file)
    if text is None:
        return 1
    try:
        vid = plans.import_plan(
            ctx.engine,
            text,
            source=args.file,
            actor=ctx.actor,
            now=ctx.clock.now(),
            rules=ctx.settings.rules,
        )
    except Refused as exc:
        return _refused(exc)
    except PlanError as err:
        _report(args.file, err)
        return 1
    say(_("imported {file} as plan version {vid}").format(file=args.file, vid=vid))
    return 0


def _named(word: str, code: str) -> str:
    """A word with the id the plan file writes: ``拒绝接受解释 (refused_explanations)``; an
    English word that is its id with underscores as spaces shows once."""
    return word if word == code.replace("_", " ") else f"{word} ({code})"


def _at(at: str | None) -> str:
    return _("shift end") if at == SHIFT_END else (at or "")


def describe(plan: Plan, shown_in: tzinfo | None = None) -> list[str]:
    """The plan as a supervisor reads it; dates and times of day in ``shown_in`` (the
    floor's zone, as the console shows them; the plan's own when not given)."""
    tz = shown_in or plan.timezone
    hm = "%H:%M"
    lines = [
        _("time zone {zone}; shift {start}-{end}").format(
            # Shift hours are the plan's own, in its zone.
            zone=plan.timezone.key,
            start=plan.shift.start.strftime(hm),
            end=plan.shift.end.strftime(hm),
        )
    ]
    for team, sh in sorted(plan.team_shifts.items()):
        lines.append(
            "  "
            + _("team {team}: shift {start}-{end}").format(
                team=team, start=sh.start.strftime(hm), end=sh.end.strftime(hm)
            )
        )
    lines.append(_("periods:"))
    for p in plan.periods:
        line = "  " + _("{name}: {start} to {end}, teams {teams}").format(
            name=p.name,
            start=f"{p.start.astimezone(tz):%Y-%m-%d %H:%M %Z}",
            end=f"{p.end.astimezone(tz):%Y-%m-%d %H:%M %Z}",
            teams=", ".join(p.teams),
        )
        if p.dense_days:
            line += _("; dense days {days}").format(days=", ".join(map(str, p.dense_days)))
        lines.append(line)
    lines.append(_("requirements:"))
    for q in plan.requirements:
        period = f" ({q.period})" if q.period else ""
        lines.append(f"  [{q.key}]{period} {q.text}")
        if q.trigger_rule:
            thr = f" {MARKS.ge} {q.trigger_threshold:g}" if q.trigger_threshold is not None else ""
            lines.append(
                "      "
                + _("trigger: {rule}{threshold}").format(
                    rule=_named(words.rule(q.trigger_rule), q.trigger_rule), threshold=thr
                )
            )
        if q.metric:
            from floorapp.plan.metrics import METRICS

            m = METRICS[q.metric]
            lines.append(
                "      "
                + _("target: {metric} {baseline} to {target}").format(
                    metric=_named(words.metric(q.metric), q.metric),
                    baseline=f"{q.baseline:g}{m.unit}",
                    target=f"{q.target:g}{m.unit}",
                )
            )
    c = plan.cadence
    lines.append(
        _("patrols: every {normal} min, every {period} min in a period").format(
            normal=c.normal, period=c.period
        )
    )
    for team, tc in sorted(plan.team_cadence.items()):
        lines.append(
            "  "
            + _("team {team}: every {normal} min, every {period} min in a period").format(
                team=team, normal=tc.normal, period=tc.period
            )
        )
    lines.append(
        ngettext(
            "care (no repeat within {n} day):",
            "care (no repeat within {n} days):",
            plan.repeat_days,
        ).format(n=plan.repeat_days)
    )
    for item in plan.care_items:
        when = (
            _("alternative")
            if item.on == "never"
            else _("{on} at {at}").format(
                on=_named(words.care_on(item.on), item.on), at=_at(item.at)
            )
        )
        lines.append(f"  {item.key}: {item.title} ({when})")
    lines.append(
        "  "
        + _("after a long call: {title} within {n} min").format(
            title=plan.water_title, n=plan.water_within_min
        )
    )
    if plan.birthday:
        lines.append(
            "  "
            + _("birthdays at {at}: {title}").format(
                at=plan.birthday.at.strftime(hm), title=plan.birthday.title
            )
        )
    if plan.back_from_leave:
        lines.append(
            "  "
            + _("back from leave at {at}: {title}").format(
                at=plan.back_from_leave.at.strftime(hm), title=plan.back_from_leave.title
            )
        )
    if plan.recognition_at:
        lines.append(
            _("recognition at {times} on period days: {dimensions}").format(
                times=", ".join(_at(a) for a in plan.recognition_at),
                dimensions=", ".join(_named(words.dimension(d), d) for d in plan.dimensions),
            )
        )
    return lines


def cmd_show(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        stored = plans.in_force(ctx.engine, actor=ctx.actor, now=ctx.clock.now())
    except Refused as exc:
        return _refused(exc)
    if stored is None:
        say(_("no plan imported yet: floorapp plan import FILE"))
        return 1
    now = ctx.clock.now()
    # Times read as the console shows them: in the floor's zone (settings), named.
    tz = ctx.settings.timezone
    say(
        _(
            "{name} (version {version_id}, imported {astimezone:%Y-%m-%d %H:%M %Z} by "
            "{imported_by} from {source})"
        ).format(
            name=stored.plan.name,
            version_id=stored.version_id,
            astimezone=stored.imported_at.astimezone(tz),
            imported_by=stored.imported_by,
            source=stored.source,
        )
    )
    active = stored.plan.active_period(now)
    say(
        _("in force now: {name} until {astimezone:%Y-%m-%d %H:%M %Z}").format(
            name=active.name, astimezone=active.end.astimezone(tz)
        )
        if active
        else _("in force now: no guarantee period (normal cadence)")
    )
    for line in describe(stored.plan, tz):
        say(line)
    return 0


def cmd_versions(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        rows = plans.versions(ctx.engine, actor=ctx.actor, now=ctx.clock.now())
    except Refused as exc:
        return _refused(exc)
    if not rows:
        say(_("no plan imported yet"))
    for vid, name, at, by in rows:
        say(f"{vid:>4}  {at:%Y-%m-%d %H:%M}Z  {by:<16} {name}")
    return 0


def cmd_leave(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        record_leave(
            ctx.engine,
            agent_id=args.agent,
            starts_on=args.first_day,
            ends_on=args.last_day,
            actor=ctx.actor,
            now=ctx.clock.now(),
        )
    except Refused as exc:
        return _refused(exc)
    except ServiceError as exc:
        say(f"floorapp plan leave: {exc}", err=True)
        return 1
    say(
        _("{agent}: away {first_day} to {last_day}, back {value}").format(
            agent=args.agent,
            first_day=args.first_day,
            last_day=args.last_day,
            value=args.last_day + timedelta(days=1),
        )
    )
    return 0
