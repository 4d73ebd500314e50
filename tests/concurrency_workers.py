"""Worker processes for the multi-process tests: each opens its own engine, as a console would.

Module-level functions so ``multiprocessing`` (spawn) can import them in a fresh interpreter.
Each returns plain data (what it won, what it was refused, any unexpected error text).
"""

from __future__ import annotations

import json
import time
import traceback
from datetime import UTC, datetime, timedelta
from typing import Any

from floorapp.clock import SystemClock
from floorapp.config import Settings
from floorapp.context import AppContext


def _ctx(url: str, actor: str) -> AppContext:
    from db.engine import make_engine

    ctx = AppContext(db_url=url, settings=Settings(), clock=SystemClock(), actor=actor)
    ctx.__dict__["engine"] = make_engine(url)  # schema already made by the parent
    return ctx


def claimer(url: str, actor: str, esc_ids: list[int], start_at: float) -> dict[str, Any]:
    """Claim every escalation as fast as possible, starting at the same instant as the others."""
    from floorapp.services import escalations as esc

    ctx = _ctx(url, actor)
    won: list[int] = []
    told: dict[int, str] = {}
    errors: list[str] = []
    while time.time() < start_at:
        time.sleep(0.001)
    for esc_id in esc_ids:
        try:
            esc.claim(ctx.engine, esc_id, actor=actor, now=ctx.clock.now())
            won.append(esc_id)
        except esc.AlreadyHeld as exc:
            told[esc_id] = exc.holder
        except esc.EscalationError as exc:  # the same supervisor's other console won
            if "you already hold" not in str(exc):
                raise
            told[esc_id] = actor
        except Exception:  # anything else ("database is locked"...) is a failure
            errors.append(traceback.format_exc())
    ctx.engine.dispose()
    return {"actor": actor, "won": won, "told": told, "errors": errors}


def console_like(
    url: str, actor: str, agent_id: str, esc_id: int, rounds: int, start_at: float
) -> dict[str, Any]:
    """A supervisor's console: polls the board, raises an observation, notes an escalation."""
    from floorapp.services import escalations as esc
    from floorapp.services import flags
    from floorapp.services.board import BoardReader

    ctx = _ctx(url, actor)
    reader = BoardReader(ctx.engine, settings=ctx.settings, actor=actor)
    errors: list[str] = []
    done = 0
    while time.time() < start_at:
        time.sleep(0.001)
    for i in range(rounds):
        try:
            reader.poll(now=ctx.clock.now())
            flags.raise_observed(
                ctx.engine, agent_id, f"seen by {actor} #{i}", actor=actor, now=ctx.clock.now()
            )
            esc.add_note(ctx.engine, esc_id, f"{actor} note {i}", actor=actor, now=ctx.clock.now())
            done += 1
        except Exception:
            errors.append(traceback.format_exc())
    ctx.engine.dispose()
    return {"actor": actor, "done": done, "errors": errors}


def feed(url: str, rate: int, total: int, start_at: float) -> dict[str, Any]:
    """The floor service's writer: ``total`` events paced at ``rate`` events/s (batches every
    0.1 s). On a loaded machine it runs late, never short: every event is written."""
    from floorapp.feed.events import FeedEvent
    from floorapp.feed.jsonl import parse_jsonl
    from floorapp.feed.writer import FeedWriter
    from floorapp.rules import build_observer

    ctx = _ctx(url, "feed")
    writer = FeedWriter(
        ctx.engine,
        ctx.settings,
        observers=[build_observer(ctx.settings, ctx.clock)],
        clock=ctx.clock,
    )
    errors: list[str] = []
    written = 0
    n = 0
    t0 = datetime.now(UTC)
    while time.time() < start_at:
        time.sleep(0.001)
    per_batch = max(1, rate // 10)
    states = ["available", "on_call", "after_call", "available", "break"]
    while n < total:
        tick = time.monotonic()
        lines = []
        for _ in range(per_batch):
            n += 1
            st = states[n % len(states)]
            lines.append(
                json.dumps(
                    {
                        "type": "state",
                        "ts": (t0 + timedelta(milliseconds=n)).isoformat(),
                        "agent": f"F{n % 50:02d}",
                        "state": st,
                        "reason": "restroom" if st == "break" else None,
                    }
                )
            )
        try:
            batch = [e for e in parse_jsonl(lines, "feed") if isinstance(e, FeedEvent)]
            written += writer.write_batch(batch).accepted
        except Exception:
            errors.append(traceback.format_exc())
        time.sleep(max(0.0, 0.1 - (time.monotonic() - tick)))
    ctx.engine.dispose()
    return {"written": written, "errors": errors}
