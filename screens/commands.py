"""The command palette (ctrl+p) reaches every view and every action of the console."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class FloorCommands(Provider):
    def _entries(self) -> list[tuple[str, str, object]]:
        return self.app.command_entries()  # type: ignore[attr-defined,no-any-return]

    async def discover(self) -> Hits:
        for title, help_text, callback in self._entries():
            yield DiscoveryHit(title, partial(callback), help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(callback),  # type: ignore[arg-type]
                          help=help_text)
