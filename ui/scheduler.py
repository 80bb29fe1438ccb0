"""The nightly sync while the app runs: checks the schedule every minute and says when a
sync is due.

Checking often, instead of one long timer until 2:00 AM, keeps it right after the computer
sleeps or its clock changes: the first check after waking sees the missed night and makes it
up once (``NightlyPlan`` decides what is due; this only asks it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QObject, QTimer, Signal

from app.context import AppContext
from app.schedule.nightly import NightlyPlan, schedule_reference

CHECK_EVERY_MS = 60_000


def _utc_now() -> datetime:
    return datetime.now(UTC)


class NightlyScheduler(QObject):
    #: A nightly sync should start now (the slot it is for, UTC).
    due = Signal(object)

    def __init__(
        self,
        context: AppContext,
        clock: Callable[[], datetime] = _utc_now,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._clock = clock
        self._announced: datetime | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_EVERY_MS)
        self._timer.timeout.connect(self.check)

    def start(self) -> None:
        """Check now (a night missed while the app was closed) and then every minute."""
        self._timer.start()
        self.check()

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def plan(self) -> NightlyPlan:
        return NightlyPlan(
            self._context.settings.schedule,
            self._clock(),
            schedule_reference(self._context.history.runs()),
        )

    def next_run_at(self) -> datetime | None:
        return self.plan().next_run_at()

    def check(self) -> None:
        slot = self.plan().due_slot()
        # Announce each slot once: the sync it starts is recorded, which moves the plan on,
        # but until then (or if it could not start) the same slot must not fire again.
        if slot is not None and slot != self._announced:
            self._announced = slot
            self.due.emit(slot)
