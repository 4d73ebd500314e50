"""The command palette (ctrl+p): every action of the console and every view, by name, from
the action registry (screens/actions.py).

It offers the same on every screen: everything of the main screen, whichever view is
showing; a palette entry for a view's rows that is chosen from another view (or from a
screen over the views, which closes) opens that view and asks for the row first, as a key
pressed there would act on the row under the cursor. On a screen of its own (agent detail,
drills...) it offers that screen's actions too.
"""

from __future__ import annotations

from functools import lru_cache, partial
from typing import TYPE_CHECKING

from rich.align import Align
from rich.text import Text
from textual.app import App
from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen
from textual.widgets.option_list import Option

from floorapp import pinyin
from floorapp.i18n import _
from screens.actions import (
    SCOPES,
    PaletteEntry,
    console,
    palette_entries,
    palette_scopes,
    scope_of,
)

if TYPE_CHECKING:
    from screens.app import FloorApp


def entries_for(app: App[object], screen: Screen[object]) -> list[PaletteEntry]:
    """The palette's entries for ``screen``, the one the supervisor opened it on."""
    on_main = screen is app.screen_stack[0]
    return palette_entries(palette_scopes(on_main, scope_of(screen)))


def run_entry(app: FloorApp, screen: Screen[object], entry: PaletteEntry) -> None:
    """Run what the supervisor chose on ``screen``, where it applies."""
    action = entry.action
    views = SCOPES[action.scope].views
    if views and screen is not app.screen_stack[0]:
        # A view is on the main screen: the screens over it close, as escape would (an
        # app action that shows a view or a screen closes them itself: FloorApp.run_action).
        app.leave_screens()
    if not views:  # everywhere's, or the screen's own
        target = app if action.scope == "app" else screen
        app.call_later(app.run_action, entry.run, target)
        return
    if app.active_view not in views:
        app.action_view(views[0])
        if action.row:
            app.notify(_("Pick a row in this view, then run it again."), markup=False, timeout=4)
            return
    widget = app.view_widget(app.active_view)
    app.call_later(app.run_action, entry.run, widget)


class FloorCommands(Provider):
    def _entries(self) -> list[PaletteEntry]:
        return entries_for(self.app, self.screen)

    def _run(self, entry: PaletteEntry) -> partial[None]:
        return partial(run_entry, console(self.screen), self.screen, entry)

    async def discover(self) -> Hits:
        for entry in self._entries():
            yield DiscoveryHit(entry.title, self._run(entry), help=entry.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        spelled = query.isascii()
        for entry in self._entries():
            score = matcher.match(entry.title)
            if score > 0:
                yield Hit(score, matcher.highlight(entry.title), self._run(entry), help=entry.help)
                continue
            if spelled and (sound := spelled_out(entry.title)) is not None:
                # Typed in pinyin ("xun" for 巡场) without switching the input method on:
                # found, ranked a little below a match of the title itself, not highlighted
                # (the letters are not in the title).
                score = matcher.match(sound) * 0.9
                if score > 0:
                    yield Hit(score, Text(entry.title), self._run(entry), help=entry.help)


@lru_cache(maxsize=1024)
def spelled_out(title: str) -> str | None:
    """A title with Chinese in it as pinyin syllables ("巡场记录" -> "xun chang ji lu"), or
    None when it has none (the title itself is what a query matches)."""
    if not any(pinyin.is_han(ch) for ch in title):
        return None
    return " ".join(pinyin.syllables(title))


class FloorPalette(CommandPalette):
    """Textual's command palette with its one sentence of its own in the console's language.

    Textual words "No matches found" in English inside ``_start_no_matches_countdown``; this
    is that method (Textual 8.2, pinned in constraints.txt) with the sentence translated.
    """

    def _start_no_matches_countdown(self, search_value: str) -> None:
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            # An empty search is discovery: nothing to say when it lists nothing.
            self._list_visible = bool(search_value)
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(
                        Align.center(Text(_("No matches found"), style="not bold")),
                        disabled=True,
                        id=self._NO_MATCHES,
                    )
                )

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)
