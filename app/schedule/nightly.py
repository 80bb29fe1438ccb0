"""When the nightly sync is due: a pure planner over the settings, the clock and the history.

The sync runs at the chosen local time each night. A night missed because the computer slept
or was off is made up once, at the next start or wake: only the latest missed slot counts, and
none does once a scheduled run started after it. The caller passes the time in; nothing here
reads the clock, so tests use fixed datetimes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from app.settings import ScheduleSettings
from app.store.history import RunRecord

SCHEDULE_TRIGGER = "schedule"
#: A run this soon after its slot is the on-time run; later, it is making up a missed night.
ON_TIME_GRACE = timedelta(minutes=10)

_TIME = re.compile(r"(\d{1,2}):(\d{2})")


def parse_time(text: str) -> time:
    """The "HH:MM" of the settings as a time; ValueError with a sentence when it is not one."""
    match = _TIME.fullmatch(text.strip())
    if match:
        hour, minute = int(match[1]), int(match[2])
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise ValueError(
        f"The nightly sync time {text!r} is not a time of day; choose one such as 02:00."
    )


def schedule_reference(runs: Iterable[RunRecord]) -> datetime | None:
    """What to pass as ``NightlyPlan.last_scheduled_run``, from ``History.runs()``.

    The start of the newest scheduled run (whatever its outcome: an attempt covers its night,
    so a failed make-up is not retried). When no scheduled run ever happened, the start of the
    oldest run of any kind, so a computer that is never on at night still gets its first
    nightly sync the morning after setup's first sync. None for an empty history.
    """
    runs = list(runs)
    scheduled = [run.started_at for run in runs if run.trigger == SCHEDULE_TRIGGER]
    if scheduled:
        return max(scheduled)
    return min((run.started_at for run in runs), default=None)


@dataclass(frozen=True)
class NightlyPlan:
    """The nightly schedule as seen at one moment.

    ``now`` and ``last_scheduled_run`` are aware datetimes in any zone. ``zone`` is the zone
    whose wall clock ``schedule.time`` is read in; None means the operating system's local
    time, which follows the OS's daylight-saving rules on every platform (a fixed-offset
    ``datetime.now().astimezone()`` would be an hour off across a DST change).
    ``last_scheduled_run`` None means there is nothing to make up: the next slot is awaited.
    """

    schedule: ScheduleSettings
    now: datetime
    last_scheduled_run: datetime | None
    zone: tzinfo | None = None

    def __post_init__(self) -> None:
        for name in ("now", "last_scheduled_run"):
            moment = getattr(self, name)
            if moment is not None and moment.utcoffset() is None:
                raise ValueError(f"NightlyPlan.{name} must be an aware datetime")
        parse_time(self.schedule.time)

    @property
    def paused(self) -> bool:
        return not self.schedule.nightly

    def slot_on(self, day: date) -> datetime:
        """When the sync runs on the night of local ``day``, in UTC.

        A time skipped by spring-forward (2:30 on a night with no 2:00-2:59) resolves to the
        same distance past the jump (3:30), so that night still runs once; a time repeated by
        fall-back resolves to its first occurrence only.
        """
        wall = datetime.combine(day, parse_time(self.schedule.time))
        if self.zone is None:
            return wall.astimezone(UTC)  # a naive datetime is read by the OS's local rules
        return wall.replace(tzinfo=self.zone, fold=0).astimezone(UTC)

    def latest_slot(self) -> datetime:
        """The newest slot at or before ``now``, in UTC."""
        # Compare in UTC only: aware datetimes sharing a tzinfo compare by wall clock, which
        # is wrong across a fall-back night.
        now = self.now.astimezone(UTC)
        today = self._local_date(now)
        slot = self.slot_on(today)
        return slot if slot <= now else self.slot_on(today - timedelta(days=1))

    def due_slot(self) -> datetime | None:
        """The slot a run started now would cover (UTC), or None when no run is due."""
        if self.paused or self.last_scheduled_run is None:
            return None
        slot = self.latest_slot()
        return slot if self.last_scheduled_run.astimezone(UTC) < slot else None

    def is_due(self) -> bool:
        return self.due_slot() is not None

    def missed_night(self) -> datetime | None:
        """The slot being made up (local time) when the due run is late, not on time."""
        slot = self.due_slot()
        if slot is None or self.now.astimezone(UTC) - slot < ON_TIME_GRACE:
            return None
        return self._local(slot)

    def next_run_at(self) -> datetime | None:
        """When the next scheduled run should start (local time): ``now`` when one is due,
        else the next slot; None when nightly sync is paused."""
        if self.paused:
            return None
        if self.is_due():
            return self.now
        latest = self.latest_slot()
        following = self.slot_on(self._local_date(latest) + timedelta(days=1))
        return self._local(following)

    def _local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone) if self.zone else moment.astimezone()

    def _local_date(self, moment: datetime) -> date:
        return self._local(moment).date()
