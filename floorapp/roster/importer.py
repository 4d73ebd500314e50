"""Importing a roster: the checked rows of a CSV upserted in one transaction.

Re-importing the same file changes nothing and duplicates nothing; every change is audited.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update

from db.changes import next_change
from db.engine import run_write
from db.models import Agent, AgentAlias, AgentState, Supervisor, SupervisorTeam, Team
from db.upsert import insert_ignore, upsert
from floorapp import audit
from floorapp.roster.csvfile import (
    AgentEntry,
    RowError,
    SupervisorEntry,
    parse_row,
    rows_from_dicts,
    rows_from_path,
)
from floorapp.text import clean


@dataclass(slots=True)
class RosterReport:
    source: str
    rows: int = 0
    agents_added: int = 0
    agents_updated: int = 0
    supervisors_added: int = 0
    supervisors_updated: int = 0
    teams_added: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    aliases_added: int = 0
    aliases_removed: int = 0
    with_aliases: bool = False  # the file has an aliases column

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return (
            f"{self.source}: {self.rows} rows: agents {self.agents_added} added, "
            f"{self.agents_updated} updated; supervisors {self.supervisors_added} added, "
            f"{self.supervisors_updated} updated; {self.teams_added} new teams; "
            f"{self.unchanged} unchanged; {len(self.errors)} bad rows skipped"
            + (
                f"; aliases {self.aliases_added} added, {self.aliases_removed} removed"
                if self.with_aliases
                else ""
            )
        )


def _ensure_teams(conn: Connection, names: Iterable[str]) -> int:
    wanted = set(names)
    if not wanted:
        return 0
    have = set(conn.execute(select(Team.id).where(Team.id.in_(wanted))).scalars())
    new = sorted(wanted - have)
    for t in new:
        conn.execute(insert_ignore(conn, Team, ["id"]).values(id=t, name=t))
    return len(new)


def _agent_changes(old: Any, new: AgentEntry) -> list[str]:
    changes = []
    for label, before, after in (
        ("name", old.name, new.name),
        ("team", old.team_id, new.team),
        ("tier", old.tier, new.tier),
        ("sensitive", bool(old.sensitive_designated), new.sensitive),
        ("birthday", old.birthday, new.birthday),
    ):
        if before != after:
            changes.append(f"{label}: {before} -> {after}")
    if old.from_feed:
        changes.append("from_feed: now on the roster")
    return changes


def _apply(
    conn: Connection,
    agents: Sequence[AgentEntry],
    sups: Sequence[SupervisorEntry],
    report: RosterReport,
    actor: str,
    now: datetime,
) -> None:
    teams = {a.team for a in agents} | {t for s in sups for t in s.teams}
    report.teams_added = _ensure_teams(conn, teams)
    seq: int | None = None  # the change number of this import, taken when an agent changes
    old_agents = (
        {
            r.id: r
            for r in conn.execute(select(Agent).where(Agent.id.in_([a.id for a in agents]))).all()
        }
        if agents
        else {}
    )
    for a in agents:
        old = old_agents.get(a.id)
        if old is None:
            seq = seq or next_change(conn)
            conn.execute(
                upsert(
                    conn,
                    Agent,
                    ["id"],
                    [
                        "name",
                        "team_id",
                        "tier",
                        "sensitive_designated",
                        "birthday",
                        "from_feed",
                        "seq",
                    ],
                ).values(
                    id=a.id,
                    name=a.name,
                    team_id=a.team,
                    tier=a.tier,
                    sensitive_designated=a.sensitive,
                    birthday=a.birthday,
                    from_feed=False,
                    state=AgentState.OFFLINE,
                    updated_at=now,
                    seq=seq,
                )
            )
            report.agents_added += 1
            audit.record(
                conn,
                at=now,
                actor=actor,
                action="roster.agent.add",
                target_kind="agent",
                target_id=a.id,
                detail=f"{a.name} team={a.team} tier={a.tier} "
                f"sensitive={'yes' if a.sensitive else 'no'}",
            )
            continue
        changes = _agent_changes(old, a)
        if not changes:
            report.unchanged += 1
            continue
        seq = seq or next_change(conn)
        conn.execute(
            update(Agent)
            .where(Agent.id == a.id)
            .values(
                name=a.name,
                team_id=a.team,
                tier=a.tier,
                sensitive_designated=a.sensitive,
                birthday=a.birthday,
                from_feed=False,
                updated_at=now,
                seq=seq,
            )
        )
        report.agents_updated += 1
        audit.record(
            conn,
            at=now,
            actor=actor,
            action="roster.agent.update",
            target_kind="agent",
            target_id=a.id,
            detail="; ".join(changes),
        )

    if report.with_aliases:
        _apply_aliases(conn, agents, report, actor, now)

    old_sups = (
        {
            r.id: r
            for r in conn.execute(
                select(Supervisor).where(Supervisor.id.in_([s.id for s in sups]))
            ).all()
        }
        if sups
        else {}
    )
    old_teams: dict[str, set[str]] = {}
    if sups:
        for sid, tid in conn.execute(
            select(SupervisorTeam.supervisor_id, SupervisorTeam.team_id).where(
                SupervisorTeam.supervisor_id.in_([s.id for s in sups])
            )
        ):
            old_teams.setdefault(sid, set()).add(tid)
    for s in sups:
        sup = old_sups.get(s.id)
        before_teams = old_teams.get(s.id, set())
        if sup is None:
            conn.execute(
                upsert(conn, Supervisor, ["id"], ["name", "role", "active"]).values(
                    id=s.id, name=s.name, role=s.role, active=True
                )
            )
            report.supervisors_added += 1
            action, detail = "roster.supervisor.add", f"{s.name} {s.role} teams={';'.join(s.teams)}"
        else:
            changes = []
            if sup.name != s.name:
                changes.append(f"name: {sup.name} -> {s.name}")
            if sup.role != s.role:
                changes.append(f"role: {sup.role} -> {s.role}")
            if not sup.active:
                changes.append("active: no -> yes")
            if before_teams != set(s.teams):
                changes.append(
                    f"teams: {';'.join(sorted(before_teams))} -> {';'.join(sorted(s.teams))}"
                )
            if not changes:
                report.unchanged += 1
                continue
            conn.execute(
                update(Supervisor)
                .where(Supervisor.id == s.id)
                .values(name=s.name, role=s.role, active=True)
            )
            report.supervisors_updated += 1
            action, detail = "roster.supervisor.update", "; ".join(changes)
        if before_teams != set(s.teams):
            conn.execute(delete(SupervisorTeam).where(SupervisorTeam.supervisor_id == s.id))
            for t in s.teams:
                conn.execute(insert(SupervisorTeam).values(supervisor_id=s.id, team_id=t))
        audit.record(
            conn,
            at=now,
            actor=actor,
            action=action,
            target_kind="supervisor",
            target_id=s.id,
            detail=detail,
        )
    audit.record(
        conn,
        at=now,
        actor=actor,
        action="roster.import",
        target_kind="roster",
        target_id=report.source,
        outcome="ok" if report.ok else "partial",
        detail=report.summary(),
    )


def _apply_aliases(
    conn: Connection, agents: Sequence[AgentEntry], report: RosterReport, actor: str, now: datetime
) -> None:
    """Each agent's roster aliases become exactly those of its row (learned ones stay,
    unless the roster now gives the name to someone: the roster decides)."""
    ids = [a.id for a in agents]
    given = {al: a.id for a in agents for al in a.aliases}
    old_roster: dict[str, str] = {}
    if ids:
        for alias, agent_id in conn.execute(
            select(AgentAlias.alias, AgentAlias.agent_id).where(
                AgentAlias.source == "roster", AgentAlias.agent_id.in_(ids)
            )
        ):
            old_roster[alias] = agent_id
    stale = [al for al, aid in old_roster.items() if given.get(al) != aid]
    if stale:
        conn.execute(delete(AgentAlias).where(AgentAlias.alias.in_(stale)))
        for al in stale:
            report.aliases_removed += 1
            audit.record(
                conn,
                at=now,
                actor=actor,
                action="roster.alias.remove",
                target_kind="agent",
                target_id=old_roster[al],
                detail=al,
            )
    current = (
        dict(
            conn.execute(
                select(AgentAlias.alias, AgentAlias.agent_id).where(
                    AgentAlias.alias.in_(list(given))
                )
            ).all()
        )
        if given
        else {}
    )
    for alias, agent_id in given.items():
        if current.get(alias) == agent_id and alias not in stale and alias in old_roster:
            continue
        conn.execute(
            upsert(
                conn, AgentAlias, ["alias"], ["agent_id", "source", "learned_at", "evidence"]
            ).values(
                alias=alias,
                agent_id=agent_id,
                source="roster",
                learned_at=now,
                evidence=f"roster {report.source}",
            )
        )
        report.aliases_added += 1
        audit.record(
            conn,
            at=now,
            actor=actor,
            action="roster.alias.add",
            target_kind="agent",
            target_id=agent_id,
            detail=alias,
        )


def _check_aliases(
    agents: list[AgentEntry], source: str, errors: list[RowError]
) -> list[AgentEntry]:
    """An alias names one agent: not two rows, and not another row's own id."""
    ids = {a.id: a.row for a in agents}
    taken: dict[str, int] = {}
    out: list[AgentEntry] = []
    for a in agents:
        bad = None
        for al in a.aliases:
            if al in ids:
                bad = f"{al!r} is the id of the agent on row {ids[al]}"
            elif al in taken:
                bad = f"{al!r} already given on row {taken[al]}"
            if bad:
                break
        if bad:
            errors.append(RowError(source, a.row, "aliases", bad))
            continue
        for al in a.aliases:
            taken[al] = a.row
        out.append(a)
    return out


def import_roster(
    engine: Engine,
    rows_or_path: str | Path | Iterable[Mapping[str, Any]],
    actor: str,
    now: datetime,
) -> RosterReport:
    """Load a roster CSV file (or already-read rows as dicts keyed by header) into the store.

    Raises ``RosterFileError`` when the file is unusable; bad rows are in the report.
    """
    if isinstance(rows_or_path, (str, Path)):
        source, rows = rows_from_path(Path(rows_or_path))
    else:
        source, rows = "<rows>", rows_from_dicts(rows_or_path)
    report = RosterReport(source=source, rows=len(rows))
    agents: list[AgentEntry] = []
    sups: list[SupervisorEntry] = []
    seen: dict[str, int] = {}
    for n, values in rows:
        parsed, error = parse_row(source, n, values)
        if error is not None:
            report.errors.append(error)
            continue
        assert parsed is not None
        key = ("s:" if isinstance(parsed, SupervisorEntry) else "a:") + parsed.id
        if key in seen:
            report.errors.append(
                RowError(source, n, "id", f"{parsed.id!r} already given on row {seen[key]}")
            )
            continue
        seen[key] = n
        if isinstance(parsed, SupervisorEntry):
            sups.append(parsed)
        else:
            agents.append(parsed)
    agents = _check_aliases(agents, source, report.errors)
    report.with_aliases = any("aliases" in values for _, values in rows)
    a_actor = clean(actor) or "?"

    def work(conn: Connection) -> None:
        # Counters are rebuilt on a retry, so reset the ones _apply increments.
        for attr in (
            "agents_added",
            "agents_updated",
            "supervisors_added",
            "supervisors_updated",
            "teams_added",
            "unchanged",
            "aliases_added",
            "aliases_removed",
        ):
            setattr(report, attr, 0)
        _apply(conn, agents, sups, report, a_actor, now)

    run_write(engine, work)
    return report
