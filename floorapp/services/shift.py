"""The shift so far: what happened on the floor today, in time order.

One list from the records themselves (flags, escalations and their history, patrols, care
given, nominations), never from the audit log's free text, so each row opens its record.
Filtered by the reader's teams (the access policy) and, on request, by one team and kinds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, Engine, and_, or_, select
from sqlalchemy.sql.elements import SQLCoreOperations

from db.models import Agent, Escalation, EscalationEvent, Flag
from db.models_plan import CareLog, Nomination, Patrol
from floorapp import i18n, policy
from floorapp.config import Settings
from floorapp.figures import day as fday

# (kind, what a supervisor calls it): the filter's choices, in the order offered.
KINDS: tuple[str, ...] = (
    "flag_raised",
    "flag_to_manager",
    "flag_resolved",
    "esc_opened",
    "esc_handed_off",
    "esc_resolved",
    "esc_late",
    "patrol_done",
    "patrol_missed",
    "care",
    "nomination",
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
    tier: int | None = None  # the escalation's tier when the event happened
    from_tier: int | None = None  # a hand-off: the tier it left


def _between(
    col: SQLCoreOperations[datetime | None], start: datetime, end: datetime
) -> ColumnElement[bool]:
    return and_(col >= start, col < end)


def _tiers_then(conn: Connection, esc_ids: list[int]) -> Callable[[int, datetime, int], int]:
    """The tier each escalation was at at a given time, from its history: the tier the
    last opening or hand-off up to then moved it to; before its first hand-off with no
    opening on record (a row written straight to the store), the tier that hand-off left."""
    moves: dict[int, list[tuple[datetime, int | None, int | None]]] = {}
    for i in range(0, len(esc_ids), 500):
        q = (
            select(
                EscalationEvent.escalation_id,
                EscalationEvent.at,
                EscalationEvent.from_tier,
                EscalationEvent.to_tier,
            )
            .where(
                EscalationEvent.escalation_id.in_(esc_ids[i : i + 500]),
                EscalationEvent.action.in_(("opened", "handed_off")),
            )
            .order_by(EscalationEvent.at, EscalationEvent.id)
        )
        for eid, at, from_tier, to_tier in conn.execute(q):
            moves.setdefault(eid, []).append((at, from_tier, to_tier))

    def tier_at(esc_id: int, at: datetime, current: int) -> int:
        then: int | None = None
        for when, from_tier, to_tier in moves.get(esc_id, ()):
            if when > at:
                return then if then is not None else (from_tier or current)
            then = to_tier
        return then if then is not None else current

    return tier_at


def shift_events(
    engine: Engine,
    *,
    settings: Settings,
    actor: str,
    now: datetime,
    team: str | None = None,
    kinds: Iterable[str] | None = None,
    since: datetime | None = None,
) -> list[ShiftEvent]:
    """Today's events (the centre's day, or from ``since``), oldest first."""
    start = since or fday.day_bounds(settings, now)[0]
    wanted = set(kinds) if kinds is not None else set(KINDS)

    def read(conn: Connection) -> list[ShiftEvent]:
        scope = policy.check(
            conn, "shift.read", actor, team=team if team is not None else policy.NO_TEAM
        )
        out: list[ShiftEvent] = []

        def teams(col: SQLCoreOperations[str | None]) -> ColumnElement[bool]:
            clause = scope.team_clause(col)
            return clause if team is None else and_(clause, col == team)

        if wanted & {"flag_raised", "flag_resolved", "flag_to_manager"}:
            flags_q = (
                select(
                    Flag.id,
                    Flag.kind,
                    Flag.severity,
                    Flag.detail,
                    Flag.raised_at,
                    Flag.raised_by,
                    Flag.resolved_at,
                    Flag.resolved_by,
                    Flag.resolution_note,
                    Flag.escalated_at,
                    Flag.escalated_by,
                    Flag.agent_id,
                    Agent.name,
                    Agent.team_id,
                )
                .join(Agent, Agent.id == Flag.agent_id)
                .where(
                    teams(Agent.team_id),
                    or_(
                        _between(Flag.raised_at, start, now),
                        _between(Flag.resolved_at, start, now),
                        _between(Flag.escalated_at, start, now),
                    ),
                )
            )
            for r in conn.execute(flags_q):
                fid = str(r.id)
                if "flag_raised" in wanted and start <= r.raised_at < now:
                    by = "" if r.raised_by == "rule" else f" (by {r.raised_by})"
                    out.append(
                        ShiftEvent(
                            r.raised_at,
                            "flag_raised",
                            r.team_id,
                            r.name,
                            f"{i18n.render(r.detail) or ''}{by}",
                            "flag",
                            fid,
                            r.agent_id,
                            r.severity,
                            r.kind,
                        )
                    )
                if (
                    "flag_to_manager" in wanted
                    and r.escalated_at is not None
                    and start <= r.escalated_at < now
                ):
                    out.append(
                        ShiftEvent(
                            r.escalated_at,
                            "flag_to_manager",
                            r.team_id,
                            r.name,
                            f"({r.escalated_by})",
                            "flag",
                            fid,
                            r.agent_id,
                            r.severity,
                            r.kind,
                        )
                    )
                if (
                    "flag_resolved" in wanted
                    and r.resolved_at is not None
                    and start <= r.resolved_at < now
                ):
                    out.append(
                        ShiftEvent(
                            r.resolved_at,
                            "flag_resolved",
                            r.team_id,
                            r.name,
                            f"{r.resolved_by}: {r.resolution_note or ''}",
                            "flag",
                            fid,
                            r.agent_id,
                        )
                    )
        if wanted & {"esc_opened", "esc_resolved", "esc_late"}:
            escs_q = (
                select(
                    Escalation.id,
                    Escalation.tier,
                    Escalation.severity,
                    Escalation.reason,
                    Escalation.opened_at,
                    Escalation.opened_by,
                    Escalation.deadline,
                    Escalation.resolved_at,
                    Escalation.resolved_by,
                    Escalation.team_id,
                    Escalation.agent_id,
                    Agent.name,
                )
                .outerjoin(Agent, Agent.id == Escalation.agent_id)
                .where(
                    teams(Escalation.team_id),
                    or_(
                        _between(Escalation.opened_at, start, now),
                        _between(Escalation.resolved_at, start, now),
                        _between(Escalation.deadline, start, now),
                    ),
                )
            )
            escs = conn.execute(escs_q).all()
            tier_at = _tiers_then(conn, [e.id for e in escs])
            for e in escs:
                eid = str(e.id)
                if "esc_opened" in wanted and start <= e.opened_at < now:
                    out.append(
                        ShiftEvent(
                            e.opened_at,
                            "esc_opened",
                            e.team_id,
                            e.name,
                            f"#{e.id}: {i18n.render(e.reason) or ''}",
                            "escalation",
                            eid,
                            e.agent_id,
                            e.severity,
                            None,
                            tier_at(e.id, e.opened_at, e.tier),
                        )
                    )
                if (
                    "esc_resolved" in wanted
                    and e.resolved_at is not None
                    and start <= e.resolved_at < now
                ):
                    out.append(
                        ShiftEvent(
                            e.resolved_at,
                            "esc_resolved",
                            e.team_id,
                            e.name,
                            f"#{e.id} by {e.resolved_by}",
                            "escalation",
                            eid,
                            e.agent_id,
                        )
                    )
                late = e.resolved_at is None or e.resolved_at > e.deadline
                if "esc_late" in wanted and late and start <= e.deadline < now:
                    out.append(
                        ShiftEvent(
                            e.deadline,
                            "esc_late",
                            e.team_id,
                            e.name,
                            f"#{e.id}",
                            "escalation",
                            eid,
                            e.agent_id,
                            e.severity,
                            None,
                            tier_at(e.id, e.deadline, e.tier),
                        )
                    )
        if "esc_handed_off" in wanted:
            handoffs_q = (
                select(
                    EscalationEvent.at,
                    EscalationEvent.actor,
                    EscalationEvent.from_tier,
                    EscalationEvent.to_tier,
                    Escalation.id,
                    Escalation.team_id,
                    Escalation.agent_id,
                    Agent.name,
                )
                .join(Escalation, Escalation.id == EscalationEvent.escalation_id)
                .outerjoin(Agent, Agent.id == Escalation.agent_id)
                .where(
                    EscalationEvent.action == "handed_off",
                    teams(Escalation.team_id),
                    _between(EscalationEvent.at, start, now),
                )
            )
            for h in conn.execute(handoffs_q):
                out.append(
                    ShiftEvent(
                        h.at,
                        "esc_handed_off",
                        h.team_id,
                        h.name,
                        f"#{h.id} ({h.actor})",
                        "escalation",
                        str(h.id),
                        h.agent_id,
                        tier=h.to_tier,
                        from_tier=h.from_tier,
                    )
                )
        if wanted & {"patrol_done", "patrol_missed"}:
            patrols_q = select(
                Patrol.at, Patrol.outcome, Patrol.team_id, Patrol.supervisor_id, Patrol.note
            ).where(teams(Patrol.team_id), _between(Patrol.at, start, now))
            for row in conn.execute(patrols_q):
                kind = "patrol_missed" if row.outcome in ("missed", "skipped") else "patrol_done"
                if kind in wanted:
                    out.append(
                        ShiftEvent(
                            row.at,
                            kind,
                            row.team_id,
                            None,
                            f"{row.outcome} {row.supervisor_id or ''} {row.note or ''}".strip(),
                            "team",
                            row.team_id,
                        )
                    )
        if "care" in wanted:
            care_q = (
                select(
                    CareLog.at,
                    CareLog.title,
                    CareLog.given_by,
                    CareLog.team_id,
                    CareLog.agent_id,
                    Agent.name,
                )
                .outerjoin(Agent, Agent.id == CareLog.agent_id)
                .where(teams(CareLog.team_id), _between(CareLog.at, start, now))
            )
            for c in conn.execute(care_q):
                out.append(
                    ShiftEvent(
                        c.at,
                        "care",
                        c.team_id,
                        c.name,
                        f"{c.title} ({c.given_by})",
                        "agent" if c.agent_id else "team",
                        c.agent_id or c.team_id or "",
                        c.agent_id,
                    )
                )
        if "nomination" in wanted:
            noms_q = (
                select(
                    Nomination.at,
                    Nomination.dimension,
                    Nomination.reason,
                    Nomination.nominated_by,
                    Nomination.agent_id,
                    Agent.name,
                    Agent.team_id,
                )
                .join(Agent, Agent.id == Nomination.agent_id)
                .where(teams(Agent.team_id), _between(Nomination.at, start, now))
            )
            for n in conn.execute(noms_q):
                out.append(
                    ShiftEvent(
                        n.at,
                        "nomination",
                        n.team_id,
                        n.name,
                        f"{n.dimension}: {n.reason} ({n.nominated_by})",
                        "agent",
                        n.agent_id,
                        n.agent_id,
                    )
                )
        out.sort(key=lambda e: (e.at, KINDS.index(e.kind), e.target_id))
        return out[-LIMIT:]

    return policy.read(engine, read, now=now)
