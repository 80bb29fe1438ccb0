"""The Qt-free scheduling core: when the nightly sync is due, and OS task definitions."""

from app.schedule.nightly import NightlyPlan, parse_time, schedule_reference
from app.schedule.os_tasks import (
    Command,
    OsTask,
    Platform,
    TaskFile,
    app_command,
    current_platform,
    nightly_task,
    sign_in_task,
)

__all__ = [
    "Command",
    "NightlyPlan",
    "OsTask",
    "Platform",
    "TaskFile",
    "app_command",
    "current_platform",
    "nightly_task",
    "parse_time",
    "schedule_reference",
    "sign_in_task",
]
