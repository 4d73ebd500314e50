"""Text from outside (feed, roster, notes) is data: strip what a terminal would execute.

``clean`` runs before anything is stored; ``shown`` runs on everything the CLI prints
(``say``), whatever its origin, so a value that reached the store some other way (an old
row, a file read at print time, a name typed on the command line) is still shown, never
obeyed.
"""

from __future__ import annotations

import re
import sys
from typing import TextIO

from rich.text import Text

# Bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069): they reorder what is
# drawn after them, so "gpj.exe" can show as "exe.jpg".
_BIDI = "\u202a-\u202e\u2066-\u2069"
# Lone surrogates are not Unicode at all, and no UTF-8 store accepts them.
_INERT = _BIDI + "\ud800-\udfff"
# C0 controls except tab/newline, DEL, and C1 controls (0x80-0x9f): ESC, CSI, OSC, BEL...
_CONTROL = re.compile(rf"[\x00-\x08\x0b-\x1f\x7f-\x9f{_INERT}]")
_CONTROL_ONE_LINE = re.compile(rf"[\x00-\x1f\x7f-\x9f{_INERT}]")
# For output: as _CONTROL, but a CR that ends a line (CSV's CRLF) is a line break too.
_SHOWN = re.compile(rf"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_INERT}]|\r(?!\n)")
REPLACEMENT = "\ufffd"


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
    return pattern.sub(REPLACEMENT, value)


def shown(value: object) -> str:
    """Any value as text safe to put on a terminal: line breaks and tabs kept, every other
    control character and bidirectional override replaced."""
    return _SHOWN.sub(REPLACEMENT, "" if value is None else str(value))


def say(
    *values: object, err: bool = False, sep: str = " ", end: str = "\n", file: TextIO | None = None
) -> None:
    """The CLI's one way to print: every value passes through ``shown``."""
    out = file if file is not None else (sys.stderr if err else sys.stdout)
    try:
        out.write(shown(sep.join(str(v) for v in values)) + end)
        out.flush()
    except BrokenPipeError:  # `floorapp ... | head` is fine
        pass


def cell(value: object, style: str = "") -> Text:
    """A literal table cell for rich: never markup, never an escape sequence."""
    return Text(shown(value), style=style)
