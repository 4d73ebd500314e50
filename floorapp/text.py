"""Text from outside (feed, roster, notes) is data: strip what a terminal would execute."""

from __future__ import annotations

import re

# C0 controls except tab/newline, DEL, and C1 controls (0x80-0x9f): ESC, CSI, OSC, BEL...
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean(value: str | None, *, multiline: bool = False) -> str | None:
    """Replace control characters with U+FFFD so an escape sequence is shown, never obeyed.

    Applied before anything is stored, so every reader (console, CLI, export) is safe.
    Markup is a separate matter: screens render stored text with ``rich.text.Text``
    or ``markup=False``, never as markup.
    """
    if value is None:
        return None
    pattern = _CONTROL if multiline else _CONTROL_ONE_LINE
    return pattern.sub("\ufffd", value)
