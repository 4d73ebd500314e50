"""The shift so far: what happened on the floor today, in time order.

One list from the records themselves (flags, escalations and their history, patrols, care
given, nominations), never from the audit log's free text, so each row opens its record.
Filtered by the reader's teams (the access policy) and, on request, by one team and kinds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, or_, select

from db.models import Agent, Escalation, EscalationEvent, Flag
from db.models_plan import CareLog, Nomination, Patrol
from floorapp import i18n, policy
from floorapp.context import AppContext
from floorapp.figures import day as fday

# (kind, what a supervisor calls it): the filter's choices, in the order offered.
KINDS: tuple[str, ...] = (
    "flag_raised", "flag_to_manager", "flag_resolved",
    "esc_opened", "esc_handed_off", "esc_resolved", "esc_late",
    "patrol_done", "patrol_missed", "care", "nomination",
)
# Most rows a shift view holds: the newest (a whole busy day of a big floor fits).
LIMIT = 5000


@dataclass(frozen=True)
class ShiftEvent:
    at: datetime
    kind: str
    team_id: str | None
    agent: str | None  # the agent's name, when the event is about one
    text: str  # outside text (reasons, notes): shown as Text, never markup
    target_kind: str  # what the row opens: "flag", "escalation", "agent", "team"
    target_id: str
    agent_id: str | None = None
    # Codes the screen puts in words (floorapp.words): a flag's severity and kind, a tier.
    severity: str | None = None
    flag_kind: str | None = None
    tier: int | None = None


def _between(col: object, start: datetime, end: datetime) -> object:
    return and_(col >= start, col < end)  # type: ignore[operator]


def shift_events(ctx: AppContext, actor: str, *, team: str | None = None,
                 kinds: Iterable[str] | None = None, since: datetime | None = None
                 ) -> list[ShiftEvent]:
    """Today's events (the centre's day, or from ``since``), oldest first."""
    now = ctx.clock.now()
    start = since or fday.day_bounds(ctx.settings, now)[0]
    wanted = set(kinds) if kinds is not None else set(KINDS)

    def read(conn: Connection) -> list[ShiftEvent]:
        scope = policy.check(conn, "shift.read", actor,
                             team=team if team is not None else policy.NO_TEAM)
        out: list[ShiftEvent] = []

        def teams(col: object) -> object:
            clause = scope.team_clause(col)  # type: ignore[arg-type]
            return clause if team is None else and_(clause, col == team)  # type: ignore[operator]

        if wanted & {"flag_raised", "flag_resolved", "flag_to_manager"}:
            q = (select(Flag.id, Flag.kind, Flag.severity, Flag.detail, Flag.raised_at,
                        Flag.raised_by, Flag.resolved_at, Flag.resolved_by,
                        Flag.resolution_note, Flag.escalated_at, Flag.escalated_by,
                        Flag.agent_id, Agent.name, Agent.team_id)
                 .join(Agent, Agent.id == Flag.agent_id)
                 .where(teams(Agent.team_id),
                        or_(_between(Flag.raised_at, start, now),
                            _between(Flag.resolved_at, start, now),
                            _between(Flag.escalated_at, start, now))))
            for r in conn.execute(q):
                fid = str(r.id)
                if "flag_raised" in wanted and start <= r.raised_at < now:
                    by = "" if r.raised_by == "rule" else f" (by {r.raised_by})"
                    out.append(ShiftEvent(r.raised_at, "flag_raised", r.team_id, r.name,
                                          f"{i18n.render(r.detail) or ''}{by}", "flag", fid,
                                          r.agent_id,
                                          r.severity, r.kind))
                if ("flag_to_manager" in wanted and r.escalated_at is not None
                        and start <= r.escalated_at < now):
                    out.append(ShiftEvent(r.escalated_at, "flag_to_manager", r.team_id, r.name,
                                          f"({r.escalated_by})", "flag", fid, r.agent_id,
                                          r.severity, r.kind))
                if ("flag_resolved" in wanted and r.resolved_at is not None
                        and start <= r.resolved_at < now):
                    out.append(ShiftEvent(r.resolved_at, "flag_resolved", r.team_id, r.name,
                                          f"{r.resolved_by}: {r.resolution_note or ''}",
                                          "flag", fid, r.agent_id))
        if wanted & {"esc_opened", "esc_resolved", "esc_late"}:
            q = (select(Escalation.id, Escalation.tier, Escalation.severity, Escalation.reason,
                        Escalation.opened_at, Escalation.opened_by, Escalation.deadline,
                        Escalation.resolved_at, Escalation.resolved_by, Escalation.team_id,
                        Escalation.agent_id, Agent.name)
                 .outerjoin(Agent, Agent.id == Escalation.agent_id)
                 .where(teams(Escalation.team_id),
                        or_(_between(Escalation.opened_at, start, now),
                            _between(Escalation.resolved_at, start, now),
                            _between(Escalation.deadline, start, now))))
            for r in conn.execute(q):
                eid = str(r.id)
                if "esc_opened" in wanted and start <= r.opened_at < now:
                    out.append(ShiftEvent(r.opened_at, "esc_opened", r.team_id, r.name,
                                          f"#{r.id}: {r.reason}", "escalation", eid,
                                          r.agent_id, r.severity, None, r.tier))
                if ("esc_resolved" in wanted and r.resolved_at is not None
                        and start <= r.resolved_at < now):
                    out.append(ShiftEvent(r.resolved_at, "esc_resolved", r.team_id, r.name,
                                          f"#{r.id} by {r.resolved_by}", "escalation", eid,
                                          r.agent_id))
                late = r.resolved_at is None or r.resolved_at > r.deadline
                if "esc_late" in wanted and late and start <= r.deadline < now:
                    out.append(ShiftEvent(r.deadline, "esc_late", r.team_id, r.name,
                                          f"#{r.id}", "escalation", eid, r.agent_id,
                                          r.severity, None, r.tier))
        if "esc_handed_off" in wanted:
            q = (select(EscalationEvent.at, EscalationEvent.actor, EscalationEvent.from_tier,
                        EscalationEvent.to_tier, Escalation.id, Escalation.team_id,
                        Escalation.agent_id, Agent.name)
                 .join(Escalation, Escalation.id == EscalationEvent.escalation_id)
                 .outerjoin(Agent, Agent.id == Escalation.agent_id)
                 .where(EscalationEvent.action == "handed_off", teams(Escalation.team_id),
                        _between(EscalationEvent.at, start, now)))
            for r in conn.execute(q):
                out.append(ShiftEvent(r.at, "esc_handed_off", r.team_id, r.name,
                                      f"#{r.id} tier {r.from_tier} -> {r.to_tier} ({r.actor})",
                                      "escalation", str(r.id), r.agent_id))
        if wanted & {"patrol_done", "patrol_missed"}:
            q = select(Patrol.at, Patrol.outcome, Patrol.team_id, Patrol.supervisor_id,
                       Patrol.note).where(teams(Patrol.team_id), _between(Patrol.at, start, now))
            for row in conn.execute(q):
                kind = "patrol_missed" if row.outcome in ("missed", "skipped") else "patrol_done"
                if kind in wanted:
                    out.append(ShiftEvent(row.at, kind, row.team_id, None,
                                          f"{row.outcome} {row.supervisor_id or ''} "
                                          f"{row.note or ''}".strip(), "team", row.team_id))
        if "care" in wanted:
            q = (select(CareLog.at, CareLog.title, CareLog.given_by, CareLog.team_id,
                        CareLog.agent_id, Agent.name)
                 .outerjoin(Agent, Agent.id == CareLog.agent_id)
                 .where(teams(CareLog.team_id), _between(CareLog.at, start, now)))
            for r in conn.execute(q):
                out.append(ShiftEvent(r.at, "care", r.team_id, r.name,
                                      f"{r.title} ({r.given_by})",
                                      "agent" if r.agent_id else "team",
                                      r.agent_id or r.team_id or "", r.agent_id))
        if "nomination" in wanted:
            q = (select(Nomination.at, Nomination.dimension, Nomination.reason,
                        Nomination.nominated_by, Nomination.agent_id, Agent.name, Agent.team_id)
                 .join(Agent, Agent.id == Nomination.agent_id)
                 .where(teams(Agent.team_id), _between(Nomination.at, start, now)))
            for r in conn.execute(q):
                out.append(ShiftEvent(r.at, "nomination", r.team_id, r.name,
                                      f"{r.dimension}: {r.reason} ({r.nominated_by})",
                                      "agent", r.agent_id, r.agent_id))
        out.sort(key=lambda e: (e.at, KINDS.index(e.kind), e.target_id))
        return out[-LIMIT:]

    return policy.read(ctx.engine, read, now=now)
