"""The few strings every route shows alike: the service level and a quiet feed."""

from __future__ import annotations

from datetime import datetime, tzinfo

from floorapp.figures.clock import FloorClock
from floorapp.figures.service_level import ServiceLevel


def sl_label(level: ServiceLevel | None, threshold_s: int | None = None) -> str:
    """``SL20 75 %``; ``SL20 —`` before any call counts."""
    if level is None:
        from floorapp.i18n import MARKS

        return f"SL{threshold_s if threshold_s is not None else ''} {MARKS.dash}"
    return level.label()


def sl_explained(level: ServiceLevel) -> str:
    """``asterisk: answered within 20 s / answered = 6/8 = 75 %``."""
    shares = f"{level.numerator}/{level.denominator}"
    return f"{level.definition}: {level.formula_words()} = {shares} = {level.percent()}"


def quiet_text(wall: datetime, last_event_at: datetime | None, tz: tzinfo) -> str | None:
    return FloorClock(wall, last_event_at).quiet_text(tz)
