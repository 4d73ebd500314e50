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

from hashlib import blake2b

# How far (in seconds of feed time) an identical line may trail its twin and still be
# counted as a second occurrence. Beyond that the counters are dropped.
OCCURRENCE_WINDOW_S = 600


def hash_text(text: str) -> str:
    """A short stable hex digest (32 chars: fits every key column)."""
    return blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def timed_hash(text: str, second: int) -> str:
    """32 hex chars: the event's second, then a 96-bit hash of the line.

    Keys that sort by time land next to each other in the unique index, so a long
    ingest appends to the right edge of the B-tree instead of touching a random page
    per event (a month of queue_log is ten million keys, far beyond SQLite's cache).
    """
    digest = blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()
    return f"{second & 0xFFFFFFFF:08x}{digest}"


def id_key(namespace: str, event_id: str, second: int) -> str:
    """Key for an event that carries its own id (JSONL ``id``), led by its time like all."""
    return timed_hash(f"{namespace}\x00id\x00{event_id}", second)


class OccurrenceKeys:
    """Keys for id-less lines, numbering repeats of an identical line."""

    __slots__ = ("_by_second", "_horizon", "_namespace", "_prefix")

    def __init__(self, namespace: str) -> None:
        self._namespace = namespace
        self._prefix = f"{namespace}\x00"
        self._by_second: dict[int, tuple[str, dict[str, int]]] = {}
        self._horizon = 0

    def key(self, line: str, second: int) -> str:
        entry = self._by_second.get(second)
        if entry is None:
            # The key's time prefix, formatted once per second (a burst shares it).
            entry = self._by_second[second] = (f"{second & 0xFFFFFFFF:08x}", {})
            if second > self._horizon:
                self._horizon = second
                # Amortised: after a sweep at most a window's worth of seconds remain.
                if len(self._by_second) > 2 * OCCURRENCE_WINDOW_S:
                    self._forget(second - OCCURRENCE_WINDOW_S)
        time_hex, seen = entry
        n = seen.get(line, 0)
        seen[line] = n + 1
        # timed_hash(f"{namespace}\x00{line}[\x00#{n}]", second), spelled out: once a line.
        text = f"{self._prefix}{line}" if n == 0 else f"{self._prefix}{line}\x00#{n}"
        return time_hex + blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()

    def _forget(self, before: int) -> None:
        for sec in [s for s in self._by_second if s < before]:
            del self._by_second[sec]
