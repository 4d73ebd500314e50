"""Idempotency keys for feed lines: the same line always gets the same key.

The key is a hash of the line's content (not of the file it was read from), so the
same event read again from a rotated copy (``queue_log`` -> ``queue_log.1``) is
recognised as already stored. Two identical lines in one input are different events
(two RINGNOANSWER in the same second from the same member, say): the n-th copy is
hashed with its occurrence number. Identical lines necessarily share a timestamp, so
occurrences are counted per timestamp and forgotten once the feed has moved well
past it: memory stays flat however long the input is.
"""

from __future__ import annotations

from collections.abc import Callable
from hashlib import blake2b
from typing import Any

# How far (in seconds of feed time) an identical line may trail its twin and still be
# counted as a second occurrence. Beyond that the counters are dropped.
OCCURRENCE_WINDOW_S = 600
_HASH_HEX = 16  # hex digits of the line's hash kept in a key (after 8 of time)


def hash_text(text: str) -> str:
    """A short stable hex digest (32 chars: fits every key column)."""
    return blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def timed_hash(text: str, second: int) -> str:
    """24 hex chars (12 bytes as stored): the event's second, then 64 bits of a hash of
    the line.

    Keys that sort by time land next to each other in the unique index, so a long
    ingest appends to the right edge of the B-tree instead of touching a random page
    per event (a month of queue_log is ten million keys, far beyond SQLite's cache).
    Two different lines collide only within the same second: with 64 bits, a second of
    1,000 lines collides once in 3 * 10^13 such seconds. The 64 bits are the first of a
    96-bit digest (what keys before revision 0011 held in full, so those were cut to
    these without losing what they match).
    """
    digest = blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()
    return f"{second & 0xFFFFFFFF:08x}{digest[:_HASH_HEX]}"


def id_key(namespace: str, event_id: str, second: int) -> str:
    """Key for an event that carries its own id (JSONL ``id``), led by its time like all."""
    return timed_hash(f"{namespace}\x00id\x00{event_id}", second)


class OccurrenceKeys:
    """Keys for id-less lines, numbering repeats of an identical line.

    What it remembers is a function of the lines read so far, independent of when its
    memory is swept, so that a follower can rebuild it exactly after a restart: the
    copies of every line in the seconds from ``horizon - OCCURRENCE_WINDOW_S`` on, where
    ``horizon`` is the latest second seen. A line older than that is keyed as a first
    copy and not counted. ``mark``, when set (by ``pipeline.run`` for a resumable
    reader), is called once per newly seen second and says where its first line starts;
    ``memory_start`` then tells from where to re-read to rebuild the memory.
    """

    __slots__ = ("_by_second", "_horizon", "_namespace", "_oldest", "_prefix", "_seed", "mark")

    def __init__(self, namespace: str) -> None:
        self._namespace = namespace
        self._prefix = f"{namespace}\x00"
        # The hash state after the prefix: a copy of it hashes a line without building
        # the prefixed text (streaming gives the same digest as one call on the whole).
        self._seed = blake2b(self._prefix.encode("utf-8", "surrogatepass"), digest_size=12)
        self._by_second: dict[int, tuple[str, dict[str, int], Any]] = {}
        self._horizon: int | None = None
        self._oldest = -(2**63)  # seconds below this are no longer counted
        self.mark: Callable[[], Any] | None = None

    @property
    def horizon(self) -> int | None:
        return self._horizon

    def resume(self, horizon: int | None) -> None:
        """Start again from a saved horizon, with nothing remembered (the caller replays)."""
        self._by_second.clear()
        self._horizon = horizon
        self._oldest = -(2**63) if horizon is None else horizon - OCCURRENCE_WINDOW_S

    def memory_start(self) -> Any:
        """The earliest ``mark`` among the seconds still counted (None: nothing counted).

        A second first seen while no ``mark`` was set gives ``UNKNOWN_MARK``.
        """
        oldest = self._oldest
        marks = [
            UNKNOWN_MARK if e[2] is None else e[2]
            for sec, e in self._by_second.items()
            if sec >= oldest
        ]
        return min(marks) if marks else None

    def key(self, line: str, second: int) -> str:
        entry = self._by_second.get(second)
        if entry is None:
            horizon = self._horizon
            if horizon is None or second > horizon:
                self._horizon = second
                self._oldest = second - OCCURRENCE_WINDOW_S
                # Amortised: after a sweep at most a window's worth of seconds remain.
                if len(self._by_second) > 2 * OCCURRENCE_WINDOW_S:
                    self._forget(self._oldest)
            elif second < self._oldest:
                return self._first_copy(line, second)
            mark = self.mark
            # The key's time prefix, formatted once per second (a burst shares it).
            entry = self._by_second[second] = (
                f"{second & 0xFFFFFFFF:08x}",
                {},
                None if mark is None else mark(),
            )
        elif second < self._oldest:  # remembered, but no longer counted: see the class doc
            return self._first_copy(line, second)
        time_hex, seen, _ = entry
        n = seen.get(line, 0)
        seen[line] = n + 1
        # timed_hash(f"{namespace}\x00{line}[\x00#{n}]", second), spelled out: once a line.
        h = self._seed.copy()
        h.update(line.encode("utf-8", "surrogatepass"))
        if n:
            h.update(f"\x00#{n}".encode())
        return time_hex + h.hexdigest()[:_HASH_HEX]

    def _first_copy(self, line: str, second: int) -> str:
        return timed_hash(f"{self._prefix}{line}", second)

    def _forget(self, before: int) -> None:
        for sec in [s for s in self._by_second if s < before]:
            del self._by_second[sec]


# Sorts before every real mark: "re-read from the start of the file".
UNKNOWN_MARK = (-1, 0, 0)
