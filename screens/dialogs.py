"""Modal dialogs: a note, a choice, a confirmation. All open and close from the keyboard.

Titles and choices may hold outside text (agent names, reasons), so they are shown as Text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option


class _Dialog(ModalScreen[object]):
    BINDINGS: ClassVar[list[Binding]] = [Binding("escape", "cancel", "Cancel")]  # type: ignore[assignment]
    DEFAULT_CSS = """
    _Dialog { align: center middle; }
    _Dialog > Vertical {
        width: 70; max-width: 95%; height: auto; max-height: 90%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    _Dialog .hint { color: $text-muted; }
    _Dialog OptionList { height: auto; max-height: 16; }
    """

    def action_cancel(self) -> None:
        self.dismiss(None)


class NoteDialog(_Dialog):
    """Asks for one line of text. Enter saves; Escape cancels. ``required`` refuses empty text."""

    def __init__(self, title: str, *, placeholder: str = "", required: bool = True,
                 value: str = "") -> None:
        super().__init__()
        self._prompt = title
        self._placeholder = placeholder
        self._required = required
        self._value = value

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self._prompt, style="bold"))
            yield Input(value=self._value, placeholder=self._placeholder, id="note")
            hint = "enter: save   escape: cancel"
            if not self._required:
                hint += "   (may be left empty)"
            yield Label(hint, classes="hint", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if self._required and not text:
            self.notify("Write something first, or press escape to cancel.", severity="warning",
                        markup=False)
            return
        self.dismiss(text)


class ChoiceDialog(_Dialog):
    """Pick one of several options with the arrow keys and Enter (or its number key)."""

    def __init__(self, title: str, choices: Sequence[tuple[str, str]]) -> None:
        """``choices`` are (value, label) pairs; the label may be outside text."""
        super().__init__()
        self._prompt = title
        self._choices = list(choices)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self._prompt, style="bold"))
            options = []
            for n, (value, label) in enumerate(self._choices, start=1):
                prefix = f"{n} " if n <= 9 else "  "
                options.append(Option(Text(prefix) + Text(label), id=value))
            yield OptionList(*options, id="choices")
            yield Label("↑↓ + enter, or the number: choose   escape: cancel", classes="hint",
                        markup=False)

    def on_key(self, event: object) -> None:
        key = getattr(event, "key", "")
        if len(key) == 1 and key.isdigit() and key != "0":
            idx = int(key) - 1
            if idx < len(self._choices):
                getattr(event, "stop", lambda: None)()
                self.dismiss(self._choices[idx][0])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)


class ConfirmDialog(_Dialog):
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("y,enter", "confirm", "Yes"),
        Binding("n,escape", "cancel", "No"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self._question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self._question))
            yield Label("y / enter: yes    n / escape: no", classes="hint", markup=False)

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
