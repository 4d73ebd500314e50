"""How the distress rules (and anything else) ride along the feed writer.

The writer calls, in the ingesting process and inside its batch transaction:
``start(conn)`` once (rebuild in-memory state from the store, so a restart
resumes), ``observe(event)`` for every *new* event after applying it (its agent
resolved through the aliases; a name found to be another agent's is merged by a logout and
logins the writer makes up, observed like the feed's own but never stored as feed events),
``tick(now)`` once per batch with the feed's current time (time-based rules),
and ``flush(conn)`` to write what was decided in the same transaction as the
events that caused it. Cost per event must not grow with the stored history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import Connection

from floorapp.config import Settings
from floorapp.feed.events import FeedEvent


class FeedObserver(Protocol):
    def start(self, conn: Connection) -> None: ...

    def observe(self, event: FeedEvent) -> None: ...

    def tick(self, now: datetime) -> None: ...

    def flush(self, conn: Connection) -> None: ...


def request_observers(settings: Settings) -> list[FeedObserver]:
    """The observer that stores agents' requests (``agent_request``), for every writer of
    a live or replayed feed."""
    from floorapp.services.requests import RequestsObserver

    return [RequestsObserver(settings)]
