"""queue_log read as Asterisk writes it: each test is a minimal log made of what
apps/app_queue.c (and main/logger.c, channels/chan_agent.c, apps/app_agent_pool.c) write,
named after the function that writes it, and the figures Asterisk itself would count.

Layout per line and per version: docs/queue_log.md; the figures' definitions:
docs/figures.md.
"""

from __future__ import annotations

import bz2
import gzip
import random
import threading
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from db.engine import open_store
from db.models import Agent, Call
from floorapp.cli import main
from floorapp.clock import ManualClock
from floorapp.config import Settings, settings_from_dict
from floorapp.feed.events import FeedEvent, Ignored, Rejected
from floorapp.feed.follow import FileReader, Follower, StreamReader
from floorapp.feed.queue_log import QueueLogParser, parse_queue_log
from floorapp.feed.writer import FeedWriter
from floorapp.figures.model import Figures, interval_figures

E = 1773652000  # 2026-03-16 09:06:40 UTC
A = "PJSIP/1001"
B = "PJSIP/2002"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime.fromtimestamp(E + 86400, UTC))


@pytest.fixture
def utc() -> Settings:
    return settings_from_dict({"floor": {"timezone": "UTC"}})


def ingest(engine: Engine, lines: list[str], clock: ManualClock, settings: Settings) -> None:
    summary = FeedWriter(engine, settings, clock=clock).write(parse_queue_log(lines, "q"))
    assert summary.rejected == 0, summary.refused


def figures(engine: Engine, settings: Settings, clock: ManualClock) -> Figures:
    start = datetime.fromtimestamp(E - 3600, UTC)
    return interval_figures(engine, settings, start, clock.now(), clock.now())


def calls(engine: Engine) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(Call.__table__)).mappings().all()
    return {r["id"]: dict(r) for r in rows}


def counts(f: Figures, queue: str) -> tuple[int, int, int, int, int]:
    q = f.queues[queue]
    return q.offered, q.answered, q.abandoned, q.timed_out, q.waiting


# --- one caller, several queues: each Queue() is a call of its own ---------------------------


def test_queue_exec_timeout_then_the_next_queue_counts_a_call_in_each(
    engine: Engine, clock: ManualClock, utc: Settings
) -> None:
    """queue_exec writes EXITWITHTIMEOUT (record_abandoned: the first queue's callsabandoned)
    and the dialplan's next Queue() writes ENTERQUEUE under the same channel uniqueid; that
    queue's CONNECT and COMPLETECALLER (update_queue: its callscompleted) follow."""
    ingest(
        engine,
        [
            f"{E}|c1|sales|NONE|ENTERQUEUE||13800001234|1",
            f"{E + 30}|c1|sales|NONE|EXITWITHTIMEOUT|1|1|30",
            f"{E + 31}|c1|support|NONE|ENTERQUEUE||13800001234|1",
            f"{E + 40}|c1|support|{A}|CONNECT|9|1773652031.5|2",
            f"{E + 100}|c1|support|{A}|COMPLETECALLER|9|60|1",
        ],
        clock,
        utc,
    )
    f = figures(engine, utc, clock)
    assert counts(f, "sales") == (1, 0, 0, 1, 0)
    assert counts(f, "support") == (1, 1, 0, 0, 0)
    assert f.floor.offered == 2 and f.floor.service_level.numerator == 1
    first, second = sorted(calls(engine).values(), key=lambda r: r["offered_at"])
    assert (first["queue"], first["outcome"], first["hold_seconds"]) == ("sales", "timeout", 30)
    assert (second["queue"], second["outcome"], second["hold_seconds"]) == (
        "support",
        "completed",
        9,
    )
    assert second["customer_id"] == "13800001234"
    agent = f.agent(A)
    assert agent is not None and (agent.answered, agent.completed) == (1, 1)


def test_an_answer_in_the_second_queue_is_a_call_in_progress(
    engine: Engine, clock: ManualClock, utc: Settings
) -> None:
    """try_calling writes CONNECT in the second queue: the call is in progress there, not
    the first queue's timeout with an answer time after its end."""
    ingest(
        engine,
        [
            f"{E}|c1|sales|NONE|ENTERQUEUE||13800001234|1",
            f"{E + 30}|c1|sales|NONE|EXITEMPTY|1|1|30",
            f"{E + 30}|c1|support|NONE|ENTERQUEUE||13800001234|1",
            f"{E + 40}|c1|support|{A}|CONNECT|10|1773652031.5|2",
        ],
        clock,
        utc,
    )
    rows = sorted(calls(engine).values(), key=lambda r: r["offered_at"])
    assert [(r["queue"], r["outcome"], r["ended_at"] is None) for r in rows] == [
        ("sales", "timeout", False),
        ("support", "in_progress", True),
    ]
    with engine.connect() as conn:
        current = conn.execute(select(Agent.current_call_id).where(Agent.id == A)).scalar_one()
    assert current == next(r["id"] for r in rows if r["queue"] == "support")
    f = figures(engine, utc, clock)
    assert counts(f, "sales") == (1, 0, 0, 0, 0) and f.queues["sales"].exit_empty == 1
    assert counts(f, "support") == (1, 1, 0, 0, 0)


def test_blindtransfer_into_another_queue_keeps_the_first_answer_and_its_service_level(
    engine: Engine, clock: ManualClock, utc: Settings
) -> None:
    """handle_blind_transfer writes BLINDTRANSFER (update_queue: the member's call and the
    queue's callscompletedinsl); the caller then enters the queue transferred to, under the
    same uniqueid, and hangs up there (ABANDON)."""
    ingest(
        engine,
        [
            f"{E}|c1|sales|NONE|ENTERQUEUE||13800001234|1",
            f"{E + 5}|c1|sales|{A}|CONNECT|5|1773652001.5|2",
            f"{E + 60}|c1|sales|{A}|BLINDTRANSFER|600|from-queue|5|55|1",
            f"{E + 61}|c1|billing|NONE|ENTERQUEUE||13800001234|1",
            f"{E + 90}|c1|billing|NONE|ABANDON|1|1|29",
        ],
        clock,
        utc,
    )
    f = figures(engine, utc, clock)
    assert counts(f, "sales") == (1, 1, 0, 0, 0)
    assert (f.queues["sales"].service_level.numerator, f.queues["sales"].asa_s) == (1, 5)
    assert counts(f, "billing") == (1, 0, 1, 0, 0)
    agent = f.agent(A)
    assert agent is not None and (agent.completed, agent.talk_s) == (1, 55)
    assert [c.waited_s for c in f.abandoned] == [29]


def test_a_late_enterqueue_of_the_same_visit_is_not_another_call(
    engine: Engine, clock: ManualClock, utc: Settings
) -> None:
    """Lines out of time order (two logs merged): the ABANDON read before its ENTERQUEUE
    is still one call that waited 13 s."""
    ingest(
        engine,
        [
            f"{E + 13}|c1|sales|NONE|ABANDON|1|1|13",
            f"{E}|c1|sales|NONE|ENTERQUEUE||13800001234|1",
        ],
        clock,
        utc,
    )
    (only,) = calls(engine).values()
    assert (only["id"], only["outcome"], only["customer_id"]) == ("c1", "abandoned", "13800001234")


@pytest.mark.parametrize("cut", [2, 3, 5, 6])
def test_visits_resume_after_a_restart_of_the_reader(
    engine: Engine, clock: ManualClock, utc: Settings, cut: int
) -> None:
    """A reader restarted between the queues a caller went through: each later line goes
    to the caller's current queue visit, and a later visit is numbered after the stored
    ones."""
    lines = [
        f"{E}|c1|sales|NONE|ENTERQUEUE||5|1",
        f"{E + 30}|c1|sales|NONE|EXITWITHTIMEOUT|1|1|30",
        f"{E + 31}|c1|support|NONE|ENTERQUEUE||5|1",
        f"{E + 60}|c1|support|NONE|EXITWITHKEY|1|1|1|29",
        f"{E + 61}|c1|billing|NONE|ENTERQUEUE||5|1",
        f"{E + 70}|c1|billing|{B}|CONNECT|9|1773652065.5|2",
        f"{E + 99}|c1|billing|{B}|COMPLETEAGENT|9|29|1",
    ]
    ingest(engine, lines[:cut], clock, utc)
    ingest(engine, lines[cut:], clock, utc)  # a new writer: what a restart starts from
    by_queue = {r["queue"]: r for r in calls(engine).values()}
    assert {q: (r["outcome"], r["hold_seconds"]) for q, r in by_queue.items()} == {
        "sales": ("timeout", 30),
        "support": ("abandoned", 29),
        "billing": ("completed", 9),
    }
    assert by_queue["billing"]["agent_id"] == B and by_queue["sales"]["agent_id"] is None


def test_a_caller_sent_back_into_the_same_queue_in_the_same_second_is_a_second_call(
    engine: Engine, clock: ManualClock, utc: Settings
) -> None:
    """queue_exec writes EXITEMPTY (leavewhenempty) and a dialplan that loops back to the
    same Queue() writes ENTERQUEUE in the same second: two calls of that queue."""
    ingest(
        engine,
        [
            f"{E}|c1|sales|NONE|ENTERQUEUE||5|1",
            f"{E + 20}|c1|sales|NONE|EXITEMPTY|1|1|20",
            f"{E + 20}|c1|sales|NONE|ENTERQUEUE||5|1",
            f"{E + 30}|c1|sales|{A}|CONNECT|10|1773652020.5|2",
        ],
        clock,
        utc,
    )
    f = figures(engine, utc, clock)
    assert counts(f, "sales") == (2, 1, 0, 0, 0) and f.queues["sales"].exit_empty == 1


def test_an_exit_after_no_wait_read_before_its_enterqueue_is_one_call(
    engine: Engine, clock: ManualClock, utc: Settings
) -> None:
    """EXITEMPTY with waittime 0 and its ENTERQUEUE in the same second, written in the
    other order by a merge: one call."""
    ingest(
        engine,
        [f"{E}|c1|sales|NONE|EXITEMPTY|1|1|0", f"{E}|c1|sales|NONE|ENTERQUEUE||5|1"],
        clock,
        utc,
    )
    (only,) = calls(engine).values()
    assert (only["id"], only["exit_reason"], only["customer_id"]) == ("c1", "exitempty", "5")


# --- bytes as written: logger.c writes the member names' bytes as they are ---------------


def _agents(db_url: str) -> dict[str, tuple[str, str | None]]:
    engine = open_store(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(Agent.id, Agent.state, Agent.state_reason)).all()
    finally:
        engine.dispose()
    return {r[0]: (r[1], r[2]) for r in rows}


def test_gbk_member_names_stay_apart_and_whole(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ast_queue_log copies the member name's bytes into the line: a Chinese install whose
    queues.conf is in GBK writes GBK. Two names must stay two agents, read whole."""
    lines = [
        f"{E}|MANAGER|9000|张三|ADDMEMBER|",
        f"{E}|MANAGER|9000|李四|ADDMEMBER|",
        f"{E}|MANAGER|9000|王玮|ADDMEMBER|",
        f"{E + 5}|NONE|9000|张三|PAUSE|午休",
        f"{E + 6}|NONE|9000|王玮|PAUSE|培训",
    ]
    feed = tmp_path / "queue_log"
    feed.write_bytes(b"\n".join(line.encode("gbk") for line in lines) + b"\n")
    assert main(["--db", db_url, "ingest", "--no-rules", str(feed)]) == 0, capsys.readouterr()
    assert _agents(db_url) == {
        "张三": ("break", "午休"),
        "李四": ("available", None),
        "王玮": ("break", "培训"),
    }


def test_a_utf8_line_with_one_broken_byte_keeps_its_utf8_text(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """logger.c cuts a line at 8 KiB (qlog_msg[8192]), possibly inside a UTF-8 character:
    the rest of that line is still read as UTF-8; Latin-1 names keep their fields and stay
    apart ("é|" is also a GBK character's bytes)."""
    feed = tmp_path / "queue_log"
    feed.write_bytes(
        f"{E}|MANAGER|9000|张三|ADDMEMBER|\n".encode()
        + f"{E + 5}|NONE|9000|张三|PAUSE|午休".encode()
        + "午".encode()[:2]
        + b"\n"
        + f"{E + 6}|MANAGER|9000|Jos".encode()
        + b"\xe9|ADDMEMBER|\n"
        + f"{E + 6}|MANAGER|9000|Jos".encode()
        + b"\xe8|ADDMEMBER|\n"
    )
    assert main(["--db", db_url, "ingest", "--no-rules", str(feed)]) == 0, capsys.readouterr()
    agents = _agents(db_url)
    assert agents["张三"][0] == "break" and agents["张三"][1].startswith("午休")  # type: ignore[union-attr]
    assert sorted(agents) == ["Jos\\xe8", "Jos\\xe9", "张三"]


# --- the time field ------------------------------------------------------------------------


def one(line: str) -> Any:
    (item,) = parse_queue_log([line], "queue_log")
    return item


def test_an_epoch_with_fractional_seconds_is_read_to_the_microsecond() -> None:
    """logger.c writes whole seconds ("%ld|"); a converter writing the realtime table's
    microseconds back as a fractional epoch writes a time all the same."""
    ev = one(f"{E}.250000|c1|9000|NONE|ENTERQUEUE||5|1")
    assert isinstance(ev, FeedEvent), ev
    assert ev.ts == datetime.fromtimestamp(E, UTC).replace(microsecond=250000)
    assert isinstance(one(f"{E}.|c1|9000|NONE|ENTERQUEUE||5|1"), Rejected)
    assert isinstance(one(f"{E}.5.5|c1|9000|NONE|ENTERQUEUE||5|1"), Rejected)
    assert isinstance(one(f"{E}.{'9' * 7}|c1|9000|NONE|ENTERQUEUE||5|1"), Rejected)


@pytest.mark.parametrize(
    "header",
    [
        "time|callid|queuename|agent|event|data1|data2|data3|data4|data5",
        "time|callid|queuename|agent|event|data",
        "Time|CallID|Queue|Agent|Event|Data",
    ],
)
def test_a_header_line_of_an_exported_table_is_ignored_as_a_header(header: str) -> None:
    """The realtime queue_log table (logger.c's ast_store_realtime: time, callid, queuename,
    agent, event, data or data1..data5) exported with its column names on top."""
    item = one(header)
    assert isinstance(item, Ignored) and item.what == "header"


def test_a_realtime_date_time_is_rejected_saying_what_it_is() -> None:
    """logger.c stores the realtime table's time as "%F %T.%6q" in the PBX's zone (GMT only
    with queue_log_realtime_use_gmt): no zone is written, so no time can be taken from it."""
    item = one("2026-03-16 17:06:40.123456|c1|9000|NONE|ENTERQUEUE||5|1")
    assert isinstance(item, Rejected)
    assert "date and time with no zone" in item.reason and "queue_log_realtime_use_gmt" in (
        item.reason
    )


# --- layouts as an export of the realtime table pads them --------------------------------


@pytest.mark.parametrize(
    ("line", "outcome"),
    [
        (f"{E}|c1|9000|NONE|EXITWITHTIMEOUT|1||||", "timeout"),
        (f"{E}|c1|9000|NONE|EXITWITHKEY|5|1|||", "abandoned"),
    ],
)
def test_an_old_exit_padded_with_empty_fields_is_read(line: str, outcome: str) -> None:
    """Before 1.6 queue_exec wrote EXITWITHTIMEOUT with the position only and EXITWITHKEY
    as key|position; an export of the realtime table (data1..data5, logger.c's
    queue_adaptive_realtime) pads them with empty fields: still the exit, with no wait."""
    ev = one(line)
    assert isinstance(ev, FeedEvent), ev
    assert ev.data["outcome"] == outcome and "hold_seconds" not in ev.data


# --- pauses: set_queue_member_pause is the only thing that unpauses a member -----------------


def _agent_state(engine: Engine, agent_id: str) -> tuple[str, str | None]:
    with engine.connect() as conn:
        row = conn.execute(
            select(Agent.state, Agent.state_reason).where(Agent.id == agent_id)
        ).one()
    return row[0], row[1]


@pytest.mark.parametrize("restart_at", [None, 5], ids=["one read", "restarted mid-call"])
def test_a_member_paused_in_one_queue_is_still_paused_after_a_call_from_another(
    engine: Engine, clock: ManualClock, utc: Settings, restart_at: int | None
) -> None:
    """set_queue_member_pause writes PAUSE for the one queue named (QueuePause with a
    queue); the member still takes the other queue's calls (CONNECT, COMPLETEAGENT), and
    nothing but an UNPAUSE clears the pause: after the call the member is paused."""
    lines = [
        f"{E}|MANAGER|sales|{A}|ADDMEMBER|",
        f"{E}|MANAGER|support|{A}|ADDMEMBER|",
        f"{E + 10}|NONE|sales|{A}|PAUSE|training",
        f"{E + 20}|c1|support|NONE|ENTERQUEUE||5|1",
        f"{E + 25}|c1|support|{A}|CONNECT|5|1773652020.5|3",
        f"{E + 90}|c1|support|{A}|COMPLETEAGENT|5|65|1",
    ]
    for part in (lines[:restart_at], lines[restart_at:]) if restart_at else (lines,):
        ingest(engine, part, clock, utc)  # a new writer each: what a restart starts from
    assert _agent_state(engine, A) == ("break", "training")
    ingest(engine, [f"{E + 120}|NONE|sales|{A}|UNPAUSE|"], clock, utc)
    assert _agent_state(engine, A) == ("available", None)


def test_an_unpause_during_the_call_ends_the_pause_it_was_answered_in(
    engine: Engine, clock: ManualClock, utc: Settings
) -> None:
    """UNPAUSE written while the member talks (set_queue_member_pause): available after."""
    ingest(
        engine,
        [
            f"{E}|MANAGER|sales|{A}|ADDMEMBER|PAUSED",
            f"{E + 25}|c1|support|{A}|CONNECT|5|1773652020.5|3",
            f"{E + 30}|NONE|sales|{A}|UNPAUSE|",
            f"{E + 90}|c1|support|{A}|COMPLETECALLER|5|60|1",
        ],
        clock,
        utc,
    )
    assert _agent_state(engine, A) == ("available", None)


def test_a_pause_reason_holding_a_bar_is_the_whole_reason() -> None:
    """set_queue_member_pause writes the reason with "%s", unescaped, as the line's last
    field: a reason given through the manager (QueuePause Reason: ...) that holds a "|"
    is still one reason."""
    ev = one(f"{E}|NONE|9000|{A}|PAUSE|lunch | back at 14:00")
    assert isinstance(ev, FeedEvent) and ev.data["reason"] == "lunch | back at 14:00"
    ev = one(f"{E}|NONE|NONE|{A}|PAUSEALL|meeting|room 3|")
    assert isinstance(ev, FeedEvent) and ev.data["reason"] == "meeting|room 3"


# --- the file as it reaches floorapp: rotated copies, merged logs -----------------------------

CALL = [
    f"{E}|MANAGER|9000|{A}|ADDMEMBER|",
    f"{E + 1}|c1|9000|NONE|ENTERQUEUE||5|1",
    f"{E + 3}|c1|9000|{B}|RINGNOANSWER|2000",
    f"{E + 3}|c1|9000|{B}|RINGNOANSWER|2000",
    f"{E + 6}|c1|9000|{A}|CONNECT|5|1773652001.5|3",
    f"{E + 66}|c1|9000|{A}|COMPLETECALLER|5|60|1",
    f"{E + 70}|c2|9000|NONE|ENTERQUEUE||6|1",
    f"{E + 83}|c2|9000|NONE|ABANDON|1|1|13",
]


def test_lines_a_rotation_wrote_into_both_files_count_once(
    engine: Engine, clock: ManualClock, utc: Settings
) -> None:
    """logger.c reopens queue_log on a rotation (logger_queue_rotate); a copy-truncate or a
    copy of the live file leaves the last lines in both: read one after the other, each
    call counts once."""
    old, new = CALL[:5], CALL[2:]
    writer = FeedWriter(engine, utc, clock=clock)
    first = writer.write(parse_queue_log(old, "queue_log.1"))
    second = writer.write(parse_queue_log(new, "queue_log"))
    assert (first.accepted, second.accepted, second.duplicates) == (5, 3, 3)
    f = figures(engine, utc, clock)
    assert (f.floor.offered, f.floor.answered, f.floor.abandoned) == (2, 1, 1)


@pytest.mark.parametrize("seed", range(6))
def test_lines_out_of_time_order_give_the_same_floor(
    engine: Engine, clock: ManualClock, utc: Settings, seed: int
) -> None:
    """Two logs merged out of order: each call and the member end as one time-ordered
    read leaves them (the member available, the call completed and the other abandoned)."""
    lines = list(CALL)
    random.Random(seed).shuffle(lines)
    ingest(engine, lines, clock, utc)
    by_id = {r["id"]: (r["outcome"], r["hold_seconds"]) for r in calls(engine).values()}
    assert by_id == {"c1": ("completed", 5), "c2": ("abandoned", 13)}
    assert _agent_state(engine, A) == ("available", None)
    f = figures(engine, utc, clock)
    assert (f.floor.offered, f.floor.answered, f.floor.abandoned) == (2, 1, 1)


# --- QUEUESTART: logger_queue_start writes it once per Asterisk process ---------------------


def test_queuestart_ends_the_calls_the_previous_process_had(
    engine: Engine, clock: ManualClock, utc: Settings
) -> None:
    """logger_queue_start writes QUEUESTART when Asterisk starts: every channel of the
    process before is gone, so no COMPLETE* or ABANDON will ever come for its calls. The
    caller waiting then is not waiting now, and the member talking then is not on that call
    (persistentmembers restores the membership, with no ADDMEMBER line)."""
    from floorapp.rules import build_observer

    rules = build_observer(utc, clock)
    writer = FeedWriter(engine, utc, observers=[rules], clock=clock)
    summary = writer.write(
        parse_queue_log(
            [
                f"{E}|MANAGER|9000|{A}|ADDMEMBER|",
                f"{E + 1}|c1|9000|NONE|ENTERQUEUE||5|1",
                f"{E + 4}|c1|9000|{A}|CONNECT|3|1773652001.5|2",
                f"{E + 10}|c2|9000|NONE|ENTERQUEUE||6|1",
                f"{E + 100}|NONE|NONE|NONE|QUEUESTART|",
                f"{E + 130}|c3|9000|NONE|ENTERQUEUE||7|1",
            ],
            "q",
        )
    )
    assert summary.rejected == 0 and summary.ignored == 0
    rows = calls(engine)
    ended = datetime.fromtimestamp(E + 100, UTC)
    assert (rows["c1"]["outcome"], rows["c1"]["ended_at"]) == ("completed", ended)
    assert (rows["c2"]["outcome"], rows["c2"]["exit_reason"]) == ("timeout", "queuestart")
    assert rows["c3"]["ended_at"] is None
    assert _agent_state(engine, A) == ("available", None)
    assert rules._agents[A].state == "available"  # type: ignore[attr-defined]
    f = figures(engine, utc, clock)
    assert f.waiting_now == 1 and f.floor.answered == 1
    agent = f.agent(A)
    assert agent is not None and (agent.completed, agent.talk_s) == (1, 96)
    # The same lines again: nothing more is ended, nothing stored twice.
    again = FeedWriter(engine, utc, clock=clock).write(
        parse_queue_log([f"{E + 100}|NONE|NONE|NONE|QUEUESTART|"], "q")
    )
    assert (again.accepted, again.duplicates) == (0, 1) and calls(engine)["c3"]["ended_at"] is None


# --- what a crash leaves: logger.c's fprintf + fflush, then the file system's zeroes ---------


def test_a_line_written_after_the_zeroed_tail_of_a_cut_line_is_read() -> None:
    """A crash loses the end of the last line queue_log held (fflush reached the kernel,
    not the disk): the file system leaves it zeroed, with no newline, and the restarted
    Asterisk writes QUEUESTART right after the zeroes. The line after the padding is read;
    the cut line before it is gone (no part of it is a line)."""
    restart = f"{E + 100}|NONE|NONE|NONE|QUEUESTART|"
    after = one(f"{E}|c1|9000|NONE|ENTERQU" + "\x00" * 40 + restart)
    assert isinstance(after, FeedEvent) and after.kind.value == "pbx_restart"
    offer = f"{E + 100}|c2|9000|NONE|ENTERQUEUE||6|1"
    ev = one(f"{E}|c1|9000|NONE|ENTERQUEUE||5" + "\x00" * 7 + offer)
    assert isinstance(ev, FeedEvent) and (ev.call, ev.data.get("customer")) == ("c2", "6")


def test_a_line_cut_by_the_zeroed_tail_with_nothing_after_is_rejected() -> None:
    """The zeroed tail at the end of the file (no restart yet): the cut line is no event,
    not a call with "0177" plus padding as its caller."""
    item = one(f"{E}|c1|9000|NONE|ENTERQUEUE||0177" + "\x00" * 30)
    assert isinstance(item, Rejected) and "NUL" in item.reason
    stray = one(f"{E}|NONE|9000|{A}|PAUSE|lu\x00nch")
    assert isinstance(stray, Rejected) and "NUL" in stray.reason


# --- a line of any length costs bounded memory ------------------------------------------------

HUGE = 24 * 1024 * 1024  # bytes of one line: far past logger.c's 8 KiB and the 64 Ki limit


def _read_all(reader: Any) -> list[Any]:
    parser = QueueLogParser("queue_log")
    out = []
    for text in reader:
        if text is None:
            break
        item = parser.parse_line(text, reader.line_no)
        if item is not None:
            out.append(item)
    return out


@pytest.mark.parametrize("how", ["file", "follow", "stdin"])
def test_a_line_of_megabytes_is_rejected_in_bounded_memory(tmp_path: Path, how: str) -> None:
    """logger.c never writes more than 8 KiB a line (qlog_msg[8192]); a file that holds
    megabytes without a newline (a crash's zeroed preallocation, a wrong file) is one
    rejected line, read without holding it, and the line after it is read."""
    path = tmp_path / "queue_log"
    good = f"{E}|c1|9000|NONE|ENTERQUEUE||5|1\n".encode()
    with open(path, "wb") as fh:
        fh.write(good)
        chunk = b"x" * (1024 * 1024)
        for _ in range(HUGE // len(chunk)):
            fh.write(chunk)
        fh.write(b"\n" + good.replace(b"c1", b"c2"))
    stop = threading.Event()
    tracemalloc.start()
    try:
        if how == "file":
            reader: Any = FileReader(path, "queue_log")
        elif how == "follow":
            reader = Follower(path, "queue_log", stop, poll_s=0.01)
        else:
            reader = StreamReader(open(path, "rb"), "queue_log", stop)
        items = _read_all(reader)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        stop.set()
    assert [type(i).__name__ for i in items] == ["FeedEvent", "Rejected", "FeedEvent"]
    assert "line longer than" in items[1].reason and items[2].line_no == 3
    assert reader.offset == path.stat().st_size
    assert peak < 8 * 1024 * 1024, peak


def test_a_line_of_megabytes_still_being_written_is_followed_in_bounded_memory(
    tmp_path: Path,
) -> None:
    """The same line written a piece at a time while it is followed: what is held of it
    stays bounded while its end is awaited, and the line after it is read."""
    path = tmp_path / "queue_log"
    good = f"{E}|c1|9000|NONE|ENTERQUEUE||5|1\n".encode()
    path.write_bytes(good)
    stop = threading.Event()
    reader = Follower(path, "queue_log", stop, poll_s=0.01)
    parser = QueueLogParser("queue_log")
    items: list[Any] = []
    lines = iter(reader)  # one pass: the follower closes its file when a pass ends

    def drain() -> None:
        for text in lines:
            if text is None:
                return
            item = parser.parse_line(text, reader.line_no)
            if item is not None:
                items.append(item)

    tracemalloc.start()
    try:
        drain()
        chunk = b"x" * (1024 * 1024)
        for _ in range(12):
            with open(path, "ab") as fh:
                fh.write(chunk)
            drain()
        with open(path, "ab") as fh:
            fh.write(b"\n" + good.replace(b"c1", b"c2"))
        drain()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        stop.set()
    assert [type(i).__name__ for i in items] == ["FeedEvent", "Rejected", "FeedEvent"]
    assert reader.offset == path.stat().st_size and items[2].line_no == 3
    assert peak < 8 * 1024 * 1024, peak


# --- rotated files as logrotate and logger.c leave them: compressed ----------------------------

SAMPLE = Path(__file__).parent / "data" / "asterisk-queue_log.sample"


@pytest.mark.parametrize(
    ("name", "pack"),
    [("queue_log-20100223.gz", gzip.compress), ("queue_log.1.bz2", bz2.compress)],
)
def test_a_compressed_rotated_queue_log_is_read(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, pack: Any
) -> None:
    """logger.c's rotate_file knows queue_log.N.gz, .bz2 and .Z (exec_after_rotate
    compresses), and logrotate compresses by default on most systems: last week's log is
    read as it lies."""
    feed = tmp_path / name
    feed.write_bytes(pack(SAMPLE.read_bytes()))
    assert main(["--db", db_url, "ingest", "--no-rules", str(feed)]) == 0
    assert (
        capsys.readouterr()
        .err.splitlines()[-1]
        .endswith("271 accepted, 0 duplicates, 0 rejected, 7 ignored (CONFIGRELOAD 7)")
    )


def test_a_compressed_file_cut_short_keeps_its_lines_and_says_where_it_ends(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A .gz copied while logrotate was still writing it: every line before the cut is
    kept, and the cut is named, not a traceback."""
    whole = gzip.compress(SAMPLE.read_bytes())
    feed = tmp_path / "queue_log.2.gz"
    feed.write_bytes(whole[: len(whole) // 2])
    assert main(["--db", db_url, "ingest", "--no-rules", str(feed)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert any(f"{feed}:" in e and "compressed data" in e for e in err), err
    accepted = int(err[-1].split(": ")[-1].split(" accepted")[0])
    assert 0 < accepted < 271


def test_a_compressed_file_is_not_followed(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = tmp_path / "queue_log.1.gz"
    feed.write_bytes(gzip.compress(SAMPLE.read_bytes()))
    assert main(["--db", db_url, "ingest", "--follow", "--no-rules", str(feed)]) == 2
    assert "without --follow" in capsys.readouterr().err


@pytest.mark.parametrize("restart_at", [None, 2], ids=["one read", "restarted mid-call"])
def test_a_member_added_paused_still_paused_after_a_call(
    engine: Engine, clock: ManualClock, utc: Settings, restart_at: int | None
) -> None:
    """add_to_queue writes ADDMEMBER with "PAUSED" (a member added paused, in one queue);
    another queue's call reaches them; after it they are paused still."""
    lines = [
        f"{E}|MANAGER|sales|{A}|ADDMEMBER|PAUSED",
        f"{E + 25}|c1|support|{A}|CONNECT|5|1773652020.5|3",
        f"{E + 90}|c1|support|{A}|COMPLETEAGENT|5|65|1",
    ]
    for part in (lines[:restart_at], lines[restart_at:]) if restart_at else (lines,):
        ingest(engine, part, clock, utc)
    assert _agent_state(engine, A) == ("break", "paused")
