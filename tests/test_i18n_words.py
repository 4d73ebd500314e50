"""What a Chinese reader found in English or in the wrong words: escalation notes, reminders,
team names, plan words, refusals, units; each stored sentence read in its reader's language."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select

from db.models import AuditEntry, Escalation, EscalationEvent
from floorapp import audit, i18n
from floorapp.context import AppContext
from floorapp.services import escalations as esc
from tests.console_helpers import console, screen_text, set_handoffs, sync, until

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture
def english_after() -> Iterator[None]:
    yield
    i18n.set_language("en")


def _audit_details(engine: Engine) -> list[str | None]:
    with engine.connect() as conn:
        return [e.detail for e in audit.entries(conn)]


# --- escalation history notes --------------------------------------------------------------


def test_an_escalations_notes_read_in_each_readers_language(
    floor: AppContext, engine: Engine, english_after: None
) -> None:
    now = floor.clock.now()
    esc.assign(floor.engine, 1, "lead.li", settings=floor.settings, actor="fm.zhou", now=now)
    set_handoffs(engine, 1, 3, tier=1)
    esc.assign(
        floor.engine,
        1,
        "lead.wang",
        override_reason="客户要求",
        settings=floor.settings,
        actor="fm.zhou",
        now=now,
    )
    esc.next_tier(
        floor.engine, 1, override_reason="法务", settings=floor.settings, actor="fm.zhou", now=now
    )

    def notes() -> list[str | None]:
        return [h.note for h in esc.history(floor.engine, 1, actor="fm.zhou", now=now)]

    assert notes() == [
        "to lead.li",
        "to lead.wang (from lead.li, hand-off 4) · override: 客户要求",
        "override: 法务",
    ]
    assert "tier 1 -> tier 2, hand-off 5" in _audit_details(engine)
    i18n.set_language("zh_CN")
    zh = notes()
    assert zh[0] == "指派给 lead.li"
    assert zh[1].startswith("指派给 lead.wang（原处理人 lead.li，第 4 次转交）")
    assert zh[1].endswith("强制转交，理由：客户要求") and zh[2] == "强制转交，理由：法务"
    assert "一线 -> 二线，第 5 次转交" in _audit_details(engine)
    assert not any(re.search(r"\b(to|from|override|hand-off)\b", n or "") for n in zh)


# --- a refusal is audited where it is made: the service -----------------------------------


@sync
async def test_next_tier_at_the_complaint_desk_is_refused_by_the_service_and_audited(
    floor: AppContext, engine: Engine
) -> None:
    set_handoffs(engine, 1, 1, tier=3)

    def state() -> tuple[object, ...]:
        with engine.connect() as c:
            e = c.execute(select(Escalation).where(Escalation.id == 1)).one()
            events = c.execute(select(func.count()).select_from(EscalationEvent)).scalar()
        return (e.tier, e.handoffs, e.status, e.holder, e.deadline, events)

    before = state()
    async with console(floor) as (app, pilot):
        await pilot.press("5", "n")  # the complaint desk
        await app.workers.wait_for_complete()
        await until(pilot, lambda: "the last line" in screen_text(app), "the refusal")
    with engine.connect() as c:
        refused = c.execute(select(AuditEntry).where(AuditEntry.outcome == "refused")).all()
    assert [(r.actor, r.action, r.target_id) for r in refused] == [
        ("lead.wang", "escalation.next_tier", "1")
    ]
    assert state() == before


# --- a refusal for another team's work ------------------------------------------------------


def _cli(capsys: pytest.CaptureFixture[str], db_url: str, *argv: str) -> tuple[int, str, str]:
    from floorapp.cli import main

    code = main(["--db", db_url, *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_team_refusal_names_the_team_once_in_the_readers_language(
    floor: AppContext, db_url: str, capsys: pytest.CaptureFixture[str], english_after: None
) -> None:
    """lead.zhao leads T2 only; T1 is refused, and the audit row reads in each language."""
    code, _out, err = _cli(
        capsys, db_url, "--as", "lead.zhao", "--lang", "zh-CN", "reminders", "patrol", "T1"
    )
    assert code != 0
    assert "已拒绝：班组 T1 不在你的管辖范围" in err and "属于班组" not in err
    code, out, _err = _cli(capsys, db_url, "--as", "fm.zhou", "--lang", "zh-CN", "audit")
    line = next(ln for ln in out.splitlines() if "lead.zhao" in ln)
    assert "[已拒绝]" in line and "班组 T1 不在你的管辖范围" in line, line
    assert not re.search(r"refused|belongs|not one of", line)
    code, out, _err = _cli(capsys, db_url, "--as", "fm.zhou", "--lang", "en", "audit")
    line = next(ln for ln in out.splitlines() if "lead.zhao" in ln)
    assert "[refused]" in line and "team T1 is not one of your teams" in line, line


def test_another_teams_agent_is_refused_naming_the_agent_and_the_team(
    floor: AppContext, engine: Engine, english_after: None
) -> None:
    from floorapp.services.scope import refuse

    i18n.set_language("zh_CN")
    refused = refuse(
        engine,
        now=floor.clock.now(),
        actor="lead.zhao",
        action="agent.detail",
        target_kind="agent",
        target_id="1001",
        team="T1",
    )
    assert refused.message == "已拒绝：坐席 1001 属于班组 T1，不在你的管辖范围"
    i18n.set_language("en")
    assert _audit_details(engine)[-1] == "agent 1001 is for team T1, not yours"


def test_supervisor_in_general_is_not_team_leader_in_chinese(
    floor: AppContext, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A floor manager is a supervisor too: 管理人员, not 班组长 (docs/glossary.md)."""
    code, _out, err = _cli(capsys, db_url, "--as", "root", "--lang", "zh-CN", "roster", "list")
    assert code != 0 and "'root' 不是本现场的管理人员" in err and "班组长" not in err
    code, _out, err = _cli(
        capsys, db_url, "--as", "lead.wang", "--lang", "zh-CN", "supervisors", "remove", "lead.li"
    )
    assert code != 0 and "只有现场经理可以" in err and "管理人员" in err and "班组长" not in err


# --- the feed's team and the unit of seconds ---------------------------------------------------


@pytest.fixture
def feed_floor(db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """The Asterisk sample: nine agents the roster never named (the feed's team)."""
    from pathlib import Path

    monkeypatch.setenv("COLUMNS", "200")
    sample = Path(__file__).parent / "data/asterisk-queue_log.sample"
    assert _cli(capsys, db_url, "ingest", str(sample))[0] == 0
    assert (
        _cli(
            capsys, db_url, "--as", "boss", "supervisors", "add", "boss", "--role", "floor_manager"
        )[0]
        == 0
    )
    return db_url


@pytest.mark.parametrize("command", [("status",), ("report",), ("roster", "list")])
def test_the_feeds_team_has_a_chinese_name(
    feed_floor: str, capsys: pytest.CaptureFixture[str], command: tuple[str, ...]
) -> None:
    code, out, _err = _cli(capsys, feed_floor, "--as", "boss", "--lang", "zh-CN", *command)
    assert code == 0 and "未分组" in out and "unassigned" not in out
    code, out, _err = _cli(capsys, feed_floor, "--as", "boss", "--lang", "en", *command)
    assert "unassigned" in out


def test_seconds_have_one_unit_word_per_language(
    feed_floor: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for lang, asa, unit in (("zh-CN", "平均应答 17.9 秒", r"\d s\b"), ("en", "ASA 17.9 s", "秒")):
        for command in ("status", "report"):
            code, out, _err = _cli(capsys, feed_floor, "--as", "boss", "--lang", lang, command)
            assert code == 0 and asa in out, (lang, command)
            assert not re.search(unit, out), (lang, command)


# --- the command list in --help -----------------------------------------------------------------


def test_every_commands_one_line_help_is_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    from floorapp.cli import command_modules, main

    assert all(marked for m in command_modules() for _n, _h, marked in m.names or [("", "", False)])
    with pytest.raises(SystemExit):
        main(["--lang", "zh-CN", "--help"])
    out = capsys.readouterr().out
    commands = re.findall(r"^    ([a-z]+) +(.+)$", out, re.M)
    assert len(commands) == len([n for m in command_modules() for n in m.names or ()])
    for name, help_text in commands:
        assert re.search(r"[\u4e00-\u9fff]", help_text), (name, help_text)
    assert "show program's" not in out and "显示版本号并退出" in out


# --- a request's category by its word -----------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_requests_category_is_taken_by_its_chinese_word_and_stored_as_its_code(
    floor: AppContext, engine: Engine, db_url: str, capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    from db.models_requests import AgentRequest

    for typed in ("排班", "schedule"):
        code, out, err = _cli(
            capsys,
            db_url,
            "--as",
            "lead.wang",
            "--lang",
            lang,
            "requests",
            "add",
            "1001",
            typed,
            "想和同事换班",
        )
        assert code == 0, err
        assert ("排班）：未结" if lang == "zh-CN" else "schedule): open") in out
    code, out, _err = _cli(capsys, db_url, "--as", "lead.wang", "--lang", lang, "requests")
    assert ("确认 " if lang == "zh-CN" else "ack ") in out and "acknowledge" not in out
    with engine.connect() as c:
        assert set(c.execute(select(AgentRequest.category)).scalars()) == {"schedule"}
    with pytest.raises(SystemExit):
        _cli(capsys, db_url, "--lang", "zh-CN", "requests", "add", "1001", "天气", "x")
    assert "没有类别 '天气'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _cli(capsys, db_url, "--lang", "zh-CN", "requests", "add", "--help")
    assert "schedule (排班)" in capsys.readouterr().out


# --- words the scheduler writes for later readers -----------------------------------------------


def test_a_patrols_cadence_is_stored_as_a_message(english_after: None) -> None:
    from datetime import date

    from floorapp.plan import parse_plan_text
    from floorapp.scheduler.schedule import patrol_times
    from tests.test_plan_support import PLAN

    labels = [
        label for _t, _due, label in patrol_times(parse_plan_text(PLAN), "t1", date(2026, 3, 10))
    ]
    assert i18n.render(labels[0]) == "every 60 min"
    assert i18n.render(labels[5]) == "every 20 min (P)"
    i18n.set_language("zh_CN")
    assert i18n.render(labels[0]) == "每 60 分钟"
    assert i18n.render(labels[5]) == "每 20 分钟（P）"


def test_a_drill_reminder_and_a_flag_from_a_patrol_read_in_chinese(
    ctx: AppContext, engine: Engine, english_after: None
) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from db.models import Agent, Flag
    from db.models_requests import Drill
    from floorapp.plan.store import import_plan
    from floorapp.services import drills, reminders
    from floorapp.services import flags as flag_service
    from tests.access_support import access_floor
    from tests.test_drills import HOT

    access_floor(engine, ctx.clock.now())
    now = ctx.clock.now()
    import_plan(engine, HOT, source="t.toml", actor="boss", now=now - timedelta(hours=20))
    with engine.begin() as conn:
        conn.execute(update(Agent).values(state="available"))
        conn.execute(update(Drill).values(planned_at=now))
    drills.fire_due(engine, now=now, holder="test")
    i18n.set_language("zh_CN")
    due = reminders.open_reminders(engine, actor="lead.t1", now=now).due
    drill = next(r for r in due if r.kind == "drill")
    assert drill.detail and drill.detail.startswith("场景：") and "\n口径：" in drill.detail
    assert "Scenario" not in drill.detail and "Model answer" not in drill.detail
    patrol = next(r for r in due if r.kind == "patrol")
    reminders.done(
        engine, patrol.id, actor="lead.t1", now=now, flag_agent="a1", flag_detail="情绪激动"
    )
    (view,) = [f for f in flag_service.open_flags(engine, actor="lead.t1") if f.kind == "observed"]
    assert view.detail == "巡场时发现：情绪激动"
    i18n.set_language("en")
    with engine.connect() as c:
        stored = c.execute(select(Flag.detail).where(Flag.kind == "observed")).scalar()
    assert i18n.render(stored) == "patrol: 情绪激动"


# --- the plan in Chinese, its times in the floor's zone -------------------------------------


def test_plan_check_says_its_problems_in_chinese(english_after: None) -> None:
    from floorapp.plan import PlanError, parse_plan_text
    from tests.test_plan_check import BAD

    i18n.set_language("zh_CN")
    with pytest.raises(PlanError) as exc:
        parse_plan_text(BAD, known_teams={"t1", "t2"})
    by_path = {i.path: i.message for i in exc.value.issues}
    assert by_path["period[0].teams[1]"] == "没有班组 'nosuchteam'（现有班组：t1, t2）"
    assert by_path["requirement[1].target.target"].startswith("不满意率")
    for path, why in by_path.items():
        # ids the plan file writes may stay; the sentence around them is Chinese
        words_left = re.sub(r"'[^']*'|\[[^\]]*\]|[a-z_]+(?:, [a-z_]+)+|[a-z]+_[a-z_]+", "", why)
        assert not re.search(r"\b(unknown|expected|got|must|missing|period|team)\b", words_left), (
            path,
            why,
        )


def test_plan_show_words_its_codes_and_gives_times_in_the_floors_zone(
    engine: Engine,
    db_url: str,
    tmp_path: object,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pathlib import Path

    from tests.test_plan_support import PLAN, seed_floor

    seed_floor(engine)
    plan = Path(str(tmp_path)) / "p.toml"
    plan.write_text(PLAN.replace('timezone = "UTC"', 'timezone = "Asia/Shanghai"'))
    config = Path(str(tmp_path)) / "floor.toml"
    config.write_text('[floor]\ntimezone = "UTC"\n')
    base = ("--config", str(config), "--as", "boss")
    assert _cli(capsys, db_url, *base, "plan", "import", str(plan))[0] == 0
    code, out, _err = _cli(capsys, db_url, *base, "--lang", "zh-CN", "plan", "show")
    assert code == 0
    with engine.connect() as c:
        at = c.execute(select(AuditEntry.at).where(AuditEntry.action == "plan.import")).scalar()
    assert f"{at:%Y-%m-%d %H:%M} UTC" in out  # as the console and the audit log give it
    assert "2026-03-10 04:00 UTC" in out  # the period's 12:00 in Shanghai
    assert "不满意率 (dissatisfaction_rate)" in out
    assert "拒绝接受解释 (refused_explanations)" in out
    assert "下班时" in out and "shift_end" not in out
    assert "进步最大 (improvement)" in out
