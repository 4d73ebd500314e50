"""Text from outside (feed, roster, notes) is data: strip what a terminal would execute."""

from __future__ import annotations

import re

# C0 controls except tab/newline, DEL, and C1 controls (0x80-0x9f): ESC, CSI, OSC, BEL...
# Also the bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), which
# make a terminal show text in another order than it is stored ("Trojan Source"), and
# lone surrogates, which are not Unicode at all and which no UTF-8 store accepts.
_INERT = r"\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f" + _INERT + "]")
_CONTROL_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f" + _INERT + "]")


def clean(value: str | None, *, multiline: bool = False) -> str | None:
    """Replace control characters with U+FFFD so an escape sequence is shown, never obeyed.

    Bidi overrides and lone surrogates are replaced the same way.

    Applied before anything is stored, so every reader (console, CLI, export) is safe.
    Markup is a separate matter: screens render stored text with ``rich.text.Text``
    or ``markup=False``, never as markup.
    """
    if value is None:
        return None
    pattern = _CONTROL if multiline else _CONTROL_ONE_LINE
    return pattern.sub("\ufffd", value)
