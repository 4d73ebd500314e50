"""Asterisk app_queue's ``queue_log``: ``epoch|callid|queue|agent|EVENT|data1|data2|...``.

Field layouts are those of apps/app_queue.c (see docs/events.md for the mapping to
floorapp events). Every line becomes exactly one FeedEvent, Rejected or Ignored;
blank lines are skipped. Outside text is cleaned here, once, before anything stores it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from floorapp.feed.events import EventKind, FeedEvent, Ignored, ParsedLine, Rejected
from floorapp.feed.keys import OccurrenceKeys
from floorapp.text import clean

FORMAT = "queue-log"

# callid / agent placeholders Asterisk writes when there is no call or member.
_NO_ID = frozenset({"", "NONE", "REALTIME", "MANAGER", "CLI"})
# Caller ids that name nobody: kept out of customer_id so they do not merge customers.
_NO_CUSTOMER = frozenset({"", "anonymous", "unknown", "<unknown>", "restricted"})

HOUSEKEEPING = frozenset({"QUEUESTART", "CONFIGRELOAD", "AGENTDUMP", "SYSCOMPAT", "INFO", "DID"})

# Unanswered exits and the outcome each one records.
_UNANSWERED = {
    "ABANDON": "abandoned",
    "EXITWITHKEY": "abandoned",  # the caller pressed a key to leave the queue
    "EXITWITHTIMEOUT": "timeout",
    "EXITEMPTY": "timeout",  # the queue had no member to offer it to: the system gave up
}


class BadData(ValueError):
    """A known event whose data fields are unusable."""


def _int(fields: list[str], i: int, name: str, *, required: bool = True) -> int | None:
    raw = fields[i].strip() if i < len(fields) else ""
    if raw == "":
        if required:
            raise BadData(f"missing {name}")
        return None
    try:
        value = int(raw)
    except ValueError:
        raise BadData(f"{name} is not a number: {raw!r}") from None
    if value < 0:
        raise BadData(f"{name} is negative: {raw!r}")
    return value


def _clean(raw: str) -> str:
    """``clean`` for one-line text, without the regex when nothing needs replacing.

    Every character ``clean`` replaces is a control character, which ``isprintable``
    rejects, so a printable string is returned as it is by both.
    """
    return raw if raw.isprintable() else clean(raw) or ""


def _queue(fields: list[str]) -> str | None:
    raw = fields[2].strip()
    return None if raw in _NO_ID else _clean(raw)


def _text(fields: list[str], i: int) -> str | None:
    raw = fields[i].strip() if i < len(fields) else ""
    return _clean(raw) if raw else None


class QueueLogParser:
    """Parses one line at a time (the follower feeds it lines as they are written)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._keys = OccurrenceKeys(FORMAT)
        self._names: dict[str, str] = {}
        self._last_epoch: int | None = None
        self._last_ts = datetime.fromtimestamp(0, UTC)
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
            "ATTENDEDTRANSFER": self._transfer,
            **{name: self._unanswered for name in _UNANSWERED},
        }
        # Events that make no sense without a member / without a call.
        self._needs_agent = frozenset(
            {"ADDMEMBER", "AGENTLOGIN", "AGENTCALLBACKLOGIN", "REMOVEMEMBER", "AGENTLOGOFF",
             "AGENTCALLBACKLOGOFF", "PAUSE", "PAUSEALL", "UNPAUSE", "UNPAUSEALL", "CONNECT",
             "COMPLETECALLER", "COMPLETEAGENT", "RINGNOANSWER", "RINGCANCELED", "TRANSFER",
             "BLINDTRANSFER", "ATTENDEDTRANSFER"}
        )
        self._needs_call = frozenset(
            {"ENTERQUEUE", "CONNECT", "COMPLETECALLER", "COMPLETEAGENT", "RINGNOANSWER",
             "RINGCANCELED", "TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER", *_UNANSWERED}
        )
        # One lookup per line: handler, needs a member, needs a call, records the queue.
        self._specs = {
            name: (handler, name in self._needs_agent, name in self._needs_call,
                   name in _QUEUED)
            for name, handler in self._handlers.items()
        }
        self._key = self._keys.key

    def _name(self, raw: str) -> str:
        """A cleaned member name; a floor has few members, each named on many lines."""
        name = self._names.get(raw)
        if name is None:
            if len(self._names) > 10_000:
                self._names.clear()
            name = self._names[raw] = clean(raw) or ""
        return name

    def parse_line(self, text: str, line_no: int) -> ParsedLine | None:
        line = text.rstrip("\r\n")
        fields = line.split("|")
        if len(fields) < 5:  # a line of five fields has a "|": never blank
            if not line.strip():
                return None
            return Rejected(self.source, line_no, f"too few fields ({len(fields)}, need at "
                            "least 5: epoch|callid|queue|agent|EVENT)", clean(line) or "")
        epoch_raw = fields[0].strip()
        try:
            epoch = int(epoch_raw)
        except ValueError:
            return Rejected(self.source, line_no, f"epoch is not a number: {clean(epoch_raw)!r}",
                            clean(line) or "")
        event = fields[4]
        spec = self._specs.get(event)  # as Asterisk writes it: no spaces, upper case
        if spec is None:
            event = event.strip().upper()
            spec = self._specs.get(event)
            if spec is None:
                return Ignored(self.source, line_no, clean(event) or "(empty)")
        handler, needs_agent, needs_call, with_queue = spec
        callid = fields[1].strip()
        agent = fields[3].strip()
        call = None if callid in _NO_ID else _clean(callid)
        member = None if agent in _NO_ID else (self._names.get(agent) or self._name(agent))
        try:
            if member is None and needs_agent:
                raise BadData("no agent")
            if call is None and needs_call:
                raise BadData("no call id")
            if epoch != self._last_epoch:  # lines come in bursts within one second
                self._last_ts, self._last_epoch = datetime.fromtimestamp(epoch, UTC), epoch
            ts = self._last_ts
            kind, data = handler(fields)
        except (BadData, OverflowError, OSError, ValueError) as exc:
            return Rejected(self.source, line_no, f"{event}: {exc}", clean(line) or "")
        if with_queue:
            queue = _queue(fields)
            if queue is not None:
                data["queue"] = queue
        return FeedEvent(self._key(line, epoch), self.source, line_no, ts, kind, member, call,
                         data)

    # --- one handler per event family: fields are the whole split line ----------------

    @staticmethod
    def _addmember(f: list[str]) -> tuple[EventKind, dict[str, Any]]:
        # Membership is per queue: the writer keeps the agent logged in while any remains.
        data: dict[str, Any] = {"queue": _queue(f)}
        if len(f) > 5 and f[5].strip().upper() == "PAUSED":
            data.update(state="break", reason="paused")
        return EventKind.AGENT_LOGIN, data

    @staticmethod
    def _removemember(f: list[str]) -> tuple[EventKind, dict[str, Any]]:
        return EventKind.AGENT_LOGOUT, {"queue": _queue(f)}

    @staticmethod
    def _login(f: list[str]) -> tuple[EventKind, dict[str, Any]]:
        return EventKind.AGENT_LOGIN, {}

    @staticmethod
    def _logout(f: list[str]) -> tuple[EventKind, dict[str, Any]]:
        return EventKind.AGENT_LOGOUT, {}

    @staticmethod
    def _pause(f: list[str]) -> tuple[EventKind, dict[str, Any]]:
        return EventKind.STATE, {"state": "break", "reason": _text(f, 5)}

    @staticmethod
    def _unpause(f: list[str]) -> tuple[EventKind, dict[str, Any]]:
        return EventKind.STATE, {"state": "available"}

    @staticmethod
    def _enterqueue(f: list[str]) -> tuple[EventKind, dict[str, Any]]:
        caller = _text(f, 6)
        data: dict[str, Any] = {}
        if caller is not None and caller.lower() not in _NO_CUSTOMER:
            data["customer"] = caller
        return EventKind.CALL_OFFERED, data

    @staticmethod
    def _connect(f: list[str]) -> tuple[EventKind, dict[str, Any]]:
        data: dict[str, Any] = {"hold_seconds": _int(f, 5, "holdtime")}
        ring = _int(f, 7, "ringtime", required=False)
        if ring is not None:
            data["ring_seconds"] = ring
        return EventKind.CALL_ANSWERED, data

    @staticmethod
    def _complete(f: list[str]) -> tuple[EventKind, dict[str, Any]]:
        hold = _int(f, 5, "holdtime")
        talk = _int(f, 6, "calltime")
        ended_by = "caller" if f[4].strip().upper() == "COMPLETECALLER" else "agent"
        return EventKind.CALL_ENDED, {
            "outcome": "completed", "hold_seconds": hold, "talk_seconds": talk,
            "ended_by": ended_by,
        }

    @staticmethod
    def _ring(f: list[str]) -> tuple[EventKind, dict[str, Any]]:
        return EventKind.CALL_RING_NO_ANSWER, {"ring_ms": _int(f, 5, "ring time")}

    @staticmethod
    def _transfer(f: list[str]) -> tuple[EventKind, dict[str, Any]]:
        # TRANSFER/BLINDTRANSFER: extension|context|holdtime|calltime|origposition
        # ATTENDEDTRANSFER: method|method-data|holdtime|calltime|origposition
        event = f[4].strip().upper()
        data: dict[str, Any] = {}
        first, second = _text(f, 5), _text(f, 6)
        if event == "ATTENDEDTRANSFER":
            data["to"] = ":".join(x for x in (first, second) if x) or None
        elif first:
            data["to"] = f"{first}@{second}" if second else first
        hold = _int(f, 7, "holdtime", required=False)
        talk = _int(f, 8, "calltime", required=False)
        if hold is not None:
            data["hold_seconds"] = hold
        if talk is not None:
            data["talk_seconds"] = talk
        return EventKind.CALL_TRANSFERRED, data

    @staticmethod
    def _unanswered(f: list[str]) -> tuple[EventKind, dict[str, Any]]:
        event = f[4].strip().upper()
        # EXITWITHKEY has the key pressed first: key|position|origposition|waittime
        wait_at = 8 if event == "EXITWITHKEY" else 7
        _int(f, wait_at - 2, "position", required=False)
        wait = _int(f, wait_at, "waittime")
        return EventKind.CALL_ABANDONED, {"outcome": _UNANSWERED[event], "hold_seconds": wait,
                                          "exit": event.lower()}


# Events whose kind is a call kind (offered, answered, ended, abandoned, transferred):
# their queue is recorded with the call.
_QUEUED = frozenset({"ENTERQUEUE", "CONNECT", "COMPLETECALLER", "COMPLETEAGENT", "TRANSFER",
                     "BLINDTRANSFER", "ATTENDEDTRANSFER", *_UNANSWERED})


def parse_queue_log(
    lines: Iterable[str], source: str, *, start_line: int = 0
) -> Iterator[ParsedLine]:
    """Parse an iterable of queue_log lines; line numbers count from ``start_line + 1``."""
    parser = QueueLogParser(source)
    for line_no, text in enumerate(lines, start_line + 1):
        item = parser.parse_line(text, line_no)
        if item is not None:
            yield item
