"""Stopping a long run cleanly: SIGINT, SIGTERM and SIGHUP set an event, the work in hand finishes.

SIGHUP is what a closed terminal or ``systemctl kill -s HUP`` sends; left to its default
it ends the process at once (exit 129) without giving up the leases it holds.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@contextmanager
def stop_on_signals(
    stop: threading.Event, on_signal: Callable[[signal.Signals], None] | None = None
) -> Iterator[None]:
    """While inside, SIGINT, SIGTERM and SIGHUP set ``stop`` (and call ``on_signal``), then restore.

    Off the main thread signals cannot be caught; the caller's ``stop`` still works.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[signal.Signals, Any] = {}

    def handler(signum: int, _frame: Any) -> None:
        if on_signal is not None:
            on_signal(signal.Signals(signum))
        stop.set()

    for sig in STOP_SIGNALS:
        previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
