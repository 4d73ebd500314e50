"""floorapp's own feed format: one JSON object a line (schema in docs/events.md).

Validation is by table: each event type names its required and optional fields and
each field has one checker. Errors name the field, so a producer can fix its output:
``field 'ts': no UTC offset in '2026-03-10T09:00:00'``. Fields that are not in the
schema are ignored, so producers can carry extra data without breaking the reader.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any

from db.models import AgentState, Severity
from floorapp.feed.events import EventKind, FeedEvent, ParsedLine, Rejected
from floorapp.feed.keys import OccurrenceKeys, id_key
from floorapp.text import clean

FORMAT = "jsonl"


class FieldError(ValueError):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"field {name!r}: {message}")


Checker = Callable[[str, Any], Any]


def _short(raw: Any) -> str:
    text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _string(max_len: int | None, *, multiline: bool = False) -> Checker:
    def check(name: str, value: Any) -> str:
        if type(value) is str:
            # Only control characters are replaced, and isprintable() rejects them all:
            # most feed text is printable and skips the regex.
            text = value if value.isprintable() else clean(value, multiline=multiline) or ""
        elif type(value) is int:  # ids written as numbers
            text = str(value)
        else:
            raise FieldError(name, f"expected a string, got {_short(value)}")
        if not text.strip():
            raise FieldError(name, "is empty")
        if max_len is not None and len(text) > max_len:
            raise FieldError(name, f"longer than {max_len} characters")
        return text

    return check


def _boolean(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise FieldError(name, f"expected true or false, got {_short(value)}")
    return value


def _integer(lo: int, hi: int | None = None) -> Checker:
    def check(name: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldError(name, f"expected a whole number, got {_short(value)}")
        if value < lo or (hi is not None and value > hi):
            span = f"{lo}-{hi}" if hi is not None else f">= {lo}"
            raise FieldError(name, f"{value} is out of range ({span})")
        return value

    return check


def _choice(options: Iterable[str]) -> Checker:
    allowed = tuple(options)

    def check(name: str, value: Any) -> str:
        if value not in allowed:
            raise FieldError(name, f"{_short(value)!s} is not one of {', '.join(allowed)}")
        return str(value)

    return check


OUTCOMES = ("completed", "abandoned", "timeout", "transferred")

FIELDS: dict[str, Checker] = {
    "queue": _string(100),
    "customer": _string(200),
    "state": _choice(s.value for s in AgentState),
    "reason": _string(None, multiline=True),
    "outcome": _choice(OUTCOMES),
    "hold_seconds": _integer(0),
    "talk_seconds": _integer(0),
    "ring_ms": _integer(0),
    "satisfaction": _integer(1, 5),
    "effort": _integer(1, 5),
    "complaint": _boolean,
    "negative_sentiment": _boolean,
    "refused_explanations": _integer(0),
    "sensitive_customer": _boolean,
    "after_call": _boolean,
    "note": _string(None, multiline=True),
    "severity": _choice(s.value for s in Severity),
    "tier": _integer(1, 3),
    "supervisor": _string(100),
    "text": _string(None, multiline=True),
    "to": _string(200),
}

_CALL_FACTS = ("customer", "queue", "complaint", "negative_sentiment", "refused_explanations",
               "sensitive_customer")

# type -> (needs agent, needs call, required fields, optional fields)
SCHEMA: dict[EventKind, tuple[bool, bool, tuple[str, ...], tuple[str, ...]]] = {
    EventKind.AGENT_LOGIN: (True, False, (), ("state", "reason")),
    EventKind.AGENT_LOGOUT: (True, False, (), ()),
    EventKind.STATE: (True, False, ("state",), ("reason",)),
    EventKind.CALL_OFFERED: (False, True, (), (*_CALL_FACTS,)),
    EventKind.CALL_RING_NO_ANSWER: (True, True, (), ("ring_ms",)),
    EventKind.CALL_ANSWERED: (True, True, (), ("hold_seconds", *_CALL_FACTS)),
    EventKind.CALL_UPDATE: (False, True, (), _CALL_FACTS),
    EventKind.CALL_ENDED: (
        False, True, (),
        ("outcome", "hold_seconds", "talk_seconds", "satisfaction", "effort", "after_call",
         *_CALL_FACTS),
    ),
    EventKind.CALL_ABANDONED: (False, True, (), ("outcome", "hold_seconds", *_CALL_FACTS)),
    EventKind.CALL_TRANSFERRED: (False, True, (), ("to", "hold_seconds", "talk_seconds")),
    EventKind.RAISE_HAND: (True, False, (), ("note",)),
    EventKind.ESCALATION: (True, False, ("reason",), ("severity", "tier", "customer")),
    EventKind.OBSERVATION: (True, False, ("supervisor", "text"), ()),
}

_KINDS = {k.value: k for k in EventKind}
_RAW_DECODE = json.JSONDecoder().raw_decode
_FROMISO = datetime.fromisoformat
# Per type: every field it may carry, with its checker.
_ALLOWED: dict[EventKind, dict[str, Checker]] = {
    kind: {name: FIELDS[name] for name in (*required, *optional)}
    for kind, (_, _, required, optional) in SCHEMA.items()
}
_AGENT = _string(200)
_CALL = _string(200)
_ID = _string(200)


def parse_ts(value: Any) -> datetime:
    if not isinstance(value, str):
        raise FieldError("ts", f"expected an ISO 8601 string, got {_short(value)}")
    try:
        ts = datetime.fromisoformat(value)
    except ValueError:
        raise FieldError("ts", f"not an ISO 8601 time: {_short(clean(value))!r}") from None
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise FieldError("ts", f"no UTC offset in {_short(clean(value))!r}")
    return ts.astimezone(UTC)


class JsonlParser:
    def __init__(self, source: str) -> None:
        self.source = source
        self._keys = OccurrenceKeys(FORMAT)

    def parse_line(self, text: str, line_no: int) -> ParsedLine | None:
        line = text.strip()
        if not line:
            return None
        try:
            return self._event(line, line_no)
        except (FieldError, ValueError) as exc:
            return Rejected(self.source, line_no, str(exc), clean(line) or "")

    def _event(self, line: str, line_no: int) -> FeedEvent:
        try:
            obj, end = _RAW_DECODE(line)  # the line is stripped: no whitespace to skip
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON: {exc.msg} (column {exc.colno})") from None
        if end != len(line):
            raise ValueError(f"not valid JSON: extra data (column {end + 1})")
        if type(obj) is not dict:
            raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
        type_name = obj.get("type")
        kind = _KINDS.get(type_name) if type(type_name) is str else None
        if kind is None:
            if type_name is None:
                raise FieldError("type", "missing")
            raise FieldError("type", f"unknown event type {_short(type_name)!r}")
        raw_ts = obj.get("ts")
        if raw_ts is None:
            raise FieldError("ts", "missing")
        # parse_ts() without its checks for the usual case: a valid time already in UTC.
        try:
            ts = _FROMISO(raw_ts) if type(raw_ts) is str else None
        except ValueError:
            ts = None
        if ts is None or ts.tzinfo is not UTC:
            ts = parse_ts(raw_ts)
        needs_agent, needs_call, required, _ = SCHEMA[kind]
        agent = obj.get("agent")
        if agent is not None:
            agent = _AGENT("agent", agent)
        elif needs_agent:
            raise FieldError("agent", f"required for {kind.value}")
        call = obj.get("call")
        if call is not None:
            call = _CALL("call", call)
        elif needs_call:
            raise FieldError("call", f"required for {kind.value}")
        data: dict[str, Any] = {}
        allowed = _ALLOWED[kind]
        for name, value in obj.items():  # usually fewer keys than the type allows
            check = allowed.get(name)
            if check is not None and value is not None:
                data[name] = check(name, value)
        for name in required:
            if name not in data:
                raise FieldError(name, f"required for {kind.value}")
        event_id = obj.get("id")
        second = int(ts.timestamp())
        if event_id is not None:
            key = id_key(FORMAT, _ID("id", event_id), second)
        else:
            key = self._keys.key(line, second)
        return FeedEvent(key, self.source, line_no, ts, kind, agent, call, data)


def parse_jsonl(lines: Iterable[str], source: str, *, start_line: int = 0) -> Iterator[ParsedLine]:
    """Parse JSONL lines; line numbers count from ``start_line + 1``; blank lines skipped."""
    parser = JsonlParser(source)
    for line_no, text in enumerate(lines, start_line + 1):
        item = parser.parse_line(text, line_no)
        if item is not None:
            yield item


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in a feed event: attach a time zone")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to the feed")


def event_to_json(ev_fields: dict[str, Any]) -> str:
    """One JSONL line (no newline) for an event given as a dict of schema fields.

    ``ts`` may be an aware datetime; None values are left out. The result reads back
    through ``parse_jsonl`` (the simulator relies on that round trip).
    """
    if "type" not in ev_fields:
        raise ValueError("a feed event needs a 'type'")
    fields = {k: v for k, v in ev_fields.items() if v is not None}
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"), default=_jsonable)
