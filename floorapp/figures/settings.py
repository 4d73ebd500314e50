"""The figures' settings, read in one place with the defaults the documentation names.

The threshold, definition and sample settings live on ``floorapp.config.Settings``; a
settings object from before they existed (or a test's stand-in) reads as the defaults.
"""

from __future__ import annotations

from datetime import time, tzinfo
from typing import Any

SL_THRESHOLD_S = 20
SL_DEFINITION = "asterisk"
SHORT_ABANDON_S = 5
MIN_SAMPLE = 30


def _get(settings: Any, name: str, default: Any) -> Any:
    value = getattr(settings, name, None)
    return default if value is None else value


def zone(settings: Any) -> tzinfo:
    """The centre's time zone; the machine's own when the settings name none."""
    tz = getattr(settings, "timezone", None)
    if tz is not None:
        return tz  # type: ignore[no-any-return]
    from datetime import datetime

    local = datetime.now().astimezone().tzinfo
    assert local is not None
    return local


def day_start(settings: Any) -> time:
    value = _get(settings, "day_start", time(0))
    return value if isinstance(value, time) else time(0)


def sl_threshold(settings: Any, queue: str | None = None) -> int:
    """Seconds within which an answer counts, for ``queue`` (the floor's when None)."""
    per_queue = getattr(settings, "sl_threshold_for", None)
    if queue is not None and callable(per_queue):
        return int(per_queue(queue))
    if queue is not None:
        by_queue = _get(settings, "sl_threshold_by_queue", {})
        if queue in by_queue:
            return int(by_queue[queue])
    return int(_get(settings, "sl_threshold_s", SL_THRESHOLD_S))


def sl_definition(settings: Any) -> str:
    return str(_get(settings, "sl_definition", SL_DEFINITION))


def short_abandon_s(settings: Any) -> int:
    return int(_get(settings, "short_abandon_s", SHORT_ABANDON_S))


def min_sample(settings: Any) -> int:
    return int(_get(settings, "min_sample", MIN_SAMPLE))


def long_call_minutes(settings: Any) -> float:
    """The long-call rule's threshold: the board's mark and the rule fire at the same length."""
    from floorapp.rules.definitions import load_rules

    try:
        return float(load_rules(getattr(settings, "rules", None))["long_call"]["threshold"])
    except Exception:  # a bad rules table is reported where the rules load; not here
        return float(load_rules({})["long_call"]["threshold"])
