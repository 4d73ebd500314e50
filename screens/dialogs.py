"""Modal dialogs: a note, a choice, a note with a choice, a confirmation. All keyboard-only.

Titles and choices may hold outside text (agent names, reasons), so they are shown as Text,
through the one cleaner (``floorapp.text.shown``): never markup, never an escape sequence.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from floorapp.i18n import MARKS, _
from floorapp.text import shown
from screens.actions import bindings
from screens.cells import Wrapped


class NoteInput(Input):
    """A one-line text box that takes a pasted block whole, its lines joined by spaces
    (Textual's keeps the first line and drops the rest without a word)."""

    def _on_paste(self, event: events.Paste) -> None:
        text = " ".join(line.strip() for line in event.text.splitlines() if line.strip())
        if text:
            if self.selection.is_empty:
                self.insert_text_at_cursor(text)
            else:
                self.replace(text, *self.selection)
        event.prevent_default()  # not Input's own paste as well
        event.stop()


class _Dialog(ModalScreen[object]):
    SCOPE = "dialog"
    BINDINGS: ClassVar[list[BindingType]] = bindings("dialog")
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

    def __init__(
        self,
        title: str,
        *,
        placeholder: str = "",
        required: bool = True,
        value: str = "",
        hint: str | None = None,
    ) -> None:
        super().__init__()
        self._hint = hint  # the keys' words, where Enter does something other than save
        self._prompt = title
        self._placeholder = placeholder
        self._required = required
        self._value = value

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Wrapped(Text(shown(self._prompt), style="bold")))
            yield NoteInput(value=self._value, placeholder=self._placeholder, id="note")
            hint = self._hint or _("enter: save   escape: cancel")
            if not self._required and self._hint is None:
                hint += _("   (may be left empty)")
            yield Label(hint, classes="hint", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if self._required and not text:
            self.notify(
                _("Write something first, or press escape to cancel."),
                severity="warning",
                markup=False,
            )
            return
        self.dismiss(text)


class ChoiceDialog(_Dialog):
    """Pick one of several options with the arrow keys and Enter (or its number key)."""

    def __init__(
        self, title: str, choices: Sequence[tuple[str, str]], *, selected: str | None = None
    ) -> None:
        """``choices`` are (value, label) pairs; the label may be outside text.
        ``selected`` is the value highlighted on opening, so Enter takes it."""
        super().__init__()
        self._prompt = title
        self._choices = list(choices)
        self._selected = selected

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Wrapped(Text(shown(self._prompt), style="bold")))
            options = []
            for n, (value, label) in enumerate(self._choices, start=1):
                prefix = f"{n} " if n <= 9 else "  "
                options.append(Option(Text(prefix) + Text(shown(label)), id=value))
            yield OptionList(*options, id="choices")
            yield Label(
                _("↑↓ + enter, or the number: choose   escape: cancel"),
                classes="hint",
                markup=False,
            )

    def on_mount(self) -> None:
        values = [value for value, _ in self._choices]
        if self._selected in values:
            self.query_one("#choices", OptionList).highlighted = values.index(self._selected)

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


class ChoiceNoteDialog(_Dialog):
    """One line of text and one of a few options. The text box keeps the focus (digits and
    letters are the text); up and down move the option, Enter saves both, Escape cancels.

    Dismisses with ``(option value, text)``, or None when cancelled.
    """

    SCOPE = "choice_note"
    BINDINGS: ClassVar[list[BindingType]] = bindings("choice_note")

    def __init__(
        self,
        title: str,
        choices: Sequence[tuple[str, str]],
        *,
        choosing: str,
        default: int = 0,
        placeholder: str = "",
    ) -> None:
        """``choosing`` names what the options are ("tier"); ``default`` is the index
        highlighted when the dialog opens."""
        super().__init__()
        self._prompt = title
        self._choices = list(choices)
        self._choosing = choosing
        self._current = default
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Wrapped(Text(shown(self._prompt), style="bold")))
            options = OptionList(
                *[
                    Option(self._prompt_for(i), id=value)
                    for i, (value, _label) in enumerate(self._choices)
                ],
                id="choices",
            )
            # Up and down reach the list from the text box; focus never leaves the text.
            options.can_focus = False
            options.highlighted = self._current
            yield options
            yield NoteInput(placeholder=self._placeholder, id="note")
            yield Label(
                _("↑↓: {choosing}   enter: save   escape: cancel").format(choosing=self._choosing),
                classes="hint",
                markup=False,
            )

    def _prompt_for(self, index: int) -> Text:
        # A marker, not only the highlight's colour: the list never has the focus, so its
        # highlight is faint, and under NO_COLOR it would not show at all.
        marker = MARKS.pointer if index == self._current else "  "
        return Text(marker) + Text(shown(self._choices[index][1]))

    @property
    def chosen(self) -> str:
        return self._choices[self._current][0]

    def action_move(self, step: int) -> None:
        options = self.query_one("#choices", OptionList)
        before = self._current
        self._current = max(0, min(len(self._choices) - 1, before + step))
        for index in {before, self._current}:
            options.replace_option_prompt_at_index(index, self._prompt_for(index))
        options.highlighted = self._current

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self.notify(
                _("Write something first, or press escape to cancel."),
                severity="warning",
                markup=False,
            )
            return
        self.dismiss((self.chosen, text))


class ConfirmDialog(_Dialog):
    SCOPE = "confirm"
    BINDINGS: ClassVar[list[BindingType]] = bindings("confirm")

    def __init__(self, question: str) -> None:
        super().__init__()
        self._question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Wrapped(Text(shown(self._question))))
            yield Label(_("y / enter: yes    n / escape: no"), classes="hint", markup=False)

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
