"""SchedulerHost: every console starts one; only the lease holder runs APScheduler.

Each ``step`` (every ``RENEW_EVERY`` on a background thread) renews or tries to take
the lease. The holder:

* on taking over, sweeps from the last ``covered_until``: reminders that came due
  while nothing ran are recorded once as ``missed`` (APScheduler alone would drop or
  coalesce them silently);
* keeps the persistent job store in step with the plan's timetable for the next
  hours (one ``date`` job per reminder), so a new plan version or a period boundary
  changes what fires without a restart;
* sweeps again every step, which records anything a stalled scheduler did not fire.

A console that loses the lease shuts its scheduler down; the database's unique
``(job_id, scheduled_for)`` makes any brief overlap harmless.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from db.engine import make_engine, read_tx
from db.models_plan import PlanVersion
from floorapp.clock import Clock, SystemClock
from floorapp.config import Settings
from floorapp.i18n import render
from floorapp.scheduler import jobs, lease
from floorapp.scheduler.firing import GRACE, SweepResult, sweep, upcoming
from floorapp.scheduler.floor_jobs import floor_jobs
from floorapp.services import stepins, triage

log = logging.getLogger("floorapp.scheduler")

JOBSTORE = "plan"
HORIZON = timedelta(hours=3)
RESYNC_EVERY = timedelta(minutes=1)


class SchedulerHost:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        clock: Clock,
        *,
        holder_id: str,
        use_apscheduler: bool | None = None,
        renew_every: timedelta = lease.RENEW_EVERY,
        ttl: timedelta = lease.LEASE_TTL,
        grace: timedelta = GRACE,
        horizon: timedelta = HORIZON,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.holder_id = holder_id
        # APScheduler fires on the wall clock: with a manual clock (tests, replays) the
        # sweep alone records reminders, at the clock's pace.
        self.use_apscheduler = (
            isinstance(clock, SystemClock) if use_apscheduler is None else use_apscheduler
        )
        self.renew_every = renew_every
        self.ttl = ttl
        self.grace = grace
        self.horizon = horizon
        self.is_holder = False
        self.last_sweep: SweepResult | None = None
        self.last_escalated: list[int] = []
        self._url = engine.url.render_as_string(hide_password=False)
        self._scheduler: Any = None
        self._synced_at: datetime | None = None
        self._synced_version: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def scheduler(self) -> Any:
        """The APScheduler this host runs while it holds the lease (None otherwise)."""
        return self._scheduler

    # --- lifecycle ------------------------------------------------------------------

    def start(self) -> None:
        """Begin trying for the lease in a background thread (never on the UI loop)."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name=f"scheduler-host-{self.holder_id}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        with self._lock:
            was_holder = self.is_holder
            self._drop_scheduler()
            if was_holder:
                lease.release(self.engine, self.holder_id)
            self.is_holder = False

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.step()
            except Exception:  # a lost database must not kill the thread: retry next step
                log.exception("scheduler step failed; retrying")
            self._stop.wait(self.renew_every.total_seconds())

    # --- one step ---------------------------------------------------------------------

    def step(self) -> bool:
        """Renew or take the lease; as holder, sweep and keep the jobs in step. Returns held."""
        with self._lock:
            now = self.clock.now()
            state = lease.try_acquire(self.engine, self.holder_id, now, self.ttl)
            if not state.held:
                if self.is_holder:
                    log.warning("scheduler lease lost to %s; stopping", state.holder)
                    self._drop_scheduler()
                self.is_holder = False
                return False
            if not self.is_holder:
                log.info("scheduler lease taken by %s (epoch %s)", self.holder_id, state.epoch)
                self.is_holder = True
            self.last_sweep = sweep(
                self.engine, self.settings, holder=self.holder_id, now=now, grace=self.grace
            )
            floor_jobs(self.engine, self.settings, holder=self.holder_id, now=now)
            # The holder is the floor's one clock-driven writer: flags nobody acknowledged
            # in time go to the floor manager here, whichever console is watching.
            self.last_escalated = triage.escalate_overdue(
                self.engine, settings=self.settings, now=now
            )
            stepins.follow_up(self.engine, settings=self.settings, now=now)
            if self.use_apscheduler:
                self._sync_jobs(now)
            return True

    # --- APScheduler --------------------------------------------------------------------

    def _ensure_scheduler(self) -> Any:
        if self._scheduler is None:
            from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
            from apscheduler.schedulers.background import BackgroundScheduler

            jobs.register_engine(self._url, self.engine)
            # Its own engine: the job store disposes it on shutdown.
            store = SQLAlchemyJobStore(engine=make_engine(self._url))
            self._scheduler = BackgroundScheduler(
                jobstores={JOBSTORE: store},
                executors={"default": {"type": "threadpool", "max_workers": 2}},
                job_defaults={
                    # The default grace (1 s) silently skips a job that is a little late.
                    "misfire_grace_time": int(self.grace.total_seconds()),
                    "coalesce": False,
                    "max_instances": 1,
                },
                timezone="UTC",
            )
            self._scheduler.start()
            self._synced_at = None
        return self._scheduler

    def _drop_scheduler(self) -> None:
        if self._scheduler is not None:
            try:
                self._scheduler.shutdown(wait=False)
            except Exception:
                log.exception("scheduler shutdown")
            self._scheduler = None
            self._synced_at = None

    def _plan_version(self) -> int | None:
        with read_tx(self.engine) as conn:
            return conn.execute(
                select(PlanVersion.id).order_by(PlanVersion.id.desc()).limit(1)
            ).scalar()

    def _sync_jobs(self, now: datetime) -> None:
        """Make the job store hold exactly the timetable's next ``horizon`` of reminders."""
        version = self._plan_version()
        if (
            self._synced_at is not None
            and version == self._synced_version
            and now - self._synced_at < RESYNC_EVERY
        ):
            return
        sched = self._ensure_scheduler()
        wanted = {o.key: o for o in upcoming(self.engine, now, self.horizon)}
        have = {j.id for j in sched.get_jobs(jobstore=JOBSTORE)}
        for job_id in have - wanted.keys():
            sched.remove_job(job_id, jobstore=JOBSTORE)
        for key in wanted.keys() - have:
            occ = wanted[key]
            sched.add_job(
                jobs.fire_occurrence,
                trigger="date",
                run_date=occ.at,
                id=key,
                name=(render(occ.title, english=True) or "")[:100],
                jobstore=JOBSTORE,
                args=[self._url, self.holder_id, occ.to_dict(), version],
            )
        self._synced_at, self._synced_version = now, version


def console_host(
    engine: Engine, settings: Settings, clock: Clock, supervisor: str
) -> SchedulerHost:
    """The scheduler host of one console process: every console offers to hold the lease,
    so reminders keep firing while any console is open; the lease lets only one run."""
    return SchedulerHost(
        engine, settings, clock, holder_id=f"{socket.gethostname()}:{os.getpid()}:{supervisor}"
    )
