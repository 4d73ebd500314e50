"""The board reader reads the whole floor again when asked (a console that lost a delta,
or whose rows were worded in another language), and an ask survives a poll that failed."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from floorapp.context import AppContext
from floorapp.services.board import BoardReader
from tests.console_helpers import make_floor


def test_read_all_next_makes_the_next_poll_full_once(ctx: AppContext, engine: Engine) -> None:
    make_floor(engine, ctx.clock.now())
    reader = BoardReader(ctx.engine, settings=ctx.settings, actor="lead.wang")
    assert reader.poll(now=ctx.clock.now()).full
    assert not reader.poll(now=ctx.clock.now()).full
    reader.read_all_next()
    again = reader.poll(now=ctx.clock.now())
    assert again.full and len(again.agents) == 7 and len(again.flags) == 1
    assert len(again.escalations) == 2
    assert not reader.poll(now=ctx.clock.now()).full


def test_an_ask_stands_through_a_poll_that_failed(
    ctx: AppContext, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_floor(engine, ctx.clock.now())
    reader = BoardReader(ctx.engine, settings=ctx.settings, actor="lead.wang")
    reader.poll(now=ctx.clock.now())
    reader.read_all_next()
    real = reader._figures

    def broken(*args: object) -> object:
        raise RuntimeError("the store went away")

    monkeypatch.setattr(reader, "_figures", broken)
    with pytest.raises(RuntimeError):
        reader.poll(now=ctx.clock.now())
    monkeypatch.setattr(reader, "_figures", real)
    after = reader.poll(now=ctx.clock.now())
    assert after.full and len(after.agents) == 7
