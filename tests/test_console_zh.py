"""The console in Chinese, as a team leader at an 80x24 CJK terminal reads it: the key columns
of every view, no ambiguous-width marks, names cut by display width, no line starting with
closing punctuation, pinyin order and search, a language switch without a restart that costs
a tick nothing."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, insert, update

from db.engine import run_write
from db.models import Agent, Supervisor, Team
from floorapp import i18n
from floorapp.context import AppContext
from screens.app import FloorApp
from screens.commands import entries_for
from tests.console_helpers import burst, screen_text, sync, type_text, until
from tests.test_words import plan_floor

LONG_NAME = "欧阳晓明明明明明明"


@asynccontextmanager
async def zh_console(
    ctx: AppContext, size: tuple[int, int] = (80, 24), rows: int = 7, lang: str | None = "zh_CN"
) -> Iterator[tuple[Any, Any]]:
    app = FloorApp(ctx, actor="lead.wang", poll_interval=60, lang=lang)
    app.animation_level = "none"  # the tab underline's slide: 0.5 s a view, same last frame
    async with app.run_test(size=size, notifications=True) as pilot:
        await until(pilot, lambda: app.loaded and app.board.row_count == rows, "the first load")
        await pilot.pause()
        yield app, pilot


async def show(app: Any, pilot: Any, *keys: str, wait_for: str | None = None) -> str:
    """The screen once ``keys`` are handled (and ``wait_for`` is drawn), its clock ticked.
    The keys go as one burst when there is a sign to wait for: the console hands each on
    only once the one before it is handled, so none waits for the app to go idle."""
    if wait_for:
        await burst(pilot, *keys)
        await until(pilot, lambda: wait_for in screen_text(app), wait_for)
    else:
        for key in keys:
            await pilot.press(key)
    app.tick()
    await pilot.pause()
    return screen_text(app)


# East Asian ambiguous characters Textual itself draws: box drawing (borders, the tab
# underline) and block elements (scrollbars, the footer's palette bar) may stay.
def _allowed(ch: str) -> bool:
    return "\u2500" <= ch <= "\u259f"


def ambiguous(screen: str) -> set[str]:
    return {c for c in screen if unicodedata.east_asian_width(c) == "A" and not _allowed(c)}


def closing_at_line_start(screen: str) -> list[str]:
    """Lines (inside borders) whose text starts with closing punctuation."""
    bad = []
    for line in screen.splitlines():
        text = line.strip(" \u2500\u2501\u2588\u258a\u258e\u2594\u2581\u2580\u2584\u2502▏")
        if text and text[0] in "，。、）：；！？」』》":
            bad.append(line)
    return bad


# Every view and screen, and what tells it has loaded.
VIEWS: list[tuple[tuple[str, ...], str]] = [
    (("1",), "姓名"),
    (("2",), "待确认"),
    (("3",), "层级"),
    (("4",), "层级"),
    (("5",), "层级"),
    (("6",), "剩余时限"),
    (("7",), "接下来"),
    (("8",), "未达标"),
    (("1", "e"), "什么级别"),
    (("1", "e", "3", "down"), "最后一道防线"),
    (("1", "r"), "你看到了什么"),
    (("1", "t"), "显示哪个班组"),
    (("1", "slash"), "拼音"),
    (("question_mark",), "任何界面"),
    (("2", "enter"), "今日通话"),
    (("6", "enter"), "记录"),
    (("S",), "指定坐席"),
    (("M",), "按班组"),
    (("A",), "进线"),
    (("ctrl+p",), "搜索命令"),
]


async def back_to_the_board(app: Any, pilot: Any) -> None:
    """Close whatever a view opened (dialog, screen, palette), as escape does."""
    for _ in range(4):
        if len(app.screen_stack) == 1:
            break
        await pilot.press("escape")
    await until(pilot, lambda: len(app.screen_stack) == 1, "the main screen again")


@pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=lambda s: f"{s[0]}x{s[1]}")
@sync
async def test_no_ambiguous_width_marks_and_no_closing_punctuation_at_a_line_start(
    ctx: AppContext, engine: Engine, size: tuple[int, int]
) -> None:
    """One console visits every view and screen in turn, as a supervisor would."""
    floor = plan_floor(ctx, engine)
    seen = 0
    async with zh_console(floor, size=size) as (app, pilot):
        for keys, loaded in VIEWS:
            await back_to_the_board(app, pilot)
            screen = await show(app, pilot, *keys, wait_for=loaded)
            assert not ambiguous(screen), (keys, ambiguous(screen), screen)
            assert not closing_at_line_start(screen), (keys, screen)
            seen += 1
    assert seen == len(VIEWS)


def test_the_scan_finds_what_it_looks_for() -> None:
    assert ambiguous("王芳 · 通话中 … ▶ ○ — ╸━ ▏") == {"·", "…", "▶", "○", "—"}
    assert closing_at_line_start("█ 好的\n█ ，然后") == ["█ ，然后"]


@sync
async def test_every_view_keeps_its_key_columns_at_80x24(floor: AppContext) -> None:
    async with zh_console(floor) as (app, pilot):
        board = await show(app, pilot, "1")
        assert all(h in board for h in ("姓名", "状态", "状态时长")), board
        assert "话后处理" in board and "离线" in board and "小休" in board
        flags = await show(app, pilot, "2")
        assert all(h in flags for h in ("坐席", "状态", "历时")), flags
        for key in "3456":
            queue = await show(app, pilot, key)
            assert all(h in queue for h in ("坐席", "处理人", "层级", "剩余时限")), queue
        assert "二线" in queue and "未认领" in queue


@sync
async def test_names_are_cut_by_display_width(floor: AppContext, engine: Engine) -> None:
    run_write(
        engine,
        lambda c: c.execute(update(Agent).where(Agent.id == "1003").values(name=LONG_NAME, seq=99)),
    )
    async with zh_console(floor) as (app, pilot):
        board = await show(app, pilot, "1")
        # the name column is 13 cells at 80: six whole characters and the cut mark
        assert "欧阳晓明明明~" in board and LONG_NAME not in board, board


@sync
async def test_l_switches_the_language_at_once_and_back(floor: AppContext) -> None:
    # The floor's flag stays short of its acknowledge deadline: its status reads NEW / 待确认.
    floor.settings.flag_ack_deadline_min["high"] = 5
    async with zh_console(floor, lang="en") as (app, pilot):
        screen = await show(app, pilot, "1")
        assert "1 Board" in screen and "avail" in screen and "on call" in screen
        screen = await show(app, pilot, "L")
        assert "1 看板" in screen and "空闲" in screen and "通话中" in screen
        assert "姓名" in screen and "Board" not in screen and "avail" not in screen
        assert "查找" in screen  # the footer too
        screen = await show(app, pilot, "2")
        assert "待确认" in screen and "NEW" not in screen
        screen = await show(app, pilot, "L")
        assert "NEW" in screen and "2 Flags" in screen and "待确认" not in screen
        titles = [e.title for e in entries_for(app, app.screen)]
        assert "语言: 简体中文 / Language" not in titles
        assert any("简体中文" in t for t in titles)


@sync
async def test_the_palette_finds_chinese_titles_by_pinyin_and_says_no_match_in_chinese(
    floor: AppContext,
) -> None:
    """Typed without switching the input method on, "xunchang" finds the patrol reminder's
    entry (巡场); a query that finds nothing says so in Chinese, not in Textual's English."""
    async with zh_console(floor, size=(100, 30)) as (app, pilot):
        await pilot.press("ctrl+p")
        await type_text(pilot, "xunchang")
        await until(pilot, lambda: "已巡场" in screen_text(app), "the patrol entry by pinyin")
        await pilot.press(*["backspace"] * len("xunchang"))
        await type_text(pilot, "qqqzzz")
        await until(pilot, lambda: "没有匹配" in screen_text(app), "no match, in Chinese")
        assert "No matches" not in screen_text(app)


@sync
async def test_a_tick_translates_nothing(
    floor: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Switching language costs a tick nothing: the words a tick draws were translated when
    the language was chosen, not looked up again every second."""
    calls: list[str] = []
    real = i18n._current

    class Counting:
        def __getattr__(self, name: str) -> Any:
            calls.append(name)
            return getattr(real, name)

    async with zh_console(floor, size=(200, 50)) as (app, pilot):
        for key in ("1", "6"):
            await show(app, pilot, key)
            monkeypatch.setattr(i18n, "_current", Counting())
            for _second in range(3):
                floor.clock.advance(timedelta(seconds=1))  # type: ignore[attr-defined]
                app.tick()
                await pilot.pause()
            monkeypatch.setattr(i18n, "_current", real)
            assert calls == [], (key, calls)


# --- pinyin ----------------------------------------------------------------------------------

PINYIN_NAMES = [
    ("P1", "胡春燕"),
    ("P2", "Hu"),
    ("P3", "Huang"),
    ("P4", "何娜"),
    ("P5", "刘子涵"),
    ("P6", "林杰"),
    ("P7", "单春燕"),
    ("P8", "曾磊"),
    ("P9", "Zoe"),
]


@pytest.fixture
def pinyin_floor(ctx: AppContext, engine: Engine) -> AppContext:
    now: datetime = ctx.clock.now()

    def tx(c: Any) -> None:
        c.execute(insert(Team).values(id="T1", name="宽带"))
        for aid, name in PINYIN_NAMES:
            c.execute(
                insert(Agent).values(
                    id=aid,
                    name=name,
                    team_id="T1",
                    state="available",
                    state_since=now,
                    updated_at=now,
                )
            )
        c.execute(
            insert(Supervisor).values(
                id="lead.wang", name="王班长", role="floor_manager", active=True
            )
        )

    run_write(engine, tx)
    return ctx


def board_names(app: Any) -> list[str]:
    return [app.board.model[app.board.row_key_at(i)].name for i in range(app.board.row_count)]


@sync
async def test_sorted_by_name_a_chinese_floor_reads_in_pinyin_order(
    pinyin_floor: AppContext,
) -> None:
    async with zh_console(pinyin_floor, rows=len(PINYIN_NAMES)) as (app, pilot):
        app.action_sort("name")
        await pilot.pause()
        assert board_names(app) == [
            "何娜",
            "Hu",
            "胡春燕",
            "Huang",
            "林杰",
            "刘子涵",
            "单春燕",
            "曾磊",
            "Zoe",
        ]


@pytest.mark.parametrize(
    "query,found",
    [
        ("hcy", ["胡春燕"]),
        ("huchunyan", ["胡春燕"]),
        ("胡", ["胡春燕"]),
        ("hu", ["Hu", "胡春燕", "Huang"]),
        ("HUANG", ["Huang"]),
        ("shan", ["单春燕"]),
        ("zl", ["曾磊"]),
        ("chunyan", ["胡春燕", "单春燕"]),
        ("un", []),
    ],
)
@sync
async def test_find_by_pinyin_initials_spelling_characters_and_latin(
    pinyin_floor: AppContext, query: str, found: list[str]
) -> None:
    async with zh_console(pinyin_floor, rows=len(PINYIN_NAMES)) as (app, pilot):
        app.action_sort("name")
        await pilot.press("slash")
        await until(pilot, lambda: "拼音" in screen_text(app), "the search dialog")
        if query.isascii():
            await type_text(pilot, query)
        else:
            app.screen.query_one("#note").value = query
        await pilot.press("enter")
        await until(pilot, lambda: app.board.search == query, "the search")
        await pilot.pause()
        assert board_names(app) == found
        if not found:
            assert "没有坐席符合" in screen_text(app)


# --- the supervisor's own language ------------------------------------------------------


@sync
async def test_a_supervisors_stored_language_opens_the_console_in_it(
    floor: AppContext, engine: Engine
) -> None:
    from tests.conftest import T0

    i18n.set_supervisor_lang(engine, "lead.wang", "zh-CN", actor="fm.zhou", now=T0)
    i18n.choose(i18n.Choice("en", "locale"))  # a shared account's locale: nobody's
    async with zh_console(floor, lang=None) as (app, pilot):
        assert "1 看板" in await show(app, pilot, "1")
    i18n.choose(i18n.Choice("en", "env"))  # FLOORAPP_LANG=en: the supervisor asked for it
    async with zh_console(floor, lang=None) as (app, pilot):
        assert "1 Board" in await show(app, pilot, "1")
