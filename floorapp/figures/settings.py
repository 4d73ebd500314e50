"""The figures' settings, read in one place: the centre's zone and day start, the service
level's threshold and definition, short abandons, the minimum sample, the long-call rule.

They live on ``floorapp.config.Settings`` (docs/config.md); ``None`` reads as the defaults.
"""

from __future__ import annotations

import functools
from datetime import time, tzinfo
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the settings' schema loads pydantic: not for `floorapp report --help`
    from floorapp.config import Settings


@functools.cache
def _defaults() -> Settings:
    from floorapp.config import Settings

    return Settings()


def _s(settings: Settings | None) -> Settings:
    return _defaults() if settings is None else settings


def zone(settings: Settings | None) -> tzinfo:
    """The centre's time zone (the machine's own unless the settings name one)."""
    return _s(settings).timezone


def day_start(settings: Settings | None) -> time:
    return _s(settings).day_start


def sl_threshold(settings: Settings | None, queue: str | None = None) -> int:
    """Seconds within which an answer counts, for ``queue`` (the floor's when None)."""
    return int(_s(settings).sl_threshold_for(queue))


def sl_definition(settings: Settings | None) -> str:
    return _s(settings).sl_definition


def short_abandon_s(settings: Settings | None) -> int:
    return int(_s(settings).short_abandon_s)


def min_sample(settings: Settings | None) -> int:
    return int(_s(settings).min_sample)


def long_call_minutes(settings: Settings | None) -> float:
    """The long-call rule's threshold: the board's mark and the rule fire at the same length."""
    from floorapp.rules.definitions import load_rules

    return float(load_rules(_s(settings).rules)["long_call"]["threshold"])
