"""``floorapp roster``: import the centre's roster CSV, list it, designate agents for
sensitive customers and keep the sensitive-customer list."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from floorapp import words
from floorapp.context import AppContext
from floorapp.i18n import _
from floorapp.policy import Refused
from floorapp.roster import RosterError, RosterFileError, read_sensitive_customers_csv
from floorapp.services import roster as svc
from floorapp.text import cell, clean, say

EXIT_OK, EXIT_BAD_ROWS, EXIT_UNUSABLE = 0, 1, 2


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("roster", help=_("teams, agents, supervisors and sensitive customers"))
    rs = p.add_subparsers(dest="roster_cmd", metavar="ACTION", required=True)

    imp = rs.add_parser("import", help=_("load a roster CSV (columns: see docs/roster.md)"))
    imp.add_argument("file", metavar="FILE.csv")
    imp.set_defaults(func=cmd_import)

    ls = rs.add_parser("list", help=_("agents and supervisors on the roster"))
    ls.add_argument("--team", metavar="T", help=_("only this team"))
    ls.set_defaults(func=cmd_list)

    al = rs.add_parser("aliases", help=_("the feed's other names for agents: given and learned"))
    al.set_defaults(func=cmd_aliases)

    des = rs.add_parser("designate", help=_("designate an agent to take sensitive customers"))
    des.add_argument("agent", metavar="AGENT")
    des.add_argument("--off", action="store_true", help=_("remove the designation"))
    des.set_defaults(func=cmd_designate)

    sc = rs.add_parser("sensitive-customers", help=_("the list of known sensitive customers"))
    scs = sc.add_subparsers(dest="sc_cmd", metavar="ACTION", required=True)
    sci = scs.add_parser("import", help=_("load customer ids from a CSV (customer_id[, note])"))
    sci.add_argument("file", metavar="FILE.csv")
    sci.set_defaults(func=cmd_sc_import)
    sca = scs.add_parser("add", help=_("add one customer id"))
    sca.add_argument("customer", metavar="ID")
    sca.add_argument("--note", help=_("why this customer is sensitive"))
    sca.set_defaults(func=cmd_sc_add)
    scr = scs.add_parser("remove", help=_("take a customer id off the list"))
    scr.add_argument("customer", metavar="ID")
    scr.set_defaults(func=cmd_sc_remove)
    scl = scs.add_parser("list", help=_("the sensitive customers"))
    scl.set_defaults(func=cmd_sc_list)


def _console() -> Console:
    # Piped output is read by scripts and people alike: do not squeeze it into 80 columns.
    return Console(highlight=False, width=None if sys.stdout.isatty() else 200)


def _t(value: object) -> Text:
    """A literal cell: names from a spreadsheet are data, never markup nor an escape."""
    return cell("" if value is None else value)


def _refused(command: str, exc: Refused) -> int:
    say(
        _("floorapp roster {command}: {message}").format(command=command, message=exc.message),
        err=True,
    )
    return EXIT_BAD_ROWS


def cmd_import(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        report = svc.import_roster(
            ctx.engine, Path(args.file), actor=ctx.actor, now=ctx.clock.now()
        )
    except Refused as exc:
        return _refused("import", exc)
    except RosterFileError as exc:
        say(f"floorapp roster import: {exc}", err=True)
        return EXIT_UNUSABLE
    for e in report.errors:
        say(str(e), err=True)
    say(report.summary())
    return EXIT_BAD_ROWS if report.errors else EXIT_OK


def cmd_list(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        found = svc.listing(ctx.engine, actor=ctx.actor, now=ctx.clock.now(), team=args.team)
    except Refused as exc:
        return _refused("list", exc)
    agents, sups = found.agents, found.supervisors
    con = _console()
    con.print(_("Agents: {n}").format(n=len(agents)))
    table = Table()
    for col in (_("id"), _("name"), _("team"), _("tier"), _("sensitive"), _("birthday")):
        table.add_column(col)
    for a in agents:
        team = words.team(a.team) + (_(" (from feed)") if a.from_feed else "")
        table.add_row(
            _t(a.id),
            _t(a.name),
            _t(team),
            _t(a.tier),
            _t(_("yes") if a.sensitive else ""),
            _t(a.birthday),
        )
    con.print(table)
    con.print(_("Supervisors: {n}").format(n=len(sups)))
    st = Table()
    for col in (_("login"), _("name"), _("role"), _("teams")):
        st.add_column(col)
    for s in sups:
        st.add_row(
            _t(s.id),
            _t(s.name),
            _t(words.role(s.role)),
            _t(_("all") if s.role == "floor_manager" and not s.teams else ";".join(s.teams)),
        )
    con.print(st)
    return EXIT_OK


def cmd_aliases(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        found = svc.aliases(ctx.engine, actor=ctx.actor, now=ctx.clock.now())
    except Refused as exc:
        return _refused("aliases", exc)
    con = _console()
    learned = sum(1 for a in found if a.source == "learned")
    con.print(
        _("Aliases: {n} ({value} from the roster, {learned} learned from the feed)").format(
            n=len(found), value=len(found) - learned, learned=learned
        )
    )
    table = Table()
    for col in (_("feed name"), _("agent"), _("name"), _("source"), _("since"), _("from")):
        table.add_column(col)
    for a in found:
        table.add_row(
            _t(a.alias),
            _t(a.agent_id),
            _t(a.agent_name),
            _t(a.source),
            _t(a.learned_at.strftime("%Y-%m-%d %H:%M:%S UTC")),
            _t(a.evidence),
        )
    con.print(table)
    return EXIT_OK


def cmd_designate(ctx: AppContext, args: argparse.Namespace) -> int:
    on = not args.off
    try:
        changed = svc.designate(ctx.engine, args.agent, on, actor=ctx.actor, now=ctx.clock.now())
    except Refused as exc:
        return _refused("designate", exc)
    except RosterError as exc:
        say(f"floorapp roster designate: {exc}", err=True)
        return EXIT_BAD_ROWS
    said = (
        _("{agent} designated for sensitive customers")
        if on
        else _("{agent} no longer designated for sensitive customers")
    )
    say(said.format(agent=clean(args.agent)) + ("" if changed else _(" (already so)")))
    return EXIT_OK


def cmd_sc_import(ctx: AppContext, args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        svc.require_sensitive_edit(ctx.engine, actor=ctx.actor, now=ctx.clock.now())
    except Refused as exc:
        return _refused("sensitive-customers import", exc)
    try:
        rows = read_sensitive_customers_csv(path)
    except RosterFileError as exc:
        say(f"floorapp roster sensitive-customers import: {exc}", err=True)
        return EXIT_UNUSABLE
    good: list[tuple[str, str | None]] = []
    bad = 0
    seen: dict[str, int] = {}
    for n, cid, note in rows:
        if not cid:
            say(
                _("{path}:{n}: field 'customer_id': required, got ''").format(path=path, n=n),
                err=True,
            )
            bad += 1
        elif len(cid) > 200:
            say(
                _("{path}:{n}: field 'customer_id': at most 200 characters, got {n2}").format(
                    path=path, n=n, n2=len(cid)
                ),
                err=True,
            )
            bad += 1
        elif cid in seen:
            say(
                _("{path}:{n}: field 'customer_id': {cid!r} already given on row {value}").format(
                    path=path, n=n, cid=clean(cid), value=seen[cid]
                ),
                err=True,
            )
            bad += 1
        else:
            seen[cid] = n
            good.append((cid, note or None))
    try:
        added, updated = svc.add_sensitive_customers(
            ctx.engine, good, actor=ctx.actor, now=ctx.clock.now(), source=str(path)
        )
    except Refused as exc:
        return _refused("sensitive-customers import", exc)
    say(
        _(
            "{path}: {n} rows: {added} added, {updated} updated, {value} unchanged, {bad} bad "
            "rows skipped"
        ).format(
            path=path,
            n=len(rows),
            added=added,
            updated=updated,
            value=len(good) - added - updated,
            bad=bad,
        )
    )
    return EXIT_BAD_ROWS if bad else EXIT_OK


def cmd_sc_add(ctx: AppContext, args: argparse.Namespace) -> int:
    cid = args.customer.strip()
    if not cid:
        say(_("floorapp roster sensitive-customers add: empty customer id"), err=True)
        return EXIT_UNUSABLE
    try:
        added, updated = svc.add_sensitive_customers(
            ctx.engine, [(cid, args.note)], actor=ctx.actor, now=ctx.clock.now()
        )
    except Refused as exc:
        return _refused("sensitive-customers add", exc)
    state = _("added") if added else _("updated") if updated else _("already on the list")
    say(_("sensitive customer {cid}: {state}").format(cid=clean(cid), state=state))
    return EXIT_OK


def cmd_sc_remove(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        removed = svc.remove_sensitive_customer(
            ctx.engine, args.customer, actor=ctx.actor, now=ctx.clock.now()
        )
    except Refused as exc:
        return _refused("sensitive-customers remove", exc)
    if removed:
        say(_("sensitive customer {customer}: removed").format(customer=clean(args.customer)))
        return EXIT_OK
    say(
        _("floorapp roster sensitive-customers remove: {customer!r} is not on the list").format(
            customer=clean(args.customer)
        ),
        err=True,
    )
    return EXIT_BAD_ROWS


def cmd_sc_list(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        rows = svc.sensitive_customers(ctx.engine, actor=ctx.actor, now=ctx.clock.now())
    except Refused as exc:
        return _refused("sensitive-customers list", exc)
    con = _console()
    con.print(_("Sensitive customers: {n}").format(n=len(rows)))
    table = Table()
    table.add_column(_("customer"))
    table.add_column(_("note"))
    for cid, note in rows:
        table.add_row(_t(cid), _t(note))
    con.print(table)
    return EXIT_OK
