"""Asterisk app_queue's ``queue_log``: ``epoch|callid|queue|agent|EVENT|data1|data2|...``.

Field layouts are those of apps/app_queue.c, old and current (docs/queue_log.md lists
each with what floorapp does with it). Every line becomes exactly one FeedEvent,
Rejected or Ignored; blank lines are skipped. Outside text is made inert here, once,
before anything stores it, and every value is bounded (feed/events.py): a line that
fails a check is a rejection naming the field, never an exception.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from floorapp.feed.events import (
    EPOCH_MAX,
    EPOCH_MIN,
    LINE_PADDING,
    MAX_ID_CHARS,
    MAX_KIND_CHARS,
    MAX_LINE_CHARS,
    MAX_MS,
    MAX_QUEUE_CHARS,
    MAX_SECONDS,
    MAX_TEXT_CHARS,
    WINDOW,
    EventKind,
    FeedEvent,
    Ignored,
    ParsedLine,
    bounded,
    line_body,
    neutral,
    rejected,
)
from floorapp.feed.keys import OccurrenceKeys
from floorapp.i18n import N_, message

FORMAT = "queue-log"

# callid / agent placeholders Asterisk writes when there is no call or member.
_NO_ID = frozenset({"", "NONE", "REALTIME", "MANAGER", "CLI"})
# Caller ids that name nobody: kept out of customer_id so they do not merge customers.
_NO_CUSTOMER = frozenset({"", "anonymous", "unknown", "<unknown>", "restricted"})

# Read and deliberately ignored (counted by name in the summary): they change no agent
# state and no call that floorapp shows. Any other unknown event is ignored the same way.
HOUSEKEEPING = frozenset(
    {
        "CONFIGRELOAD",
        "SYSCOMPAT",
        "INFO",
        "DID",
        "AGENTDUMP",  # the member hung up during the announcement: the caller waits on
        "PENALTY",
        "RINGINUSE",  # member settings changed
        "OUTCALL",  # QueueUpdate(): an outbound call, not a queued one
        "PAUSECUSTOM",  # written by add-ons through QueueLog(), in no layout app_queue knows
    }
)

# Unanswered exits and the outcome each one records.
_UNANSWERED = {
    "ABANDON": "abandoned",
    "EXITWITHKEY": "abandoned",  # the caller pressed a key to leave the queue
    "EXITWITHTIMEOUT": "timeout",
    "EXITEMPTY": "timeout",  # the queue had no member to offer it to: the system gave up
    "WITHDRAW": "timeout",  # an application took the caller out (QueueWithdrawCaller)
}
# Where the wait time is: EXITWITHKEY has the key pressed first. Before Asterisk 1.6
# EXITWITHKEY was key|position and EXITWITHTIMEOUT position only, with no wait time.
_WAIT_AT = {"ABANDON": 7, "EXITWITHKEY": 8, "EXITWITHTIMEOUT": 7, "EXITEMPTY": 7, "WITHDRAW": 7}
# log_attended_transfer(): how many fields name the destination, per kind.
_ATTENDED_DEST = {"BRIDGE": 1, "APP": 1, "LINK": 2}
MAX_POSITION = 1_000_000
# How a line starts: its epoch, then the first separator.
_LINE_START = re.compile(r"\s*\d+(?:\.\d+)?\s*\|")
# logger.c's realtime time column, "%F %T.%6q".
_DATE_TIME = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d")


class BadData(ValueError):
    """A known event whose data fields are unusable (``why``: worded for each reader)."""

    def __init__(self, msgid: str, **params: Any) -> None:
        super().__init__(msgid.format(**params))
        self.why = message(msgid, **params)


def _int(
    fields: list[str], i: int, name: str, hi: int = MAX_SECONDS, *, required: bool = True
) -> int | None:
    raw = fields[i].strip() if i < len(fields) else ""
    if raw == "":
        if required:
            raise BadData(N_("missing {name}"), name=name)
        return None
    digits = raw[1:] if raw[0] == "-" else raw
    if not (digits.isdigit() and digits.isascii()):
        raise BadData(N_("{name} is not a number: {raw!r}"), name=name, raw=_short(raw))
    if digits is not raw:
        raise BadData(N_("{name} is negative: {raw!r}"), name=name, raw=_short(raw))
    # More digits than any bound has: out of range without converting a huge number.
    value = int(raw) if len(raw) <= 20 else hi + 1
    if value > hi:
        raise BadData(
            N_("{name} {raw} is out of range (0-{hi})"), name=name, raw=_short(raw), hi=hi
        )
    return value


def _short(raw: str) -> str:
    return bounded(raw, 40)


def _check_len(text: str, name: str, limit: int) -> str:
    if len(text) > limit:
        raise BadData(N_("{name} longer than {limit} characters"), name=message(name), limit=limit)
    return text


def _queue(fields: list[str]) -> str | None:
    raw = fields[2].strip()
    return None if raw in _NO_ID else neutral(raw)


def _text(fields: list[str], i: int, name: str, limit: int = MAX_TEXT_CHARS) -> str | None:
    raw = fields[i].strip() if i < len(fields) else ""
    return _check_len(neutral(raw), name, limit) if raw else None


class QueueLogParser:
    """Parses one line at a time (the follower feeds it lines as they are written)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._keys = OccurrenceKeys(FORMAT)
        self._names: dict[str, str] = {}
        self._last_epoch = EPOCH_MIN
        self._last_epoch_raw: str | None = None
        self._last_ts = datetime.fromtimestamp(EPOCH_MIN, UTC)
        self._handlers: dict[str, Callable[[list[str]], tuple[EventKind, dict[str, Any]]]] = {
            "ADDMEMBER": self._addmember,
            "AGENTLOGIN": self._login,
            "AGENTCALLBACKLOGIN": self._login,
            "REMOVEMEMBER": self._removemember,
            "AGENTLOGOFF": self._logout,
            "AGENTCALLBACKLOGOFF": self._logout,
            "PAUSE": self._pause,
            "PAUSEALL": self._pause,
            "UNPAUSE": self._unpause,
            "UNPAUSEALL": self._unpause,
            "ENTERQUEUE": self._enterqueue,
            "CONNECT": self._connect,
            "COMPLETECALLER": self._complete,
            "COMPLETEAGENT": self._complete,
            "RINGNOANSWER": self._ring,
            "RINGCANCELED": self._ring,
            "TRANSFER": self._transfer,
            "BLINDTRANSFER": self._transfer,
            "ATTENDEDTRANSFER": self._attended_transfer,
            **{name: self._unanswered for name in _UNANSWERED},
            "QUEUESTART": self._queuestart,
        }
        # Events that make no sense without a member / without a call.
        self._needs_agent = frozenset(
            {
                "ADDMEMBER",
                "AGENTLOGIN",
                "AGENTCALLBACKLOGIN",
                "REMOVEMEMBER",
                "AGENTLOGOFF",
                "AGENTCALLBACKLOGOFF",
                "PAUSE",
                "PAUSEALL",
                "UNPAUSE",
                "UNPAUSEALL",
                "CONNECT",
                "COMPLETECALLER",
                "COMPLETEAGENT",
                "RINGNOANSWER",
                "RINGCANCELED",
                "TRANSFER",
                "BLINDTRANSFER",
                "ATTENDEDTRANSFER",
            }
        )
        self._needs_call = frozenset(
            {
                "ENTERQUEUE",
                "CONNECT",
                "COMPLETECALLER",
                "COMPLETEAGENT",
                "RINGNOANSWER",
                "RINGCANCELED",
                "TRANSFER",
                "BLINDTRANSFER",
                "ATTENDEDTRANSFER",
                *_UNANSWERED,
            }
        )
        # One lookup per line: handler, needs a member, needs a call, records the queue.
        self._specs = {
            name: (handler, name in self._needs_agent, name in self._needs_call, name in _QUEUED)
            for name, handler in self._handlers.items()
        }
        self._key = self._keys.key

    def _name(self, raw: str) -> str:
        """An inert, bounded member name; a floor has few members, each named on many lines."""
        name = self._names.get(raw)
        if name is None:
            _check_len(raw, "agent", MAX_ID_CHARS)
            if len(self._names) > 10_000:
                self._names.clear()
            name = self._names[raw] = neutral(raw)
        return name

    def parse_line(self, text: str, line_no: int) -> ParsedLine | None:
        try:
            return self._parse(text, line_no)
        except Exception as exc:  # no line may stop the feed
            # Every known failure is turned into a rejection below; this is the guarantee
            # that an unforeseen one still costs one line, named, and not the run.
            return rejected(
                self.source,
                line_no,
                message(N_("unreadable line ({error})"), error=type(exc).__name__),
                text,
            )

    def _parse(self, text: str, line_no: int) -> ParsedLine | None:
        line = text.rstrip("\r\n")
        if line[:1] in LINE_PADDING and line:
            line = line.lstrip(LINE_PADDING)
        if "\x00" in line:
            # A crash zeroes the tail of the line being written, with no newline after
            # it; the restarted Asterisk writes on after the zeroes. That cut line is no
            # line: what follows the padding is, if anything does.
            after = line[line.rindex("\x00") + 1 :]
            if not _LINE_START.match(after):
                return rejected(
                    self.source,
                    line_no,
                    message(N_("NUL bytes inside the line (cut short by an unclean shutdown?)")),
                    line,
                )
            line = after
        if len(line) > MAX_LINE_CHARS:
            return rejected(
                self.source,
                line_no,
                message(N_("line longer than {limit} characters"), limit=MAX_LINE_CHARS),
                line,
            )
        fields = line.split("|")
        if len(fields) < 5:  # a line of five fields has a "|": never blank
            if not line_body(line):
                return None
            return rejected(
                self.source,
                line_no,
                message(
                    N_("too few fields ({n}, need at least 5: epoch|callid|queue|agent|EVENT)"),
                    n=len(fields),
                ),
                line,
            )
        epoch_raw = fields[0].strip()
        if epoch_raw != self._last_epoch_raw:
            whole, dot, fraction = epoch_raw.partition(".")
            if not (whole.isdigit() and whole.isascii()) or (
                dot and not (fraction.isdigit() and fraction.isascii() and len(fraction) <= 6)
            ):
                return self._not_an_epoch(epoch_raw, fields, line, line_no)
            # Twelve digits are far past the window: no need to convert a longer one.
            epoch = int(whole) if len(whole) <= 12 else EPOCH_MAX
            if not EPOCH_MIN <= epoch < EPOCH_MAX:
                return rejected(
                    self.source,
                    line_no,
                    message(
                        N_("epoch {epoch} is outside {window}"),
                        epoch=_short(epoch_raw),
                        window=WINDOW,
                    ),
                    line,
                )
            # Lines come in bursts within one second: the time is made once per burst.
            self._last_ts = datetime.fromtimestamp(epoch, UTC)
            if dot:
                self._last_ts = self._last_ts.replace(microsecond=int(fraction.ljust(6, "0")))
            self._last_epoch, self._last_epoch_raw = epoch, epoch_raw
        epoch, ts = self._last_epoch, self._last_ts
        event = fields[4]
        spec = self._specs.get(event)  # as Asterisk writes it: no spaces, upper case
        if spec is None:
            event = event.strip().upper()
            spec = self._specs.get(event)
            if spec is None:
                return Ignored(self.source, line_no, bounded(event, MAX_KIND_CHARS) or "(empty)")
        handler, needs_agent, needs_call, with_queue = spec
        callid = fields[1].strip()
        agent = fields[3].strip()
        try:
            member = None if agent in _NO_ID else (self._names.get(agent) or self._name(agent))
            call = (
                None
                if callid in _NO_ID
                else _check_len(neutral(callid), N_("call id"), MAX_ID_CHARS)
            )
            queue = _queue(fields)
            if queue is not None:
                _check_len(queue, N_("queue"), MAX_QUEUE_CHARS)
            if member is None and needs_agent:
                raise BadData(N_("no agent"))
            if call is None and needs_call:
                raise BadData(N_("no call id"))
            kind, data = handler(fields)
        except BadData as exc:
            return rejected(
                self.source, line_no, message(N_("{event}: {why}"), event=event, why=exc.why), line
            )
        if with_queue and queue is not None:
            data["queue"] = queue
        return FeedEvent(
            self._key(line, epoch),
            self.source,
            line_no,
            ts,
            kind,
            member,
            call,
            data,
            member,
            queue,
        )

    def _not_an_epoch(
        self, epoch_raw: str, fields: list[str], line: str, line_no: int
    ) -> ParsedLine:
        """A first field that is not seconds since 1970: a header, a date, or garbage."""
        if fields[4].strip().lower() == "event" and not any(c.isdigit() for c in epoch_raw):
            # The realtime table's columns (logger.c: time, callid, queuename, agent, event,
            # data or data1..data5) on top of an export.
            return Ignored(self.source, line_no, "header")
        if _DATE_TIME.match(epoch_raw):
            return rejected(
                self.source,
                line_no,
                message(
                    N_(
                        "time {time!r} is a date and time with no zone, not an epoch "
                        "(the realtime queue_log's time is in the PBX's zone unless "
                        "queue_log_realtime_use_gmt): export it as seconds since 1970"
                    ),
                    time=_short(epoch_raw),
                ),
                line,
            )
        return rejected(
            self.source,
            line_no,
            message(N_("epoch is not a number: {epoch!r}"), epoch=_short(epoch_raw)),
            line,
        )

    # --- one handler per event family: fields are the whole split line ----------------

    @staticmethod
    def _addmember(f: list[str]) -> tuple[EventKind, dict[str, Any]]:
        # data1: PAUSED or empty. Membership is per queue: the writer keeps the agent
        # logged in while any remains.
        data: dict[str, Any] = {"queue": _queue(f)}
        if len(f) > 5 and f[5].strip().upper() == "PAUSED":
            data.update(state="break", reason="paused")
        return EventKind.AGENT_LOGIN, data

    @staticmethod
    def _queuestart(f: list[str]) -> tuple[EventKind, dict[str, Any]]:
        # logger_queue_start(): once per Asterisk process, at its start.
        return EventKind.PBX_RESTART, {}

    @staticmethod
    def _removemember(f: list[str]) -> tuple[EventKind, dict[str, Any]]:
        return EventKind.AGENT_LOGOUT, {"queue": _queue(f)}

    @staticmethod
    def _login(f: list[str]) -> tuple[EventKind, dict[str, Any]]:
        # AGENTLOGIN: channel; AGENTCALLBACKLOGIN: exten@context. Neither is kept.
        return EventKind.AGENT_LOGIN, {}

    @staticmethod
    def _logout(f: list[str]) -> tuple[EventKind, dict[str, Any]]:
        # AGENTLOGOFF: channel|logintime; AGENTCALLBACKLOGOFF: exten@context|logintime|reason.
        return EventKind.AGENT_LOGOUT, {}

    @staticmethod
    def _pause(f: list[str]) -> tuple[EventKind, dict[str, Any]]:
        # The reason is written with "%s", unescaped, and ends the line: a "|" in it is
        # part of it (trailing empty fields, as exports pad to data5, are not).
        if len(f) > 6:
            f = [*f[:5], "|".join(f[5:]).rstrip("| ")]
        return EventKind.STATE, {"state": "break", "reason": _text(f, 5, "reason")}

    @staticmethod
    def _unpause(f: list[str]) -> tuple[EventKind, dict[str, Any]]:
        # data1 may hold a reason ("Auto-Unpause"): an unpause is available whatever it says.
        return EventKind.STATE, {"state": "available"}

    @staticmethod
    def _enterqueue(f: list[str]) -> tuple[EventKind, dict[str, Any]]:
        # url|callerid|position, and |callername with log-caller-id-name.
        caller = _text(f, 6, "caller id", MAX_ID_CHARS)
        data: dict[str, Any] = {}
        if caller is not None and caller.lower() not in _NO_CUSTOMER:
            data["customer"] = caller
        return EventKind.CALL_OFFERED, data

    @staticmethod
    def _connect(f: list[str]) -> tuple[EventKind, dict[str, Any]]:
        # holdtime|bridged uniqueid|ringtime (no ringtime before 1.6).
        data: dict[str, Any] = {"hold_seconds": _int(f, 5, "holdtime")}
        ring = _int(f, 7, "ringtime", required=False)
        if ring is not None:
            data["ring_seconds"] = ring
        return EventKind.CALL_ANSWERED, data

    @staticmethod
    def _complete(f: list[str]) -> tuple[EventKind, dict[str, Any]]:
        # holdtime|calltime|origposition
        hold = _int(f, 5, "holdtime")
        talk = _int(f, 6, "calltime")
        ended_by = "caller" if f[4].strip().upper() == "COMPLETECALLER" else "agent"
        # No "outcome": completed is call_ended's default, and a default written out
        # costs 22 bytes in every stored call_ended.
        return EventKind.CALL_ENDED, {
            "hold_seconds": hold,
            "talk_seconds": talk,
            "ended_by": ended_by,
        }

    @staticmethod
    def _ring(f: list[str]) -> tuple[EventKind, dict[str, Any]]:
        # ring time in milliseconds
        return EventKind.CALL_RING_NO_ANSWER, {"ring_ms": _int(f, 5, "ring time", MAX_MS)}

    @staticmethod
    def _transfer(f: list[str]) -> tuple[EventKind, dict[str, Any]]:
        # TRANSFER / BLINDTRANSFER: extension|context|holdtime|calltime|origposition
        first = _text(f, 5, "extension", MAX_ID_CHARS)
        second = _text(f, 6, "context", MAX_ID_CHARS)
        data: dict[str, Any] = {}
        if first:
            data["to"] = _check_len(
                f"{first}@{second}" if second else first, "destination", MAX_ID_CHARS
            )
        return EventKind.CALL_TRANSFERRED, _durations(f, 7, data)

    @staticmethod
    def _attended_transfer(f: list[str]) -> tuple[EventKind, dict[str, Any]]:
        # BRIDGE|bridge, APP|application or LINK|channel1|channel2, then
        # holdtime|calltime|origposition (log_attended_transfer in apps/app_queue.c).
        method = f[5].strip().upper() if len(f) > 5 else ""
        width = _ATTENDED_DEST.get(method)
        if width is None:  # a kind newer than this reader: the times end the line
            width = max(0, len(f) - 6 - 3)
        dest = [
            d for d in (_text(f, 6 + i, "destination", MAX_ID_CHARS) for i in range(width)) if d
        ]
        data: dict[str, Any] = {}
        to = ":".join(x for x in (_text(f, 5, "transfer kind", MAX_ID_CHARS), *dest) if x)
        if to:
            data["to"] = _check_len(to, "destination", MAX_ID_CHARS)
        return EventKind.CALL_TRANSFERRED, _durations(f, 6 + width, data)

    @staticmethod
    def _unanswered(f: list[str]) -> tuple[EventKind, dict[str, Any]]:
        # ABANDON, EXITEMPTY, EXITWITHTIMEOUT: position|origposition|waittime
        # EXITWITHKEY: key|position|origposition|waittime; WITHDRAW: ...|waittime|info
        event = f[4].strip().upper()
        wait_at = _WAIT_AT[event]
        _int(f, wait_at - 2, "position", MAX_POSITION, required=False)
        data: dict[str, Any] = {"outcome": _UNANSWERED[event], "exit": event.lower()}
        # The old layouts end before the wait time (an export pads them with empty fields).
        if len(f) > wait_at and f[wait_at].strip():
            data["hold_seconds"] = _int(f, wait_at, "waittime")
        return EventKind.CALL_ABANDONED, data


def _durations(f: list[str], at: int, data: dict[str, Any]) -> dict[str, Any]:
    """holdtime|calltime at ``at`` (both optional, bounded) into ``data``."""
    hold = _int(f, at, "holdtime", required=False)
    talk = _int(f, at + 1, "calltime", required=False)
    if hold is not None:
        data["hold_seconds"] = hold
    if talk is not None:
        data["talk_seconds"] = talk
    return data


# Events whose kind is a call kind (offered, answered, ended, abandoned, transferred):
# their queue is recorded with the call.
_QUEUED = frozenset(
    {
        "ENTERQUEUE",
        "CONNECT",
        "COMPLETECALLER",
        "COMPLETEAGENT",
        "TRANSFER",
        "BLINDTRANSFER",
        "ATTENDEDTRANSFER",
        *_UNANSWERED,
    }
)


def parse_queue_log(
    lines: Iterable[str], source: str, *, start_line: int = 0
) -> Iterator[ParsedLine]:
    """Parse an iterable of queue_log lines; line numbers count from ``start_line + 1``."""
    parser = QueueLogParser(source)
    for line_no, text in enumerate(lines, start_line + 1):
        item = parser.parse_line(text, line_no)
        if item is not None:
            yield item
