"""The `?` screen: every key of every view, from the action registry (never stale)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from floorapp import i18n
from floorapp.i18n import N_, _
from screens.actions import bindings, help_sections, key_names

KEY_COLUMN = 16  # "  " + the keys, padded: where every description starts


def _entry(keys: str, words: str, width: int | None) -> Text:
    """One key's line; a description too long for ``width`` wraps under itself, not under
    the keys (a supervisor scans the key column)."""
    out = Text()
    out.append(f"  {keys:<14}", style="bold")
    if width is None or width <= KEY_COLUMN + 10:
        return out.append(f"{words}\n")
    lines = i18n.wrap(words, width - KEY_COLUMN) or [""]
    out.append(lines[0] + "\n")
    for line in lines[1:]:
        out.append(" " * KEY_COLUMN + line + "\n")
    return out


def help_text(width: int | None = None) -> Text:
    """Every key, by view (screens/actions.py). With ``width`` (the columns the text has),
    long lines wrap with a hanging indent."""
    out = Text()
    for title, keyed in help_sections():
        out.append(f"{_(title)}\n", style="bold underline")
        for action in keyed:
            out.append_text(_entry(key_names(action.keys), _(action.words), width))
        out.append("\n")
    for note in NOTES:
        text = _(note)
        out.append("\n".join(i18n.wrap(text, width)) if width else text)
        out.append("\n")
    return out


NOTES = (
    N_("Every action is also in the command palette: ctrl+p, then type."),
    N_(
        "Escalating by hand (e): choose the severity, then ↑↓ the tier (1 basic service by "
        "default, 2 specialists, 3 complaint desk) while you write the reason."
    ),
    N_("States read as words: available, on call, after-call, break, offline."),
    N_("A flag marker in reverse video (and NEW) has not been acknowledged yet."),
    N_(
        "On a narrow terminal the footer shows the keys that fit (Help always); the rest are "
        "all here."
    ),
    N_(
        "L switches the console between English and Chinese; / finds agents by pinyin too "
        "(hcy, huchunyan, hu) and the board sorts names in pinyin order."
    ),
)


class HelpScreen(ModalScreen[None]):
    SCOPE = "help"
    BINDINGS: ClassVar[list[BindingType]] = bindings("help")
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 76; max-width: 100%; height: 90%; border: thick $accent;
        background: $surface; padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(id="help-body")

    def on_mount(self) -> None:
        self.call_after_refresh(self._fill)

    def on_resize(self) -> None:
        self._fill()

    def _fill(self) -> None:
        """Lay the text out for the columns it has (wraps hang under the descriptions)."""
        box = self.query_one(VerticalScroll)
        width = box.scrollable_content_region.width
        self.query_one("#help-body", Static).update(help_text(width))

    def action_close(self) -> None:
        self.dismiss(None)
