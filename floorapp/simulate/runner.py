"""Drives a ``FloorSimulator`` into the store through the same path as a real feed.

Each step serialises the generated events to JSONL, parses them with ``parse_jsonl``
and hands them to ``FeedWriter.write_batch`` with the distress rules attached, so the
rules see exactly what they would see from ``floorapp ingest``. One batch a simulated
second; a quiet second still ticks the time-based rules.
"""

from __future__ import annotations

import importlib.util
import math
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import Engine

from floorapp.config import Settings
from floorapp.feed.jsonl import event_to_json, parse_jsonl
from floorapp.feed.observer import FeedObserver, request_observers
from floorapp.feed.writer import FeedWriter, IngestSummary
from floorapp.simulate.generator import FloorSimulator


class SimClock:
    """The simulated floor's time: the writer and the rules read it, the runner moves it.

    At speed 1 it follows the wall clock; faster, it runs ahead of it.
    """

    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC)


class SettableClock(Protocol):
    """A clock the runner moves: ``SimClock``, or a test's ``ManualClock``."""

    def now(self) -> datetime: ...

    def set(self, when: datetime) -> None: ...


def rules_observers(settings: Settings, clock: SettableClock) -> list[FeedObserver]:
    """The distress rules, when that part of floorapp is installed."""
    if importlib.util.find_spec("floorapp.rules") is None:
        return []
    from floorapp.rules import build_observer

    return [build_observer(settings, clock)]


class SimulationRunner:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        sim: FloorSimulator,
        *,
        rules: bool = True,
        clock: SettableClock | None = None,
    ) -> None:
        self.sim = sim
        if sim.zone is None:
            sim.zone = settings.timezone  # the floor's day: its peaks are local hours
        self.clock: SettableClock = clock or SimClock(sim.now)
        observers = (rules_observers(settings, self.clock) if rules else []) + request_observers(
            settings
        )
        self.writer = FeedWriter(engine, settings, observers=observers, clock=self.clock)
        self.source = f"simulate:{sim.run_tag}"
        self.line_no = 0
        self.total = IngestSummary()

    def step(self, until: datetime) -> IngestSummary:
        """Generate the floor up to ``until`` and write it as one batch."""
        events = self.sim.advance(until)
        self.clock.set(until)
        if not events:
            self.writer.tick_idle(until)
            return IngestSummary()
        lines = [event_to_json(e) for e in events]
        parsed = list(parse_jsonl(lines, self.source, start_line=self.line_no))
        self.line_no += len(lines)
        summary = self.writer.write_batch(parsed)
        self.total.merge(summary)
        return summary

    def run_for(self, seconds: float, step_s: float = 1.0) -> IngestSummary:
        """Simulate ``seconds`` of floor time at once (tests, fast-forward): no sleeping."""
        start = self.sim.now
        k = 0
        while k * step_s < seconds:
            k += 1
            self.step(start + timedelta(seconds=min(k * step_s, seconds)))
        return self.total

    def run(
        self,
        *,
        speed: float = 1.0,
        duration: float | None = None,
        stop: threading.Event | None = None,
        step_s: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        on_step: Callable[[datetime, IngestSummary], None] | None = None,
    ) -> IngestSummary:
        """Write the floor at ``speed`` times real time until ``stop`` or ``duration``.

        ``duration`` is in simulated seconds. When the writer falls behind (a slow disk,
        a high speed) the next batch covers the lag instead of piling up steps.
        """
        if speed <= 0:
            raise ValueError("speed must be positive")
        stop = stop or threading.Event()
        start = self.sim.now
        real0 = monotonic()
        sim_s = 0.0
        while not stop.is_set():
            target = sim_s + step_s
            wait = real0 + target / speed - monotonic()
            if wait > 0:
                if stop.wait(wait):
                    break
            else:
                lag = (monotonic() - real0) * speed
                target = max(target, math.floor(lag / step_s) * step_s)
            if duration is not None:
                target = min(target, duration)
            sim_s = target
            summary = self.step(start + timedelta(seconds=sim_s))
            if on_step is not None:
                on_step(start + timedelta(seconds=sim_s), summary)
            if duration is not None and sim_s >= duration:
                break
        return self.total
