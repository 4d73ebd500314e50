"""Waiting in tests: for a condition, with a deadline, never for a guessed time.

``wait_until`` polls ``pred`` until it holds and fails with ``what`` once ``timeout``
seconds have passed; the poll interval only decides how soon a true condition is seen.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(
    pred: Callable[[], object], what: str, timeout: float = 30.0, every: float = 0.05
) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(every)
