"""The normalised feed event every parser produces and the writer consumes.

Parsers turn each input line into exactly one of ``FeedEvent`` (accepted),
``Rejected`` (malformed: kept with its line number and reason) or ``Ignored``
(well-formed but of no interest, e.g. an unknown queue_log event; counted).

The bounds below are what a value must satisfy to leave a parser (docs/events.md,
docs/queue_log.md). They exist so that nothing a line holds can fail later: every
time the writer, the rules or a screen computes from an event (``ts - hold``, a
deadline hours ahead) stays far inside what ``datetime`` and a 64-bit column hold,
and every string is storable, printable and of a size a column and a screen expect.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from floorapp import i18n
from floorapp.text import clean

# Event times: a floor's feed is never from before 2000 nor from the next century.
TS_MIN = datetime(2000, 1, 1, tzinfo=UTC)
TS_MAX = datetime(2100, 1, 1, tzinfo=UTC)  # exclusive
EPOCH_MIN = int(TS_MIN.timestamp())
EPOCH_MAX = int(TS_MAX.timestamp())
WINDOW = "2000-01-01 .. 2100-01-01 UTC"
# Durations (hold, talk, wait, ring): no call or queue wait lasts a week.
MAX_SECONDS = 7 * 24 * 3600
MAX_MS = MAX_SECONDS * 1000
MAX_COUNT = 10_000  # counters such as refused explanations on one call
MAX_ID_CHARS = 128  # agent, call, customer, event ids, transfer destinations
MAX_QUEUE_CHARS = 100  # a queue's name (the call table's queue column)
MAX_TEXT_CHARS = 2000  # free text: reasons, notes, observations
MAX_LINE_CHARS = 65_536  # app_queue's own buffer is 8 KiB; a JSONL event is a few hundred
MAX_JSON_DEPTH = 16  # events are flat; extra fields may nest a little
MAX_KIND_CHARS = 40  # an ignored event's name, as counted in the summary
# Leading bytes that are not part of a line: a UTF-8 byte-order mark (line 1 of a file
# written by some editors and Windows tools) and NUL padding (the zeroed tail of the
# last block a crash left in a flat file, before the next line written after restart).
LINE_PADDING = "\ufeff\x00"
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def decode_line(raw: bytes) -> str:
    """A line's bytes as text: UTF-8, else the legacy Chinese encoding; never lossy.

    Asterisk writes a member name's bytes as queues.conf holds them, and a Chinese install
    may hold GBK. A UTF-8 line cut inside its last character (logger.c's 8 KiB buffer)
    keeps its text and escapes the bytes of that character (``\\xNN``). Any other line
    that is not UTF-8 is read as GB18030 (GBK's superset), unless that would swallow a
    "|" as a character's second byte: the fields are worth more than one name (Latin-1's
    "é|" is such a pair); then each byte that is not UTF-8 is escaped. Different bytes
    stay different text: two names are never made one by a replacement character.
    """
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    body = raw.rstrip(b"\r\n")
    utf8 = codecs.getincrementaldecoder("utf-8")()
    try:
        head = utf8.decode(body, final=False)
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            pass
        else:
            if text.count("|") == raw.count(b"|"):
                return text
        return raw.decode("utf-8", "backslashreplace")
    cut = utf8.getstate()[0]
    return head + cut.decode("utf-8", "backslashreplace") + raw[len(body) :].decode("ascii")


def line_body(text: str) -> str:
    """The line without its ending, its padding and surrounding blanks ('' if blank)."""
    return text.strip().lstrip(LINE_PADDING).strip()


def in_window(ts: datetime) -> bool:
    """``ts`` (aware) within the accepted event-time window."""
    return TS_MIN <= ts < TS_MAX


def has_surrogate(text: str) -> bool:
    """Invalid Unicode: a lone surrogate, which no UTF-8 store can hold."""
    return _SURROGATE.search(text) is not None


def neutral(text: str, *, multiline: bool = False) -> str:
    """Outside text made inert: controls, bidi overrides and lone surrogates replaced.

    ``clean`` replaces only characters ``isprintable`` rejects, so printable text (the
    usual case) skips its regex.
    """
    return text if text.isprintable() else clean(text, multiline=multiline) or ""


def bounded(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """Inert text of at most ``limit`` characters (a cut is marked with an ellipsis)."""
    text = neutral(text[: limit + 1])
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


class EventKind(StrEnum):
    AGENT_LOGIN = "agent_login"
    AGENT_LOGOUT = "agent_logout"
    STATE = "state"  # explicit state change: data["state"], data["reason"]
    CALL_OFFERED = "call_offered"  # entered a queue: queue, customer
    CALL_RING_NO_ANSWER = "call_ring_no_answer"
    CALL_ANSWERED = "call_answered"  # agent picked up: hold_seconds
    CALL_UPDATE = "call_update"  # mid-call: refused_explanations, negative_sentiment, complaint
    CALL_ENDED = "call_ended"  # outcome, talk_seconds, satisfaction, effort, complaint, ...
    CALL_ABANDONED = "call_abandoned"  # left the queue unanswered: outcome abandoned|timeout
    CALL_TRANSFERRED = "call_transferred"
    RAISE_HAND = "raise_hand"  # the agent asked for help
    ESCALATION = "escalation"  # the agent opened one: reason, severity, tier
    OBSERVATION = "observation"  # a supervisor's observation: supervisor, text
    AGENT_REQUEST = "agent_request"  # the agent asks their leader: category, text
    # The PBX started (queue_log's QUEUESTART): the calls of the process before are gone.
    PBX_RESTART = "pbx_restart"


@dataclass(slots=True)
class FeedEvent:
    key: str  # idempotency key: the same input line always yields the same key
    source: str
    line_no: int
    ts: datetime  # aware, UTC
    kind: EventKind
    agent: str | None = None
    call: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    # The agent exactly as the feed named it (interface, member name, Agent/N), kept when
    # ``agent`` is later resolved to a roster agent, and the queue the line was about:
    # together they let a reader learn which feed names are the same person.
    feed_agent: str | None = None
    queue: str | None = None


@dataclass(slots=True)
class Rejected:
    source: str
    line_no: int
    reason: str  # in English: what the store and the service's log keep
    raw: str
    words: str | None = None  # the reason in the reader's language, where that is not English

    @property
    def said(self) -> str:
        """The reason as the person running the command reads it."""
        return self.words or self.reason


# A reason: plain text, or a message (floorapp.i18n.message) worded for each reader.
Reason = str | list[Any]


def rejected(source: str, line_no: int, reason: Reason, raw: str) -> Rejected:
    """A rejection whose reason and raw text are inert and bounded, ready to store."""
    if isinstance(reason, str):
        return Rejected(source, line_no, bounded(reason), bounded(raw))
    kept = i18n.stored(reason)
    english = i18n.render(kept, english=True) or ""
    words = i18n.render(kept) or english
    return Rejected(
        source,
        line_no,
        bounded(english),
        bounded(raw),
        None if words == english else bounded(words),
    )


@dataclass(slots=True)
class Ignored:
    source: str
    line_no: int
    what: str  # e.g. the unknown queue_log event name


ParsedLine = FeedEvent | Rejected | Ignored
