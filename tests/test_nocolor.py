"""Under NO_COLOR every line stays readable: text that differed from its ground only in hue
is made white or black against that ground, instead of the same grey."""

from __future__ import annotations

import pytest
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.filter import Monochrome

from floorapp.context import AppContext
from screens.app import FloorApp
from screens.nocolor import MIN_CONTRAST, ReadableMonochrome

DARK = Color(30, 30, 30)


def grey(style: Style | None, which: str) -> Color:
    assert style is not None
    c = getattr(style, which)
    assert c is not None
    return Color.from_rich_color(c)


def test_red_on_a_dark_ground_becomes_readable() -> None:
    red = Segment("17:07!", Style(color="#a01010", bgcolor="#202020", bold=True))
    [textual_grey] = Monochrome().apply([red], DARK)
    [ours] = ReadableMonochrome().apply([red], DARK)
    before = abs(
        grey(textual_grey.style, "color").brightness
        - grey(textual_grey.style, "bgcolor").brightness
    )
    after = abs(grey(ours.style, "color").brightness - grey(ours.style, "bgcolor").brightness)
    assert before < MIN_CONTRAST <= after  # textual's grey was unreadable; ours is not
    assert ours.style is not None and ours.style.bold and ours.text == "17:07!"


def test_text_already_readable_keeps_its_grey() -> None:
    light = Segment("王芳", Style(color="#e0e0e0"))
    [ours] = ReadableMonochrome().apply([light], DARK)
    assert grey(ours.style, "color") == Color(224, 224, 224)


def test_the_console_uses_it_under_no_color(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    filters = FloorApp(ctx, actor="lead.wang")._filters
    assert any(isinstance(f, ReadableMonochrome) for f in filters)
    assert not any(type(f) is Monochrome for f in filters)
