"""A screen that re-reads its data off the UI thread every few seconds while it is open."""

from __future__ import annotations

from textual.screen import Screen
from textual.worker import Worker

from floorapp.context import AppContext


class RefreshingScreen(Screen[None]):
    """Subclasses set ``refresh_seconds`` and define ``_load`` (a thread worker)."""

    refresh_seconds: float = 5.0

    def _load(self) -> Worker[None] | None:
        raise NotImplementedError  # the subclass's @work(thread=True) reader

    def on_mount(self) -> None:
        self.action_refresh_now()
        self.set_interval(self.refresh_seconds, self.action_refresh_now)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_refresh_now(self) -> None:
        self._load()


class ScopedRefreshingScreen(RefreshingScreen):
    """A refreshing screen read as one supervisor, optionally narrowed to one team."""

    def __init__(
        self, ctx: AppContext, actor: str, team: str | None = None, refresh_seconds: float = 5.0
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.actor = actor
        self.team = team
        self.refresh_seconds = refresh_seconds
