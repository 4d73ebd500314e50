"""Properties of the feed, for random and adversarial lines of both formats.

Through the parsers: no exception escapes; every non-blank line is exactly one of accepted,
rejected or ignored; every rejection carries its line number and a reason; whatever is
accepted is inside the documented bounds. Through ``floorapp ingest`` on a fresh SQLite
store: accepted + duplicates + rejected + ignored = non-blank lines, and ingesting the same
file again adds nothing.
"""

from __future__ import annotations

import json
import re
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from db.engine import open_store
from db.models import FeedEventRow, RejectedInput
from floorapp.cli import main
from floorapp.feed.events import (
    MAX_ID_CHARS,
    MAX_LINE_CHARS,
    MAX_MS,
    MAX_SECONDS,
    MAX_TEXT_CHARS,
    EventKind,
    FeedEvent,
    Ignored,
    Rejected,
    has_surrogate,
    in_window,
    line_body,
)
from floorapp.feed.jsonl import SCHEMA, JsonlParser
from floorapp.feed.queue_log import HOUSEKEEPING, QueueLogParser

E = 1773100010
PARSE = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
INGEST = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)

# --- strategies ------------------------------------------------------------------------------

# Text a hostile producer might write: controls, bidi overrides, NUL, BOM, CR, separators.
_NASTY = st.sampled_from(
    [
        "\x00",
        "\x1b[2J",
        "\x9b",
        "\u202e",
        "\u2066",
        "\ufeff",
        "\r",
        "|",
        "\t",
        "\x7f",
        "\ufffd",
        "NONE",
        "-1",
        "1e400",
        "[",
        "{",
        '"',
        "\\",
    ]
)
_TEXT = st.one_of(
    st.text(max_size=40),
    _NASTY,
    st.lists(st.one_of(st.text(max_size=5), _NASTY), max_size=6).map("".join),
)
_INTS = st.one_of(
    st.integers(-5, 10**6),
    st.sampled_from(
        [MAX_SECONDS, MAX_SECONDS + 1, MAX_MS + 1, 2**31, 2**63 - 1, 2**63, 2**64, 10**11, -(2**63)]
    ),
    st.integers(),
)
_FIELD = st.one_of(_TEXT, _INTS.map(str), st.just(""))


def mostly(valid: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Three draws in four from ``valid``: enough good lines that the writer is exercised."""
    return st.sampled_from((valid, valid, valid, odd)).flatmap(lambda strategy: strategy)


QUEUE_LOG_EVENTS = [
    "ADDMEMBER",
    "REMOVEMEMBER",
    "AGENTLOGIN",
    "AGENTLOGOFF",
    "AGENTCALLBACKLOGIN",
    "AGENTCALLBACKLOGOFF",
    "PAUSE",
    "PAUSEALL",
    "UNPAUSE",
    "UNPAUSEALL",
    "ENTERQUEUE",
    "CONNECT",
    "COMPLETECALLER",
    "COMPLETEAGENT",
    "RINGNOANSWER",
    "RINGCANCELED",
    "TRANSFER",
    "BLINDTRANSFER",
    "ATTENDEDTRANSFER",
    "ABANDON",
    "EXITWITHKEY",
    "EXITWITHTIMEOUT",
    "EXITEMPTY",
    "WITHDRAW",
    *sorted(HOUSEKEEPING),
]


@st.composite
def queue_log_lines(draw: st.DrawFn) -> str:
    epoch = draw(mostly(st.integers(E - 10, E + 10).map(str), st.one_of(_INTS.map(str), _TEXT)))
    callid = draw(mostly(st.sampled_from(["NONE", "c1", "c2", "1.2"]), _TEXT))
    queue = draw(mostly(st.sampled_from(["NONE", "9000", "500"]), _TEXT))
    agent = draw(mostly(st.sampled_from(["NONE", "PJSIP/1001", "Sathish", "Agent/7"]), _TEXT))
    event = draw(mostly(st.sampled_from(QUEUE_LOG_EVENTS), _TEXT))
    data = draw(
        st.lists(
            mostly(
                st.one_of(
                    st.integers(0, 600).map(str),
                    st.sampled_from(["LINK", "BRIDGE", "APP", "PAUSED", "lunch", "1.7", ""]),
                ),
                _FIELD,
            ),
            max_size=7,
        )
    )
    line = "|".join([epoch, callid, queue, agent, event, *data])
    pad = draw(st.sampled_from(["", "", "", "\ufeff", "\x00" * 78, " "]))
    end = draw(st.sampled_from(["", "\r", " "]))
    return pad + line + end


_ISO = st.datetimes(
    min_value=datetime(1, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.sampled_from(
        [UTC, timezone(timedelta(hours=5)), timezone(timedelta(hours=-5, minutes=-30))]
    ),
)
_GOOD_TS = st.datetimes(min_value=datetime(2026, 3, 10), max_value=datetime(2026, 3, 11)).map(
    lambda d: d.isoformat() + "Z"
)
_TS = mostly(
    _GOOD_TS,
    st.one_of(
        _ISO.map(datetime.isoformat),
        st.sampled_from(
            [
                "0001-01-01T00:00:00+05:00",
                "9999-12-31T23:59:59-05:00",
                "2026-03-10T09:00:00",
                "tuesday",
                "",
            ]
        ),
        _TEXT,
        _INTS,
    ),
)
_JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), _INTS, st.floats(), _TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_TEXT, inner, max_size=3)),
    max_leaves=8,
)
_NAMES = sorted({n for _, _, req, opt in SCHEMA.values() for n in (*req, *opt)})
# A plausible value for each schema field; any JSON value now and then.
_TYPICAL: dict[str, st.SearchStrategy[Any]] = {
    **{
        n: st.booleans()
        for n in ("complaint", "negative_sentiment", "sensitive_customer", "after_call")
    },
    **{
        n: st.integers(0, 900)
        for n in ("hold_seconds", "talk_seconds", "ring_ms", "refused_explanations")
    },
    **{n: st.integers(1, 3) for n in ("satisfaction", "effort", "tier")},
    "state": st.sampled_from(["available", "on_call", "after_call", "break", "offline"]),
    "outcome": st.sampled_from(["completed", "abandoned", "timeout", "transferred"]),
    "severity": st.sampled_from(["light", "medium", "high"]),
}


@st.composite
def jsonl_lines(draw: st.DrawFn) -> str:
    kind = draw(mostly(st.sampled_from([k.value for k in EventKind]), _TEXT))
    obj: dict[str, Any] = {"type": kind, "ts": draw(_TS)}
    for key in ("agent", "call", "id"):
        if draw(st.integers(0, 3)) > 0:
            obj[key] = draw(
                mostly(
                    st.sampled_from(["a1", "a2", "c1", "c2"]),
                    st.one_of(
                        _TEXT, _INTS, st.text(min_size=MAX_ID_CHARS, max_size=MAX_ID_CHARS + 2)
                    ),
                )
            )
    for name in draw(st.lists(st.sampled_from(_NAMES), max_size=5)):
        obj[name] = draw(mostly(_TYPICAL.get(name, st.text(min_size=1, max_size=20)), _JSON))
    line = json.dumps(obj, ensure_ascii=draw(st.booleans()))
    pad = draw(st.sampled_from(["", "", "", "\ufeff", "\x00" * 78, " "]))
    return pad + line + draw(st.sampled_from(["", "\r", " "]))


_ADVERSARIAL = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        [
            "[" * 100_000,
            "{" * 5000,
            '{"a":' * 3000,
            "\x00" * 300,
            "\ufeff",
            "",
            " ",
            "\r",
            '{"type":"agent_login","ts":"2026-03-10T09:00:00Z","agent":"\\ud800"}',
            "1658226847|NONE|NONE|NONE|QUEUESTART|",
        ]
    ),
    st.integers(1, 3).map(lambda n: "x" * (MAX_LINE_CHARS + n)),
)


def any_lines(fmt_lines: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    # No newline inside a line: a line is what the reader splits on "\n".
    one = st.one_of(fmt_lines, fmt_lines, _ADVERSARIAL).map(lambda s: s.replace("\n", " "))
    return st.lists(one, min_size=1, max_size=25)


# --- through the parsers ---------------------------------------------------------------------


def _check_event(ev: FeedEvent) -> None:
    assert ev.ts.tzinfo is not None and in_window(ev.ts)
    for ident in (ev.agent, ev.call, ev.feed_agent, ev.queue):
        if ident is not None:
            assert ident.strip() and len(ident) <= MAX_ID_CHARS
            assert not has_surrogate(ident) and not re.search(
                r"[\x00-\x1f\x7f-\x9f\u202a-\u202e"
                r"\u2066-\u2069]",
                ident,
            )
    for name, value in ev.data.items():
        if type(value) is int:
            limit = MAX_MS if name == "ring_ms" else MAX_SECONDS
            assert 0 <= value <= limit, (name, value)
        elif isinstance(value, str):
            assert len(value) <= MAX_TEXT_CHARS and not has_surrogate(value)
            value.encode("utf-8")
            assert "\x1b" not in value and "\u202e" not in value


def _parse_all(parser: JsonlParser | QueueLogParser, lines: list[str]) -> None:
    for n, text in enumerate(lines, 1):
        item = parser.parse_line(text, n)  # raises nothing, whatever the line
        if not line_body(text):
            assert item is None, (text, item)
            continue
        assert type(item) in (FeedEvent, Rejected, Ignored), (text, item)
        assert item.line_no == n
        if isinstance(item, Rejected):
            assert item.reason.strip() and len(item.reason) <= MAX_TEXT_CHARS
            assert len(item.raw) <= MAX_TEXT_CHARS
            (item.reason + item.raw).encode("utf-8")
        elif isinstance(item, Ignored):
            assert item.what
        else:
            _check_event(item)


@PARSE
@given(any_lines(queue_log_lines()))
def test_queue_log_parser_never_raises_and_accounts_for_every_line(lines: list[str]) -> None:
    _parse_all(QueueLogParser("queue_log"), lines)


@PARSE
@given(any_lines(jsonl_lines()))
def test_jsonl_parser_never_raises_and_accounts_for_every_line(lines: list[str]) -> None:
    _parse_all(JsonlParser("feed.jsonl"), lines)


# --- through `floorapp ingest` ---------------------------------------------------------------

_SUMMARY = re.compile(r"(\d+) accepted, (\d+) duplicates, (\d+) rejected, (\d+) ignored")


def _ingest(db_url: str, path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, ...]:
    status = main(["--db", db_url, "ingest", str(path)])
    err = capsys.readouterr().err
    assert status in (0, 1), err
    m = _SUMMARY.search(err.splitlines()[-1])
    assert m, err
    counts = tuple(int(g) for g in m.groups())
    assert (status == 1) == (counts[2] > 0), err
    named = [e for e in err.splitlines() if e.startswith(f"{path}:")]
    assert len(named) == counts[2]  # every rejected line named, once
    return counts


def _count(db_url: str, table: object) -> int:
    engine = open_store(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(table)).scalar_one()  # type: ignore[arg-type]
    finally:
        engine.dispose()


def _ingest_twice(name: str, lines: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes("".join(f"{line}\n" for line in lines).encode("utf-8", "replace"))
        text_lines = path.read_bytes().decode("utf-8", "replace").split("\n")[:-1]
        non_blank = sum(1 for t in text_lines if line_body(t))
        db_url = f"sqlite:///{Path(tmp) / 'floor.db'}"
        if non_blank == 0:
            return  # an empty feed is "nothing to do", covered elsewhere
        first = _ingest(db_url, path, capsys)
        assert sum(first) == non_blank, (first, non_blank)
        events, rejects = _count(db_url, FeedEventRow), _count(db_url, RejectedInput)
        assert events == first[0]
        again = _ingest(db_url, path, capsys)
        assert again[0] == 0 and again[1] == first[0] + first[1]
        assert again[2:] == first[2:]
        assert (_count(db_url, FeedEventRow), _count(db_url, RejectedInput)) == (events, rejects)


@INGEST
@given(lines=any_lines(queue_log_lines()))
def test_ingest_of_queue_log_accounts_for_every_line_and_is_idempotent(
    lines: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    _ingest_twice("queue_log", lines, capsys)


@INGEST
@given(lines=any_lines(jsonl_lines()))
def test_ingest_of_jsonl_accounts_for_every_line_and_is_idempotent(
    lines: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    _ingest_twice("feed.jsonl", lines, capsys)
