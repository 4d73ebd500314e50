"""The `?` screen: every key of every view, built from the bindings themselves (never stale)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from screens.board import AgentBoard
from screens.detail import AgentDetailScreen, EscalationDetailScreen
from screens.flags import FlagTable
from screens.measures import MeasuresScreen
from screens.period import PeriodPanel
from screens.queues import QueueTable
from screens.reminders import RemindersPanel
from screens.sensitive import SensitiveRosterScreen


def _keys(binding: Binding) -> str:
    out = []
    for k in binding.key.split(","):
        k = k.strip()
        out.append({"slash": "/", "question_mark": "?", "escape": "esc"}.get(k, k))
    return " / ".join(out)


def help_text(app_bindings: list[Binding]) -> Text:
    sections: list[tuple[str, list[Binding]]] = [
        ("Everywhere", app_bindings),
        ("Agent board", AgentBoard.BINDINGS),  # type: ignore[list-item]
        ("Distress flags", FlagTable.BINDINGS),  # type: ignore[list-item]
        ("Escalation queues", QueueTable.BINDINGS),  # type: ignore[list-item]
        ("Reminders (7)", RemindersPanel.BINDINGS),  # type: ignore[list-item]
        ("Guarantee period (8)", PeriodPanel.BINDINGS),  # type: ignore[list-item]
        ("Sensitive customers (S)", SensitiveRosterScreen.BINDINGS),  # type: ignore[list-item]
        ("Flag measures (M)", MeasuresScreen.BINDINGS),  # type: ignore[list-item]
        ("Agent detail", AgentDetailScreen.BINDINGS),
        ("Escalation history", EscalationDetailScreen.BINDINGS),
    ]
    out = Text()
    for title, bindings in sections:
        out.append(f"{title}\n", style="bold underline")
        for b in bindings:
            out.append(f"  {_keys(b):<14}", style="bold")
            out.append(f"{b.tooltip or b.description or b.action}\n")
        out.append("\n")
    out.append("Every action is also in the command palette: ctrl+p, then type.\n")
    out.append("States read as words: available, on call, after-call, break, offline.\n")
    out.append("A flag marker in reverse video (and NEW) has not been acknowledged yet.\n")
    return out


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("escape,q,question_mark", "close", "Close"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 76; max-width: 100%; height: 90%; border: thick $accent;
        background: $surface; padding: 0 1;
    }
    """

    def __init__(self, app_bindings: list[Binding]) -> None:
        super().__init__()
        self._app_bindings = app_bindings

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(help_text(self._app_bindings), id="help-body")

    def action_close(self) -> None:
        self.dismiss(None)
