"""What a supervisor sees and does with reminders: the open list, done, snooze, skip.

A reminder is addressed to a team (its team leaders see it) or to one supervisor; a
floor manager sees every team's. Each action is a conditional UPDATE on the row's
status, so two consoles pressing "done" at once yield one winner and one clear message,
and each is audited in the same transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, or_, select, update

from db.engine import read_tx
from db.models import Agent
from db.models_plan import Patrol, Reminder, ReminderKind, ReminderStatus
from db.upsert import insert_ignore
from floorapp import audit, i18n, policy
from floorapp.i18n import N_, _, message, said
from floorapp.plan.store import load_plan
from floorapp.policy import Refused
from floorapp.scheduler.schedule import occurrences, read_roster
from floorapp.services import ServiceError
from floorapp.services.care import log_care, repeat_warning
from floorapp.services.flags import raise_observed_in
from floorapp.services.scope import OutOfScope, Scope, scope_of
from floorapp.text import clean

SNOOZE_CHOICES = (5, 10, 15)
OPEN_STATUSES = (ReminderStatus.DUE, ReminderStatus.SNOOZED, ReminderStatus.MISSED)


class ReminderError(ServiceError):
    pass


class ReminderRefused(Refused, ReminderError):
    """A reminder action that did not happen: already handled by someone."""


class NotYours(OutOfScope, ReminderError):
    """The reminder is for another team or another supervisor."""


@dataclass(frozen=True)
class ReminderView:
    id: int
    job_id: str
    kind: str
    item: str | None
    title: str
    detail: str | None
    team_id: str | None
    agent_id: str | None
    scheduled_for: datetime
    due_by: datetime | None
    status: str
    snoozed_until: datetime | None
    handled_at: datetime | None
    handled_by: str | None
    note: str | None
    agent_name: str | None  # the agent's name now (the roster may have named them since)
    state: str  # due, overdue, missed, snoozed, done, skipped
    warning: str | None = None  # e.g. the repeated-care warning

    @property
    def agent_label(self) -> str | None:
        """How a supervisor knows the agent: "王芳 (A0042)", or the bare id when unnamed."""
        return agent_label(self.agent_id, self.agent_name)


@dataclass(frozen=True)
class Coming:
    at: datetime
    kind: str
    title: str
    team_id: str | None


@dataclass(frozen=True)
class OpenReminders:
    due: list[ReminderView] = field(default_factory=list)
    overdue: list[ReminderView] = field(default_factory=list)
    missed: list[ReminderView] = field(default_factory=list)
    snoozed: list[ReminderView] = field(default_factory=list)
    coming: list[Coming] = field(default_factory=list)

    @property
    def actionable(self) -> list[ReminderView]:
        return [*self.overdue, *self.due, *self.missed]


_COLS = (
    Reminder.id,
    Reminder.job_id,
    Reminder.kind,
    Reminder.item,
    Reminder.title,
    Reminder.detail,
    Reminder.team_id,
    Reminder.agent_id,
    Reminder.scheduled_for,
    Reminder.due_by,
    Reminder.status,
    Reminder.snoozed_until,
    Reminder.handled_at,
    Reminder.handled_by,
    Reminder.note,
    Agent.name.label("agent_name"),
)


def _select() -> Any:
    """Reminder rows with their agent's current name (outer join: most have no agent)."""
    return select(*_COLS).select_from(Reminder).outerjoin(Agent, Agent.id == Reminder.agent_id)


def agent_label(agent_id: str | None, name: str | None) -> str | None:
    if agent_id is None:
        return None
    if not name or name == agent_id:  # known only from the feed: the id is all there is
        return agent_id
    return f"{name} ({agent_id})"


def named_title(title: str, agent_id: str | None, name: str | None) -> str:
    """The title naming the agent by name.

    The title was written when the reminder fired, with the name known then: an agent
    the feed met before the roster did was named by id, and a plan title may leave the
    agent out. A bare id is replaced by the name, and a missing name is appended.
    """
    if agent_id is None or not name or name == agent_id or name in title:
        return title
    bare_id = re.compile(rf"(?<!\w){re.escape(agent_id)}(?!\w)")
    if bare_id.search(title):
        return bare_id.sub(lambda _: name, title)  # a function: the name is never a pattern
    return f"{title}: {name}"


def _state(row: Any, now: datetime) -> str:
    status = row.status
    if status == ReminderStatus.SNOOZED:
        if row.snoozed_until is not None and row.snoozed_until > now:
            return "snoozed"
        status = ReminderStatus.DUE  # the snooze ran out: due again
    if status == ReminderStatus.DUE:
        return "overdue" if row.due_by is not None and now > row.due_by else "due"
    return str(status)


def _view(row: Any, now: datetime, warning: str | None = None) -> ReminderView:
    v = ReminderView(**row._mapping, state=_state(row, now), warning=warning)
    # The scheduler's own titles are stored as message ids: worded for this reader.
    title = named_title(i18n.render(v.title) or "", v.agent_id, v.agent_name)
    return v if title == v.title else replace(v, title=title)


def _logged_title(row: Any) -> str:
    """The title as the care log and the audit log keep it: in English, as before."""
    return named_title(i18n.render(row.title, english=True) or "", row.agent_id, row.agent_name)


def _scoped(stmt: Any, scope: Scope) -> Any:
    if scope.all_teams:
        return stmt
    return stmt.where(
        or_(
            Reminder.supervisor_id == scope.supervisor,
            (Reminder.supervisor_id.is_(None))
            & (Reminder.team_id.in_(scope.teams) | Reminder.team_id.is_(None)),
        )
    )


def open_reminders(
    engine: Engine,
    *,
    actor: str,
    now: datetime,
    coming_limit: int = 5,
    coming_within: timedelta = timedelta(hours=12),
) -> OpenReminders:
    """Due, overdue, missed and snoozed reminders for ``actor``, and what comes next."""
    with read_tx(engine) as conn:
        scope = scope_of(conn, actor)
        rows = conn.execute(
            _scoped(_select().where(Reminder.status.in_(OPEN_STATUSES)), scope).order_by(
                Reminder.scheduled_for, Reminder.id
            )
        ).all()
        stored = load_plan(conn)
        out = OpenReminders()
        for row in rows:
            warning = None
            if stored is not None and row.kind == ReminderKind.CARE and row.team_id and row.item:
                w = repeat_warning(conn, stored.plan, row.team_id, row.item, now=row.scheduled_for)
                warning = w.message if w else None
            v = _view(row, now, warning)
            {"due": out.due, "overdue": out.overdue, "missed": out.missed, "snoozed": out.snoozed}[
                v.state
            ].append(v)
        if stored is not None and coming_limit > 0:
            roster = read_roster(conn)
            only = None if scope.all_teams else scope.teams
            for occ in occurrences(stored.plan, roster, now, now + coming_within, only):
                if scope.allows(occ.team_id, None):
                    out.coming.append(
                        Coming(occ.at, occ.kind, i18n.render(occ.title) or "", occ.team_id)
                    )
                    if len(out.coming) >= coming_limit:
                        break
    return out


def listing(engine: Engine, *, actor: str, now: datetime) -> OpenReminders:
    """``open_reminders`` for a route that must refuse a stranger (the CLI): the console's
    panel polls ``open_reminders`` itself, behind the console's door."""
    policy.require(engine, "reminders.read", actor, now=now)
    return open_reminders(engine, actor=actor, now=now)


def get(engine: Engine, reminder_id: int, *, now: datetime) -> ReminderView:
    with read_tx(engine) as conn:
        row = conn.execute(_select().where(Reminder.id == reminder_id)).first()
    if row is None:
        raise ReminderError(_("no reminder #{reminder_id}").format(reminder_id=reminder_id))
    return _view(row, now)


def _claim(
    conn: Connection,
    reminder_id: int,
    actor: str,
    now: datetime,
    action: str,
    values: dict[str, Any],
) -> Any:
    """Move an open reminder on; refuse if it is not ours (the policy) or no longer open."""
    row = conn.execute(_select().where(Reminder.id == reminder_id)).first()
    if row is None:
        raise ReminderError(_("no reminder #{reminder_id}").format(reminder_id=reminder_id))
    addressee = conn.execute(
        select(Reminder.supervisor_id).where(Reminder.id == reminder_id)
    ).scalar()
    scope = policy.check(conn, action, actor, target_kind="reminder", target_id=reminder_id)
    if not scope.allows(row.team_id, addressee):
        why = (
            said(
                N_("reminder #{id} is for team {team}, not yours"), id=reminder_id, team=row.team_id
            )
            if addressee is None
            else said(
                N_("reminder #{id} is for {supervisor}, not yours"),
                id=reminder_id,
                supervisor=addressee,
            )
        )
        raise NotYours(action, actor, why, target_kind="reminder", target_id=reminder_id)
    res = conn.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.status.in_(OPEN_STATUSES))
        .values(**values)
    )
    if res.rowcount != 1:
        who: object = row.handled_by or message(N_("someone"))
        raise ReminderRefused(
            action,
            actor,
            said(
                N_("reminder #{reminder_id} was already {status} by {who}"),
                reminder_id=reminder_id,
                status=row.status,
                who=who,
            ),
            target_kind="reminder",
            target_id=reminder_id,
        )
    return row


def done(
    engine: Engine,
    reminder_id: int,
    *,
    actor: str,
    now: datetime,
    note: str | None = None,
    flag_agent: str | None = None,
    flag_detail: str | None = None,
) -> ReminderView:
    """Mark done with an optional note. ``flag_agent`` raises an "observed" flag on an
    agent seen struggling (on a patrol, or by the agent a care reminder is about); the
    note, or ``flag_detail``, says what was seen. Both happen in one transaction: a flag
    the actor may not raise refuses the whole action."""
    note = clean(note, multiline=True)
    if flag_agent is not None and not (flag_detail or note or "").strip():
        raise ReminderError(_("say what you saw to raise a flag"))

    def tx(conn: Connection) -> Any:
        row = _claim(
            conn,
            reminder_id,
            actor,
            now,
            "reminder.done",
            dict(status=ReminderStatus.DONE, handled_at=now, handled_by=actor, note=note),
        )
        if row.kind == ReminderKind.PATROL and row.team_id:
            late = row.due_by is not None and now > row.due_by
            conn.execute(
                insert_ignore(conn, Patrol, ["reminder_id"]).values(
                    team_id=row.team_id,
                    supervisor_id=actor,
                    reminder_id=reminder_id,
                    due_at=row.scheduled_for,
                    at=now,
                    outcome="late" if late else "done",
                    note=note,
                )
            )
        if row.kind == ReminderKind.CARE:
            _close_proposal(conn, row.job_id, "done", actor, now)
            log_care(
                conn,
                at=now,
                item=row.item or "care",
                title=_logged_title(row),
                team_id=row.team_id,
                agent_id=row.agent_id,
                given_by=actor,
                reminder_id=reminder_id,
                note=note,
            )
        audit.record(
            conn,
            at=now,
            actor=actor,
            action="reminder.done",
            target_kind="reminder",
            target_id=reminder_id,
            detail=_logged_title(row) + (f": {note}" if note else ""),
        )
        if flag_agent is not None:
            source = "patrol" if row.kind == ReminderKind.PATROL else "reminder"
            detail = clean(flag_detail, multiline=True) or note or ""
            raise_observed_in(
                conn, now=now, actor=actor, agent_id=flag_agent, detail=f"{source}: {detail}"
            )
        return row

    policy.write(engine, tx, now=now)
    return get(engine, reminder_id, now=now)


def snooze(
    engine: Engine, reminder_id: int, *, actor: str, now: datetime, minutes: int
) -> ReminderView:
    if minutes not in SNOOZE_CHOICES:
        raise ReminderError(
            _("snooze for 5, 10 or 15 minutes, not {minutes}").format(minutes=minutes)
        )

    def tx(conn: Connection) -> None:
        _claim(
            conn,
            reminder_id,
            actor,
            now,
            "reminder.snooze",
            dict(status=ReminderStatus.SNOOZED, snoozed_until=now + timedelta(minutes=minutes)),
        )
        audit.record(
            conn,
            at=now,
            actor=actor,
            action="reminder.snooze",
            target_kind="reminder",
            target_id=reminder_id,
            detail=f"{minutes} min",
        )

    policy.write(engine, tx, now=now)
    return get(engine, reminder_id, now=now)


def skip(
    engine: Engine, reminder_id: int, *, actor: str, now: datetime, reason: str
) -> ReminderView:
    reason_c = (clean(reason, multiline=True) or "").strip()
    if not reason_c:
        raise ReminderError(_("a reason is required to skip a reminder"))

    def tx(conn: Connection) -> None:
        row = _claim(
            conn,
            reminder_id,
            actor,
            now,
            "reminder.skip",
            dict(status=ReminderStatus.SKIPPED, handled_at=now, handled_by=actor, note=reason_c),
        )
        if row.kind == ReminderKind.PATROL and row.team_id:
            conn.execute(
                insert_ignore(conn, Patrol, ["reminder_id"]).values(
                    team_id=row.team_id,
                    supervisor_id=actor,
                    reminder_id=reminder_id,
                    due_at=row.scheduled_for,
                    at=now,
                    outcome="skipped",
                    note=reason_c,
                )
            )
        if row.kind == ReminderKind.CARE:
            _close_proposal(conn, row.job_id, "skipped", actor, now)
        audit.record(
            conn,
            at=now,
            actor=actor,
            action="reminder.skip",
            target_kind="reminder",
            target_id=reminder_id,
            detail=reason_c,
        )

    policy.write(engine, tx, now=now)
    return get(engine, reminder_id, now=now)


WATER_PREFIX = "care:water:"


def _close_proposal(conn: Connection, job_id: str, status: str, actor: str, now: datetime) -> None:
    """The long-call rule proposes the same water as a ``care_proposal`` row; close it too,
    so the rules' view and the reminders agree on what was done."""
    if not job_id.startswith(WATER_PREFIX):
        return
    try:
        from db.models_rules import CareProposal
    except ImportError:  # the rules feature is not part of this build
        return
    conn.execute(
        update(CareProposal)
        .where(
            CareProposal.source_key == f"long_call:{job_id[len(WATER_PREFIX) :]}",
            CareProposal.status == "proposed",
        )
        .values(status=status, handled_at=now, handled_by=actor, updated_at=now)
    )
