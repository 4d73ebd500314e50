"""How values look in a cell: words first, colour second (NO_COLOR and 16 colours still read).

Every piece of outside text goes through ``plain`` so it becomes ``rich.text.Text``: a plain
``str`` in a Textual table cell is parsed as markup and ``[@click=app.quit]`` would be an action.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from db.models import AgentState, FlagStatus
from floorapp import words

# The words live in floorapp.words (the CLI shows the same ones); here only how they look.
STATE_WORDS = {s: words.agent_state(s) for s in AgentState}
# Named ANSI colours so a 16-colour terminal shows the same thing as a true-colour one.
STATE_STYLES = {
    AgentState.AVAILABLE: "green",
    AgentState.ON_CALL: "cyan",
    AgentState.AFTER_CALL: "yellow",
    AgentState.BREAK: "magenta",
    # Dim, not a grey: on a 16-colour terminal the header's panel is bright black itself,
    # and "off" in bright black on it could not be seen.
    AgentState.OFFLINE: "dim",
}
SEVERITY_STYLES = {"high": "bold red", "medium": "yellow", "light": "default"}
SEVERITY_SHORT = {"high": "high", "medium": "med", "light": "light"}
FLAG_STATUS_WORDS = {
    FlagStatus.RAISED: "NEW",
    FlagStatus.ACKNOWLEDGED: "ack'd",
    FlagStatus.STEPPED_IN: "stepped in",
    FlagStatus.RESOLVED: "resolved",
}
LONG_CALL_SECONDS = 15 * 60


class KeyedText(Text):
    """A Text that remembers which row it belongs to, so sorting can use our own keys."""

    __slots__ = ("row_id",)

    def __init__(self, text: str, row_id: str | int, style: str = "") -> None:
        super().__init__(text, style=style, no_wrap=True, overflow="ellipsis")
        self.row_id = row_id


def plain(value: object | None, style: str = "") -> Text:
    """Outside text as a literal Text (never markup)."""
    return Text("" if value is None else str(value), style=style, no_wrap=True,
                overflow="ellipsis")


def duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = max(0, int(seconds))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def since(start: datetime | None, now: datetime) -> str:
    return "" if start is None else duration((now - start).total_seconds())


def state_cell(state: str, reason: str | None = None) -> Text:
    word = STATE_WORDS.get(state, state)  # type: ignore[call-overload]
    if state == AgentState.BREAK and reason:
        word = f"break:{reason}"
    return plain(word, STATE_STYLES.get(state, ""))  # type: ignore[call-overload]


def call_cell(start: datetime | None, now: datetime, long_after: float = LONG_CALL_SECONDS
              ) -> Text:
    """A call's length, marked "!" from ``long_after`` seconds (the long-call rule's)."""
    if start is None:
        return Text("")
    secs = (now - start).total_seconds()
    style = "bold red" if secs >= long_after else ""
    text = duration(secs) + ("!" if secs >= long_after else "")
    return Text(text, style=style, justify="right")


def flag_cell(severity: str | None, status: str | None) -> Text:
    if severity is None:
        return Text("")
    word = "!" + SEVERITY_SHORT.get(severity, severity)
    style = SEVERITY_STYLES.get(severity, "")
    if status == FlagStatus.RAISED:
        style += " reverse"
    return Text(word, style=style)


def kind_cell(kind: str | None) -> Text:
    """A flag's kind (a rule's name, or ``observed``) in words."""
    return plain(words.flag_kind(kind))


def severity_cell(severity: str) -> Text:
    return plain(severity, SEVERITY_STYLES.get(severity, ""))


def deadline_cell(deadline: datetime, now: datetime) -> Text:
    """Time left, counting down; highlighted when close, loud when past."""
    left = (deadline - now).total_seconds()
    if left <= 0:
        return Text(f"LATE {duration(-left)}", style="bold white on red", justify="right")
    style = "bold yellow" if left <= 5 * 60 else ""
    return Text(duration(left), style=style, justify="right")


def number(n: int, warn_at: int | None = None) -> Text:
    style = "bold red" if warn_at is not None and n >= warn_at and n else ""
    return Text(str(n) if n else "·", style=style, justify="right")
