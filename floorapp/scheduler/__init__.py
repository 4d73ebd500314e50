"""Reminders on APScheduler: lease/leadership, the plan's timetable, firing and missed detection."""

from floorapp.scheduler.host import SchedulerHost

__all__ = ["SchedulerHost"]
