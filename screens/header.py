"""The floor header: always on screen, two lines, words and numbers (colour only adds)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from db.models import AgentState
from floorapp import i18n
from floorapp.figures import text as ftext
from floorapp.figures.service_level import ServiceLevel
from floorapp.i18n import MARKS, _, ngettext, pgettext
from floorapp.services.board import FloorFigures
from floorapp.services.periods import PeriodInfo
from screens import cells

# The header's words, translated once per language switch (it renders every second).
SHORT: dict[AgentState, str] = {}
W: dict[str, str] = {}


def _translate() -> None:
    SHORT.clear()
    SHORT.update(
        {
            AgentState.AVAILABLE: pgettext("header", "avail"),
            AgentState.ON_CALL: pgettext("header", "on call"),
            AgentState.AFTER_CALL: pgettext("header", "acw"),
            AgentState.BREAK: pgettext("header", "brk"),
            AgentState.OFFLINE: pgettext("header", "off"),
        }
    )
    W.clear()
    W.update(
        reading=_("reading the floor") + MARKS.loading,
        waiting=_("waiting "),
        wait=pgettext("header", "wait "),
        # Said as a call at every width: beside the calls waiting, "longest" alone read as
        # the longest wait.
        longest=_("  longest call "),
        no_feed=_("no feed yet"),
        # A narrow header's word for a quiet feed: the service level and abandoned calls
        # keep their place; the time it stopped is in the wide header, `A` and `status`.
        quiet=_("feed quiet"),
        # The service level by its threshold: "SL20 75 %" (answered within 20 s).
        sl=pgettext("header", "SL"),
        sl_name=pgettext("header", "SL{threshold}"),
        percent=_("{n} %"),
        flags=_("flags "),
        new=_(" ({n} new)"),
        esc=pgettext("header", "  esc "),
        late=_(" ({n} LATE)"),
        aband=pgettext("header", "  aband "),
        showing=_("  showing "),
        as_who=_("  as {who}"),
        overdue=_(" {n} OVERDUE"),
        reminders=_("  reminders due {n}"),
    )


i18n.on_change(_translate)
_translate()


def sl_words(sl: ServiceLevel | None) -> tuple[str, str]:
    """The service level's name by its threshold and its value, as the header shows them
    (``SL20``, ``62.5 %``: the value rounded once, by floorapp.figures); the shift view
    names the same figure the same way."""
    name = W["sl"] if sl is None else W["sl_name"].format(threshold=sl.threshold_s)
    if sl is None or sl.value is None:
        return name, MARKS.dash
    return name, W["percent"].format(n=sl.percent().removesuffix(" %"))


def period_words(period: PeriodInfo) -> str:
    """The running guarantee period (as the board hands it: its name and whole days left)
    in the current language."""
    name, n = period.name, period.days_left
    if n == 0:
        return _("{name}: last day").format(name=name)
    return ngettext("{name}: {n} day left", "{name}: {n} days left", n).format(name=name, n=n)


class FloorHeader(Widget):
    DEFAULT_CSS = """
    FloorHeader { height: 2; background: $panel; color: $text; padding: 0 1;
                  text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, tz: ZoneInfo, who: str, scope: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tz = tz
        self.who = who
        self.scope = scope
        self.figures: FloorFigures | None = None
        self.now: datetime | None = None
        self.view_note = ""
        self.past_now: int | None = None  # recounted every second by the app
        # Kept in sight until handled (recounted every second by the app): flags past their
        # acknowledge deadline, and reminders due, overdue or missed.
        self.flags_overdue = 0
        self.reminders_due = 0
        self.sparks = ""  # the shift's pictures, read once a minute (screens.shift)
        # The long-call rule's, set by the app.
        self.long_call_seconds: float = cells.LONG_CALL_SECONDS

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
            line1.append(W["reading"])
            return line1
        for state in AgentState:
            n = f.by_state.get(state, 0)
            label = cells.STATE_WORDS[state] if wide else SHORT[state]
            line1.append(f"{label} ", style="" if mono else cells.STATE_STYLES[state])
            line1.append(f"{n}  ", style="bold")
        # Durations run on the floor's clock: to the last event once the feed is quiet.
        floor_now = f.clock(now).now if now is not None else None
        line1.append(W["waiting"] if wide else W["wait"])
        line1.append(str(f.calls_waiting), style=alarm if f.calls_waiting >= 5 else "bold")
        if wide and f.longest_wait_since is not None and floor_now is not None:
            line1.append(f" ({cells.duration((floor_now - f.longest_wait_since).total_seconds())})")
        if f.longest_call_since is not None and floor_now is not None:
            secs = (floor_now - f.longest_call_since).total_seconds()
            style = alarm if secs >= self.long_call_seconds else "bold"
            longest = Text(W["longest"])
            longest.append(cells.duration(secs), style=style)
            # Whole or not at all: a cut one would read as a shorter call.
            if wide or line1.cell_len + longest.cell_len <= self.size.width:
                line1.append_text(longest)
            if wide and f.longest_call_agent:
                line1.append(" ")
                line1.append(f.longest_call_agent)  # appended as plain text, never markup
        # The shift in pictures where there is room for them whole (a 200-column terminal).
        if (
            self.sparks
            and self.size.width >= 190
            and (line1.cell_len + 2 + cell_len(self.sparks) <= self.size.width - 1)
        ):
            line1.append("  ")
            line1.append(self.sparks, style="dim" if mono else "cyan")
        room = self.size.width - 1
        line2 = Text()
        full = False

        def part(*pieces: tuple[str, str]) -> None:
            # A part goes in whole or not at all, and once one does not fit, nothing after
            # it does: a line cut mid-part read "aband" with no number, or "… as".
            nonlocal full
            text = Text()
            for words_, style in pieces:
                text.append(words_, style=style)
            if full or line2.cell_len + text.cell_len > room:
                full = True
                return
            line2.append_text(text)

        # The figures a supervisor needs, laid out after the feed's state.
        needed: list[tuple[tuple[str, str], ...]] = []
        flags = [(W["flags"], ""), (str(f.open_flags), "bold")]
        if f.unhandled_flags:
            flags.append((W["new"].format(n=f.unhandled_flags), alarm))
        needed.append(tuple(flags))
        if self.flags_overdue:
            needed.append(
                (
                    (
                        W["overdue"].format(n=self.flags_overdue),
                        "bold reverse" if mono else "bold white on red",
                    ),
                )
            )
        escs = [(W["esc"], ""), (str(f.open_escalations), "bold")]
        past = f.past_deadline if self.past_now is None else self.past_now
        if past:
            escs.append((W["late"].format(n=past), "bold reverse" if mono else "bold white on red"))
        needed.append(tuple(escs))
        sl = f.service_level
        value = None if sl is None else sl.value
        name, number = sl_words(sl)
        needed.append(
            ((f"  {name} ", ""), (number, "bold" if value is None or value >= 0.8 else alarm))
        )
        needed.append(((W["aband"], ""), (str(f.abandoned), "bold")))
        quiet = ftext.quiet_text(now, f.last_event_at, self.tz) if now is not None else None
        if f.last_event_at is None:
            part((W["no_feed"], "bold" if mono else "bold yellow"), ("  ", ""))
        elif quiet is not None:
            # Nothing from the feed for a while: say so first, before any figure is trusted;
            # in as few words as it takes to leave the figures room beside it.
            width = sum(cell_len(w) for p in needed for w, _s in p)
            if cell_len(quiet) + 2 + width > room:
                quiet = W["quiet"]
            part((quiet, alarm), ("  ", ""))
        for pieces in needed:
            part(*pieces)
        if self.reminders_due:
            part((W["reminders"].format(n=self.reminders_due), accent))
        # What a narrow terminal cuts is the end of the line: the filters on the board
        # (they change what is shown) come before the period, and who you are comes last.
        if self.view_note:
            part((W["showing"], ""), (self.view_note, "bold italic"))
        if f.guarantee:
            part((f"  {period_words(f.guarantee)}", accent))
        part((W["as_who"].format(who=self.who), "dim"))
        if self.scope:
            part((f"{MARKS.sep.rstrip()} {self.scope}", "dim"))
        line1.no_wrap = line2.no_wrap = True
        line1.overflow = line2.overflow = MARKS.overflow
        # Cut here, in the language's own way: Textual's own cut of a Text too wide for the
        # widget ends in '…', which a Chinese terminal may draw two cells wide.
        for line in (line1, line2):
            line.truncate(self.size.width, overflow=MARKS.overflow)
        out = Text("\n").join([line1, line2])
        # The joined text keeps neither line's no_wrap: a long name on the first line
        # pushed the second out of the header's two rows.
        out.no_wrap, out.overflow = True, MARKS.overflow
        return out
