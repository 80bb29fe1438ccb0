"""The nightly sync while the app runs: due at its time, a missed night made up exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.context import AppContext
from app.store.models import SyncRun
from ui.scheduler import NightlyScheduler


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def record_run(context: AppContext, trigger: str, started: datetime) -> None:
    """A finished run in history, started at ``started``."""
    with context.database.session() as session:
        session.add(
            SyncRun(
                started_at=started,
                finished_at=started,
                trigger=trigger,
                mode="full",
                dry_run=False,
                status="succeeded",
            )
        )


def at_local(day: datetime, hour: int, minute: int = 0) -> datetime:
    return day.astimezone().replace(hour=hour, minute=minute, second=0, microsecond=0)


def test_a_missed_night_is_made_up_once_and_only_once(qtbot, gui_context: AppContext):
    today = datetime.now(UTC)
    setup_day = at_local(today - timedelta(days=4), 12)
    record_run(gui_context, "manual", setup_day)  # setup's first sync, four days ago
    clock = Clock(at_local(today, 9))  # the computer was off for three nights
    scheduler = NightlyScheduler(gui_context, clock)
    fired: list[object] = []
    scheduler.due.connect(fired.append)

    scheduler.start()
    scheduler.check()
    assert len(fired) == 1  # one make-up, not three, and not again on the next check
    record_run(gui_context, "schedule", clock.now)
    clock.now += timedelta(hours=3)
    scheduler.check()
    assert len(fired) == 1


def test_the_nightly_sync_is_due_at_its_time_and_not_before(qtbot, gui_context: AppContext):
    gui_context.settings.schedule.time = "02:00"
    yesterday_noon = at_local(datetime.now(UTC) - timedelta(days=1), 12)
    record_run(gui_context, "schedule", yesterday_noon)
    clock = Clock(at_local(datetime.now(UTC), 1, 59))
    scheduler = NightlyScheduler(gui_context, clock)
    fired: list[object] = []
    scheduler.due.connect(fired.append)
    scheduler.check()
    assert fired == []
    clock.now += timedelta(minutes=2)
    scheduler.check()
    assert len(fired) == 1


def test_paused_nightly_sync_never_fires(qtbot, gui_context: AppContext):
    gui_context.settings.schedule.nightly = False
    record_run(gui_context, "manual", at_local(datetime.now(UTC) - timedelta(days=3), 12))
    scheduler = NightlyScheduler(gui_context, Clock(at_local(datetime.now(UTC), 9)))
    fired: list[object] = []
    scheduler.due.connect(fired.append)
    scheduler.check()
    assert fired == [] and scheduler.next_run_at() is None
