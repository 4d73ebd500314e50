"""The feed's rejections as the person running ingest reads them: in their language on the
terminal, in English in the store (what the service's log and a later reader keep)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from floorapp.cli import main

BAD_QUEUE_LOG = (
    "1266839953|1266839953.1|q1|SIP/100|ENTERQUEUE||100|1\n"
    "abc|x|q|a|ENTERQUEUE|||\n"
    "1266839954|1266839953.1|q1|SIP/100|CONNECT|xx|1266839953.2|3\n"
    "1266839954|1\n"
)
BAD_JSONL = (
    '{"type":"call_offered","ts":"2026-01-01T00:00:00Z","call":"c1"}\n'
    '{"type":"bogus","ts":"x"}\n'
    "[1]\n"
    '{"type":"state","ts":"2026-01-01T00:00:00","agent":"a"}\n'
)


def _ingest(tmp_path: Path, name: str, body: str, lang: str) -> list[str]:
    feed = tmp_path / name
    feed.write_text(body, encoding="utf-8")
    url = f"sqlite:///{tmp_path / (name + lang + '.db')}"
    assert main(["--db", url, "--lang", lang, "ingest", str(feed)]) == 1
    with create_engine(url).connect() as conn:
        stored = [
            r for (r,) in conn.execute(text("SELECT reason FROM rejected_input ORDER BY line_no"))
        ]
    return stored


def test_queue_log_rejections_and_the_summary_read_in_chinese(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stored = _ingest(tmp_path, "queue_log", BAD_QUEUE_LOG, "zh-CN")
    err = capsys.readouterr().err
    assert ":2: 时间戳不是数字：'abc'" in err
    assert ":3: CONNECT：holdtime 不是数字：'xx'" in err  # Asterisk's field name kept
    assert ":4: 字段太少（2 个" in err
    assert "接收 1，重复 0，拒收 3，忽略 0" in err
    assert "accepted" not in err and "not a number" not in err
    # The store keeps one language whoever ran the import.
    assert stored == [
        "epoch is not a number: 'abc'",
        "CONNECT: holdtime is not a number: 'xx'",
        "too few fields (2, need at least 5: epoch|callid|queue|agent|EVENT)",
    ]


def test_jsonl_rejections_read_in_the_readers_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _ingest(tmp_path, "feed.jsonl", BAD_JSONL, "zh-CN")
    zh = capsys.readouterr().err
    assert "字段 'type'：未知的事件类型 'bogus'" in zh
    assert "应为 JSON 对象，实际是 list" in zh
    assert "字段 'ts'：'2026-01-01T00:00:00' 没有 UTC 时差" in zh
    stored = _ingest(tmp_path, "feed.jsonl", BAD_JSONL, "en")
    en = capsys.readouterr().err
    assert "field 'type': unknown event type 'bogus'" in en
    assert "1 accepted, 0 duplicates, 3 rejected, 0 ignored" in en
    assert stored[0] == "field 'type': unknown event type 'bogus'"
