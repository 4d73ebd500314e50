"""NO_COLOR that stays readable.

Textual honours NO_COLOR by greying every colour by its brightness. Text and ground that
differ only in hue then come out the same grey: red on the dark panel, the reminders' overdue
rows, a warning on a tinted row all turned dark grey on dark grey. This filter greys the same
way but, where text and its ground end up too close, makes the text white or black, whichever
reads against that ground. Bold, reverse and underline are kept, as are the greys of grounds
(the cursor row still shows).
"""

from __future__ import annotations

from functools import lru_cache

from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.filter import LineFilter

# Greys closer than this (on textual's 0..1 brightness) are hard to tell apart on a terminal.
MIN_CONTRAST = 0.4
_WHITE, _BLACK = Color(255, 255, 255), Color(0, 0, 0)


@lru_cache(4096)
def readable_style(style: Style, background: Color) -> Style:
    ground = (
        Color.from_rich_color(style.bgcolor).monochrome
        if style.bgcolor is not None
        else background.monochrome
    )
    text = Color.from_rich_color(style.color).monochrome if style.color is not None else None
    if text is not None and abs(text.brightness - ground.brightness) < MIN_CONTRAST:
        text = _WHITE if ground.brightness < 0.5 else _BLACK
    return style + Style.from_color(
        None if text is None else text.rich_color,
        None if style.bgcolor is None else ground.rich_color,
    )


class ReadableMonochrome(LineFilter):
    """Monochrome, with text kept readable against its ground."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [
            Segment(text, readable_style(style, background) if style else style, None)
            for text, style, _ in segments
        ]
