"""The roster: teams, agents, supervisors and the sensitive-customer list, from a centre's CSV.

A centre already keeps its roster in a spreadsheet; ``import_roster`` takes that sheet
saved as CSV (UTF-8, with or without BOM; English or Chinese headers) and upserts it.
Each bad row is reported with its spreadsheet row number and field and skipped; the good
rows are kept. Re-importing the same file changes nothing and duplicates nothing.
Columns are documented in docs/roster.md.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update

from db.changes import next_change
from db.engine import run_write
from db.models import (
    Agent,
    AgentAlias,
    AgentState,
    SensitiveCustomer,
    Supervisor,
    SupervisorRole,
    SupervisorTeam,
    Team,
)
from db.upsert import insert_ignore, upsert
from floorapp import audit
from floorapp.text import clean

ROLE_AGENT = "agent"
ROLES = (ROLE_AGENT, SupervisorRole.TEAM_LEADER.value, SupervisorRole.FLOOR_MANAGER.value)

# Header spellings, compared after lower-casing and dropping spaces, '-' and '_'.
_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("id", "agentid", "agent", "login", "loginname", "工号", "坐席工号", "编号", "账号"),
    "name": ("name", "displayname", "fullname", "姓名", "名字"),
    "team": ("team", "teams", "group", "班组", "组", "团队", "小组"),
    "tier": ("tier", "level", "层级", "级别", "服务层级"),
    "sensitive": ("sensitive", "sensitivedesignated", "designated", "敏感", "敏感客户",
                  "敏感客户坐席"),
    "birthday": ("birthday", "birthdate", "dateofbirth", "dob", "生日", "出生日期"),
    "role": ("role", "type", "角色", "岗位"),
    "aliases": ("aliases", "alias", "feednames", "feedname", "别名", "坐席别名"),
}
# Aliases in one cell: separated by ';' (or the full-width '；') or blanks.
_ALIAS_SPLIT = re.compile(r"[;；\s]+")
_ROLE_WORDS: dict[str, str] = {
    "agent": ROLE_AGENT, "坐席": ROLE_AGENT, "客服": ROLE_AGENT, "": ROLE_AGENT,
    "teamleader": "team_leader", "leader": "team_leader", "tl": "team_leader",
    "班组长": "team_leader", "组长": "team_leader",
    "floormanager": "floor_manager", "manager": "floor_manager", "fm": "floor_manager",
    "现场经理": "floor_manager", "值班经理": "floor_manager", "经理": "floor_manager",
}
_TRUE = {"yes", "y", "true", "1", "是", "对", "√"}
_FALSE = {"no", "n", "false", "0", "否", "", "×"}
_CUSTOMER_HEADERS = ("customerid", "customer", "id", "客户", "客户号", "客户编号", "客户id")
_NOTE_HEADERS = ("note", "notes", "reason", "备注", "说明")

MAX_ID = 200
MAX_TEAM = 64
MAX_NAME = 200
MAX_ALIASES = 20


class RosterFileError(Exception):
    """The file cannot be used at all (missing, not UTF-8, no id column)."""


@dataclass(frozen=True, slots=True)
class RowError:
    source: str
    row: int  # spreadsheet row number: the header is row 1
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.row}: field '{self.field}': {self.message}"


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
            + (f"; aliases {self.aliases_added} added, {self.aliases_removed} removed"
               if self.with_aliases else "")
        )


@dataclass(frozen=True, slots=True)
class AgentRow:
    row: int
    id: str
    name: str
    team: str
    tier: int
    sensitive: bool
    birthday: date | None
    aliases: tuple[str, ...] = ()  # other names the feed uses for this agent


@dataclass(frozen=True, slots=True)
class SupervisorRow:
    row: int
    id: str
    name: str
    role: str
    teams: tuple[str, ...]


# --- reading ---------------------------------------------------------------------------


def _norm_header(h: str) -> str:
    return "".join(ch for ch in h.strip().lower() if ch not in " _-\t")


def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RosterFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RosterFileError(
            f"{path}: not UTF-8 (byte {exc.start}); save the sheet as 'CSV UTF-8'"
        ) from None
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise RosterFileError(f"{path}: not a CSV file: {exc}") from None
    if not records:
        raise RosterFileError(f"{path}: empty file (expected a header row)")
    return records[0], records[1:]


def _map_headers(header: Sequence[str], known: Mapping[str, tuple[str, ...]]) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, h in enumerate(header):
        n = _norm_header(h)
        for canon, spellings in known.items():
            if n in spellings and canon not in index:
                index[canon] = i
                break
    return index


def _rows_from_path(path: Path) -> tuple[str, list[tuple[int, dict[str, str]]]]:
    header, records = _read_csv(path)
    source = str(path)
    cols = _map_headers(header, _HEADERS)
    missing = [c for c in ("id", "name") if c not in cols]
    if missing:
        raise RosterFileError(
            f"{source}: no {' or '.join(repr(m) for m in missing)} column in the header "
            f"(found: {', '.join(h.strip() for h in header) or 'nothing'}); see docs/roster.md"
        )
    rows: list[tuple[int, dict[str, str]]] = []
    for n, rec in enumerate(records, start=2):
        if not any(cell.strip() for cell in rec):
            continue  # blank spreadsheet rows are not errors
        rows.append((n, {c: rec[i] if i < len(rec) else "" for c, i in cols.items()}))
    return source, rows


def _rows_from_dicts(rows: Iterable[Mapping[str, Any]]) -> list[tuple[int, dict[str, str]]]:
    out: list[tuple[int, dict[str, str]]] = []
    for n, r in enumerate(rows, start=2):
        mapped: dict[str, str] = {}
        for key, value in r.items():
            nk = _norm_header(str(key))
            for canon, spellings in _HEADERS.items():
                if nk in spellings:
                    mapped.setdefault(canon, "" if value is None else str(value))
                    break
        out.append((n, mapped))
    return out


# --- validation ------------------------------------------------------------------------


def _text_field(
    values: Mapping[str, str], name: str, limit: int, required: bool
) -> tuple[str | None, str | None]:
    raw = values.get(name, "")
    value = clean(raw.strip()) or ""
    if not value:
        return (None, "required, got ''") if required else ("", None)
    if len(value) > limit:
        return None, f"at most {limit} characters, got {len(value)}"
    return value, None


def parse_row(
    source: str, row: int, values: Mapping[str, str]
) -> tuple[AgentRow | SupervisorRow | None, RowError | None]:
    """Validate one roster row; returns the typed row or the first error found in it."""

    def err(f: str, msg: str) -> tuple[None, RowError]:
        return None, RowError(source, row, f, msg)

    role_raw = values.get("role", "").strip()
    role = _ROLE_WORDS.get(_norm_header(role_raw))
    if role is None:
        return err("role", f"expected agent, team_leader or floor_manager, got {role_raw!r}")
    rid, e = _text_field(values, "id", MAX_ID, True)
    if e:
        return err("id", e)
    name, e = _text_field(values, "name", MAX_NAME, True)
    if e:
        return err("name", e)
    assert rid is not None and name is not None
    team_raw = clean(values.get("team", "")) or ""
    if role != ROLE_AGENT:
        teams = tuple(t.strip() for t in team_raw.replace("；", ";").split(";") if t.strip())
        long = [t for t in teams if len(t) > MAX_TEAM]
        if long:
            return err("team", f"at most {MAX_TEAM} characters, got {len(long[0])}")
        if role == "team_leader" and not teams:
            return err("team", "a team leader needs at least one team (';'-separated), got ''")
        return SupervisorRow(row, rid, name, role, tuple(dict.fromkeys(teams))), None
    team, e = _text_field(values, "team", MAX_TEAM, True)
    if e:
        return err("team", e)
    assert team is not None
    tier_raw = values.get("tier", "").strip()
    if tier_raw == "":
        tier = 1
    elif tier_raw in ("1", "2", "3"):
        tier = int(tier_raw)
    else:
        return err("tier", f"expected 1, 2 or 3, got {tier_raw!r}")
    sens_raw = values.get("sensitive", "").strip()
    if sens_raw.lower() in _TRUE:
        sensitive = True
    elif sens_raw.lower() in _FALSE:
        sensitive = False
    else:
        return err("sensitive", f"expected yes/no (1/0, true/false, 是/否), got {sens_raw!r}")
    bday_raw = values.get("birthday", "").strip()
    birthday: date | None = None
    if bday_raw:
        try:
            birthday = date.fromisoformat(bday_raw)
        except ValueError:
            return err("birthday", f"expected a date YYYY-MM-DD, got {bday_raw!r}")
        if len(bday_raw) != 10:
            return err("birthday", f"expected a date YYYY-MM-DD, got {bday_raw!r}")
    aliases: list[str] = []
    for raw in _ALIAS_SPLIT.split(values.get("aliases", "")):
        alias = clean(raw) or ""
        if not alias or alias == rid or alias in aliases:
            continue
        if len(alias) > MAX_ID:
            return err("aliases", f"at most {MAX_ID} characters each, got {len(alias)}")
        aliases.append(alias)
    if len(aliases) > MAX_ALIASES:
        return err("aliases", f"at most {MAX_ALIASES} aliases, got {len(aliases)}")
    return AgentRow(row, rid, name, team, tier, sensitive, birthday, tuple(aliases)), None


# --- writing ---------------------------------------------------------------------------


def _ensure_teams(conn: Connection, names: Iterable[str]) -> int:
    wanted = set(names)
    if not wanted:
        return 0
    have = set(conn.execute(select(Team.id).where(Team.id.in_(wanted))).scalars())
    new = sorted(wanted - have)
    for t in new:
        conn.execute(insert_ignore(conn, Team, ["id"]).values(id=t, name=t))
    return len(new)


def _agent_changes(old: Any, new: AgentRow) -> list[str]:
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
    agents: Sequence[AgentRow],
    sups: Sequence[SupervisorRow],
    report: RosterReport,
    actor: str,
    now: datetime,
) -> None:
    teams = {a.team for a in agents} | {t for s in sups for t in s.teams}
    report.teams_added = _ensure_teams(conn, teams)
    seq: int | None = None  # the change number of this import, taken when an agent changes
    old_agents = {
        r.id: r
        for r in conn.execute(
            select(Agent).where(Agent.id.in_([a.id for a in agents]))
        ).all()
    } if agents else {}
    for a in agents:
        old = old_agents.get(a.id)
        if old is None:
            seq = seq or next_change(conn)
            conn.execute(
                upsert(conn, Agent, ["id"],
                       ["name", "team_id", "tier", "sensitive_designated", "birthday",
                        "from_feed", "seq"]).values(
                    id=a.id, name=a.name, team_id=a.team, tier=a.tier,
                    sensitive_designated=a.sensitive, birthday=a.birthday, from_feed=False,
                    state=AgentState.OFFLINE, updated_at=now, seq=seq,
                )
            )
            report.agents_added += 1
            audit.record(conn, at=now, actor=actor, action="roster.agent.add",
                         target_kind="agent", target_id=a.id,
                         detail=f"{a.name} team={a.team} tier={a.tier} "
                                f"sensitive={'yes' if a.sensitive else 'no'}")
            continue
        changes = _agent_changes(old, a)
        if not changes:
            report.unchanged += 1
            continue
        seq = seq or next_change(conn)
        conn.execute(
            update(Agent).where(Agent.id == a.id).values(
                name=a.name, team_id=a.team, tier=a.tier, sensitive_designated=a.sensitive,
                birthday=a.birthday, from_feed=False, updated_at=now, seq=seq,
            )
        )
        report.agents_updated += 1
        audit.record(conn, at=now, actor=actor, action="roster.agent.update",
                     target_kind="agent", target_id=a.id, detail="; ".join(changes))

    if report.with_aliases:
        _apply_aliases(conn, agents, report, actor, now)

    old_sups = {
        r.id: r for r in conn.execute(
            select(Supervisor).where(Supervisor.id.in_([s.id for s in sups]))
        ).all()
    } if sups else {}
    old_teams: dict[str, set[str]] = {}
    if sups:
        for sid, tid in conn.execute(
            select(SupervisorTeam.supervisor_id, SupervisorTeam.team_id).where(
                SupervisorTeam.supervisor_id.in_([s.id for s in sups])
            )
        ):
            old_teams.setdefault(sid, set()).add(tid)
    for s in sups:
        old = old_sups.get(s.id)
        before_teams = old_teams.get(s.id, set())
        if old is None:
            conn.execute(
                upsert(conn, Supervisor, ["id"], ["name", "role", "active"]).values(
                    id=s.id, name=s.name, role=s.role, active=True
                )
            )
            report.supervisors_added += 1
            action, detail = "roster.supervisor.add", f"{s.name} {s.role} teams={';'.join(s.teams)}"
        else:
            changes = []
            if old.name != s.name:
                changes.append(f"name: {old.name} -> {s.name}")
            if old.role != s.role:
                changes.append(f"role: {old.role} -> {s.role}")
            if not old.active:
                changes.append("active: no -> yes")
            if before_teams != set(s.teams):
                changes.append(
                    f"teams: {';'.join(sorted(before_teams))} -> {';'.join(sorted(s.teams))}"
                )
            if not changes:
                report.unchanged += 1
                continue
            conn.execute(
                update(Supervisor).where(Supervisor.id == s.id).values(
                    name=s.name, role=s.role, active=True
                )
            )
            report.supervisors_updated += 1
            action, detail = "roster.supervisor.update", "; ".join(changes)
        if before_teams != set(s.teams):
            conn.execute(delete(SupervisorTeam).where(SupervisorTeam.supervisor_id == s.id))
            for t in s.teams:
                conn.execute(insert(SupervisorTeam).values(supervisor_id=s.id, team_id=t))
        audit.record(conn, at=now, actor=actor, action=action, target_kind="supervisor",
                     target_id=s.id, detail=detail)
    audit.record(conn, at=now, actor=actor, action="roster.import", target_kind="roster",
                 target_id=report.source,
                 outcome="ok" if report.ok else "partial", detail=report.summary())


def _apply_aliases(conn: Connection, agents: Sequence[AgentRow], report: RosterReport,
                   actor: str, now: datetime) -> None:
    """Each agent's roster aliases become exactly those of its row (learned ones stay,
    unless the roster now gives the name to someone: the roster decides)."""
    ids = [a.id for a in agents]
    given = {al: a.id for a in agents for al in a.aliases}
    old_roster: dict[str, str] = {}
    if ids:
        for alias, agent_id in conn.execute(
                select(AgentAlias.alias, AgentAlias.agent_id)
                .where(AgentAlias.source == "roster", AgentAlias.agent_id.in_(ids))):
            old_roster[alias] = agent_id
    stale = [al for al, aid in old_roster.items() if given.get(al) != aid]
    if stale:
        conn.execute(delete(AgentAlias).where(AgentAlias.alias.in_(stale)))
        for al in stale:
            report.aliases_removed += 1
            audit.record(conn, at=now, actor=actor, action="roster.alias.remove",
                         target_kind="agent", target_id=old_roster[al], detail=al)
    current = dict(conn.execute(select(AgentAlias.alias, AgentAlias.agent_id).where(
        AgentAlias.alias.in_(list(given)))).all()) if given else {}
    for alias, agent_id in given.items():
        if current.get(alias) == agent_id and alias not in stale and alias in old_roster:
            continue
        conn.execute(upsert(conn, AgentAlias, ["alias"],
                            ["agent_id", "source", "learned_at", "evidence"]).values(
            alias=alias, agent_id=agent_id, source="roster", learned_at=now,
            evidence=f"roster {report.source}"))
        report.aliases_added += 1
        audit.record(conn, at=now, actor=actor, action="roster.alias.add",
                     target_kind="agent", target_id=agent_id, detail=alias)


def _check_aliases(agents: list[AgentRow], source: str,
                   errors: list[RowError]) -> list[AgentRow]:
    """An alias names one agent: not two rows, and not another row's own id."""
    ids = {a.id: a.row for a in agents}
    taken: dict[str, int] = {}
    out: list[AgentRow] = []
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
        source, rows = _rows_from_path(Path(rows_or_path))
    else:
        source, rows = "<rows>", _rows_from_dicts(rows_or_path)
    report = RosterReport(source=source, rows=len(rows))
    agents: list[AgentRow] = []
    sups: list[SupervisorRow] = []
    seen: dict[str, int] = {}
    for n, values in rows:
        parsed, error = parse_row(source, n, values)
        if error is not None:
            report.errors.append(error)
            continue
        assert parsed is not None
        key = ("s:" if isinstance(parsed, SupervisorRow) else "a:") + parsed.id
        if key in seen:
            report.errors.append(
                RowError(source, n, "id", f"{parsed.id!r} already given on row {seen[key]}")
            )
            continue
        seen[key] = n
        (sups if isinstance(parsed, SupervisorRow) else agents).append(parsed)  # type: ignore[arg-type]
    agents = _check_aliases(agents, source, report.errors)
    report.with_aliases = any("aliases" in values for _, values in rows)
    a_actor = clean(actor) or "?"

    def work(conn: Connection) -> None:
        # Counters are rebuilt on a retry, so reset the ones _apply increments.
        for attr in ("agents_added", "agents_updated", "supervisors_added",
                     "supervisors_updated", "teams_added", "unchanged", "aliases_added",
                     "aliases_removed"):
            setattr(report, attr, 0)
        _apply(conn, agents, sups, report, a_actor, now)

    run_write(engine, work)
    return report


# --- single changes --------------------------------------------------------------------


class RosterError(LookupError):
    """An unknown agent or customer named in a roster command."""


def designate(engine: Engine, agent_id: str, on: bool, *, actor: str, now: datetime) -> bool:
    """Mark an agent as designated (or not) for sensitive customers; False if already so."""

    def work(conn: Connection) -> bool:
        current = conn.execute(
            select(Agent.sensitive_designated).where(Agent.id == agent_id)
        ).first()
        if current is None:
            raise RosterError(f"no agent {agent_id!r} on the roster")
        if bool(current[0]) == on:
            return False
        conn.execute(
            update(Agent).where(Agent.id == agent_id).values(
                sensitive_designated=on, updated_at=now, seq=next_change(conn))
        )
        audit.record(conn, at=now, actor=clean(actor) or "?",
                     action="roster.designate" if on else "roster.undesignate",
                     target_kind="agent", target_id=agent_id)
        return True

    return run_write(engine, work)


def add_sensitive_customers(
    engine: Engine,
    customers: Iterable[tuple[str, str | None]],
    *,
    actor: str,
    now: datetime,
    source: str = "cli",
) -> tuple[int, int]:
    """Upsert (customer id, note) pairs; returns (added, updated). Unchanged ones count neither."""
    items = [(clean(c.strip()) or "", clean(n, multiline=False) if n else None)
             for c, n in customers]
    items = [(c, n) for c, n in items if c]

    def work(conn: Connection) -> tuple[int, int]:
        added = updated = 0
        old: dict[str, str | None] = {
            c: n for c, n in conn.execute(
                select(SensitiveCustomer.customer_id, SensitiveCustomer.note).where(
                    SensitiveCustomer.customer_id.in_([c for c, _ in items])
                )
            )
        } if items else {}
        for cid, note in items:
            if cid in old and old[cid] == note:
                continue
            conn.execute(
                upsert(conn, SensitiveCustomer, ["customer_id"], ["note"]).values(
                    customer_id=cid, note=note
                )
            )
            is_new = cid not in old
            if is_new:
                added += 1
            else:
                updated += 1
            old[cid] = note
            audit.record(conn, at=now, actor=clean(actor) or "?",
                         action="sensitive_customer.add" if is_new
                         else "sensitive_customer.update",
                         target_kind="customer", target_id=cid, detail=note or source)
        return added, updated

    return run_write(engine, work)


def remove_sensitive_customer(engine: Engine, customer_id: str, *, actor: str,
                              now: datetime) -> bool:
    def work(conn: Connection) -> bool:
        n = conn.execute(
            delete(SensitiveCustomer).where(SensitiveCustomer.customer_id == customer_id)
        ).rowcount
        if n:
            audit.record(conn, at=now, actor=clean(actor) or "?",
                         action="sensitive_customer.remove", target_kind="customer",
                         target_id=customer_id)
        return bool(n)

    return run_write(engine, work)


def read_sensitive_customers_csv(path: Path) -> list[tuple[int, str, str | None]]:
    """(row, customer id, note) from a CSV with a customer id column and optional note."""
    header, records = _read_csv(path)
    cols = _map_headers(header, {"customer": _CUSTOMER_HEADERS, "note": _NOTE_HEADERS})
    if "customer" not in cols:
        raise RosterFileError(
            f"{path}: no 'customer_id' column in the header "
            f"(found: {', '.join(h.strip() for h in header) or 'nothing'})"
        )
    out = []
    for n, rec in enumerate(records, start=2):
        if not any(c.strip() for c in rec):
            continue
        ci, ni = cols["customer"], cols.get("note")
        out.append((n, rec[ci].strip() if ci < len(rec) else "",
                    rec[ni].strip() if ni is not None and ni < len(rec) else None))
    return out


# --- reading back ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RosterAgent:
    id: str
    name: str
    team: str
    tier: int
    sensitive: bool
    birthday: date | None
    from_feed: bool


@dataclass(frozen=True, slots=True)
class RosterSupervisor:
    id: str
    name: str
    role: str
    teams: tuple[str, ...]


def list_agents(engine: Engine, team: str | None = None) -> list[RosterAgent]:
    stmt = select(Agent).order_by(Agent.team_id, Agent.id)
    if team is not None:
        stmt = stmt.where(Agent.team_id == team)
    with engine.connect() as conn:
        return [
            RosterAgent(r.id, r.name, r.team_id, r.tier, bool(r.sensitive_designated),
                        r.birthday, bool(r.from_feed))
            for r in conn.execute(stmt)
        ]


def list_supervisors(engine: Engine, team: str | None = None) -> list[RosterSupervisor]:
    with engine.connect() as conn:
        teams: dict[str, list[str]] = {}
        for sid, tid in conn.execute(
            select(SupervisorTeam.supervisor_id, SupervisorTeam.team_id).order_by(
                SupervisorTeam.team_id
            )
        ):
            teams.setdefault(sid, []).append(tid)
        sups = [
            RosterSupervisor(r.id, r.name, r.role, tuple(teams.get(r.id, ())))
            for r in conn.execute(
                select(Supervisor).where(Supervisor.active.is_(True)).order_by(
                    Supervisor.role.desc(), Supervisor.id
                )
            )
        ]
    if team is not None:
        sups = [s for s in sups if team in s.teams or s.role == "floor_manager"]
    return sups


def list_sensitive_customers(engine: Engine) -> list[tuple[str, str | None]]:
    with engine.connect() as conn:
        return [
            (c, n) for c, n in conn.execute(
                select(SensitiveCustomer.customer_id, SensitiveCustomer.note).order_by(
                    SensitiveCustomer.customer_id
                )
            )
        ]


@dataclass(frozen=True, slots=True)
class RosterAlias:
    alias: str
    agent_id: str
    agent_name: str
    source: str  # roster or learned
    learned_at: datetime
    evidence: str | None


def list_aliases(engine: Engine) -> list[RosterAlias]:
    """Every other name the feed uses for an agent: given by the roster or learned."""
    with engine.connect() as conn:
        return [
            RosterAlias(al, aid, name, src, at, ev)
            for al, aid, name, src, at, ev in conn.execute(
                select(AgentAlias.alias, AgentAlias.agent_id, Agent.name, AgentAlias.source,
                       AgentAlias.learned_at, AgentAlias.evidence)
                .join(Agent, Agent.id == AgentAlias.agent_id)
                .order_by(AgentAlias.agent_id, AgentAlias.alias))
        ]
