"""The nightly planner: due at the time, made up once after missed nights, DST-safe."""

from __future__ import annotations

import os
import time as time_module
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from app.schedule.nightly import NightlyPlan, parse_time, schedule_reference
from app.settings import ScheduleSettings
from app.store.history import RunCounts, RunRecord

try:
    from zoneinfo import ZoneInfo

    CHICAGO = ZoneInfo("America/Chicago")
except Exception:  # no tz database (Windows without the tzdata package)
    pytest.skip("the America/Chicago time zone is not available", allow_module_level=True)


def at(year: int, month: int, day: int, hour: int, minute: int = 0, fold: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHICAGO, fold=fold)


def plan(
    now: datetime, last: datetime | None, *, time: str = "02:00", nightly: bool = True
) -> NightlyPlan:
    return NightlyPlan(ScheduleSettings(nightly=nightly, time=time), now, last, zone=CHICAGO)


def simulate(start: datetime, end: datetime, last: datetime | None, **options) -> list[datetime]:
    """Check every five minutes from start to end, running whenever the plan says so."""
    runs: list[datetime] = []
    now = start.astimezone(UTC)
    while now <= end.astimezone(UTC):
        if plan(now, last, **options).is_due():
            runs.append(now.astimezone(CHICAGO))
            last = now
        now += timedelta(minutes=5)
    return runs


def nights(runs: list[datetime]) -> list[date]:
    return [run.date() for run in runs]


# --- at the chosen time --------------------------------------------------------------------


def test_due_at_the_time_not_before() -> None:
    last = at(2024, 5, 1, 2)
    assert not plan(at(2024, 5, 2, 1, 59), last).is_due()
    on_time = plan(at(2024, 5, 2, 2, 0), last)
    assert on_time.is_due()
    assert on_time.missed_night() is None  # on time, not a make-up
    assert on_time.next_run_at() == at(2024, 5, 2, 2, 0)


def test_after_running_the_next_run_is_tomorrow() -> None:
    ran = at(2024, 5, 2, 2, 0)
    later = plan(at(2024, 5, 2, 2, 5), ran)
    assert not later.is_due()
    assert later.next_run_at() == at(2024, 5, 3, 2, 0)
    assert later.next_run_at().utcoffset() == timedelta(hours=-5)  # local, daylight time


def test_next_run_before_tonights_slot_is_tonight() -> None:
    assert plan(at(2024, 5, 2, 23, 0), at(2024, 5, 2, 2)).next_run_at() == at(2024, 5, 3, 2)
    assert plan(at(2024, 5, 2, 1, 0), at(2024, 5, 1, 2)).next_run_at() == at(2024, 5, 2, 2)


def test_runs_once_a_night_while_the_app_runs() -> None:
    runs = simulate(at(2024, 5, 1, 12), at(2024, 5, 5, 12), at(2024, 5, 1, 2))
    assert runs == [at(2024, 5, d, 2) for d in (2, 3, 4, 5)]


# --- missed nights -------------------------------------------------------------------------


def test_three_nights_off_is_made_up_exactly_once() -> None:
    last = at(2024, 5, 1, 2)
    back = plan(at(2024, 5, 4, 8, 30), last)
    assert back.is_due()
    assert back.missed_night() == at(2024, 5, 4, 2)
    assert back.next_run_at() == at(2024, 5, 4, 8, 30)
    # Off from the 1st's run until the morning of the 4th, then on for two days.
    runs = simulate(at(2024, 5, 4, 8, 30), at(2024, 5, 6, 12), last)
    assert runs == [at(2024, 5, 4, 8, 30), at(2024, 5, 5, 2), at(2024, 5, 6, 2)]


def test_no_second_catch_up_after_it_ran() -> None:
    caught_up = at(2024, 5, 4, 8, 30)
    for later in (at(2024, 5, 4, 8, 35), at(2024, 5, 4, 23, 59), at(2024, 5, 5, 1, 59)):
        again = plan(later, caught_up)
        assert not again.is_due()
        assert again.missed_night() is None
        assert again.next_run_at() == at(2024, 5, 5, 2)


def test_a_run_that_started_late_but_after_the_slot_covers_the_night() -> None:
    # The computer woke at 06:00; the run then counts for that night.
    assert not plan(at(2024, 5, 4, 23), at(2024, 5, 4, 6)).is_due()


def test_missed_night_found_just_after_midnight() -> None:
    late = plan(at(2024, 5, 4, 0, 30), at(2024, 5, 2, 2), time="23:00")
    assert late.missed_night() == at(2024, 5, 3, 23)


def test_no_reference_waits_for_the_next_slot() -> None:
    fresh = plan(at(2024, 5, 4, 9), None)
    assert not fresh.is_due()
    assert fresh.next_run_at() == at(2024, 5, 5, 2)
    assert simulate(at(2024, 5, 4, 9), at(2024, 5, 5, 3), None) == []


def test_a_scheduled_run_in_the_future_never_makes_it_due() -> None:
    assert not plan(at(2024, 5, 4, 9), at(2024, 5, 9, 2)).is_due()  # clock set back


# --- paused --------------------------------------------------------------------------------


def test_paused_is_never_due_and_has_no_next_run() -> None:
    paused = plan(at(2024, 5, 4, 9), at(2024, 5, 1, 2), nightly=False)
    assert paused.paused
    assert not paused.is_due()
    assert paused.missed_night() is None
    assert paused.next_run_at() is None


# --- daylight saving time ------------------------------------------------------------------


def test_spring_forward_runs_once_when_the_slot_does_not_exist() -> None:
    # 2024-03-10 in Chicago: 01:59 CST is followed by 03:00 CDT; there is no 02:00.
    last = at(2024, 3, 9, 2)
    assert not plan(at(2024, 3, 10, 1, 59), last).is_due()
    jump = plan(at(2024, 3, 10, 3, 0), last)
    assert jump.is_due()
    assert jump.missed_night() is None
    assert plan(at(2024, 3, 10, 1, 0), last).next_run_at() == at(2024, 3, 10, 3, 0)
    runs = simulate(at(2024, 3, 9, 12), at(2024, 3, 12, 12), last)
    assert nights(runs) == [date(2024, 3, 10), date(2024, 3, 11), date(2024, 3, 12)]
    assert runs[0] == at(2024, 3, 10, 3, 0)
    assert runs[1] == at(2024, 3, 11, 2, 0)


def test_spring_forward_half_past_slot_runs_past_the_jump() -> None:
    runs = simulate(at(2024, 3, 9, 12), at(2024, 3, 11, 12), at(2024, 3, 9, 2, 30), time="02:30")
    assert runs == [at(2024, 3, 10, 3, 30), at(2024, 3, 11, 2, 30)]


def test_fall_back_runs_once_when_the_slot_repeats() -> None:
    # 2024-11-03 in Chicago: 01:00-01:59 happens twice (CDT, then CST).
    first = at(2024, 11, 3, 1, 30, fold=0)
    second = at(2024, 11, 3, 1, 30, fold=1)
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=1)
    assert plan(first, at(2024, 11, 2, 1, 30), time="01:30").is_due()
    repeat = plan(second, first, time="01:30")
    assert not repeat.is_due()
    assert repeat.next_run_at() == at(2024, 11, 4, 1, 30)
    runs = simulate(at(2024, 11, 2, 12), at(2024, 11, 4, 12), at(2024, 11, 2, 1, 30), time="01:30")
    assert [run.astimezone(UTC) for run in runs] == [
        first.astimezone(UTC),
        at(2024, 11, 4, 1, 30).astimezone(UTC),
    ]


def test_fall_back_default_slot_runs_once() -> None:
    runs = simulate(at(2024, 11, 2, 12), at(2024, 11, 4, 12), at(2024, 11, 2, 2))
    assert runs == [at(2024, 11, 3, 2), at(2024, 11, 4, 2)]


def test_slots_are_a_day_apart_in_wall_time_across_dst() -> None:
    evening = plan(at(2024, 3, 9, 21), at(2024, 3, 9, 20), time="20:00")
    assert evening.next_run_at() == at(2024, 3, 10, 20)  # 23 hours later, same wall time


@pytest.fixture
def chicago_system_time() -> Iterator[None]:
    if not hasattr(time_module, "tzset"):
        pytest.skip("the process time zone can only be switched where tzset exists")
    previous = os.environ.get("TZ")
    os.environ["TZ"] = "America/Chicago"
    time_module.tzset()
    try:
        yield
    finally:
        if previous is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = previous
        time_module.tzset()


@pytest.mark.usefixtures("chicago_system_time")
def test_without_a_zone_the_operating_systems_local_time_is_used() -> None:
    settings = ScheduleSettings(time="02:00")
    # The caller's fixed-offset "now" (CST) must not carry over past the DST change.
    now = datetime(2024, 3, 10, 12, tzinfo=UTC).astimezone()
    system = NightlyPlan(settings, now, now)
    assert system.next_run_at() == at(2024, 3, 11, 2)
    spring = NightlyPlan(settings, at(2024, 3, 10, 3), at(2024, 3, 9, 2))
    assert spring.is_due()


# --- inputs --------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "hour", "minute"), [("02:00", 2, 0), ("7:05", 7, 5)])
def test_parse_time(text: str, hour: int, minute: int) -> None:
    assert (parse_time(text).hour, parse_time(text).minute) == (hour, minute)


@pytest.mark.parametrize("text", ["24:00", "02:60", "2am", "", "02:00:00"])
def test_parse_time_rejects_with_a_sentence(text: str) -> None:
    with pytest.raises(ValueError, match="choose one such as 02:00"):
        parse_time(text)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        NightlyPlan(ScheduleSettings(), datetime(2024, 5, 1, 2), None)


def run(started: datetime, trigger: str) -> RunRecord:
    return RunRecord(
        id=0,
        started_at=started.astimezone(UTC),
        finished_at=None,
        trigger=trigger,
        mode="full",
        dry_run=False,
        status="failed",
        counts=RunCounts(),
        skipped_reasons={},
        error=None,
    )


def test_schedule_reference_is_the_newest_scheduled_run() -> None:
    runs = [
        run(at(2024, 5, 4, 9), "manual"),
        run(at(2024, 5, 3, 2), "schedule"),
        run(at(2024, 5, 2, 2), "schedule"),
    ]
    assert schedule_reference(runs) == at(2024, 5, 3, 2)


def test_schedule_reference_without_scheduled_runs_is_the_first_sync() -> None:
    runs = [run(at(2024, 5, 4, 9), "manual"), run(at(2024, 5, 1, 9), "cli")]
    assert schedule_reference(runs) == at(2024, 5, 1, 9)
    assert schedule_reference([]) is None
