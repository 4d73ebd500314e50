"""The floor header: always on screen, two lines, words and numbers (colour only adds)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from db.models import AgentState
from floorapp.figures import text as ftext
from floorapp.services.board import FloorFigures
from screens import cells

SHORT = {
    AgentState.AVAILABLE: "avail",
    AgentState.ON_CALL: "on call",
    AgentState.AFTER_CALL: "acw",
    AgentState.BREAK: "brk",
    AgentState.OFFLINE: "off",
}


class FloorHeader(Widget):
    DEFAULT_CSS = """
    FloorHeader { height: 2; background: $panel; color: $text; padding: 0 1; }
    """

    def __init__(self, tz: ZoneInfo, who: str, scope: str | None, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.tz = tz
        self.who = who
        self.scope = scope
        self.figures: FloorFigures | None = None
        self.now: datetime | None = None
        self.view_note = ""
        self.past_now: int | None = None  # recounted every second by the app
        self.long_call_seconds = cells.LONG_CALL_SECONDS  # the long-call rule's, set by the app

    def update_figures(self, figures: FloorFigures) -> None:
        self.figures = figures
        self.refresh()

    def tick(self, now: datetime) -> None:
        self.now = now
        self.refresh()

    def render(self) -> Text:
        wide = self.size.width >= 120
        now = self.now
        f = self.figures
        # Under NO_COLOR Textual greys every colour by its brightness: red on the panel came
        # out dark grey on dark grey. Alarms then stand out by reverse video instead.
        mono = bool(getattr(self.app, "no_color", False))
        alarm = "bold reverse" if mono else "bold red"
        accent = "bold" if mono else "bold magenta"
        line1 = Text()
        if now is not None:
            line1.append(now.astimezone(self.tz).strftime("%H:%M:%S"), style="bold")
            line1.append("  ")
        if f is None:
            line1.append("reading the floor…")
            return line1
        for state in AgentState:
            n = f.by_state.get(state, 0)
            label = cells.STATE_WORDS[state] if wide else SHORT[state]
            line1.append(f"{label} ", style="" if mono else cells.STATE_STYLES[state])
            line1.append(f"{n}  ", style="bold")
        # Durations run on the floor's clock: to the last event once the feed is quiet.
        floor_now = f.clock(now).now if now is not None else None
        line1.append("waiting " if wide else "wait ")
        line1.append(str(f.calls_waiting), style=alarm if f.calls_waiting >= 5 else "bold")
        if wide and f.longest_wait_since is not None and floor_now is not None:
            line1.append(f" ({cells.duration((floor_now - f.longest_wait_since).total_seconds())})")
        if f.longest_call_since is not None and floor_now is not None:
            line1.append("  longest call " if wide else "  long ")
            secs = (floor_now - f.longest_call_since).total_seconds()
            style = alarm if secs >= self.long_call_seconds else "bold"
            line1.append(cells.duration(secs), style=style)
            if wide and f.longest_call_agent:
                line1.append(" ")
                line1.append(f.longest_call_agent)  # appended as plain text, never markup
        line2 = Text()
        quiet = ftext.quiet_text(now, f.last_event_at, self.tz) if now is not None else None
        if f.last_event_at is None:
            line2.append("no feed yet", style="bold" if mono else "bold yellow")
            line2.append("  ")
        elif quiet is not None:
            # Nothing from the feed for a while: say so first, before any figure is trusted.
            line2.append(quiet, style=alarm)
            line2.append("  ")
        line2.append("flags ")
        line2.append(str(f.open_flags), style="bold")
        if f.unhandled_flags:
            line2.append(f" ({f.unhandled_flags} new)", style=alarm)
        line2.append("  esc ")
        line2.append(str(f.open_escalations), style="bold")
        past = f.past_deadline if self.past_now is None else self.past_now
        if past:
            line2.append(f" ({past} LATE)", style="bold reverse" if mono else "bold white on red")
        sl = f.service_level
        value = None if sl is None else sl.value
        label = ftext.sl_label(sl)
        name, _, number = label.partition(" ")
        line2.append(f"  {name} ")
        line2.append(number, style="bold" if value is None or value >= 0.8 else alarm)
        line2.append("  aband ")
        line2.append(str(f.abandoned), style="bold")
        # What a narrow terminal cuts is the end of the line: the filters on the board
        # (they change what is shown) come before the period, and who you are comes last.
        if self.view_note:
            line2.append("  showing ")
            line2.append(self.view_note, style="bold italic")
        # The trailing parts go in whole or not at all: a line cut mid-part read "… as".
        room = self.size.width - 1
        for part, style in ((f"  {f.guarantee}" if f.guarantee else "", accent),
                            (f"  as {self.who}", "dim"),
                            (f" · {self.scope}" if self.scope else "", "dim")):
            if not part:
                continue
            if line2.cell_len + cell_len(part) > room:
                break
            line2.append(part, style=style)
        line1.no_wrap = line2.no_wrap = True
        line1.overflow = line2.overflow = "ellipsis"
        return Text("\n").join([line1, line2])
