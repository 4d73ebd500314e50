"""The order of a table's rows: exact as far as anything looks, lazy beyond.

A board of 10,000 agents re-places a thousand moved rows every second, and a supervisor sees
fifty of them. Merging the moved rows into the whole order was the one step of a tick that
grew with the floor (~4 ms at 10,000 rows, a second of CPU every four minutes for rows nobody
was looking at). Here only the *head* is an exact list: the rows down to the bottom of the
screen and a margin. The rest wait in a heap of their sort keys and come out, in order, as
far as scrolling, the cursor or End ever look. A moved row costs one push onto the heap; its
old entry is dropped when it surfaces (it is no longer the row's key, or the row is already
in the head, or gone) or when the heap is compacted. An old entry equal to the row's key is
as good as a new one: whichever surfaces first brings the row out, the other finds it in
the head.

Sort keys are tuples whose last item is the row key: that makes them unique, and a heap
entry is the key itself (no second tuple per moved row for the collector to walk).

Before anything is keyed (``place`` not yet called, or after a cell ``sort``) every row is in
the head and this is a plain list.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Callable, Collection, Iterable
from heapq import heapify, heappop, heappush
from typing import Any

# Rows kept in the head past what the screen needs, and the excess tolerated before the
# head is cut back: scrolling a little (or a row moving into view) must not reach into the
# heap, nor every tick push the same rows back out.
SLACK = 64


class RowOrder:
    """Row keys in order. ``alive`` is the table's own row mapping: any key it holds is in
    this order exactly once (the table adds and removes through ``append`` / ``remove``)."""

    def __init__(self, alive: Collection[str]) -> None:
        self._alive = alive
        self.head: list[str] = []
        self._in_head: set[str] = set()
        self._tail: list[tuple[Any, ...]] = []  # a heap of sort keys; entries may be stale
        self._key: Callable[[str], tuple[Any, ...]] | None = None
        # Row key -> position in the head, rebuilt only when asked for after a change.
        self._pos: dict[str, int] = {}
        self._pos_fresh = True
        self._pos_misses = 0

    def __len__(self) -> int:
        return len(self._alive)

    # --- reading ------------------------------------------------------------------------

    def at(self, index: int) -> str | None:
        if index < 0:
            return None
        if index >= len(self.head):
            self._pull(index + 1)
            if index >= len(self.head):
                return None
        return self.head[index]

    def slice(self, start: int, stop: int) -> list[str]:
        self._pull(stop)
        return self.head[start:stop]

    def index(self, key: str) -> int:
        """Position of ``key`` (which must be in the table)."""
        if key not in self._in_head:
            # Out of sight: bring the order out of the heap down to it.
            while key not in self._in_head and len(self.head) < len(self._alive):
                had = len(self.head)
                self._pull(had + 256)
                if len(self.head) == had:
                    break  # nothing more comes out: never spin the UI thread
            if key not in self._in_head:
                raise KeyError(key)
        if not self._pos_fresh:
            if self._pos_misses < 8:
                # One look-up after a change (the cursor's row): a scan in C beats rebuilding
                # the map; several in a row pay for the rebuild.
                self._pos_misses += 1
                return self.head.index(key)
            self._pos = dict(zip(self.head, range(len(self.head)), strict=True))
            self._pos_fresh = True
        return self._pos[key]

    def materialize(self) -> list[str]:
        """Every row, in order (the whole heap comes out)."""
        self._pull(len(self._alive))
        return self.head

    # --- changing -----------------------------------------------------------------------

    def clear(self) -> None:
        self.head = []
        self._in_head = set()
        self._tail = []
        self._key = None
        self._changed()

    def append(self, key: str) -> None:
        """A new row (already in ``alive``): last, or where its key puts it once keyed."""
        if not self._tail:
            if self._pos_fresh:
                self._pos[key] = len(self.head)
            self.head.append(key)
            self._in_head.add(key)
            return
        assert self._key is not None
        k = self._key(key)
        head = self.head
        if head and k < self._key(head[-1]):
            insort(head, key, key=self._key)  # the head is in key order
            self._in_head.add(key)
            self._changed()
        else:
            heappush(self._tail, k)

    def extend(self, keys: Iterable[str]) -> None:
        """Rows added last, in this order (the table has only its head: nothing keyed yet)."""
        self.materialize()
        self._key = None
        for key in keys:
            self.head.append(key)
            self._in_head.add(key)
        self._changed()

    def remove(self, key: str) -> None:
        """``key`` has just left ``alive``: its heap entry, if any, is now stale."""
        if key in self._in_head:
            self._in_head.discard(key)
            self.head.remove(key)
            self._changed()

    def sort(self, key: Callable[[str], Any]) -> None:
        """Every row in order of ``key`` (stable), all in the head: for small tables."""
        self.materialize()
        self._key = None
        self.head.sort(key=key)
        self._changed()

    def place(
        self, key: Callable[[str], tuple[Any, ...]], moved: Collection[str] | None, want: int
    ) -> None:
        """Order by ``key`` (a tuple ending with the row key): only the rows in ``moved``
        changed key since the last ``place`` (any may have, when ``moved`` is None).
        ``want``: how many rows the screen needs exactly in order."""
        if moved is None or self._key is None:
            self._reorder(key, want)
            return
        self._key = key
        head, in_head, alive = self.head, self._in_head, self._alive
        if not in_head.isdisjoint(moved):
            head = [k for k in head if k not in moved]
            in_head.difference_update(moved)
            self._changed()
        boundary = key(head[-1]) if head else None
        into: list[str] = []
        tail = self._tail
        for k in moved:
            if k not in alive:
                continue
            kk = key(k)
            if boundary is not None and kk < boundary:
                into.append(k)
            else:
                heappush(tail, kk)
        if into:
            # The head, still in order, then the newcomers sorted: one merge of two runs.
            into.sort(key=key)
            head.extend(into)
            head.sort(key=key)
            in_head.update(into)
            self._changed()
        self.head = head
        self._pull(want)
        self._trim(want)
        if len(tail) > 4 * (len(alive) - len(head)) + 1024:
            self._compact()

    # --- internals ----------------------------------------------------------------------

    def _changed(self) -> None:
        self._pos_fresh = False
        self._pos_misses = 0

    def _reorder(self, key: Callable[[str], tuple[Any, ...]], want: int) -> None:
        self._key = key
        order = sorted(self._alive, key=key)
        cut = want + SLACK
        self.head = order[:cut]
        self._in_head = set(self.head)
        # A sorted list is already a heap.
        self._tail = [key(k) for k in order[cut:]]
        self._changed()

    def _pull(self, n: int) -> None:
        """Bring rows out of the heap, in order, until the head holds ``n`` (or every row)."""
        tail = self._tail
        if len(self.head) >= n or not tail:
            return
        head, in_head, alive, key = self.head, self._in_head, self._alive, self._key
        assert key is not None
        pos = self._pos if self._pos_fresh else None
        while len(head) < n and tail:
            kk = heappop(tail)
            k = kk[-1]
            # By value, not identity: a table may hand over a new key object equal to the
            # old one without calling the row moved (the board does, for every changed agent).
            if k in in_head or k not in alive or key(k) != kk:
                continue  # moved since (a newer entry holds it), or gone
            if pos is not None:
                pos[k] = len(head)
            head.append(k)
            in_head.add(k)

    def _trim(self, want: int) -> None:
        head = self.head
        keep = want + SLACK
        if len(head) <= keep + SLACK:
            return
        key = self._key
        assert key is not None
        extra = head[keep:]
        del head[keep:]
        self._in_head.difference_update(extra)
        tail = self._tail
        if len(extra) <= SLACK:
            for k in extra:
                heappush(tail, key(k))
        else:  # back from a long scroll: rebuilding the heap is linear, pushing is not
            tail.extend(map(key, extra))
            heapify(tail)
        self._changed()

    def _compact(self) -> None:
        key = self._key
        assert key is not None
        in_head = self._in_head
        self._tail = [key(k) for k in self._alive if k not in in_head]
        heapify(self._tail)
