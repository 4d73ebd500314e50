"""One follower per feed: ``ingest --follow`` and ``serve`` hold a lease on the feed they follow.

Two followers of one file would each keep their own idea of every agent's state and
write doubled transitions and wrong login times, so the second is refused. The lease
is the scheduler's (``floorapp.scheduler.lease``: a row, renewed, taken over when it
expires), one row per feed. A follower that was killed leaves its lease behind until
it expires; one on the same host whose process is gone is taken over at once, so a
service restarted after ``kill -9`` does not wait for it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType

from sqlalchemy import Engine

from floorapp.feed.keys import hash_text
from floorapp.scheduler import lease

log = logging.getLogger("floorapp.feed")

LEASE_TTL = timedelta(seconds=45)
RENEW_EVERY = timedelta(seconds=10)


class FeedBusy(Exception):
    """Another follower holds the feed."""

    def __init__(self, source: str, holder: str | None, expires_at: datetime | None) -> None:
        self.source, self.holder, self.expires_at = source, holder, expires_at
        until = (
            f"; its lease runs to {expires_at:%Y-%m-%d %H:%M:%S} UTC unless renewed"
            if expires_at is not None
            else ""
        )
        super().__init__(
            f"already followed by {holder}{until}: stop that one first (one follower per feed)"
        )


def holder_id(command: str) -> str:
    return f"{command}@{socket.gethostname()}:{os.getpid()}"


def lease_name(source: str) -> str:
    """Fits the lease table's 40-character name whatever the path's length."""
    return f"feed:{hash_text(source)}"


def _is_dead_here(holder: str | None) -> bool:
    """Is ``holder`` a process on this host that no longer runs?"""
    if not holder or "@" not in holder:
        return False
    host, _, pid_text = holder.partition("@")[2].rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:  # killed but not yet reaped by its parent: it will never renew
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return False


def _now() -> datetime:
    return datetime.now(UTC)  # lease times are wall-clock, whatever clock the feed runs on


class FeedLease:
    """Hold the feed's lease while inside; renewed on a thread; ``on_lost`` if taken away."""

    def __init__(
        self,
        engine: Engine,
        source: str,
        holder: str,
        *,
        on_lost: Callable[[str], None] | None = None,
        ttl: timedelta = LEASE_TTL,
        renew_every: timedelta = RENEW_EVERY,
    ) -> None:
        self.engine = engine
        self.source = source
        self.holder = holder
        self.name = lease_name(source)
        self.on_lost = on_lost
        self.ttl = ttl
        self.renew_every = renew_every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def acquire(self) -> None:
        state = lease.try_acquire(self.engine, self.holder, _now(), self.ttl, name=self.name)
        if not state.held and _is_dead_here(state.holder):
            log.info(
                "feed %s: taking over from %s, which no longer runs", self.source, state.holder
            )
            state = lease.try_acquire(
                self.engine, self.holder, _now(), self.ttl, name=self.name, take_from=state.holder
            )
        if not state.held:
            raise FeedBusy(self.source, state.holder, state.expires_at)

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        try:
            lease.release(self.engine, self.holder, name=self.name)
        except Exception:  # it expires on its own: a failed release only delays the next one
            log.exception("feed %s: could not give up the lease", self.source)

    def _renew(self) -> None:
        while not self._stop.wait(self.renew_every.total_seconds()):
            try:
                state = lease.try_acquire(
                    self.engine, self.holder, _now(), self.ttl, name=self.name
                )
            except Exception as exc:  # a full disk or a long lock: try again next time
                log.warning("feed %s: lease not renewed (%s); retrying", self.source, exc)
                continue
            if not state.held:
                if self.on_lost is not None:
                    self.on_lost(f"the feed's lease was taken by {state.holder}")
                return

    def __enter__(self) -> FeedLease:
        self.acquire()
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._renew, name=f"feed-lease-{self.name}", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
