"""``floorapp rules [--json]``: the distress rules in force and how often each fired today."""

from __future__ import annotations

import argparse
import json

from rich.console import Console
from rich.table import Table

from floorapp import words
from floorapp.context import AppContext
from floorapp.i18n import _
from floorapp.policy import Refused
from floorapp.services import rules as svc
from floorapp.text import cell, say


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "rules",
        help=_("the distress rules in force: thresholds, severity, fired today"),
        description=_(
            "List the distress rules in force (defaults merged with [rules.<name>] in "
            "the config file) and how many times each fired today, in the centre's time zone."
        ),
    )
    p.add_argument("--json", action="store_true", help=_("one JSON object instead of a table"))
    p.set_defaults(func=cmd_rules)


def cmd_rules(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        report = svc.in_force(
            ctx.engine, settings=ctx.settings, actor=ctx.actor, now=ctx.clock.now()
        )
    except Refused as exc:
        say(f"floorapp rules: {exc.message}", err=True)
        return 1
    if args.json:
        say(
            json.dumps(
                {
                    "day": report.day.isoformat(),
                    "timezone": report.timezone,
                    "rules": [r.as_json() for r in report.rules],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    console = Console()
    wide = console.width >= 120  # the one-line descriptions only where they fit
    table = Table(
        title=cell(
            _("Distress rules in force · today is {day} ({timezone})").format(
                day=report.day, timezone=report.timezone
            )
        ),
        title_justify="left",
    )
    table.add_column(_("rule"), no_wrap=True)
    table.add_column(_("on"), no_wrap=True)
    table.add_column(_("thresholds"))
    table.add_column(_("severity"), no_wrap=True)
    table.add_column(_("fired today"), justify="right", no_wrap=True)
    if wide:
        table.add_column(_("what it watches"))
        # The code a centre writes in its config file to tune the rule.
        table.add_column(_("config"), no_wrap=True)
    for r in report.rules:
        cells = [
            cell(words.rule(r.name)),
            cell(_("on") if r.enabled else _("off")),
            cell(words.rule_thresholds(r.name, r.params, r.units)),
            cell(words.severity(r.severity)),
            cell(str(r.fired_today)),
        ]
        if wide:
            cells += [cell(r.summary), cell(_("rules.{name}").format(name=r.name), style="dim")]
        table.add_row(*cells)
    console.print(table)
    return 0
