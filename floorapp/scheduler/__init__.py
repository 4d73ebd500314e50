"""Reminders on APScheduler: lease/leadership, the plan's timetable, firing and missed detection."""

from floorapp.scheduler.host import SchedulerHost, console_host

__all__ = ["SchedulerHost", "console_host"]
