"""Who may do what: the one access policy, for the console, the CLI and the service alike.

``POLICY`` is the table: every action a supervisor can take, the routes that reach it, and
who may take it. Services call ``check`` inside the transaction that would do the work, so a
refusal (``Refused``, raised) rolls back everything it guarded; ``write`` and ``read`` run
such a transaction and turn a refusal into its audit row. ``floorapp supervisors policy``
prints the table and docs/access.md is checked against it by the tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final, TypeVar

from sqlalchemy import ColumnElement, Connection, Engine, false, func, select, true
from sqlalchemy.sql.elements import SQLCoreOperations

from db.engine import read_tx, run_write
from db.models import Supervisor, SupervisorRole, SupervisorTeam
from floorapp import words
from floorapp.i18n import N_, Said, _, message, said
from floorapp.identity import over_ssh
from floorapp.services import ServiceError

T = TypeVar("T")

# A login name or a key's forced ``--as`` name: letters, digits and . _ - @, nothing a
# terminal or a shell would read as anything but a name.
SUPERVISOR_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


def is_supervisor_id(value: str) -> bool:
    return SUPERVISOR_ID.fullmatch(value) is not None


class Who(StrEnum):
    FLOOR_MANAGER = "floor manager"
    TEAM = "floor manager; team leader within their teams"
    # A supervisor's own settings: their own, and a floor manager's for anyone.
    SELF = "floor manager; a supervisor for themselves"
    NOBODY = "nobody"


@dataclass(frozen=True)
class Rule:
    action: str
    who: Who
    what: str  # "import a plan": completes "only a floor manager may ..."
    routes: tuple[str, ...]
    # Anyone may, on a floor with no supervisors yet, opened locally (never over SSH):
    # how a new install is tried and set up.
    bootstrap: bool = True


def _rules(*rules: Rule) -> dict[str, Rule]:
    return {r.action: r for r in rules}


_M, _T, _N = Who.FLOOR_MANAGER, Who.TEAM, Who.NOBODY

POLICY: Final[dict[str, Rule]] = _rules(
    # --- the console and what it shows
    Rule(
        "console.open",
        _T,
        N_("open the console (board, flags, queues of their teams)"),
        ("floorapp console [--team T]", "floorapp demo"),
    ),
    Rule("status.read", _T, N_("read the floor now"), ("floorapp status [--team T]",)),
    Rule(
        "report.read",
        _T,
        N_("read a day's, a shift's or a range's report (their teams)"),
        ("floorapp report [--team T] [--date|--from/--to|--shift]",),
    ),
    Rule("rules.read", _T, N_("read the distress rules in force"), ("floorapp rules",)),
    # Floor-wide by design: routing sensitive customers and comparing response times are
    # the whole floor's business; the console's views are behind its door (console.open).
    Rule(
        "sensitive.read",
        _T,
        N_("read the sensitive-customer list and who is designated"),
        ("floorapp roster sensitive-customers list", "console: S"),
    ),
    Rule(
        "measures.read",
        _T,
        N_("read today's flag measures (every team and supervisor)"),
        ("console: M",),
    ),
    Rule(
        "shift.read", _T, N_("read the shift so far (their teams)"), ("console: 9, the shift view",)
    ),
    # --- flags
    Rule(
        "flag.raise",
        _T,
        N_("raise a flag on an agent"),
        (
            "console: r on the board or agent detail",
            "console: f on reminders",
            "floorapp reminders done ID --flag AGENT",
        ),
    ),
    Rule(
        "flag.acknowledge",
        _T,
        N_("acknowledge a flag"),
        ("console: a on flags (the marked ones: space, shift+arrows, * every new flag)",),
    ),
    Rule("flag.escalate", _T, N_("send a flag to the floor manager"), ("console: E on flags",)),
    Rule("flag.step_in", _T, N_("step in on a flag"), ("console: i on flags",)),
    Rule("flag.resolve", _T, N_("resolve a flag"), ("console: x on flags",)),
    Rule("agent.note", _T, N_("add a note on an agent"), ("console: n in agent detail",)),
    # --- escalations
    Rule(
        "escalation.open",
        _T,
        N_("open an escalation for an agent"),
        ("console: e on the board or agent detail",),
    ),
    Rule("escalation.claim", _T, N_("claim an escalation"), ("console: c on a queue",)),
    Rule(
        "escalation.assign",
        _T,
        N_("assign an escalation (to a supervisor of its team)"),
        ("console: a on a queue",),
    ),
    Rule(
        "escalation.next_tier",
        _T,
        N_("hand an escalation to the next tier"),
        ("console: n on a queue",),
    ),
    Rule(
        "escalation.handoff_override",
        _M,
        N_("override the hand-off limit"),
        ("console: the reason asked after a refused hand-off",),
    ),
    Rule("escalation.resolve", _T, N_("resolve an escalation"), ("console: x on a queue",)),
    Rule(
        "escalation.note",
        _T,
        N_("add a note to an escalation"),
        ("console: m on a queue or in an escalation's history",),
    ),
    Rule(
        "escalation.history", _T, N_("read an escalation's history"), ("console: enter on a queue",)
    ),
    # --- reminders, patrols, care
    Rule(
        "reminders.read",
        _T,
        N_("read reminders (their teams' and their own)"),
        ("floorapp reminders", "console: the reminders view (7)"),
    ),
    Rule(
        "reminder.done",
        _T,
        N_("mark a reminder done"),
        ("floorapp reminders done ID", "console: d or f on reminders"),
    ),
    Rule(
        "reminder.snooze",
        _T,
        N_("snooze a reminder"),
        ("floorapp reminders snooze ID MIN", "console: s on reminders"),
    ),
    Rule(
        "reminder.skip",
        _T,
        N_("skip a reminder"),
        ("floorapp reminders skip ID REASON", "console: k on reminders"),
    ),
    Rule("patrols.read", _T, N_("read the patrol log"), ("floorapp reminders patrols [--team T]",)),
    Rule(
        "patrol.record",
        _T,
        N_("record a patrol walked without a reminder"),
        ("floorapp reminders patrol TEAM [--note]",),
    ),
    Rule(
        "care.give",
        _T,
        N_("record care given outside a reminder"),
        ("floorapp reminders care ITEM --agent A|--team T [--note]",),
    ),
    Rule(
        "leave.record", _T, N_("record an agent's leave"), ("floorapp plan leave AGENT FIRST LAST",)
    ),
    # --- guarantee plan and nominations
    Rule("plan.check", _T, N_("check a plan file"), ("floorapp plan check FILE",)),
    Rule(
        "plan.read",
        _T,
        N_("read the plan in force"),
        ("floorapp plan show", "floorapp plan versions", "console: the period view (8)"),
    ),
    Rule("plan.import", _M, N_("import a plan"), ("floorapp plan import FILE",)),
    Rule(
        "nominations.read",
        _T,
        N_("read nominations (their teams' agents)"),
        ("floorapp nominations [--csv]",),
    ),
    Rule(
        "nominations.candidates",
        _T,
        N_("read nomination candidates"),
        ("floorapp nominations candidates [--team T]", "console: n on the period view"),
    ),
    Rule(
        "nomination.add",
        _T,
        N_("nominate an agent"),
        ("floorapp nominations add AGENT DIM REASON", "console: n on the period view"),
    ),
    # --- drills on the hot issues and agents' requests
    Rule(
        "drills.read",
        _T,
        N_("read drills and drill coverage (their teams)"),
        ("floorapp drills [--team T] [--coverage]", "console: D", "console: the period view (8)"),
    ),
    Rule(
        "drill.result",
        _T,
        N_("record a drill's result"),
        ("floorapp drills result ID passed|practice [--note]", "console: p or n on drills"),
    ),
    Rule(
        "requests.read",
        _T,
        N_("read agents' requests (their teams)"),
        ("floorapp requests [--agent ID] [--json]", "console: R"),
    ),
    Rule(
        "request.record",
        _T,
        N_("record a request an agent raised on a patrol"),
        ("floorapp requests add AGENT CATEGORY TEXT", "console: w on the board"),
    ),
    Rule(
        "request.acknowledge",
        _T,
        N_("acknowledge an agent's request"),
        ("floorapp requests ack ID", "console: a on requests"),
    ),
    Rule(
        "request.answer",
        _T,
        N_("answer an agent's request"),
        ("floorapp requests answer ID TEXT", "console: w on requests"),
    ),
    Rule(
        "request.close",
        _T,
        N_("close an agent's request"),
        ("floorapp requests close ID", "console: x on requests"),
    ),
    # --- roster
    Rule("roster.import", _M, N_("import the roster"), ("floorapp roster import FILE",)),
    Rule(
        "roster.read",
        _T,
        N_("read the roster (their teams)"),
        ("floorapp roster list [--team T]", "floorapp roster aliases"),
    ),
    Rule(
        "roster.designate",
        _T,
        N_("designate an agent for sensitive customers"),
        ("floorapp roster designate AGENT [--off]",),
    ),
    Rule(
        "sensitive.edit",
        _M,
        N_("change the sensitive-customer list"),
        ("floorapp roster sensitive-customers add|remove|import",),
    ),
    # --- supervisors and the audit log
    Rule("supervisors.read", _T, N_("list the supervisors"), ("floorapp supervisors list",)),
    Rule("supervisors.add", _M, N_("add or change a supervisor"), ("floorapp supervisors add ID",)),
    Rule(
        "supervisor.lang",
        Who.SELF,
        N_("set another supervisor's language"),
        (
            "floorapp supervisors set ID --lang en|zh-CN|--no-lang",
            "floorapp supervisors add ID --lang en|zh-CN",
        ),
    ),
    Rule("supervisors.remove", _M, N_("remove a supervisor"), ("floorapp supervisors remove ID",)),
    Rule(
        "supervisors.keys",
        _M,
        N_("print the SSH authorized_keys"),
        ("floorapp supervisors authorized-keys",),
    ),
    Rule(
        "audit.read",
        _T,
        N_("read the audit log (a team leader: their own entries)"),
        ("floorapp audit [--since] [--who] [--json]",),
    ),
    Rule("audit.erase", _N, N_("change or erase the audit log"), (), bootstrap=False),
    Rule(
        "identity.as_other",
        _N,
        N_("act as another supervisor from their own SSH login"),
        ("floorapp --as NAME in a supervisor's SSH shell",),
        bootstrap=False,
    ),
)


class Refused(ServiceError):
    """An action that did not happen, and why. Raised inside the transaction that would
    have done it, so nothing it guarded is written; ``write`` audits it."""

    def __init__(
        self,
        action: str,
        actor: str,
        reason: str,
        *,
        target_kind: str | None = None,
        target_id: str | int | None = None,
    ) -> None:
        super().__init__(reason)
        # What the audit log keeps: the sentence's message id and parameters when it has
        # them (i18n.said), so each reader of the log reads it in their own language.
        self.stored: str = getattr(reason, "stored", None) or reason
        self.action = action
        self.actor = actor
        self.reason = reason
        self.target_kind = target_kind
        self.target_id = target_id

    @property
    def message(self) -> str:
        return _("refused: {reason}").format(reason=self.reason)


class NotAllowed(Refused):
    """The access policy says no: unknown or removed supervisor, wrong role, another team."""


@dataclass(frozen=True)
class Scope:
    """What an allowed actor may see: every team, or the teams they lead."""

    supervisor: str
    all_teams: bool
    teams: frozenset[str]
    floor_manager: bool = False

    def allows_team(self, team: str | None) -> bool:
        # Work with no team (a feed agent not yet on the roster) is the floor's: managers only.
        return self.all_teams or (team is not None and team in self.teams)

    def allows(self, team: str | None, supervisor_id: str | None) -> bool:
        """Reminders: addressed to a supervisor (theirs alone) or to a team."""
        if supervisor_id is not None:
            return supervisor_id == self.supervisor or self.all_teams
        return self.all_teams or team is None or team in self.teams

    def team_clause(self, column: SQLCoreOperations[str | None]) -> ColumnElement[bool]:
        """Rows of the scope's teams; ``column`` a table's column or a model's attribute."""
        if self.all_teams:
            return true()
        if not self.teams:
            return false()
        return column.in_(sorted(self.teams))


class _NoTeam:
    def __repr__(self) -> str:
        return "NO_TEAM"


NO_TEAM: Final = _NoTeam()


def _who_is(conn: Connection, actor: str) -> tuple[str | None, bool]:
    """(role if active, whether a record exists at all)."""
    row = conn.execute(
        select(Supervisor.role, Supervisor.active).where(Supervisor.id == actor)
    ).first()
    if row is None:
        return None, False
    return (row.role if row.active else None), True


def bootstrap_floor(conn: Connection) -> bool:
    """A floor with no supervisors yet, opened locally: anyone may set it up."""
    if over_ssh():
        return False
    return conn.execute(select(func.count()).select_from(Supervisor)).scalar_one() == 0


def check(
    conn: Connection,
    action: str,
    actor: str,
    *,
    team: str | _NoTeam | None = NO_TEAM,
    what: object = None,
    target_kind: str | None = None,
    target_id: str | int | None = None,
    error: type[NotAllowed] = NotAllowed,
) -> Scope:
    """The actor's scope if the policy allows ``action`` (on ``team``'s work when given),
    else raise ``error``. ``what`` names the target in the refusal ("reminder #4")."""
    rule = POLICY[action]

    def no(reason: str, exc: type[NotAllowed] = NotAllowed) -> NotAllowed:
        return exc(action, actor, reason, target_kind=target_kind, target_id=target_id)

    if rule.who is Who.NOBODY:
        raise no(said(N_("nobody may {what}"), what=message(rule.what)))
    if not is_supervisor_id(actor):
        raise no(said(N_("that is not a supervisor id (letters, digits and . _ - @ only)")))
    role, known = _who_is(conn, actor)
    if role is None:
        if rule.bootstrap and bootstrap_floor(conn):
            return Scope(actor, all_teams=True, teams=frozenset(), floor_manager=True)
        if known:
            raise no(said(N_("{actor} is no longer a supervisor on this floor"), actor=actor))
        raise no(
            said(
                N_(
                    "'{actor}' is not a supervisor on this floor. Ask a floor manager to "
                    "run: floorapp supervisors add {actor} --name '...' --team TEAM"
                ),
                actor=actor,
            )
        )
    manager = role == SupervisorRole.FLOOR_MANAGER
    if rule.who is Who.FLOOR_MANAGER and not manager:
        raise no(said(N_("only a floor manager may {what}"), what=message(rule.what)))
    if (
        rule.who is Who.SELF
        and not manager
        and not (target_kind == "supervisor" and target_id == actor)
    ):
        raise no(said(N_("only a floor manager may {what}"), what=message(rule.what)))
    teams = frozenset(
        conn.execute(
            select(SupervisorTeam.team_id).where(SupervisorTeam.supervisor_id == actor)
        ).scalars()
    )
    scope = Scope(actor, all_teams=manager, teams=teams, floor_manager=manager)
    if not isinstance(team, _NoTeam) and not scope.allows_team(team):
        if team:
            raise no(not_your_team(target_kind, target_id, team, what=what), error)
        target = what or (target_words(target_kind, target_id) if target_kind else None)
        raise no(
            said(
                N_("{target} belongs to no team: floor managers only"),
                target=target or message(N_("that")),
            ),
            error,
        )
    return scope


def target_words(kind: str, target_id: object) -> list[object]:
    """``agent 1003`` as a message, worded when read (an unknown kind as it is)."""
    word = words.TARGET_KINDS.get(kind)
    return message(N_("{kind} {id}"), kind=message(word) if word else kind, id=str(target_id or ""))


def not_your_team(
    target_kind: str | None, target_id: object, team: str, *, what: object = None
) -> Said:
    """Why a supervisor may not touch another team's work, worded for each reader (a team
    is not said to belong to itself)."""
    if what is None and (target_kind is None or target_kind == "team"):
        return said(N_("team {team} is not one of your teams"), team=team)
    target = what if what is not None else target_words(target_kind or "", target_id)
    return said(N_("{target} is for team {team}, not yours"), target=target, team=team)


def allowed(
    conn: Connection, action: str, actor: str, *, team: str | _NoTeam | None = NO_TEAM
) -> bool:
    """Whether ``check`` would pass (for what a screen offers; never a substitute for it)."""
    try:
        check(conn, action, actor, team=team)
    except NotAllowed:
        return False
    return True


def audit_refusal(engine: Engine, refused: Refused, now: datetime) -> None:
    """The one place a refusal becomes its audit row (in a transaction of its own: the
    refused one was rolled back)."""
    from floorapp import audit

    run_write(engine, lambda conn: audit.record_refusal(conn, refused, at=now))


def write(engine: Engine, tx: Callable[[Connection], T], *, now: datetime) -> T:
    """Run a write transaction; a refusal raised in it is rolled back, audited and re-raised."""
    try:
        return run_write(engine, tx)
    except Refused as refused:
        audit_refusal(engine, refused, now)
        raise


def read(engine: Engine, fn: Callable[[Connection], T], *, now: datetime) -> T:
    """``write`` for a read: a refusal is audited and re-raised."""
    try:
        with read_tx(engine) as conn:
            return fn(conn)
    except Refused as refused:
        audit_refusal(engine, refused, now)
        raise


def require(
    engine: Engine,
    action: str,
    actor: str,
    *,
    now: datetime,
    team: str | _NoTeam | None = NO_TEAM,
    what: object = None,
) -> Scope:
    """The door for a route: the actor's scope, or the refusal raised (and audited)."""
    return read(
        engine,
        lambda conn: check(
            conn,
            action,
            actor,
            team=team,
            what=what,
            target_kind="team" if team is not NO_TEAM else None,
            target_id=None if isinstance(team, _NoTeam) else team,
        ),
        now=now,
    )


def table_lines() -> list[str]:
    """The policy as text: what ``floorapp supervisors policy`` prints and docs/access.md holds."""
    lines = ["| action | who may | on a new floor | routes |", "|---|---|---|---|"]
    for r in POLICY.values():
        boot = "anyone (locally)" if r.bootstrap else "nobody"
        routes = "; ".join(f"`{x}`" for x in r.routes) or "(a service only, no route yet)"
        lines.append(f"| `{r.action}` | {r.who.value} | {boot} | {routes} |")
    return lines
