"""Every command answers in the acting supervisor's stored language (docs/i18n.md): after
--lang and FLOORAPP_LANG, before the settings file and the locale; and a command that never
opens the floor's store does not open it to learn the language."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from floorapp import i18n
from floorapp.cli import main
from floorapp.supervisors import add_supervisor
from tests.conftest import T0

ENGLISH = "scheduler: not running; jobs from the plan timetable (no scheduler has run)"
CHINESE = "任务来自方案时间表（调度器还没有运行过）"


@pytest.fixture
def lead(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> str:
    """lead.hu chose Chinese for themselves, on an account whose locale is C."""
    add_supervisor(
        engine,
        sup_id="fm.zhou",
        name="周建华",
        role="floor_manager",
        teams=[],
        keys=[],
        actor="fm.zhou",
        now=T0,
    )
    add_supervisor(
        engine,
        sup_id="lead.hu",
        name="胡班长",
        role="team_leader",
        teams=[],
        keys=[],
        actor="fm.zhou",
        now=T0,
    )
    i18n.set_supervisor_lang(engine, "lead.hu", "zh-CN", actor="lead.hu", now=T0)
    for var in ("FLOORAPP_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C")
    return "lead.hu"


def _reminders(db_url: str, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    assert main(["--db", db_url, *extra, "reminders"]) == 0
    return capsys.readouterr().out


def test_a_command_answers_in_the_supervisors_language(
    lead: str, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert CHINESE in _reminders(db_url, capsys, "--as", lead)
    # A supervisor with no stored language: the locale (C) decides.
    assert ENGLISH in _reminders(db_url, capsys, "--as", "fm.zhou")


def test_lang_and_the_environment_beat_it_the_settings_file_does_not(
    lead: str,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert ENGLISH in _reminders(db_url, capsys, "--as", lead, "--lang", "en")
    conf = tmp_path / "floor.toml"
    conf.write_text('[floor]\nlang = "en"\n', encoding="utf-8")
    assert CHINESE in _reminders(db_url, capsys, "--as", lead, "--config", str(conf))
    monkeypatch.setenv("FLOORAPP_LANG", "en")
    assert ENGLISH in _reminders(db_url, capsys, "--as", lead)


def test_a_command_without_the_store_does_not_open_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for var in ("FLOORAPP_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C")
    missing = tmp_path / "never.db"
    assert main(["--db", str(missing), "bench", "--only", "no-such-benchmark"]) == 2
    assert "no benchmark named no-such-benchmark" in capsys.readouterr().err
    assert not missing.exists()
