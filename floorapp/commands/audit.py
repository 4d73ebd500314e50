"""``floorapp audit [--since WHEN] [--who SUPERVISOR] [--json]``: read the audit log.

A floor manager reads every entry; a team leader reads their own (the access policy's
``audit.read``). Reading is itself never written to the log, but a refused read is.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta, tzinfo

from floorapp import words
from floorapp.context import AppContext
from floorapp.i18n import _
from floorapp.policy import Refused
from floorapp.services import ServiceError, audit_log
from floorapp.text import say

_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("audit", help=_("read the audit log: who did what, and every refusal"))
    p.add_argument(
        "--since",
        metavar="WHEN",
        help=_(
            "only entries since then: an ISO date or time (local to the centre), "
            "or an age such as 30m, 12h, 7d"
        ),
    )
    p.add_argument("--who", metavar="SUPERVISOR", help=_("only this supervisor's entries"))
    p.add_argument(
        "--limit", type=int, default=1000, help=_("at most this many, the newest (default 1000)")
    )
    p.add_argument("--json", action="store_true", help=_("one JSON array of entries"))
    p.set_defaults(func=cmd_audit)


def parse_since(text: str, now: datetime, tz: tzinfo) -> datetime:
    """``30m``/``12h``/``7d`` back from now, or an ISO date/time (naive: the centre's zone)."""
    value = text.strip()
    if value[:-1].isdigit() and value[-1:] in _UNITS:
        return now - timedelta(**{_UNITS[value[-1]]: int(value[:-1])})
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            _("--since: expected an ISO date or time, or 30m / 12h / 7d, not {value!r}").format(
                value=value
            )
        ) from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=tz)
    return at.astimezone(UTC)


def cmd_audit(ctx: AppContext, args: argparse.Namespace) -> int:
    now = ctx.clock.now()
    tz = ctx.settings.timezone
    try:
        since = parse_since(args.since, now, tz) if args.since else None
    except ValueError as exc:
        say(f"floorapp audit: {exc}", err=True)
        return 2
    try:
        rows = audit_log.entries(
            ctx.engine, actor=ctx.actor, now=now, since=since, who=args.who, limit=args.limit
        )
    except Refused as exc:
        say(f"floorapp audit: {exc.message}", err=True)
        return 1
    except ServiceError as exc:
        say(f"floorapp audit: {exc}", err=True)
        return 2
    if args.json:
        say(json.dumps([r.as_json() for r in rows], ensure_ascii=False, indent=2))
        return 0
    if not rows:
        say(
            _("no audit entries")
            + (_(" since {since}").format(since=args.since) if args.since else "")
        )
    for r in rows:
        target = f" {words.target_kind(r.target_kind)} {r.target_id}" if r.target_kind else ""
        outcome = "" if r.outcome == "ok" else f" [{words.audit_outcome(r.outcome)}]"
        detail = f": {' '.join((r.detail or '').split())}" if r.detail else ""
        say(
            f"{r.at.astimezone(tz):%Y-%m-%d %H:%M:%S}  {r.actor}  {r.action}{target}"
            f"{outcome}{detail}"
        )
    return 0
