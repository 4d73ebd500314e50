"""Reading a roster CSV: the file, its headers (English or Chinese), and each row checked.

A centre already keeps its roster in a spreadsheet, saved as CSV (UTF-8, with or without
BOM). Each bad row becomes a ``RowError`` with its spreadsheet row number and field; the
file itself unusable is a ``RosterFileError``. Columns are documented in docs/roster.md.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from db.models import SupervisorRole
from floorapp.text import clean

ROLE_AGENT = "agent"
ROLES = (ROLE_AGENT, SupervisorRole.TEAM_LEADER.value, SupervisorRole.FLOOR_MANAGER.value)

# Header spellings, compared after lower-casing and dropping spaces, '-' and '_'.
_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("id", "agentid", "agent", "login", "loginname", "工号", "坐席工号", "编号", "账号"),
    "name": ("name", "displayname", "fullname", "姓名", "名字"),
    "team": ("team", "teams", "group", "班组", "组", "团队", "小组"),
    "tier": ("tier", "level", "层级", "级别", "服务层级"),
    "sensitive": (
        "sensitive",
        "sensitivedesignated",
        "designated",
        "敏感",
        "敏感客户",
        "敏感客户坐席",
    ),
    "birthday": ("birthday", "birthdate", "dateofbirth", "dob", "生日", "出生日期"),
    "role": ("role", "type", "角色", "岗位"),
    "aliases": ("aliases", "alias", "feednames", "feedname", "别名", "坐席别名"),
}
# Aliases in one cell: separated by ';' (or the full-width '；') or blanks.
_ALIAS_SPLIT = re.compile(r"[;；\s]+")
_ROLE_WORDS: dict[str, str] = {
    "agent": ROLE_AGENT,
    "坐席": ROLE_AGENT,
    "客服": ROLE_AGENT,
    "": ROLE_AGENT,
    "teamleader": "team_leader",
    "leader": "team_leader",
    "tl": "team_leader",
    "班组长": "team_leader",
    "组长": "team_leader",
    "floormanager": "floor_manager",
    "manager": "floor_manager",
    "fm": "floor_manager",
    "现场经理": "floor_manager",
    "值班经理": "floor_manager",
    "经理": "floor_manager",
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


@dataclass(frozen=True, slots=True)
class AgentEntry:
    """An agent's row of the roster file, checked."""

    row: int
    id: str
    name: str
    team: str
    tier: int
    sensitive: bool
    birthday: date | None
    aliases: tuple[str, ...] = ()  # other names the feed uses for this agent


@dataclass(frozen=True, slots=True)
class SupervisorEntry:
    """A supervisor's row of the roster file, checked."""

    row: int
    id: str
    name: str
    role: str
    teams: tuple[str, ...]


# --- reading ---------------------------------------------------------------------------


def _norm_header(h: str) -> str:
    return "".join(ch for ch in h.strip().lower() if ch not in " _-\t")


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
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


def map_headers(header: Sequence[str], known: Mapping[str, tuple[str, ...]]) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, h in enumerate(header):
        n = _norm_header(h)
        for canon, spellings in known.items():
            if n in spellings and canon not in index:
                index[canon] = i
                break
    return index


def rows_from_path(path: Path) -> tuple[str, list[tuple[int, dict[str, str]]]]:
    header, records = read_csv(path)
    source = str(path)
    cols = map_headers(header, _HEADERS)
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


def rows_from_dicts(rows: Iterable[Mapping[str, Any]]) -> list[tuple[int, dict[str, str]]]:
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
) -> tuple[AgentEntry | SupervisorEntry | None, RowError | None]:
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
        return SupervisorEntry(row, rid, name, role, tuple(dict.fromkeys(teams))), None
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
    return AgentEntry(row, rid, name, team, tier, sensitive, birthday, tuple(aliases)), None


def read_sensitive_customers_csv(path: Path) -> list[tuple[int, str, str | None]]:
    """(row, customer id, note) from a CSV with a customer id column and optional note."""
    header, records = read_csv(path)
    cols = map_headers(header, {"customer": _CUSTOMER_HEADERS, "note": _NOTE_HEADERS})
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
        out.append(
            (
                n,
                rec[ci].strip() if ci < len(rec) else "",
                rec[ni].strip() if ni is not None and ni < len(rec) else None,
            )
        )
    return out
