"""Type-ahead: keys typed faster than the console reacts reach the screen they were meant for.

Textual hands each key to the focused widget's queue as soon as it arrives. A key such as
``e`` opens its dialog only when it has bubbled up to the app's bindings, so the keys typed
right behind it (over SSH a burst arrives in one read, and so does a paste) had already been
handed to the table under the dialog: the severity, the reason and the Enter were lost, or
worse, acted on by the table. Here a key is handed on only once the key before it has been
handled all the way up, and once any screen it opened is mounted; keys that come meanwhile
wait their turn, in order.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from textual import events
from textual.message_pump import MessagePump

if TYPE_CHECKING:
    from textual.app import App

    # Checked as the App it is mixed into (FloorApp), so super() and self are the App's.
    _AppBase = App[Any]
else:
    _AppBase = object

# A key whose handling never reports back (its widget closed under it) holds the keys behind
# it no longer than this: type-ahead must never wedge the console.
HOLD_AT_MOST = 0.5


class TypeAhead(_AppBase):
    """Mixin for the App: one key in flight at a time."""

    _typeahead: deque[events.Key]
    _key_busy: bool
    _key_serial: int
    _key_screen: object

    def _typeahead_reset(self) -> None:
        self._typeahead = deque()
        self._key_busy = False
        self._key_serial = 0
        self._key_screen = None

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self._key_busy:
                self._typeahead.append(event)
                return
            await self._feed_key(event)
            return
        await super().on_event(event)

    async def _feed_key(self, event: events.Key) -> None:
        app: App[Any] = self
        self._key_busy = True
        self._key_serial += 1
        serial = self._key_serial
        self._key_screen = app.screen
        target: MessagePump = app.focused or app.screen
        await super().on_event(event)
        app.set_timer(HOLD_AT_MOST, lambda: self._key_done(serial, force=True))
        self._round(target, serial)

    def _round(self, start: MessagePump, serial: int) -> None:
        """Follow the key up from ``start`` to the app, one queue at a time.

        A callback queued behind the key runs once the node has handled it, and is then
        queued at the parent, behind the bubbled key. What handling the key set off (an
        Input's Submitted, a dialog's dismissal, the screen below resuming) can still be in
        flight behind the callback, so rounds repeat until one passes every queue empty and
        ends on the screen and focus it started from.
        """
        app: App[Any] = self
        where = (app.screen, app.focused)
        if not start.call_later(self._follow_up, start, serial, where, True):
            self._key_done(serial)

    def _follow_up(
        self, node: MessagePump, serial: int, where: tuple[object, object], clean: bool
    ) -> None:
        if serial != self._key_serial:
            return
        app: App[Any] = self
        if node is self:
            if clean and where == (app.screen, app.focused):
                self._key_done(serial)
            else:
                self._round(app.focused or app.screen, serial)
            return
        parent = node._parent
        if parent is None:
            self._key_done(serial)
            return
        # Textual has no public "is this queue empty"; the queue is what the pump drains.
        clean = clean and parent._message_queue.empty()
        if not parent.call_later(self._follow_up, parent, serial, where, clean):
            self._key_done(serial)  # closed under the key: nothing more will come of it

    def _key_done(self, serial: int, force: bool = False) -> None:
        if serial != self._key_serial:
            return  # already done (the hold ran out, or the follow-up arrived first)
        app: App[Any] = self
        screen = app.screen
        opened = screen is not self._key_screen
        if (
            not force
            and opened
            and (not screen.is_mounted or (screen.focused is None and screen.focus_chain))
        ):
            # The key opened a screen that is still mounting: its first focus decides where
            # the next key goes, so wait for it (the hold bounds the wait).
            app.call_after_refresh(self._key_done, serial)
            return
        self._key_serial += 1
        if self._typeahead:
            # Still busy: a key arriving before the next one is handed on queues behind it.
            app.call_later(self._next_key)
        else:
            self._key_busy = False

    async def _next_key(self) -> None:
        if not self._typeahead:
            self._key_busy = False
            return
        await self._feed_key(self._typeahead.popleft())
