"""Helpers for the console's pilot tests: read the screen as text, wait for the refresh."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from rich.text import Text
from sqlalchemy import Connection, Engine, insert, update
from textual import events
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable

from db.engine import run_write
from db.models import (
    Agent,
    Call,
    Escalation,
    Flag,
    Supervisor,
    SupervisorTeam,
    Team,
)
from floorapp.context import AppContext
from screens.notices import ReplacingNotices


def sync(fn: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async pilot test on its own event loop (no asyncio plugin needed)."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(fn(*args, **kwargs))

    return run


class ScreenHost(ReplacingNotices):
    """A bare app that shows one screen (a panel tested on its own); counts its bells and
    lists its notices (``shown_notices()``) as the console does."""

    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self._screen = screen
        self.bells = 0

    def on_mount(self) -> None:
        self.push_screen(self._screen)

    def bell(self) -> None:
        self.bells += 1


def cell_texts(table: DataTable[Any]) -> list[list[str]]:
    """A DataTable's cells as the plain text a supervisor reads."""
    return [
        [c.plain if isinstance(c, Text) else str(c) for c in table.get_row_at(i)]
        for i in range(table.row_count)
    ]


@asynccontextmanager
async def console(
    ctx: AppContext,
    actor: str = "lead.wang",
    size: tuple[int, int] = (100, 30),
    team: str | None = None,
) -> AsyncIterator[tuple[Any, Pilot[None]]]:
    """A console on ``ctx``'s floor, loaded, refreshing five times a second."""
    from screens.app import FloorApp

    app = FloorApp(ctx, team=team, actor=actor, poll_interval=0.2)
    async with app.run_test(size=size, notifications=True) as pilot:
        await until(pilot, lambda: app.loaded and app.board.row_count > 0, "the first load")
        await pilot.pause()
        yield app, pilot


def row_strip(table: Any, key: str) -> Any:
    """The line a table draws for row ``key`` (Textual's Line API), as on screen now."""
    return table.render_line(table.get_row_index(key) - int(table.scroll_y) + 1)


async def burst(pilot: Pilot[None], *keys: str) -> None:
    """Send ``keys`` in one burst, as tmux send-keys or a paste over SSH delivers them:
    each key reaches the app before the one before it is handled (``pilot.press`` waits
    for the app to go idle after every key). Then wait until the burst is handled."""
    app = pilot.app
    for key in keys:
        name, char = _NAMED.get(key, (key, key if len(key) == 1 else None))
        app.post_message(events.Key(name, char))
    await pilot.pause()


# Keys typed as their character, by Textual's name for them.
_NAMED = {
    "/": ("slash", "/"),
    "?": ("question_mark", "?"),
    "*": ("asterisk", "*"),
    "space": ("space", " "),
}


async def type_text(pilot: Pilot[None], text: str) -> None:
    for ch in text:
        await pilot.press("space" if ch == " " else ch)


def screen_text(app: object) -> str:
    """What a supervisor would read on the terminal right now (no colours).

    Textual 8.2 has no public call for the screen as text (only an SVG screenshot): this is
    the one place a test reads its compositor; the pinned version (constraints.txt) keeps
    it stable, and a Textual that moves it breaks this helper, not every test."""
    strips = app.screen._compositor.render_strips()  # type: ignore[attr-defined]
    return "\n".join(strip.text for strip in strips)


async def until(
    pilot: Pilot[Any], cond: Callable[[], object], what: str = "condition", tries: int = 600
) -> None:
    """Let the app run until ``cond()`` holds (workers, timers); fail naming what never came."""
    for _ in range(tries):
        if cond():
            return
        await pilot.pause(0.03)
    raise AssertionError(f"timed out waiting for {what}\n{screen_text(pilot.app)}")


async def settle(pilot: Pilot[Any]) -> None:
    """Wait for running action workers and the next refresh to land on screen."""
    app = pilot.app
    await app.workers.wait_for_complete()
    polls = app.polls  # type: ignore[attr-defined]
    app.poll_now()  # type: ignore[attr-defined]
    await until(pilot, lambda: app.polls > polls, "a refresh")  # type: ignore[attr-defined]
    await pilot.pause()


# --- a small floor, written the way the feed and the roster would leave it ----------------

INJECTION = "[@click=app.quit]x[/] [bold red]boom"


def make_floor(engine: Engine, now: datetime) -> None:
    """Two teams, seven agents in every state, four supervisors, one open flag, two escalations."""

    def ago(**kw: float) -> datetime:
        return now - timedelta(**kw)

    def tx(c: Connection) -> None:
        c.execute(insert(Team), [{"id": "T1", "name": "mobile"}, {"id": "T2", "name": "billing"}])
        agents = [
            ("1001", "王芳", "T1", "on_call", ago(minutes=22), "C1"),
            ("1002", "李娜", "T1", "after_call", ago(minutes=3), None),
            ("1003", "Anna Smith", "T1", "available", ago(minutes=1), None),
            ("1004", INJECTION, "T2", "on_call", ago(minutes=2), "C2"),
            ("1005", "欧阳静", "T2", "break", ago(minutes=7), None),
            ("1006", "张伟", "T2", "offline", ago(hours=1), None),
            ("1007", "陈杰", "T1", "on_call", ago(minutes=5), "C3"),
        ]
        for aid, name, team, state, since, call in agents:
            c.execute(
                insert(Agent).values(
                    id=aid,
                    name=name,
                    team_id=team,
                    state=state,
                    state_since=since,
                    current_call_id=call,
                    state_reason="lunch" if state == "break" else None,
                    updated_at=since,
                )
            )
        for cid, aid, started in (("C1", "1001", 22), ("C2", "1004", 2), ("C3", "1007", 5)):
            c.execute(
                insert(Call).values(
                    id=cid,
                    agent_id=aid,
                    customer_id=f"cust-{cid}",
                    offered_at=ago(minutes=started, seconds=10),
                    answered_at=ago(minutes=started),
                    outcome="in_progress",
                )
            )
        c.execute(
            insert(Call).values(
                id="C0",
                agent_id="1002",
                offered_at=ago(minutes=30),
                answered_at=ago(minutes=30),
                ended_at=ago(minutes=3),
                outcome="completed",
                complaint=True,
            )
        )
        c.execute(
            insert(Supervisor),
            [
                {"id": "lead.wang", "name": "王班长", "role": "team_leader", "active": True},
                {"id": "lead.li", "name": "李班长", "role": "team_leader", "active": True},
                {"id": "fm.zhou", "name": "周建华", "role": "floor_manager", "active": True},
                {"id": "lead.zhao", "name": "赵班长", "role": "team_leader", "active": True},
            ],
        )
        # Wang and Li share both teams (so they can race for the same escalation); Zhao
        # leads T2 alone (the scope tests).
        c.execute(
            insert(SupervisorTeam),
            [
                {"supervisor_id": "lead.wang", "team_id": "T1"},
                {"supervisor_id": "lead.wang", "team_id": "T2"},
                {"supervisor_id": "lead.li", "team_id": "T1"},
                {"supervisor_id": "lead.li", "team_id": "T2"},
                {"supervisor_id": "lead.zhao", "team_id": "T2"},
            ],
        )
        c.execute(
            insert(Flag).values(
                agent_id="1001",
                kind="long_call",
                severity="high",
                status="raised",
                open_key="1001|long_call",
                detail="call over 20 minutes",
                raised_at=ago(minutes=2),
                raised_by="rule",
                last_seen=ago(minutes=1),
                updated_at=ago(minutes=2),
            )
        )
        c.execute(
            insert(Escalation),
            [
                dict(
                    agent_id="1001",
                    team_id="T1",
                    call_id="C1",
                    tier=1,
                    severity="high",
                    reason="customer refused three explanations",
                    status="open",
                    opened_at=ago(minutes=10),
                    opened_by="1001",
                    deadline=ago(minutes=-5),
                    handoffs=0,
                    updated_at=ago(minutes=10),
                ),
                dict(
                    agent_id="1004",
                    team_id="T2",
                    call_id="C2",
                    tier=2,
                    severity="medium",
                    reason=INJECTION,
                    status="open",
                    opened_at=ago(minutes=70),
                    opened_by="1004",
                    deadline=ago(minutes=10),
                    handoffs=1,
                    updated_at=ago(minutes=70),
                ),
            ],
        )

    run_write(engine, tx)


def set_handoffs(engine: Engine, esc_id: int, n: int, tier: int = 1) -> None:
    run_write(
        engine,
        lambda c: c.execute(
            update(Escalation).where(Escalation.id == esc_id).values(handoffs=n, tier=tier)
        ),
    )
