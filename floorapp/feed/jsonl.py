"""floorapp's own feed format: one JSON object a line (schema in docs/events.md).

Validation is by table: each event type names its required and optional fields and
each field has one checker. Errors name the field, so a producer can fix its output:
``field 'ts': no UTC offset in '2026-03-10T09:00:00'``. Fields that are not in the
schema are ignored, so producers can carry extra data without breaking the reader.

Every value is bounded before it leaves (feed/events.py): the time window, whole numbers
(durations up to a week), ids up to 128 characters and valid Unicode, free text up to
2,000 characters with controls, bidi overrides and lone surrogates made inert, the line's
length and its JSON nesting. Whatever a line holds, the parser returns; it never raises.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any

from db.models import AgentState, Severity
from db.models_requests import REQUEST_CATEGORIES
from floorapp.feed.events import (
    LINE_PADDING,
    MAX_COUNT,
    MAX_ID_CHARS,
    MAX_JSON_DEPTH,
    MAX_LINE_CHARS,
    MAX_MS,
    MAX_QUEUE_CHARS,
    MAX_SECONDS,
    MAX_TEXT_CHARS,
    TS_MAX,
    TS_MIN,
    WINDOW,
    EventKind,
    FeedEvent,
    ParsedLine,
    has_surrogate,
    in_window,
    neutral,
    rejected,
)
from floorapp.feed.keys import OccurrenceKeys, id_key
from floorapp.i18n import N_, message
from floorapp.text import clean

FORMAT = "jsonl"


class FieldError(ValueError):
    """A field the event cannot take (``why``: worded for each reader)."""

    def __init__(self, name: str, msgid: str, **params: Any) -> None:
        super().__init__(f"field {name!r}: {msgid.format(**params)}")
        self.why = message(N_("field {name!r}: {why}"), name=name, why=message(msgid, **params))


class BadLine(ValueError):
    """A line that is no event at all (``why``: worded for each reader)."""

    def __init__(self, msgid: str, **params: Any) -> None:
        super().__init__(msgid.format(**params))
        self.why = message(msgid, **params)


Checker = Callable[[str, Any], Any]


def _short(raw: Any) -> str:
    """A value as it may appear in a reason: short and inert."""
    try:
        text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False)
    except ValueError:  # nested past what json.dumps allows, or a huge number
        text = type(raw).__name__
    text = neutral(text[:61])
    return text if len(text) <= 60 else text[:57] + "..."


def _string(max_len: int, *, multiline: bool = False, identity: bool = False) -> Checker:
    """Text of at most ``max_len`` characters, made inert.

    An identity (agent, call, queue, customer, event id) with invalid Unicode is
    refused rather than repaired: two different broken ids must not become one.
    Free text has the odd lone surrogate replaced like any control character.
    """

    def check(name: str, value: Any) -> str:
        if type(value) is str:
            if len(value) > max_len:
                raise FieldError(name, N_("longer than {n} characters"), n=max_len)
            if value.isprintable():  # the usual case: nothing to make inert
                text = value
            elif identity and has_surrogate(value):
                raise FieldError(name, N_("not valid Unicode (a lone surrogate)"))
            else:
                text = clean(value, multiline=multiline) or ""
        elif type(value) is int:  # ids written as numbers
            if abs(value) >= 10**max_len:  # str() of a huge number is slow, then too long
                raise FieldError(name, N_("longer than {n} characters"), n=max_len)
            text = str(value)
        else:
            raise FieldError(name, N_("expected a string, got {value}"), value=_short(value))
        if not text.strip():
            raise FieldError(name, N_("is empty"))
        return text

    return check


def _boolean(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise FieldError(name, N_("expected true or false, got {value}"), value=_short(value))
    return value


def _integer(lo: int, hi: int) -> Checker:
    def check(name: str, value: Any) -> int:
        if type(value) is not int:  # bool is an int subclass: refused here too
            raise FieldError(name, N_("expected a whole number, got {value}"), value=_short(value))
        if value < lo or value > hi:
            raise FieldError(
                name, N_("{value} is out of range ({lo}-{hi})"), value=_short(value), lo=lo, hi=hi
            )
        return value

    return check


def _choice(options: Iterable[str]) -> Checker:
    allowed = tuple(options)

    def check(name: str, value: Any) -> str:
        if value not in allowed:
            raise FieldError(
                name,
                N_("{value} is not one of {allowed}"),
                value=_short(value),
                allowed=", ".join(allowed),
            )
        return str(value)

    return check


OUTCOMES = ("completed", "abandoned", "timeout", "transferred")
MAX_SUPERVISOR_CHARS = 100  # a supervisor's login name

FIELDS: dict[str, Checker] = {
    "queue": _string(MAX_QUEUE_CHARS, identity=True),
    "customer": _string(MAX_ID_CHARS, identity=True),
    "state": _choice(s.value for s in AgentState),
    "reason": _string(MAX_TEXT_CHARS, multiline=True),
    "outcome": _choice(OUTCOMES),
    "hold_seconds": _integer(0, MAX_SECONDS),
    "talk_seconds": _integer(0, MAX_SECONDS),
    "ring_ms": _integer(0, MAX_MS),
    "satisfaction": _integer(1, 5),
    "effort": _integer(1, 5),
    "complaint": _boolean,
    "negative_sentiment": _boolean,
    "refused_explanations": _integer(0, MAX_COUNT),
    "sensitive_customer": _boolean,
    "after_call": _boolean,
    "note": _string(MAX_TEXT_CHARS, multiline=True),
    "severity": _choice(s.value for s in Severity),
    "tier": _integer(1, 3),
    "supervisor": _string(MAX_SUPERVISOR_CHARS, identity=True),
    "text": _string(MAX_TEXT_CHARS, multiline=True),
    "to": _string(MAX_ID_CHARS),
    "category": _choice(REQUEST_CATEGORIES),
}

_CALL_FACTS = (
    "customer",
    "queue",
    "complaint",
    "negative_sentiment",
    "refused_explanations",
    "sensitive_customer",
)

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
        False,
        True,
        (),
        (
            "outcome",
            "hold_seconds",
            "talk_seconds",
            "satisfaction",
            "effort",
            "after_call",
            *_CALL_FACTS,
        ),
    ),
    EventKind.CALL_ABANDONED: (False, True, (), ("outcome", "hold_seconds", *_CALL_FACTS)),
    EventKind.CALL_TRANSFERRED: (False, True, (), ("to", "hold_seconds", "talk_seconds")),
    EventKind.RAISE_HAND: (True, False, (), ("note",)),
    EventKind.ESCALATION: (True, False, ("reason",), ("severity", "tier", "customer")),
    EventKind.OBSERVATION: (True, False, ("supervisor", "text"), ()),
    EventKind.AGENT_REQUEST: (True, False, ("category", "text"), ()),
}

_KINDS = {k.value: k for k in EventKind if k in SCHEMA}  # pbx_restart: queue_log's own
_RAW_DECODE = json.JSONDecoder().raw_decode
_FROMISO = datetime.fromisoformat
_TS_MIN, _TS_MAX = TS_MIN, TS_MAX
# Per type: every field it may carry, with its checker.
_ALLOWED: dict[EventKind, dict[str, Checker]] = {
    kind: {name: FIELDS[name] for name in (*required, *optional)}
    for kind, (_, _, required, optional) in SCHEMA.items()
}
_AGENT = _string(MAX_ID_CHARS, identity=True)
_CALL = _AGENT  # the same rules for both (JsonlParser keeps the ids it checked)
_ID = _string(MAX_ID_CHARS, identity=True)
# Strings and brackets, to measure nesting without the recursive decoder. An unterminated
# string runs to the end of the line: every token is consumed once, so the scan is linear
# however the quotes and backslashes are arranged.
_NESTING_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]')


def nesting_depth(line: str) -> int:
    """How deep arrays and objects nest in ``line`` (brackets inside strings not counted)."""
    depth = deepest = 0
    for m in _NESTING_TOKEN.finditer(line):
        ch = m.group()
        if ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif ch in "]}":
            depth -= 1
    return deepest


def parse_ts(value: Any) -> datetime:
    if not isinstance(value, str):
        raise FieldError("ts", N_("expected an ISO 8601 string, got {value}"), value=_short(value))
    try:
        ts = datetime.fromisoformat(value)
    except ValueError:
        raise FieldError("ts", N_("not an ISO 8601 time: {value!r}"), value=_short(value)) from None
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise FieldError("ts", N_("no UTC offset in {value!r}"), value=_short(value))
    # Checked before converting: near year 1 or 9999 the conversion itself overflows.
    try:
        utc = ts.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not in_window(utc):
        raise FieldError(
            "ts", N_("{value} is outside {window}"), value=_short(value), window=WINDOW
        )
    return utc


_MAX_IDS = 50_000  # checked ids remembered (a floor has far fewer agents and open calls)


class JsonlParser:
    def __init__(self, source: str) -> None:
        self.source = source
        self._keys = OccurrenceKeys(FORMAT)
        self._key = self._keys.key
        # Agent and call ids as checked: a floor names each agent on thousands of lines and
        # each call on several, and a checked id is the same whatever line it is on.
        self._ids: dict[str, str] = {}

    def _identity(self, name: str, value: Any) -> str:
        """``_AGENT``/``_CALL``'s check (the same checker), once per distinct text."""
        if type(value) is not str:
            return str(_AGENT(name, value))
        ids = self._ids
        checked = ids.get(value)
        if checked is None:
            checked = _AGENT(name, value)
            if len(ids) >= _MAX_IDS:
                ids.clear()
            ids[value] = checked
        return checked

    def parse_line(self, text: str, line_no: int) -> ParsedLine | None:
        line = text.strip()
        if line[:1] in LINE_PADDING and line:
            line = line.lstrip(LINE_PADDING).strip()
        if not line:
            return None
        if len(line) > MAX_LINE_CHARS:
            return rejected(
                self.source,
                line_no,
                message(N_("line longer than {limit} characters"), limit=MAX_LINE_CHARS),
                line,
            )
        try:
            return self._event(line, line_no)
        except (FieldError, BadLine) as exc:
            return rejected(self.source, line_no, exc.why, line)
        except ValueError as exc:
            return rejected(self.source, line_no, str(exc), line)
        except Exception as exc:  # no line may stop the feed
            # Every known failure is a FieldError or ValueError; this is the guarantee
            # that an unforeseen one still costs one line, named, and not the run.
            return rejected(
                self.source,
                line_no,
                message(N_("unreadable line ({error})"), error=type(exc).__name__),
                line,
            )

    def _event(self, line: str, line_no: int) -> FeedEvent:
        # The decoder recurses once per level: measure the nesting first (only a line
        # with many brackets needs the scan).
        if (
            line.count("[") + line.count("{") > MAX_JSON_DEPTH
            and nesting_depth(line) > MAX_JSON_DEPTH
        ):
            raise BadLine(N_("not valid JSON: nested deeper than {n} levels"), n=MAX_JSON_DEPTH)
        try:
            obj, end = _RAW_DECODE(line)  # the line is stripped: no whitespace to skip
        except json.JSONDecodeError as exc:
            raise BadLine(
                N_("not valid JSON: {error} (column {column})"), error=exc.msg, column=exc.colno
            ) from None
        except ValueError:  # the decoder refuses integers of more than 4,300 digits
            raise BadLine(N_("not valid JSON: a number longer than 4300 digits")) from None
        if end != len(line):
            raise BadLine(N_("not valid JSON: extra data (column {column})"), column=end + 1)
        if type(obj) is not dict:
            raise BadLine(N_("expected a JSON object, got {kind}"), kind=type(obj).__name__)
        type_name = obj.get("type")
        kind = _KINDS.get(type_name) if type(type_name) is str else None
        if kind is None:
            if type_name is None:
                raise FieldError("type", N_("missing"))
            raise FieldError("type", N_("unknown event type {value!r}"), value=_short(type_name))
        raw_ts = obj.get("ts")
        if raw_ts is None:
            raise FieldError("ts", N_("missing"))
        # parse_ts() without its checks for the usual case: a valid time already in UTC.
        try:
            ts = _FROMISO(raw_ts) if type(raw_ts) is str else None
        except ValueError:
            ts = None
        if ts is None or ts.tzinfo is not UTC or not (_TS_MIN <= ts < _TS_MAX):
            ts = parse_ts(raw_ts)
        needs_agent, needs_call, required, _ = SCHEMA[kind]
        agent = obj.get("agent")
        if agent is not None:
            # Only text is looked up: a list or object is not hashable, and is refused below.
            agent = (type(agent) is str and self._ids.get(agent)) or self._identity("agent", agent)
        elif needs_agent:
            raise FieldError("agent", N_("required for {kind}"), kind=kind.value)
        call = obj.get("call")
        if call is not None:
            call = (type(call) is str and self._ids.get(call)) or self._identity("call", call)
        elif needs_call:
            raise FieldError("call", N_("required for {kind}"), kind=kind.value)
        data: dict[str, Any] = {}
        allowed = _ALLOWED[kind]
        for name, value in obj.items():  # usually fewer keys than the type allows
            check = allowed.get(name)
            if check is not None and value is not None:
                data[name] = check(name, value)
        for name in required:
            if name not in data:
                raise FieldError(name, N_("required for {kind}"), kind=kind.value)
        event_id = obj.get("id")
        second = int(ts.timestamp())
        if event_id is not None:
            key = id_key(FORMAT, _ID("id", event_id), second)
        else:
            key = self._key(line, second)
        return FeedEvent(
            key, self.source, line_no, ts, kind, agent, call, data, agent, data.get("queue")
        )


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
