"""``floorapp reminders``: the scheduled jobs with their next fire times, and open reminders.

``floorapp reminders done|snooze|skip ID`` act on one from the command line (audited
under ``--as``), like the console's keys; ``patrol`` and ``care`` record a patrol walked or
care given without a reminder (an unplanned one counts too). Times are the floor's own
(``floor.timezone``), as on the console.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Column, Float, MetaData, Table, Unicode, inspect, select

from db.engine import read_tx
from floorapp import words
from floorapp.context import AppContext
from floorapp.i18n import N_, _
from floorapp.policy import Refused
from floorapp.scheduler.firing import upcoming
from floorapp.scheduler.host import HORIZON
from floorapp.scheduler.lease import read_lease
from floorapp.services import ServiceError
from floorapp.services import reminders as svc
from floorapp.services.care import give_care
from floorapp.services.patrols import counts, last_patrols, patrol_log, record_patrol
from floorapp.services.scope import load_scope
from floorapp.text import say

# The job table APScheduler's SQLAlchemyJobStore creates (read-only here).
_JOBS = Table(
    "apscheduler_jobs",
    MetaData(),
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25)),
)


# A reminder's state and a patrol's outcome as the reader reads them.
STATES: dict[str, str] = {
    "overdue": N_("overdue"),
    "due": N_("due"),
    "missed": N_("missed"),
    "snoozed": N_("snoozed"),
    "done": N_("done"),
    "skipped": N_("skipped"),
    "late": N_("late"),
    "open": N_("open"),
    "pending": N_("pending"),
}


# Where the jobs listed come from (the --json output keeps these words).
JOB_STORE = "job store"
TIMETABLE = "plan timetable (no scheduler has run)"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("reminders", help=_("scheduled reminder jobs and open reminders"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(func=cmd_list)
    rsub = p.add_subparsers(dest="reminders_command", metavar="ACTION")
    d = rsub.add_parser("done", help=_("mark a reminder done"))
    d.add_argument("id", type=int)
    d.add_argument("--note")
    d.add_argument(
        "--flag",
        metavar="AGENT",
        help=_(
            "raise an 'observed' flag on an agent seen "
            "struggling (patrol); the note says what was seen"
        ),
    )
    d.set_defaults(func=cmd_done)
    s = rsub.add_parser("snooze", help=_("snooze a reminder 5, 10 or 15 minutes"))
    s.add_argument("id", type=int)
    s.add_argument("minutes", type=int, choices=svc.SNOOZE_CHOICES)
    s.set_defaults(func=cmd_snooze)
    k = rsub.add_parser("skip", help=_("skip a reminder (a reason is required)"))
    k.add_argument("id", type=int)
    k.add_argument("reason")
    k.set_defaults(func=cmd_skip)
    pl = rsub.add_parser(
        "patrols", help=_("the patrol log: done, late, missed, and the last patrol per team")
    )
    pl.add_argument("--team")
    pl.add_argument("--hours", type=float, default=12, help=_("how far back (default 12)"))
    pl.set_defaults(func=cmd_patrols)
    pw = rsub.add_parser("patrol", help=_("record a patrol walked without a reminder"))
    pw.add_argument("team")
    pw.add_argument("--note")
    pw.set_defaults(func=cmd_patrol)
    cg = rsub.add_parser(
        "care", help=_("record care given without a reminder (to an agent or a whole team)")
    )
    cg.add_argument("item", help=_("what was given (a care item of the plan, or your words)"))
    to = cg.add_mutually_exclusive_group(required=True)
    to.add_argument("--agent")
    to.add_argument("--team")
    cg.add_argument("--note")
    cg.set_defaults(func=cmd_care)


def scheduled_jobs(ctx: AppContext, now: datetime) -> tuple[str, list[dict[str, Any]]]:
    """Next fire time and count per series: from the job store if a scheduler has run,
    else from the plan's timetable."""
    engine = ctx.engine
    if inspect(engine).has_table("apscheduler_jobs"):
        with read_tx(engine) as conn:
            rows = conn.execute(select(_JOBS.c.id, _JOBS.c.next_run_time)).all()
        if rows:
            series: dict[str, list[float]] = defaultdict(list)
            for job_id, ts in rows:
                if ts is not None:
                    series[job_id.split("@", 1)[0]].append(ts)
            return JOB_STORE, sorted(
                (
                    {
                        "series": s,
                        "next_fire": datetime.fromtimestamp(min(v), UTC),
                        "pending": len(v),
                    }
                    for s, v in series.items()
                ),
                key=lambda j: (j["next_fire"], j["series"]),
            )
    firsts: dict[str, dict[str, Any]] = {}
    for occ in upcoming(engine, now, HORIZON):
        entry = firsts.setdefault(
            occ.job_id, {"series": occ.job_id, "next_fire": occ.at, "pending": 0}
        )
        entry["pending"] += 1
    return TIMETABLE, sorted(firsts.values(), key=lambda j: (j["next_fire"], j["series"]))


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t else None


def _refused(exc: Refused) -> int:
    say(f"floorapp reminders: {exc.message}", err=True)
    return 1


def cmd_list(ctx: AppContext, args: argparse.Namespace) -> int:
    now = ctx.clock.now()
    try:
        view = svc.listing(ctx.engine, actor=ctx.actor, now=now)
    except Refused as exc:
        return _refused(exc)
    source, jobs = scheduled_jobs(ctx, now)
    with read_tx(ctx.engine) as conn:
        lease = read_lease(conn)
    holder = lease.holder if lease and lease.expires_at and lease.expires_at > now else None
    if args.json:
        out = {
            "now": now.isoformat(),
            "scheduler": {
                "holder": holder,
                "covered_until": _iso(lease.covered_until) if lease else None,
                "source": source,
            },
            "jobs": [{**j, "next_fire": j["next_fire"].isoformat()} for j in jobs],
            "open": [
                {
                    "id": r.id,
                    "state": r.state,
                    "kind": r.kind,
                    "title": r.title,
                    "team": r.team_id,
                    "agent": r.agent_id,
                    "scheduled_for": r.scheduled_for.isoformat(),
                    "due_by": _iso(r.due_by),
                    "snoozed_until": _iso(r.snoozed_until),
                    "warning": r.warning,
                }
                for r in [*view.overdue, *view.due, *view.missed, *view.snoozed]
            ],
            "coming": [
                {"at": c.at.isoformat(), "kind": c.kind, "title": c.title, "team": c.team_id}
                for c in view.coming
            ],
        }
        say(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    where = (
        _("jobs from the job store")
        if source == JOB_STORE
        else _("jobs from the plan timetable (no scheduler has run)")
    )
    if holder:
        say(_("scheduler: held by {holder}; {where}").format(holder=holder, where=where))
    else:
        say(_("scheduler: not running; {where}").format(where=where))
    if not jobs:
        say(_("  no scheduled jobs (no plan imported, or nothing in the next hours)"))
    loc = ctx.settings.timezone
    for j in jobs:
        left = j["next_fire"] - now
        say(
            _("  {next_fire:%Y-%m-%d %H:%M}  in {dur:>7}  {series}  ({pending} pending)").format(
                next_fire=j["next_fire"].astimezone(loc),
                dur=words.minutes(left, compact=True),
                series=j["series"],
                pending=j["pending"],
            )
        )
    say(_("open reminders for {actor}:").format(actor=ctx.actor))
    rows = [*view.overdue, *view.due, *view.missed, *view.snoozed]
    if not rows:
        say(_("  none"))
    for r in rows:
        say(
            f"  #{r.id:<5} {words.word(STATES, r.state):<8} "
            f"{r.scheduled_for.astimezone(loc):%H:%M}  {r.title}"
            + (_("  [team {team_id}]").format(team_id=r.team_id) if r.team_id else "")
        )
        if r.warning:
            say(f"         ! {r.warning}")
    return 0


def _act(fn: Any) -> int:
    try:
        r = fn()
    except Refused as exc:
        return _refused(exc)
    except ServiceError as exc:
        say(f"floorapp reminders: {exc}", err=True)
        return 1
    say(f"#{r.id} {words.word(STATES, r.status)}: {r.title}")
    return 0


def cmd_done(ctx: AppContext, args: argparse.Namespace) -> int:
    return _act(
        lambda: svc.done(
            ctx.engine,
            args.id,
            actor=ctx.actor,
            now=ctx.clock.now(),
            note=args.note,
            flag_agent=args.flag,
        )
    )


def cmd_snooze(ctx: AppContext, args: argparse.Namespace) -> int:
    return _act(
        lambda: svc.snooze(
            ctx.engine, args.id, actor=ctx.actor, now=ctx.clock.now(), minutes=args.minutes
        )
    )


def cmd_skip(ctx: AppContext, args: argparse.Namespace) -> int:
    return _act(
        lambda: svc.skip(
            ctx.engine, args.id, actor=ctx.actor, now=ctx.clock.now(), reason=args.reason
        )
    )


def cmd_patrols(ctx: AppContext, args: argparse.Namespace) -> int:
    now = ctx.clock.now()
    try:
        log = patrol_log(
            ctx.engine,
            now=now,
            since=now - timedelta(hours=args.hours),
            team=args.team,
            actor=ctx.actor,
        )
    except Refused as exc:
        return _refused(exc)
    loc = ctx.settings.timezone
    for e in log:
        due = f"{e.due_at.astimezone(loc):%m-%d %H:%M}" if e.due_at else _("(unplanned)")
        walked = _("walked {at:%H:%M}").format(at=e.at.astimezone(loc)) if e.at else ""
        say(
            _("  {due:<11}  team {team_id:<10} {outcome:<8} {walked:<14} {value}").format(
                due=due,
                team_id=e.team_id,
                outcome=words.word(STATES, e.outcome),
                walked=walked,
                value=e.supervisor or "",
            )
            + (f"  {e.note}" if e.note else "")
        )
    c = counts(log)
    say(
        _(
            "{done} done, {late} late, {missed} missed, {skipped} skipped, {open} open in the "
            "last {hours:g} h"
        ).format(
            done=c["done"],
            late=c["late"],
            missed=c["missed"],
            skipped=c["skipped"],
            open=c["open"],
            hours=args.hours,
        )
    )
    scope = load_scope(ctx.engine, ctx.actor)  # the policy let them in (patrol_log)
    for team, last in sorted(last_patrols(ctx.engine, now=now).items()):
        if args.team in (None, team) and scope.allows_team(team):
            say(
                _("last patrol of team {team}: {minutes_ago} min ago by {by}").format(
                    team=team, minutes_ago=last.minutes_ago, by=last.by
                )
            )
    return 0


def cmd_patrol(ctx: AppContext, args: argparse.Namespace) -> int:
    now = ctx.clock.now()
    try:
        pid = record_patrol(ctx.engine, team=args.team, actor=ctx.actor, now=now, note=args.note)
    except Refused as exc:
        return _refused(exc)
    say(
        _("patrol #{id} of team {team} recorded at {at:%H:%M}").format(
            id=pid, team=args.team, at=now.astimezone(ctx.settings.timezone)
        )
    )
    return 0


def cmd_care(ctx: AppContext, args: argparse.Namespace) -> int:
    now = ctx.clock.now()
    try:
        cid = give_care(
            ctx.engine,
            actor=ctx.actor,
            now=now,
            item=args.item,
            agent_id=args.agent,
            team_id=args.team,
            note=args.note,
        )
    except Refused as exc:
        return _refused(exc)
    except ServiceError as exc:
        say(_("floorapp {command}: {error}").format(command="reminders care", error=exc), err=True)
        return 1
    say(
        _("care #{id} ({item}) to {to} recorded").format(
            id=cid, item=args.item, to=args.agent or args.team
        )
    )
    return 0
