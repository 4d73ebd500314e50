"""Ingest throughput and store size: JSONL and queue_log into a fresh SQLite file.

Each figure is printed beside a reference measured in the same run, and their ratio:

- ``rate`` vs ``raw_sqlite_rate``: the "raw" figure replays the very rows the ingest
  stored in ``feed_event`` through plain ``sqlite3.executemany`` into a fresh file of
  the same schema, same pragmas, same batch size: the physical floor for this store on
  this machine, so the ratio says how much of the ingest cost is floorapp's own.
- ``rate`` vs ``plain_python_rate``: the same file read by the plainest Python ingest
  there is (split the line or ``json.loads`` it, take time, kind, agent, call and the
  rest, ``executemany`` into one table without an index): no validation, no key, no
  derived state. What floorapp pays for idempotency, the bounds and the floor's state.
- ``bytes_per_event`` vs ``raw_line_bytes``: the store file (WAL folded in) per stored
  event, beside the input file's bytes per line.

Each ingest runs in its own process so its peak memory (VmHWM) is its own.
"""

from __future__ import annotations

import importlib.util
import json
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

FULL, QUICK = 200_000, 50_000
BATCH = 20_000  # what `floorapp ingest` uses for a file
T_START = datetime(2026, 3, 16, 0, 0, tzinfo=UTC)  # a Monday night shift onwards


# --- synthetic floors ---------------------------------------------------------------------


def _calls(rng: random.Random, n_agents: int) -> Iterator[tuple[float, str, dict[str, int | str]]]:
    """An endless floor: (seconds from start, what happened, details), roughly in time order."""
    free_at = [0.0] * n_agents
    t = 0.0
    call_no = 0
    while True:
        t += rng.expovariate(1 / 3.0)  # a call every ~3 s: a busy 200-seat floor
        call_no += 1
        cid = f"{1773600000 + int(t)}.{call_no}"
        yield t, "offer", {"call": cid, "customer": f"1380000{rng.randrange(10000):04d}"}
        fate = rng.random()
        wait = rng.uniform(2, 40)
        if fate < 0.08:
            yield t + wait, "abandon", {"call": cid, "wait": int(wait)}
            continue
        agent = min(range(n_agents), key=lambda i: free_at[i] + rng.random())
        start = max(t + wait, free_at[agent])
        for other in rng.sample(range(n_agents), rng.randrange(0, 3)):
            if other != agent:
                yield start - 1, "ring", {"call": cid, "agent": other}
        talk = rng.lognormvariate(5.2, 0.6) if rng.random() > 0.02 else rng.uniform(1300, 2400)
        yield start, "answer", {"call": cid, "agent": agent, "hold": int(start - t)}
        if rng.random() < 0.15:
            yield (
                start + talk / 2,
                "update",
                {"call": cid, "agent": agent, "refused": rng.randrange(1, 4)},
            )
        end = start + talk
        how = "transfer" if rng.random() < 0.04 else "complete"
        yield (
            end,
            how,
            {
                "call": cid,
                "agent": agent,
                "hold": int(start - t),
                "talk": int(talk),
                "sat": rng.randint(1, 5),
                "complaint": rng.random() < 0.05,
            },
        )
        wrap = rng.uniform(5, 60)
        free_at[agent] = end + wrap
        if rng.random() < 0.03:
            yield end + wrap, "pause", {"agent": agent}
            free_at[agent] += 900
            yield end + wrap + 900, "unpause", {"agent": agent}
        elif rng.random() < 0.01:
            yield end + 1, "hand", {"agent": agent}


def _ordered(
    events: Iterable[tuple[float, str, dict[str, int | str]]],
    n: int,
) -> list[tuple[float, str, dict[str, int | str]]]:
    out: list[tuple[float, str, dict[str, int | str]]] = []
    for ev in events:
        out.append(ev)
        if len(out) >= n:
            break
    out.sort(key=lambda e: e[0])
    return out


def _agent_name(i: int) -> str:
    return f"PJSIP/{1000 + i}"


def write_queue_log(path: Path, n_lines: int, *, n_agents: int = 200, seed: int = 7) -> None:
    rng = random.Random(seed)
    base = int(T_START.timestamp())
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n_agents):
            fh.write(f"{base}|NONE|support|{_agent_name(i)}|ADDMEMBER|\n")
        fh.write(f"{base}|NONE|NONE|NONE|QUEUESTART|\n")
        # queue_log has no mid-call updates or raised hands: leave them out.
        plain = (e for e in _calls(rng, n_agents) if e[1] not in ("update", "hand"))
        for t, what, d in _ordered(plain, n_lines - n_agents - 1):
            ts = base + int(t)
            c = d.get("call", "NONE")
            a = _agent_name(int(d["agent"])) if "agent" in d else "NONE"
            if what == "offer":
                line = f"{ts}|{c}|support|NONE|ENTERQUEUE||{d['customer']}|1"
            elif what == "abandon":
                line = f"{ts}|{c}|support|NONE|ABANDON|1|1|{d['wait']}"
            elif what == "ring":
                line = f"{ts}|{c}|support|{a}|RINGNOANSWER|15000"
            elif what == "answer":
                line = f"{ts}|{c}|support|{a}|CONNECT|{d['hold']}|{c}1|3"
            elif what == "complete":
                line = f"{ts}|{c}|support|{a}|COMPLETEAGENT|{d['hold']}|{d['talk']}|1"
            elif what == "transfer":
                line = (
                    f"{ts}|{c}|support|{a}|BLINDTRANSFER|8000|from-internal|{d['hold']}|"
                    f"{d['talk']}|1"
                )
            elif what == "pause":
                line = f"{ts}|NONE|NONE|{a}|PAUSEALL|lunch"
            elif what == "unpause":
                line = f"{ts}|NONE|NONE|{a}|UNPAUSEALL|"
            else:
                raise AssertionError(what)
            fh.write(line + "\n")


def write_jsonl(path: Path, n_lines: int, *, n_agents: int = 200, seed: int = 7) -> None:
    from floorapp.feed.jsonl import event_to_json

    rng = random.Random(seed)

    def at(t: float) -> str:
        return (T_START + timedelta(seconds=t)).isoformat()

    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n_agents):
            fh.write(event_to_json({"type": "agent_login", "ts": at(0), "agent": f"a{i}"}) + "\n")
        for t, what, d in _ordered(_calls(rng, n_agents), n_lines - n_agents):
            base = {
                "ts": at(t),
                "call": d.get("call"),
                "agent": f"a{d['agent']}" if "agent" in d else None,
            }
            ev: dict[str, object]
            if what == "offer":
                ev = {"type": "call_offered", "queue": "support", "customer": d["customer"]}
            elif what == "abandon":
                ev = {"type": "call_abandoned", "hold_seconds": d["wait"]}
            elif what == "ring":
                ev = {"type": "call_ring_no_answer", "ring_ms": 15000}
            elif what == "answer":
                ev = {"type": "call_answered", "hold_seconds": d["hold"]}
            elif what == "update":
                ev = {"type": "call_update", "refused_explanations": d["refused"]}
            elif what in ("complete", "transfer"):
                ev = {
                    "type": "call_ended",
                    "outcome": "completed" if what == "complete" else "transferred",
                    "hold_seconds": d["hold"],
                    "talk_seconds": d["talk"],
                    "satisfaction": d["sat"],
                    "complaint": d["complaint"],
                }
            elif what == "pause":
                ev = {"type": "state", "state": "break", "reason": "lunch", "call": None}
            elif what == "unpause":
                ev = {"type": "state", "state": "available", "call": None}
            else:
                ev = {"type": "raise_hand", "note": "customer asks for a manager", "call": None}
            fh.write(event_to_json({**base, **ev}) + "\n")


# --- one measured ingest, in a child process ---------------------------------------------


def _peak_rss_kb() -> int:
    """This process's peak resident set, in KiB.

    VmHWM belongs to the current memory map, so it starts afresh at exec; ru_maxrss
    does not on Linux (it keeps the forking parent's high-water mark), so it is only
    the fallback where /proc is missing.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _child(fmt: str, path: str, db_url: str, rules: bool) -> None:
    from db.engine import open_store
    from floorapp.clock import SYSTEM_CLOCK
    from floorapp.config import Settings
    from floorapp.feed import pipeline
    from floorapp.feed.follow import FileReader
    from floorapp.feed.writer import FeedWriter

    settings = Settings()
    engine = open_store(db_url)
    observers = []
    if rules:
        from floorapp.rules import build_observer

        observers.append(build_observer(settings, SYSTEM_CLOCK))
    rss_before = _peak_rss_kb()
    t0 = time.perf_counter()
    reader = FileReader(Path(path), path)
    writer = FeedWriter(engine, settings, observers=observers, batch_size=BATCH)
    summary = pipeline.run(reader, pipeline.make_parser(fmt, path), writer)
    seconds = time.perf_counter() - t0
    engine.dispose()
    print(
        json.dumps(
            {
                "lines": reader.line_no,
                "accepted": summary.accepted,
                "rejected": summary.rejected,
                "seconds": seconds,
                "rss_kb": _peak_rss_kb(),
                "rss_before_kb": rss_before,
                "store_bytes": _store_bytes(db_url),
            }
        )
    )


def _store_bytes(db_url: str) -> int:
    """The store's size on disk with its write-ahead log folded into the file."""
    path = db_url.removeprefix("sqlite:///")
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    return Path(path).stat().st_size


def _plain_rows(fmt: str, lines: list[str]) -> list[tuple[object, ...]]:
    """The plainest parse: (time, kind, agent, call, rest of the line) per line."""
    rows: list[tuple[object, ...]] = []
    add = rows.append
    if fmt == "jsonl":
        loads = json.loads
        for line in lines:
            o = loads(line)
            add((o.get("ts"), o.get("type"), o.get("agent"), o.get("call"), line))
    else:
        for line in lines:
            f = line.rstrip("\n").split("|")
            add((int(f[0]), f[4], f[3], f[1], "|".join(f[5:])))
    return rows


def _plain_rate(fmt: str, src: Path, db: Path) -> float:
    """Lines/s of a plain Python ingest of ``src``: read, parse, executemany, commit."""
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = NORMAL")
    con.execute("CREATE TABLE ev (ts, kind TEXT, agent TEXT, call TEXT, data TEXT)")
    sql = "INSERT INTO ev VALUES (?, ?, ?, ?, ?)"
    t0 = time.perf_counter()
    n = 0
    with open(src, encoding="utf-8") as fh:
        while lines := fh.readlines(BATCH * 64):
            con.execute("BEGIN IMMEDIATE")
            con.executemany(sql, _plain_rows(fmt, lines))
            con.execute("COMMIT")
            n += len(lines)
    seconds = time.perf_counter() - t0
    con.close()
    return n / seconds


def _measure(fmt: str, path: Path, db: Path, rules: bool) -> dict[str, float]:
    code = (
        "import sys; from floorapp.bench.ingest import _child; "
        "_child(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == '1')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, fmt, str(path), f"sqlite:///{db}", "1" if rules else "0"],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _raw_rate(ingested_db: Path, fresh_db: Path) -> float:
    """Rows/s of plain sqlite3 executemany for the feed_event rows the ingest stored."""
    from db.engine import open_store

    open_store(f"sqlite:///{fresh_db}").dispose()  # same schema and indexes
    src = sqlite3.connect(ingested_db)
    names = [r[1] for r in src.execute("PRAGMA table_info(feed_event)") if r[1] != "id"]
    cols = ", ".join(names)
    rows = src.execute(f"SELECT {cols} FROM feed_event ORDER BY id").fetchall()
    src.close()
    dst = sqlite3.connect(fresh_db, isolation_level=None)
    dst.execute("PRAGMA journal_mode = WAL")
    dst.execute("PRAGMA synchronous = NORMAL")
    sql = f"INSERT INTO feed_event ({cols}) VALUES ({', '.join('?' * len(names))})"
    t0 = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        dst.execute("BEGIN IMMEDIATE")
        dst.executemany(sql, rows[i : i + BATCH])
        dst.execute("COMMIT")
    seconds = time.perf_counter() - t0
    dst.close()
    return len(rows) / seconds


def _best(
    fmt: str, src: Path, d: Path, tag: str, rules: bool, runs: int
) -> tuple[float, float, float, Path, float]:
    """Best rate of ``runs`` ingests (each into a fresh file): the machine is shared, and
    the fastest run is the one least disturbed by others. Also the highest peak RSS and
    its growth over the process's size before the first line was read, and the store's
    bytes per accepted event."""
    best_rate, peak, growth, per_event = 0.0, 0.0, 0.0, 0.0
    db = d / "none.db"
    for i in range(runs):
        db = d / f"{tag}-{i}.db"
        m = _measure(fmt, src, db, rules=rules)
        best_rate = max(best_rate, m["lines"] / m["seconds"])
        peak = max(peak, m["rss_kb"] / 1024)
        growth = max(growth, (m["rss_kb"] - m["rss_before_kb"]) / 1024)
        per_event = m["store_bytes"] / max(1, m["accepted"])
    return best_rate, peak, growth, db, per_event


def figures(quick: bool) -> Iterator[tuple[str, float, str]]:
    n = QUICK if quick else FULL
    runs = 3 if quick else 2
    has_rules = importlib.util.find_spec("floorapp.rules") is not None
    with tempfile.TemporaryDirectory(prefix="floorapp-bench-") as tmp:
        d = Path(tmp)
        for fmt, name, make in (
            ("jsonl", "jsonl", write_jsonl),
            ("queue-log", "queue_log", write_queue_log),
        ):
            src = d / f"feed.{name}"
            make(src, n)
            rate, peak, growth, db, per_event = _best(fmt, src, d, name, False, runs)
            raw = max(_raw_rate(db, d / f"{name}-raw{i}.db") for i in range(runs))
            plain = max(_plain_rate(fmt, src, d / f"{name}-plain{i}.db") for i in range(runs))
            line_bytes = src.stat().st_size / n
            yield f"ingest.{name}.lines", n, "lines"
            yield f"ingest.{name}.rate", round(rate), "events/s"
            yield f"ingest.{name}.raw_sqlite_rate", round(raw), "rows/s"
            yield f"ingest.{name}.ratio_to_raw", round(rate / raw, 3), "x"
            yield f"ingest.{name}.plain_python_rate", round(plain), "lines/s"
            yield f"ingest.{name}.ratio_to_plain_python", round(rate / plain, 3), "x"
            yield f"ingest.{name}.bytes_per_event", round(per_event, 1), "bytes"
            yield f"ingest.{name}.raw_line_bytes", round(line_bytes, 1), "bytes"
            yield f"ingest.{name}.bytes_vs_line", round(per_event / line_bytes, 2), "x"
            yield f"ingest.{name}.peak_rss", round(peak, 1), "MB"
            yield f"ingest.{name}.rss_growth", round(growth, 1), "MB"
            if has_rules:
                rules_rate, _, _, _, _ = _best(fmt, src, d, f"{name}-rules", True, runs)
                yield f"ingest.{name}.rate_with_rules", round(rules_rate), "events/s"
                yield f"ingest.{name}.rules_vs_plain", round(rules_rate / rate, 3), "x"
            src.unlink()
