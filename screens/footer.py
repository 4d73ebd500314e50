"""A footer that never cuts a key in half: keys that do not fit the width are left out whole.

Textual's footer lays its keys out in one row and crops whatever passes the right edge (at 80
columns the last key read "q Qui"). This one measures the keys before mounting them and,
while they do not fit, leaves out the least important: Quit first (``q`` works everywhere
and every key is in ``?`` help and the ctrl+p palette), then the view's keys from the right,
since each view lists its keys most used first. Help is never left out: it is the way to the rest.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.events import Resize
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from floorapp.i18n import N_, _

# Textual's own palette key, in the catalog so it reads in the console's language.
PALETTE = N_("palette")

# Actions left out first, in this order, before any view key.
FIRST_TO_GO = ("quit",)
# Actions never left out.
PINNED = ("help",)


def key_width(key: FooterKey, *, compact: bool, palette: bool = False) -> int:
    """Columns the key takes in the footer row, margins and borders included."""
    text = cell_len(key.key_display) + (1 + cell_len(key.description) if key.description else 0)
    if palette:  # docked right behind a one-column border; padded right unless compact
        return text + (2 if compact else 4)
    # compact: one column of margin after the key; otherwise one of padding on each side
    # of the key and one after the description.
    return text + (1 if compact else 2)


def fitting(keys: list[FooterKey], width: int, *, compact: bool) -> list[FooterKey]:
    """The keys to show, in their order, so that all fit in ``width`` columns."""
    shown = list(keys)
    order = [k for a in FIRST_TO_GO for k in shown if k.action == a]
    order += [k for k in reversed(shown) if k.action not in FIRST_TO_GO + PINNED]
    used = sum(key_width(k, compact=compact) for k in shown)
    for key in order:
        if used <= width:
            break
        shown.remove(key)
        used -= key_width(key, compact=compact)
    return shown


class FloorFooter(Footer):
    """The console's footer: whole keys only, the important ones first to stay."""

    def __init__(self, *, compact: bool = True, **kwargs: Any) -> None:
        super().__init__(compact=compact, **kwargs)
        self._composed_width = 0

    def compose(self) -> ComposeResult:
        widgets = list(super().compose())
        # Bindings carry their words marked, not translated: translated here, so a language
        # switch shows in the footer at its next recompose.
        for w in widgets:
            if isinstance(w, FooterKey):
                w.description = _(w.description) if w.description else w.description
                if isinstance(w.tooltip, str) and w.tooltip:
                    w.tooltip = _(w.tooltip)
        width = self.size.width or self.app.size.width
        self._composed_width = width
        footer_keys = [w for w in widgets if isinstance(w, FooterKey)]
        if len(footer_keys) != len(widgets):
            yield from widgets  # binding groups (none in floorapp): laid out as Textual does
            return
        keys: list[FooterKey] = []
        for w in footer_keys:
            if w.has_class("-command-palette"):
                width -= key_width(w, compact=self.compact, palette=True)
            else:
                keys.append(w)
        shown = set(map(id, fitting(keys, width, compact=self.compact)))
        yield from (w for w in widgets if w.has_class("-command-palette") or id(w) in shown)

    def on_resize(self, event: Resize) -> None:
        if event.size.width != self._composed_width and self._bindings_ready:
            self.call_after_refresh(self.recompose)
