"""How values look in a cell: words first, colour second (NO_COLOR and 16 colours still read).

Every piece of outside text goes through ``plain`` so it becomes ``rich.text.Text``: a plain
``str`` in a Textual table cell is parsed as markup and ``[@click=app.quit]`` would be an action.
"""

from __future__ import annotations

from datetime import datetime

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text

from db.models import AgentState, FlagStatus
from floorapp import i18n, words
from floorapp.i18n import MARKS, N_, _

# The words live in floorapp.words (the CLI shows the same ones); here only how they look.
# Translated once per language switch, not per cell: a tick builds thousands of cells.
STATE_WORDS: dict[str, str] = {}  # keyed by str: a row's state is the stored text
# Named ANSI colours so a 16-colour terminal shows the same thing as a true-colour one.
STATE_STYLES: dict[str, str] = {
    AgentState.AVAILABLE: "green",
    AgentState.ON_CALL: "cyan",
    AgentState.AFTER_CALL: "yellow",
    AgentState.BREAK: "magenta",
    # Dim, not a grey: on a 16-colour terminal the header's panel is bright black itself,
    # and "off" in bright black on it could not be seen.
    AgentState.OFFLINE: "dim",
}
SEVERITY_STYLES = {"high": "bold red", "medium": "yellow", "light": "default"}
_SEVERITY_SHORT = {"high": N_("high"), "medium": N_("med"), "light": N_("light")}
_FLAG_STATUS_WORDS = {
    FlagStatus.RAISED: N_("NEW"),
    FlagStatus.ACKNOWLEDGED: N_("ack'd"),
    FlagStatus.STEPPED_IN: N_("stepped in"),
    FlagStatus.RESOLVED: N_("resolved"),
}
SEVERITY_SHORT: dict[str, str] = {}
FLAG_STATUS_WORDS: dict[str, str] = {}
SEVERITY_WORDS: dict[str, str] = {}
# Words inside cells that change every second (LATE) or on every state change (break).
CELL_WORDS: dict[str, str] = {}


def _translate() -> None:
    """Fill the word tables for the current language, in place (importers hold them)."""
    STATE_WORDS.clear()
    STATE_WORDS.update({s: words.agent_state(s) for s in AgentState})
    SEVERITY_SHORT.clear()
    SEVERITY_SHORT.update({k: _(v) for k, v in _SEVERITY_SHORT.items()})
    FLAG_STATUS_WORDS.clear()
    FLAG_STATUS_WORDS.update({k: _(v) for k, v in _FLAG_STATUS_WORDS.items()})
    SEVERITY_WORDS.clear()
    SEVERITY_WORDS.update({k: words.severity(k) for k in ("light", "medium", "high")})
    CELL_WORDS.clear()
    CELL_WORDS.update(late=_("LATE"), brk=_("break:{reason}"), unclaimed=_("unclaimed"))


i18n.on_change(_translate)
_translate()
LONG_CALL_SECONDS = 15 * 60


class KeyedText(Text):
    """A Text that remembers which row it belongs to, so sorting can use our own keys."""

    __slots__ = ("row_id",)

    def __init__(self, text: str, row_id: str | int, style: str = "") -> None:
        super().__init__(text, style=style, no_wrap=True, overflow=MARKS.overflow)
        self.row_id = row_id


def plain(value: object | None, style: str = "") -> Text:
    """Outside text as a literal Text (never markup)."""
    return Text(
        "" if value is None else str(value), style=style, no_wrap=True, overflow=MARKS.overflow
    )


def fit(cell: Text, width: int) -> None:
    """Cut ``cell`` in place to ``width`` cells, never inside a wide character, ending with
    the language's cut mark (an ellipsis in English; ``~`` in Chinese, where an ellipsis
    may be drawn two cells wide)."""
    if cell.cell_len <= width:
        return
    mark = MARKS.cut
    if mark == "…":
        cell.truncate(width, overflow="ellipsis")
        return
    cell.truncate(max(width - len(mark), 0), overflow="crop")
    # set_cell_size pads with a space where a wide character would have been split
    cell.plain = cell.plain.rstrip(" ") if cell.plain.endswith(" ") else cell.plain
    cell.append(mark)


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
    word = STATE_WORDS.get(state, state)
    if state == AgentState.BREAK and reason:
        word = CELL_WORDS["brk"].format(reason=reason)
    return plain(word, STATE_STYLES.get(state, ""))


def call_cell(start: datetime | None, now: datetime, long_after: float = LONG_CALL_SECONDS) -> Text:
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
    return plain(SEVERITY_WORDS.get(severity, severity), SEVERITY_STYLES.get(severity, ""))


def deadline_cell(deadline: datetime, now: datetime) -> Text:
    """Time left, counting down; highlighted when close, loud when past."""
    left = (deadline - now).total_seconds()
    if left <= 0:
        return Text(
            f"{CELL_WORDS['late']} {duration(-left)}", style="bold white on red", justify="right"
        )
    style = "bold yellow" if left <= 5 * 60 else ""
    return Text(duration(left), style=style, justify="right")


def number(n: int, warn_at: int | None = None) -> Text:
    style = "bold red" if warn_at is not None and n >= warn_at and n else ""
    return Text(str(n) if n else MARKS.zero, style=style, justify="right")


class Wrapped:
    """A Text wrapped to the width it is given by ``i18n.wrap``: Chinese breaks between
    characters but never starts a line with closing punctuation (，。、）), which rich's own
    wrapping (spaces only, then a hard cut) would do. Styles are kept."""

    def __init__(self, text: Text) -> None:
        self.text = text

    @property
    def plain(self) -> str:
        return self.text.plain

    def __str__(self) -> str:
        return self.text.plain

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        out: list[Text] = []
        for para in self.text.split("\n", allow_blank=True):
            plain = para.plain
            offsets = []
            pos = 0
            for line in i18n.wrap(plain, width) if plain else [""]:
                # wrap() drops the spaces it breaks at: find each line where it starts.
                start = plain.find(line, pos) if line else pos
                offsets.append(start)
                pos = start + len(line)
            parts = para.divide(offsets[1:]) if len(offsets) > 1 else [para]
            for part in parts:
                part.rstrip()
                out.append(part)
        joined = Text("\n").join(out)
        joined.no_wrap = True
        yield joined

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.text)
