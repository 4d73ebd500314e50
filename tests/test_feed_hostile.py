"""Hostile and odd-but-valid input: nothing a line holds stops the feed or costs a good line.

Each value is checked before it leaves the parser (time window, whole-number bounds, valid
Unicode, length, JSON depth); a line that fails is one ``Rejected`` naming why, never an
exception. And every line Asterisk's app_queue writes is read, in each of its layouts.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from db.engine import open_store
from db.models import Agent, Call, FeedEventRow, RejectedInput
from floorapp.cli import main
from floorapp.clock import ManualClock
from floorapp.config import Settings
from floorapp.feed.events import (
    MAX_ID_CHARS,
    MAX_LINE_CHARS,
    MAX_TEXT_CHARS,
    EventKind,
    FeedEvent,
    Ignored,
    Rejected,
)
from floorapp.feed.jsonl import parse_jsonl
from floorapp.feed.pipeline import format_from_lines, sniff_file
from floorapp.feed.queue_log import parse_queue_log
from floorapp.feed.writer import FeedWriter

E = 1773100010  # 2026-03-09 23:46:50 UTC
TS = "2026-03-10T09:00:00Z"
BOM = "\ufeff"


def jl(**fields: object) -> str:
    return json.dumps({"ts": TS, **fields})


def one_jsonl(text: str) -> FeedEvent | Rejected | Ignored:
    (item,) = parse_jsonl([text], "f.jsonl")
    return item


def one_qlog(text: str) -> FeedEvent | Rejected | Ignored:
    (item,) = parse_queue_log([text], "queue_log")
    return item


def count(db_url: str, table: object) -> int:
    engine = open_store(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(table)).scalar_one()  # type: ignore[arg-type]
    finally:
        engine.dispose()


# --- JSONL: every value checked ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            jl(type="call_answered", call="c", agent="a", hold_seconds=100_000_000_000),
            "field 'hold_seconds': 100000000000 is out of range (0-604800)",
        ),
        (
            jl(type="call_ended", call="c", talk_seconds=604_801),
            "field 'talk_seconds': 604801 is out of range (0-604800)",
        ),
        (
            jl(type="call_update", call="c", refused_explanations=2**63),
            "field 'refused_explanations': 9223372036854775808 is out of range",
        ),
        (
            jl(type="call_ring_no_answer", call="c", agent="a", ring_ms=-1),
            "field 'ring_ms': -1 is out of range",
        ),
        (
            json.dumps({"type": "agent_login", "agent": "a", "ts": "0001-01-01T00:00:00+05:00"}),
            "field 'ts': 0001-01-01T00:00:00+05:00 is outside 2000-01-01 .. 2100-01-01 UTC",
        ),
        (
            json.dumps({"type": "agent_login", "agent": "a", "ts": "9999-12-31T23:59:59-05:00"}),
            "field 'ts': 9999-12-31T23:59:59-05:00 is outside 2000-01-01 .. 2100-01-01 UTC",
        ),
        (
            json.dumps({"type": "agent_login", "agent": "a", "ts": "1999-12-31T23:59:59Z"}),
            "is outside 2000-01-01 .. 2100-01-01 UTC",
        ),
        (
            json.dumps({"type": "agent_login", "agent": "a", "ts": "2100-01-01T00:00:00Z"}),
            "is outside 2000-01-01 .. 2100-01-01 UTC",
        ),
        (jl(type="agent_login", agent="\ud800"), "field 'agent': not valid Unicode"),
        (jl(type="call_offered", call="c\udfff"), "field 'call': not valid Unicode"),
        (
            jl(type="agent_login", agent="a" * (MAX_ID_CHARS + 1)),
            f"field 'agent': longer than {MAX_ID_CHARS} characters",
        ),
        (
            jl(type="raise_hand", agent="a", note="n" * (MAX_TEXT_CHARS + 1)),
            f"field 'note': longer than {MAX_TEXT_CHARS} characters",
        ),
        (
            jl(type="call_answered", call="c", agent="a", hold_seconds=1.5),
            "field 'hold_seconds': expected a whole number",
        ),
        ("[" * 100_000, f"line longer than {MAX_LINE_CHARS} characters"),
        ("[" * 5_000, "nested deeper than"),
        (
            '{"type":"agent_login","ts":"'
            + TS
            + '","agent":"a","x":'
            + "[" * 3000
            + "]" * 3000
            + "}",
            "nested deeper than",
        ),
        (
            '{"type":"call_update","ts":"'
            + TS
            + '","call":"c","refused_explanations":'
            + "9" * 5000
            + "}",
            "not valid JSON: a number longer than",
        ),
        (jl(type="\ud800"), "field 'type': unknown event type"),
    ],
    ids=lambda v: repr(v)[:48],
)
def test_jsonl_values_out_of_bounds_are_rejections_not_exceptions(text: str, reason: str) -> None:
    item = one_jsonl(text)
    assert isinstance(item, Rejected), item
    assert reason in item.reason
    assert item.line_no == 1
    # What is kept of a rejected line is storable text: valid Unicode, no controls, bounded.
    for kept in (item.reason, item.raw):
        kept.encode("utf-8")
        assert len(kept) <= MAX_TEXT_CHARS


def test_lone_surrogates_in_free_text_are_replaced_not_rejected() -> None:
    item = one_jsonl(jl(type="raise_hand", agent="a1", note="help \ud83d now"))
    assert isinstance(item, FeedEvent), item
    assert item.data["note"] == "help \ufffd now"


@pytest.mark.parametrize(
    "bidi",
    ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"],
)
def test_bidi_overrides_are_neutralised_in_ids_and_text(bidi: str) -> None:
    item = one_jsonl(
        jl(type="observation", agent=f"a{bidi}1", supervisor="lead", text=f"said {bidi}gnp.exe")
    )
    assert isinstance(item, FeedEvent), item
    assert item.agent == "a\ufffd1"
    assert bidi not in item.data["text"] and item.data["text"] == "said \ufffdgnp.exe"
    q = one_qlog(f"{E}|NONE|9000|PJSIP/1001{bidi}|PAUSE|lunch{bidi}")
    assert isinstance(q, FeedEvent), q
    assert q.agent == "PJSIP/1001\ufffd" and q.data["reason"] == "lunch\ufffd"


def test_c1_controls_are_neutralised_in_ids() -> None:
    item = one_jsonl(jl(type="agent_login", agent="a\x9b31m1"))
    assert isinstance(item, FeedEvent) and item.agent == "a\ufffd31m1"


def test_bom_nul_padding_and_crlf_are_accepted_in_jsonl() -> None:
    text = jl(type="agent_login", agent="a1")
    items = list(
        parse_jsonl([BOM + text + "\r\n", "\x00" * 78 + text + "\r\n", text + "\n"], "f.jsonl")
    )
    assert all(isinstance(i, FeedEvent) for i in items), items
    assert [i.agent for i in items] == ["a1"] * 3  # type: ignore[union-attr]
    # The same event whatever the padding: one key family, numbered as copies.
    plain = list(parse_jsonl([text, text, text], "f.jsonl"))
    assert [i.key for i in items] == [i.key for i in plain]  # type: ignore[union-attr]


# --- queue_log: every value checked ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            f"{E}|c1|q1|PJSIP/1001|CONNECT|100000000000|u|3",
            "CONNECT: holdtime 100000000000 is out of range (0-604800)",
        ),
        (
            f"{E}|c1|q1|NONE|EXITWITHTIMEOUT|1|1|100000000000",
            "EXITWITHTIMEOUT: waittime 100000000000 is out of range (0-604800)",
        ),
        (
            f"{E}|c1|q1|PJSIP/1001|CONNECT|3|u|100000000000",
            "CONNECT: ringtime 100000000000 is out of range",
        ),
        (f"{E}|c1|q1|PJSIP/1001|COMPLETEAGENT|3|{2**63}|1", "COMPLETEAGENT: calltime"),
        (f"{E}|c1|q1|PJSIP/1001|RINGNOANSWER|{2**64}", "RINGNOANSWER: ring time"),
        (
            f"{E}|c1|q1|PJSIP/1001|ATTENDEDTRANSFER|BRIDGE|b1|3|999999999|1",
            "ATTENDEDTRANSFER: calltime 999999999 is out of range",
        ),
        (
            "99999999999|c1|q1|NONE|ENTERQUEUE||5|1",
            "epoch 99999999999 is outside 2000-01-01 .. 2100-01-01 UTC",
        ),
        ("0|c1|q1|NONE|ENTERQUEUE||5|1", "epoch 0 is outside 2000-01-01 .. 2100-01-01 UTC"),
        ("9" * 5000 + "|c1|q1|NONE|ENTERQUEUE||5|1", "is outside 2000-01-01 .. 2100-01-01"),
        ("١٢٣|c1|q1|NONE|ENTERQUEUE||5|1", "epoch is not a number"),
        (
            f"{E}|c1|q1|{'A' * (MAX_ID_CHARS + 1)}|RINGNOANSWER|0",
            f"RINGNOANSWER: agent longer than {MAX_ID_CHARS} characters",
        ),
        (
            f"{E}|{'c' * (MAX_ID_CHARS + 1)}|q1|NONE|ENTERQUEUE||5|1",
            f"ENTERQUEUE: call id longer than {MAX_ID_CHARS} characters",
        ),
        (
            f"{E}|c1|q1|PJSIP/1001|PAUSE|{'r' * (MAX_TEXT_CHARS + 1)}",
            f"PAUSE: reason longer than {MAX_TEXT_CHARS} characters",
        ),
        (
            f"{E}|c1|q1|NONE|ENTERQUEUE||" + "x" * MAX_LINE_CHARS,
            f"line longer than {MAX_LINE_CHARS} characters",
        ),
    ],
    ids=lambda v: repr(v)[:48],
)
def test_queue_log_values_out_of_bounds_are_rejections(text: str, reason: str) -> None:
    item = one_qlog(text)
    assert isinstance(item, Rejected), item
    assert reason in item.reason
    assert item.line_no == 1 and len(item.raw) <= MAX_TEXT_CHARS


def test_a_line_after_nul_padding_is_read() -> None:
    # What an unclean shutdown leaves in a flat file: the tail of the last block zeroed.
    item = one_qlog("\x00" * 78 + "1658226847|NONE|NONE|NONE|CONFIGRELOAD|")
    assert isinstance(item, Ignored) and item.what == "CONFIGRELOAD"
    ev = one_qlog("\x00" * 5 + f"{E}|c1|9000|NONE|ENTERQUEUE||5|1\r\n")
    assert isinstance(ev, FeedEvent) and ev.call == "c1" and ev.data["customer"] == "5"
    assert list(parse_queue_log(["\x00" * 300 + "\n"], "q")) == []  # padding alone is blank


def test_a_bom_on_line_1_and_crlf_endings_are_read() -> None:
    items = list(
        parse_queue_log(
            [
                BOM + f"{E}|NONE|9000|PJSIP/1001|ADDMEMBER|\r\n",
                f"{E}|NONE|9000|PJSIP/1001|PAUSE|lunch\r\n",
            ],
            "q",
        )
    )
    assert [type(i) for i in items] == [FeedEvent, FeedEvent], items
    assert items[0].agent == "PJSIP/1001"  # type: ignore[union-attr]
    assert items[1].data == {"state": "break", "reason": "lunch"}  # type: ignore[union-attr]


def test_a_bom_does_not_break_format_sniffing(tmp_path: Path) -> None:
    assert format_from_lines([(BOM + jl(type="agent_login", agent="a")).encode()]) == "jsonl"
    assert format_from_lines([(BOM + f"{E}|NONE|NONE|NONE|QUEUESTART|").encode()]) == "queue-log"
    assert (
        format_from_lines([b"\x00" * 78 + b"1658226847|NONE|NONE|NONE|QUEUESTART|\n"])
        == "queue-log"
    )
    no_name = tmp_path / "feed.txt"
    no_name.write_bytes(BOM.encode() + f"{E}|NONE|NONE|NONE|QUEUESTART|\r\n".encode())
    assert sniff_file(no_name) == "queue-log"
    no_name.write_bytes(BOM.encode() + jl(type="agent_login", agent="a").encode() + b"\r\n")
    assert sniff_file(no_name) == "jsonl"


# --- queue_log: every line app_queue writes --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "data"),
    [
        # log_attended_transfer(): BRIDGE|bridge, APP|app or LINK|chan1|chan2, then
        # holdtime|calltime|origposition.
        (
            f"{E}|c1|9000|PJSIP/1001|ATTENDEDTRANSFER|LINK|PJSIP/1001-00a|PJSIP/2002-00b|4|61|1",
            EventKind.CALL_TRANSFERRED,
            {
                "to": "LINK:PJSIP/1001-00a:PJSIP/2002-00b",
                "hold_seconds": 4,
                "talk_seconds": 61,
                "queue": "9000",
            },
        ),
        (
            f"{E}|c1|9000|PJSIP/1001|ATTENDEDTRANSFER|APP|VoiceMail|4|61|1",
            EventKind.CALL_TRANSFERRED,
            {"to": "APP:VoiceMail", "hold_seconds": 4, "talk_seconds": 61, "queue": "9000"},
        ),
        # EXITWITHKEY: key|position|origposition|waittime, and before 1.6 key|position only.
        (
            f"{E}|c1|9000|NONE|EXITWITHKEY|5|1",
            EventKind.CALL_ABANDONED,
            {"outcome": "abandoned", "queue": "9000"},
        ),
        # EXITWITHTIMEOUT before 1.6: position only.
        (
            f"{E}|c1|9000|NONE|EXITWITHTIMEOUT|1",
            EventKind.CALL_ABANDONED,
            {"outcome": "timeout", "queue": "9000"},
        ),
        # CONNECT before 1.6: holdtime|bridged uniqueid, no ring time.
        (
            f"{E}|c1|9000|PJSIP/1001|CONNECT|7|1.7",
            EventKind.CALL_ANSWERED,
            {"hold_seconds": 7, "queue": "9000"},
        ),
        # WITHDRAW (a caller taken out of the queue by QueueWithdrawCaller):
        # position|origposition|waittime|info.
        (
            f"{E}|c1|9000|NONE|WITHDRAW|1|1|30|callback",
            EventKind.CALL_ABANDONED,
            {"outcome": "timeout", "hold_seconds": 30, "queue": "9000"},
        ),
    ],
    ids=lambda v: repr(v)[:60],
)
def test_every_layout_app_queue_writes_is_read(text: str, kind: EventKind, data: dict) -> None:
    ev = one_qlog(text)
    assert isinstance(ev, FeedEvent), ev
    assert ev.kind is kind
    assert {k: v for k, v in ev.data.items() if k != "exit"} == data


@pytest.mark.parametrize(
    "event",
    [
        "CONFIGRELOAD",
        "SYSCOMPAT",
        "AGENTDUMP",
        "DID",
        "INFO",
        "PENALTY",
        "RINGINUSE",
        "OUTCALL",
        "PAUSECUSTOM",
    ],
)
def test_housekeeping_events_are_ignored_by_name(event: str) -> None:
    item = one_qlog(f"{E}|c1|9000|PJSIP/1001|{event}|x|y")
    assert isinstance(item, Ignored) and item.what == event


def test_membership_and_pause_lines_keep_the_agent_as_written_and_the_queue() -> None:
    items = list(
        parse_queue_log(
            [
                "1659941803|MANAGER|500|SIP/1001|ADDMEMBER|",
                "1659941803|NONE|500|Sathish|UNPAUSE|",
                "1659941804|NONE|500|Sathish|PAUSE|lunch",
                "1659941805|NONE|NONE|Sathish|PAUSEALL|",
                "1659944443|MANAGER|500|SIP/1001|REMOVEMEMBER|",
            ],
            "q",
        )
    )
    assert [(i.feed_agent, i.queue) for i in items] == [  # type: ignore[union-attr]
        ("SIP/1001", "500"),
        ("Sathish", "500"),
        ("Sathish", "500"),
        ("Sathish", None),
        ("SIP/1001", "500"),
    ]


def test_an_unbounded_unknown_event_name_is_ignored_under_a_bounded_name() -> None:
    item = one_qlog(f"{E}|c1|9000|NONE|{'X' * 10_000}|")
    assert isinstance(item, Ignored) and len(item.what) <= 40


def test_attended_link_transfer_frees_the_agent(engine: Engine, clock: ManualClock) -> None:
    FeedWriter(engine, Settings(), clock=clock).write(
        parse_queue_log(
            [
                f"{E}|NONE|9000|PJSIP/1001|ADDMEMBER|",
                f"{E + 1}|c1|9000|NONE|ENTERQUEUE||5|1",
                f"{E + 5}|c1|9000|PJSIP/1001|CONNECT|4|1.7|1",
                f"{E + 66}|c1|9000|PJSIP/1001|ATTENDEDTRANSFER|LINK"
                "|PJSIP/1001-00a|PJSIP/2002-00b|4|61|1",
            ],
            "q",
        )
    )
    with engine.connect() as conn:
        a = conn.execute(select(Agent.state, Agent.current_call_id)).one()
        c = conn.execute(select(Call.outcome, Call.talk_seconds)).one()
    assert tuple(a) == ("available", None)
    assert tuple(c) == ("transferred", 61)


# --- through `floorapp ingest`: good lines of the same batch are kept ------------------------


def test_ingest_keeps_every_good_jsonl_line_beside_hostile_ones(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = [
        jl(type="agent_login", agent="a1"),
        jl(type="call_offered", call="c1", queue="q"),
        jl(type="call_answered", call="c1", agent="a1", hold_seconds=3),
        jl(type="call_ended", call="c1", agent="a1", talk_seconds=60),
    ]
    bad = [
        jl(type="call_answered", call="c2", agent="a1", hold_seconds=100_000_000_000),
        json.dumps({"type": "agent_login", "agent": "a2", "ts": "0001-01-01T00:00:00+05:00"}),
        json.dumps({"type": "agent_login", "agent": "a2", "ts": "9999-12-31T23:59:59-05:00"}),
        jl(type="call_update", call="c1", refused_explanations=2**63),
        jl(type="agent_login", agent="\ud800"),
        "[" * 100_000,
    ]
    feed = tmp_path / "feed.jsonl"
    lines = [good[0], bad[0], good[1], bad[1], bad[2], good[2], bad[3], bad[4], bad[5], good[3]]
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["--db", db_url, "ingest", "--no-rules", str(feed)]) == 1
    err = capsys.readouterr().err.splitlines()
    named = sorted(int(e.split(":")[1]) for e in err if e.startswith(f"{feed}:"))
    assert named == [2, 4, 5, 7, 8, 9]
    assert err[-1].endswith("4 accepted, 0 duplicates, 6 rejected, 0 ignored")
    assert count(db_url, FeedEventRow) == 4 and count(db_url, RejectedInput) == 6


def test_ingest_keeps_every_good_queue_log_line_beside_hostile_ones(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = tmp_path / "queue_log"
    feed.write_bytes(
        "\n".join(
            [
                BOM + f"{E}|NONE|q1|PJSIP/1001|ADDMEMBER|",
                f"{E}|c1|q1|NONE|ENTERQUEUE||5|1",
                f"{E + 10}|c1|q1|PJSIP/1001|CONNECT|100000000000|u|3",
                f"{E + 10}|c2|q1|NONE|ENTERQUEUE||6|1",
                f"{E + 11}|c2|q1|NONE|EXITWITHTIMEOUT|1|1|100000000000",
                "\x00" * 78 + "1658226847|NONE|NONE|NONE|CONFIGRELOAD|",
                f"{E + 12}|c1|q1|PJSIP/1001|CONNECT|12|u|3",
                f"{E + 70}|c1|q1|PJSIP/1001|ATTENDEDTRANSFER|LINK"
                "|PJSIP/1001-1|PJSIP/2002-2|12|58|1",
            ]
        ).encode("utf-8")
        + b"\r\n"
    )
    assert main(["--db", db_url, "ingest", "--no-rules", str(feed)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert [e for e in err if e.startswith(f"{feed}:")] == [
        f"{feed}:3: CONNECT: holdtime 100000000000 is out of range (0-604800)",
        f"{feed}:5: EXITWITHTIMEOUT: waittime 100000000000 is out of range (0-604800)",
    ]
    assert err[-1].endswith("5 accepted, 0 duplicates, 2 rejected, 1 ignored (CONFIGRELOAD 1)")
    engine = open_store(db_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(select(Agent.state)).scalar_one() == "available"
            assert conn.execute(select(Call.outcome).where(Call.id == "c1")).scalar_one() == (
                "transferred"
            )
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "first",
    [jl(type="agent_login", agent="a1"), f"{E}|NONE|9000|PJSIP/1001|ADDMEMBER|"],
    ids=["jsonl", "qlog"],
)
def test_ingest_of_a_bom_file_with_no_telling_name(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], first: str
) -> None:
    feed = tmp_path / "export.txt"
    feed.write_bytes(b"\xef\xbb\xbf" + first.encode() + b"\r\n")
    assert main(["--db", db_url, "ingest", "--no-rules", str(feed)]) == 0
    assert (
        capsys.readouterr()
        .err.splitlines()[-1]
        .endswith("1 accepted, 0 duplicates, 0 rejected, 0 ignored")
    )
