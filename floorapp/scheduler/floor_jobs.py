"""What the scheduler's holder does every step besides the plan's timetable: the drills
whose slot came (fired once their agent is free) and the agents' requests gone late.

Both read the live floor (an agent's state, a request's deadlines), so they are swept
each step rather than set as APScheduler date jobs.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Engine

from floorapp.config import Settings

log = logging.getLogger("floorapp.scheduler")


def floor_jobs(engine: Engine, settings: Settings, *, holder: str, now: datetime) -> None:
    from floorapp.services import drills, requests

    # One failing must not stop the other (nor the reminders swept before them).
    try:
        drills.fire_due(engine, now=now, holder=holder)
    except Exception:
        log.exception("drills: firing failed; retrying next step")
    try:
        requests.remind_late(engine, settings=settings, now=now, holder=holder)
    except Exception:
        log.exception("requests: late reminders failed; retrying next step")
