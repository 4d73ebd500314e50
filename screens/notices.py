"""Notifications that replace, not stack: a notice of a kind already on screen takes its
place ("Sorted by ..." six times is one toast, the last). A kind is named by the caller
(``notice``); without one, the same title and text are the same kind."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from textual.app import App
from textual.notifications import Notification, Notify, SeverityLevel


class ReplacingNotices(App[Any]):
    """Mixed into the app before ``App``: ``notify`` takes a ``kind``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._notice_kinds: dict[str, Hashable] = {}  # notification identity -> kind
        self._arrived: set[str] = set()  # identities already handed to the screen

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
        kind: Hashable | None = None,
    ) -> None:
        if timeout is None:
            timeout = self.NOTIFICATION_TIMEOUT
        notification = Notification(message, title, severity, timeout, markup=markup)
        self._notice_kinds[notification.identity] = (
            kind if kind is not None else ("text", title, str(message))
        )
        self.post_message(Notify(notification))

    def shown_notices(self) -> list[str]:
        """The messages of the notices on screen now, oldest first."""
        return [str(n.message) for n in self._notifications]

    def _on_notify(self, event: Notify) -> None:
        # Replaced when it arrives, not when it was asked for: notices asked for in a burst
        # (keys typed ahead) arrive in order, and each finds the one before it on screen.
        kind = self._notice_kinds.get(event.notification.identity)
        if kind is not None:
            for shown in list(self._notifications):
                if (
                    shown.identity != event.notification.identity
                    and self._notice_kinds.get(shown.identity) == kind
                ):
                    self._unnotify(shown, refresh=False)
        super()._on_notify(event)
        if len(self._notice_kinds) > 64:
            # Forget the kinds of notices gone from screen; those still on their way stay.
            arrived = self._arrived
            arrived.add(event.notification.identity)
            live = {n.identity for n in self._notifications}
            self._notice_kinds = {
                k: v for k, v in self._notice_kinds.items() if k in live or k not in arrived
            }
            self._arrived = arrived & live
        else:
            self._arrived.add(event.notification.identity)


def notice(widget: Any, kind: Hashable, message: str, **kwargs: Any) -> None:
    """Tell the supervisor ``message`` in place of any notice of ``kind`` still showing."""
    app = widget.app
    if isinstance(app, ReplacingNotices):
        app.notify(message, kind=kind, **kwargs)
    else:
        app.notify(message, **kwargs)
