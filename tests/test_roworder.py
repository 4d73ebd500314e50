"""The board's row order is exact wherever it is read, however rows move, come and go."""

from __future__ import annotations

import random

import pytest

from screens.roworder import SLACK, RowOrder


def _check(
    order: RowOrder, rows: dict[str, None], keys: dict[str, tuple[int, str]], rng: random.Random
) -> None:
    expected = sorted(rows, key=keys.__getitem__)
    assert len(order) == len(expected)
    # Read the way a table does: a window, single rows, a row's position.
    top = rng.randrange(0, max(len(expected), 1))
    assert order.slice(top, top + 20) == expected[top : top + 20]
    for _ in range(5):
        i = rng.randrange(0, len(expected) + 2)
        assert order.at(i) == (expected[i] if i < len(expected) else None)
    if expected:
        k = rng.choice(expected)
        assert order.index(k) == expected.index(k)


@pytest.mark.parametrize("seed", range(6))
def test_order_matches_a_full_sort_through_moves_adds_removes_and_scrolls(seed: int) -> None:
    rng = random.Random(seed)
    rows: dict[str, None] = {}
    keys: dict[str, tuple[int, str]] = {}
    order = RowOrder(rows)
    for i in range(600):
        rows[f"r{i}"] = None
        keys[f"r{i}"] = (rng.randrange(50), f"r{i}")
    order.extend(list(rows))
    order.place(keys.__getitem__, None, 30)
    _check(order, rows, keys, rng)
    for step in range(60):
        moved: set[str] = set()
        # Keys drawn from a small range: rows often move back to a key they had before, so
        # an old heap entry can look current again.
        for k in rng.sample(sorted(rows), rng.randrange(0, 120)):
            keys[k] = (rng.randrange(50), k)
            moved.add(k)
        # As the board does for an agent whose change leaves its sort key as it was: a new,
        # equal key object, and the row not called moved.
        for k in rng.sample(sorted(rows), rng.randrange(0, 60)):
            if k not in moved:
                keys[k] = (int(str(keys[k][0])), k)
        for k in rng.sample(sorted(rows), rng.randrange(0, 4)):
            del rows[k]
            order.remove(k)
            moved.discard(k)
        for j in range(rng.randrange(0, 4)):
            k = f"n{step}-{j}"
            keys[k] = (rng.randrange(50), k)
            rows[k] = None
            order.append(k)
            moved.add(k)
        want = rng.choice((30, 30, 30, 200, len(rows)))  # now and then the supervisor scrolls
        order.place(keys.__getitem__, moved, want)
        assert len(order.head) >= min(want, len(rows))
        _check(order, rows, keys, rng)


def test_a_quiet_table_keeps_only_its_head_in_order() -> None:
    rows = {f"r{i:04d}": None for i in range(5000)}
    keys = {k: (i, k) for i, k in enumerate(rows)}
    order = RowOrder(rows)
    order.extend(list(rows))
    order.place(keys.__getitem__, None, 50)
    moved = set(list(rows)[::10])
    for k in moved:
        keys[k] = (-keys[k][0], k)
    order.place(keys.__getitem__, moved, 50)
    # The head is what the screen needs and a margin, not the whole table...
    assert len(order.head) <= 50 + 2 * SLACK
    # ...and End still finds the true last row.
    assert order.at(4999) == max(rows, key=keys.__getitem__)


def test_cell_sort_is_stable_and_plain() -> None:
    rows = {k: None for k in ("a", "b", "c", "d")}
    order = RowOrder(rows)
    order.extend(list(rows))
    rank = {"a": 1, "b": 0, "c": 1, "d": 0}
    order.sort(rank.__getitem__)
    assert order.slice(0, 4) == ["b", "d", "a", "c"]
