"""Reminders name agents by name, and "f" (done + flag) preselects the agent a reminder is about.

The trial case: the feed meets an agent before the roster does (the agent's name is its id),
a long call ends and the water reminder is written naming "A0042"; the roster then names
them 王芳. The panel must say 王芳, and "f" must land the flag on A0042 with one Enter.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, insert, select
from textual.widgets import DataTable, OptionList, Static

from db.engine import write_tx
from db.models import Agent, AuditEntry, Call, Flag
from db.models_plan import Reminder
from floorapp.config import Settings
from floorapp.context import AppContext
from floorapp.i18n import render
from floorapp.roster import import_roster
from floorapp.scheduler import SchedulerHost
from floorapp.services import reminders as svc
from screens.dialogs import ChoiceDialog, NoteDialog
from screens.reminders import RemindersScreen
from tests.conftest import T0
from tests.console_helpers import ScreenHost, cell_texts, until
from tests.test_plan_support import load_test_plan, seed_floor

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def _statics(screen: object) -> str:
    """The text of every Static on a screen, as it is drawn (plain, markup not applied)."""
    out = []
    for w in screen.query(Static):  # type: ignore[attr-defined]
        v = w.content
        out.append(v.plain if hasattr(v, "plain") else str(v))
    return "\n".join(out)


def _option_labels(dialog: ChoiceDialog) -> list[str]:
    """The agents offered, without the number key in front."""
    ol = dialog.query_one(OptionList)
    return [str(ol.get_option_at_index(i).prompt).split(" ", 1)[1] for i in range(ol.option_count)]


def _feed_agent_with_a_long_call(engine: Engine, ended: datetime) -> None:
    """An agent the feed created (no roster name yet) whose 25-minute call just ended."""
    with write_tx(engine) as conn:
        conn.execute(insert(Agent).values(id="A0042", name="A0042", team_id="t1", from_feed=True))
        talk = 25 * 60
        conn.execute(
            insert(Call).values(
                id="c-long",
                agent_id="A0042",
                offered_at=ended - timedelta(seconds=talk + 20),
                answered_at=ended - timedelta(seconds=talk),
                ended_at=ended,
                outcome="completed",
                talk_seconds=talk,
            )
        )


def _water_for_a0042(engine: Engine, ctx: AppContext) -> SchedulerHost:
    seed_floor(engine)
    load_test_plan(engine, ctx.clock.now())
    host = SchedulerHost(
        engine, Settings(), ctx.clock, holder_id="other-console", use_apscheduler=False
    )
    host.step()  # 09:00: the patrols
    _feed_agent_with_a_long_call(engine, T0 + timedelta(minutes=26))
    ctx.clock.set(T0 + timedelta(minutes=26, seconds=10))
    host.step()  # the water reminder, written while the agent is known only by id
    with engine.connect() as conn:
        assert (
            conn.execute(select(Reminder.title).where(Reminder.agent_id == "A0042")).scalar_one()
            == "Bring A0042 a glass of water after a long call"
        )
    report = import_roster(
        engine, [{"id": "A0042", "name": "王芳", "team": "t1"}], "lead.wang", ctx.clock.now()
    )
    assert not report.errors
    return host


def test_named_title() -> None:
    assert (
        svc.named_title("Bring A0042 a glass of water", "A0042", "王芳")
        == "Bring 王芳 a glass of water"
    )
    # Only the whole id: "A00421" is someone else.
    assert svc.named_title("Bring A00421 water", "A0042", "王芳") == "Bring A00421 water: 王芳"
    assert svc.named_title("Birthday card", "a1", "张伟") == "Birthday card: 张伟"
    assert svc.named_title("Birthday: 张伟", "a1", "张伟") == "Birthday: 张伟"
    assert svc.named_title("Bring A1 water", "A1", "A1") == "Bring A1 water"  # no name yet
    assert svc.named_title("Patrol the floor", None, None) == "Patrol the floor"
    # The name is data: a backslash or group reference in it is not a pattern.
    assert svc.named_title("Bring A1 water", "A1", r"\1 [b]x[/b]") == r"Bring \1 [b]x[/b] water"
    assert svc.agent_label("A1", "王芳") == "王芳 (A1)"
    assert svc.agent_label("A1", "A1") == "A1"


def test_reminders_read_the_agents_name_now(ctx: AppContext, engine) -> None:
    _water_for_a0042(engine, ctx)
    view = svc.open_reminders(engine, actor="lead.t1", now=ctx.clock.now())
    water = [r for r in view.due if r.agent_id == "A0042"]
    assert [(r.title, r.agent_label) for r in water] == [
        ("Bring 王芳 a glass of water after a long call", "王芳 (A0042)")
    ]
    svc.done(engine, water[0].id, actor="lead.t1", now=ctx.clock.now(), note="water given")
    with engine.connect() as conn:
        detail = conn.execute(
            select(AuditEntry.detail).where(AuditEntry.action == "reminder.done")
        ).scalar_one()
    assert detail == "Bring 王芳 a glass of water after a long call: water given"


def test_f_on_an_agents_reminder_preselects_the_agent(ctx: AppContext, engine) -> None:
    _water_for_a0042(engine, ctx)
    with write_tx(engine) as conn:  # a teammate whose name looks like markup
        conn.execute(insert(Agent).values(id="a9", name="[@click=app.quit]Mo", team_id="t1"))

    async def run() -> None:
        screen = RemindersScreen(ctx, "lead.t1", poll_interval=0.1)
        app = ScreenHost(screen)
        async with app.run_test(size=(100, 30), notifications=True) as pilot:
            panel = screen.panel
            table = panel.query_one(DataTable)
            await until(pilot, lambda: table.row_count == 2, "the patrol and the water")
            rows = cell_texts(table)
            water = next(i for i, row in enumerate(rows) if "water" in row[2])
            assert rows[water][2] == "Bring 王芳 a glass of water after a long call"
            assert not any("A0042" in cell for row in rows for cell in row)
            table.focus()
            table.move_cursor(row=water)
            await pilot.press("f")
            await until(pilot, lambda: isinstance(app.screen, ChoiceDialog), "the agent choice")
            dialog = app.screen
            assert "王芳 (A0042)" in _statics(dialog)  # the prompt says who enter takes
            labels = _option_labels(dialog)
            assert "王芳 (A0042)" in labels and "[@click=app.quit]Mo (a9)" in labels
            ol = dialog.query_one(OptionList)
            assert labels[ol.highlighted] == "王芳 (A0042)"
            await pilot.press("enter")  # the preselected agent: no searching the list
            await until(pilot, lambda: isinstance(app.screen, NoteDialog), "the note")
            assert "What did you see (王芳 (A0042))?" in _statics(app.screen)
            await pilot.press(*"shaking", "enter")
            await until(pilot, lambda: table.row_count == 1, "the water reminder to go")
            await until(
                pilot, lambda: any("王芳" in n for n in app.shown_notices()), "the confirmation"
            )
            assert "done, flag raised on 王芳 (A0042)" in app.shown_notices()
            assert app.is_running  # the markup-looking name did not run app.quit

        with engine.connect() as conn:
            flag = conn.execute(
                select(Flag.id, Flag.agent_id, Flag.kind, Flag.detail, Flag.raised_by)
            ).one()
            status = conn.execute(
                select(Reminder.status).where(Reminder.agent_id == "A0042")
            ).scalar_one()
            audit = conn.execute(
                select(
                    AuditEntry.actor,
                    AuditEntry.action,
                    AuditEntry.target_kind,
                    AuditEntry.target_id,
                    AuditEntry.detail,
                ).where(AuditEntry.action.like("flag.%"))
            ).all()
        assert (*flag[1:3], render(flag[3]), flag[4]) == (
            "A0042",
            "observed",
            "reminder: shaking",
            "lead.t1",
        )
        assert status == "done"
        assert [(*a[:4], render(a[4])) for a in audit] == [
            ("lead.t1", "flag.raise", "flag", str(flag[0]), "A0042: reminder: shaking")
        ]

    asyncio.run(run())


def test_f_on_a_team_patrol_opens_the_choice_with_nobody_preselected(
    ctx: AppContext, engine
) -> None:
    seed_floor(engine)
    load_test_plan(engine, ctx.clock.now())
    host = SchedulerHost(
        engine, Settings(), ctx.clock, holder_id="other-console", use_apscheduler=False
    )

    async def run() -> None:
        screen = RemindersScreen(ctx, "lead.t1", poll_interval=0.1)
        app = ScreenHost(screen)
        async with app.run_test(size=(100, 30), notifications=True) as pilot:
            table = screen.panel.query_one(DataTable)
            host.step()
            await until(pilot, lambda: table.row_count == 1, "the patrol")
            table.focus()
            await pilot.press("f")
            await until(pilot, lambda: isinstance(app.screen, ChoiceDialog), "the agent choice")
            dialog = app.screen
            prompt = _statics(dialog)
            assert "Raise a flag on which agent?" in prompt and "enter:" not in prompt
            # Team t1's agents in pinyin order, as on the board (张伟 is Zhang Wei: before
            # Zhao, not after every Latin name); the supervisor picks one.
            assert _option_labels(dialog) == [
                "Li Na (a2)",
                "Wang Fang (a3)",
                "张伟 (a1)",
                "Zhao Lei (a4)",
            ]
            await pilot.press("down", "down", "enter")  # the third from the top
            await until(pilot, lambda: isinstance(app.screen, NoteDialog), "the note")
            picked = _statics(app.screen)
            await pilot.press(*"crying", "enter")
            await until(pilot, lambda: table.row_count == 0, "the patrol to be done")
        with engine.connect() as conn:
            flag = conn.execute(select(Flag.agent_id, Flag.detail)).one()
            actions = (
                conn.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars().all()
            )
        assert "What did you see (张伟 (a1))?" in picked
        assert (flag[0], render(flag[1])) == ("a1", "patrol: crying")  # the agent named
        assert actions[-2:] == ["reminder.done", "flag.raise"]

    asyncio.run(run())
