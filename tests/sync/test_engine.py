"""The sync engine against the demo server with faults: all or nothing, cancel, one at a time."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from app.context import AppContext
from app.demo.district import DemoDistrict
from app.demo.server import DemoServer
from app.errors import SafetyLimitError
from app.oneroster.client import RetryPolicy
from app.paths import Profile
from app.store.history import INTERRUPTED_MESSAGE
from app.store.models import DirectoryUser, School, Site
from app.sync.engine import Progress, SyncRequest
from app.sync.lock import SyncLock
from tests.conftest import Cli
from tests.support.clock import FakeClock


@pytest.fixture
def demo_server(district: DemoDistrict, clock: FakeClock) -> Iterator[DemoServer]:
    with DemoServer(district, port=0, clock=clock) as server:
        yield server


@pytest.fixture
def ctx(connected: DemoServer, isolated_profile: Profile) -> Iterator[AppContext]:
    context = AppContext(isolated_profile, retry=RetryPolicy(backoff_base=0.001, backoff_max=0.01))
    context.settings.page_size = 50
    yield context
    context.close()


def directory_state(context: AppContext) -> list[object]:
    return [row.to_json() for row in context.directory.users(include_inactive=True)]


def change_some_users(district: DemoDistrict, context: AppContext) -> None:
    rows = list(context.directory.users())
    for row in rows[:5]:
        district.update_user(row.sourced_id, familyName="Changed")
    district.remove_user(rows[5].sourced_id)


def test_a_token_expiring_halfway_does_not_fail_the_sync(
    ctx: AppContext, connected: DemoServer, clock: FakeClock
):
    connected.faults.token_lifetime = 60
    clock.tick = 25  # a token outlives two or three requests, then the server refuses it

    result = ctx.engine().run(SyncRequest())
    assert result.succeeded, result.error
    assert len(connected.tokens_issued) > 3
    assert result.counts.added == len(list(ctx.directory.users()))


@pytest.mark.parametrize(
    "fault",
    [
        {"rate_limit_every": 3, "retry_after": "0"},
        {"unavailable_every": 2},
        {"reset_every": 3},
        {"truncate_every": 3},
        {"html_every": 4},
    ],
    ids=["429", "503", "reset", "truncated", "html"],
)
def test_passing_faults_are_retried_and_the_result_is_as_without_them(
    ctx: AppContext, connected: DemoServer, cli: Cli, fault: dict[str, object]
):
    clean = ctx.engine().run(SyncRequest(dry_run=True))
    connected.faults.update(fault)
    result = ctx.engine().run(SyncRequest())
    assert result.succeeded, result.error
    assert (result.counts, result.skipped_reasons) == (clean.counts, clean.skipped_reasons)


def test_an_outage_mid_sync_changes_nothing_and_is_recorded(
    ctx: AppContext, connected: DemoServer, district: DemoDistrict
):
    assert ctx.engine().run(SyncRequest()).succeeded
    before = directory_state(ctx)
    change_some_users(district, ctx)
    connected.faults.outage_after = connected.request_count + 3
    result = ctx.engine().run(SyncRequest())
    assert result.status == "failed"
    assert "try again later" in result.error
    assert directory_state(ctx) == before
    last = ctx.history.runs(limit=1)[0]
    assert (last.status, last.error) == ("failed", result.error)


def test_cancel_while_downloading_changes_nothing(ctx: AppContext, connected: DemoServer):
    cancel = threading.Event()

    def cancel_on_third_page(progress: Progress) -> None:
        if progress.stage == "downloading" and progress.done >= 150:
            cancel.set()

    result = ctx.engine().run(SyncRequest(), progress=cancel_on_third_page, cancel=cancel)
    assert result.status == "canceled"
    assert directory_state(ctx) == []
    assert ctx.history.runs(limit=1)[0].status == "canceled"


def test_cancel_while_saving_rolls_everything_back(ctx: AppContext, district: DemoDistrict):
    cancel = threading.Event()

    def cancel_while_saving(progress: Progress) -> None:
        if progress.stage == "saving" and progress.done > 0:
            cancel.set()

    district_big = ctx.engine().run(SyncRequest(dry_run=True)).counts.added
    assert district_big > 0
    result = ctx.engine().run(SyncRequest(), progress=cancel_while_saving, cancel=cancel)
    assert result.status == "canceled"
    assert directory_state(ctx) == []


def test_a_second_sync_in_this_process_is_refused(ctx: AppContext):
    with SyncLock(ctx.profile.sync_lock_file).hold():
        result = ctx.engine().run(SyncRequest())
    assert result.status == "failed"
    assert "already running" in result.error
    assert ctx.history.runs() == []


def test_a_sync_running_in_another_process_is_refused(ctx: AppContext):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from filelock import FileLock; lock = FileLock(sys.argv[1]); "
            "lock.acquire(); print('held', flush=True); sys.stdin.read()",
            str(ctx.profile.sync_lock_file),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = ctx.engine().run(SyncRequest())
        assert "already running" in (result.error or "")
    finally:
        holder.communicate("")
    assert ctx.engine().run(SyncRequest()).succeeded


def test_a_run_left_running_by_a_dead_process_is_marked_interrupted(ctx: AppContext):
    stale = ctx.history.start("schedule", "full", dry_run=False)
    assert ctx.engine().run(SyncRequest()).succeeded
    record = ctx.history.run(stale)
    assert record is not None
    assert (record.status, record.error) == ("failed", INTERRUPTED_MESSAGE)


def test_delta_sync_fetches_only_changes_and_full_sync_catches_removals(
    ctx: AppContext, connected: DemoServer, district: DemoDistrict
):
    assert ctx.engine().run(SyncRequest()).succeeded
    rows = list(ctx.directory.users())
    district.update_user(rows[0].sourced_id, givenName="Renamed")
    district.remove_user(rows[1].sourced_id)
    before = connected.request_count
    delta = ctx.engine().run(SyncRequest(mode="delta"))
    assert delta.succeeded and delta.mode == "delta"
    assert (delta.counts.updated, delta.counts.deactivated) == (1, 0)
    assert connected.request_count - before <= 2  # one small page, not the whole district
    full = ctx.engine().run(SyncRequest(mode="full"))
    assert full.counts.deactivated == 1


def test_delta_without_a_previous_good_sync_runs_full(ctx: AppContext):
    result = ctx.engine().run(SyncRequest(mode="delta"))
    assert result.succeeded and result.mode == "full"


def test_an_unchanged_resync_writes_nothing_but_its_history_entry(ctx: AppContext):
    def rows() -> list[object]:
        with ctx.database.session() as session:
            return [
                list(session.execute(select(DirectoryUser.__table__))),
                list(session.execute(select(Site.__table__))),
                list(session.execute(select(School.__table__))),
            ]

    assert ctx.engine().run(SyncRequest()).succeeded
    before = rows()
    again = ctx.engine().run(SyncRequest())
    assert again.succeeded and again.counts.unchanged > 0
    assert rows() == before
    assert len(ctx.history.runs()) == 2


def test_cancel_is_heard_within_a_second_even_inside_a_slow_request(
    ctx: AppContext, connected: DemoServer
):
    connected.faults.latency = 20.0  # every API request hangs far longer than the test waits
    cancel = threading.Event()
    asked: list[float] = []

    def cancel_once_the_request_hangs(progress: Progress) -> None:
        if progress.stage == "connecting":
            timer = threading.Timer(0.3, cancel.set)  # after the token, inside /users
            timer.start()
            asked.append(time.monotonic())

    result = ctx.engine().run(SyncRequest(), progress=cancel_once_the_request_hangs, cancel=cancel)
    returned = time.monotonic()
    assert result.status == "canceled"
    assert returned - asked[0] < 0.3 + 1.0


def test_a_confirmed_dry_run_past_the_safety_limit_succeeds(ctx: AppContext, connected: DemoServer):
    assert ctx.engine().run(SyncRequest()).succeeded
    for school in ctx.directory.schools()[:3]:
        ctx.directory.map_school(school.sourced_id, None)
    stopped = ctx.engine().run(SyncRequest(dry_run=True))
    assert stopped.status == "failed" and stopped.would_deactivate
    confirmed = ctx.engine().run(SyncRequest(dry_run=True, allow_mass_deactivation=True))
    assert confirmed.succeeded and confirmed.error is None
    assert confirmed.counts.deactivated == len(stopped.would_deactivate)


def test_changes_made_elsewhere_during_the_download_do_not_fail_the_sync(
    ctx: AppContext, connected: DemoServer, isolated_profile: Profile
):
    """Someone maps a school or adds a site in the window while a long sync downloads."""
    elsewhere = AppContext(isolated_profile)
    written: list[str] = []

    def write_meanwhile(progress: Progress) -> None:
        if progress.stage == "downloading" and not written:
            elsewhere.directory.add_sites(["Added meanwhile"])  # commits to the directory
            written.append("site")

    try:
        result = ctx.engine().run(SyncRequest(), progress=write_meanwhile)
    finally:
        elsewhere.close()
    assert written and result.succeeded, result.error
    assert result.counts.added == len(list(ctx.directory.users())) > 0
    assert "Added meanwhile" in {site.name for site in ctx.directory.sites()}


def test_a_confirmation_covers_the_people_shown_and_nobody_else(
    ctx: AppContext, connected: DemoServer, district: DemoDistrict
):
    assert ctx.engine().run(SyncRequest()).succeeded
    schools = ctx.directory.schools()
    for school in schools[:3]:
        ctx.directory.map_school(school.sourced_id, None)
    shown = ctx.engine().run(SyncRequest())
    assert shown.error_kind == SafetyLimitError.kind and shown.would_deactivate
    active_before = {u.sourced_id for u in ctx.directory.users()}
    ctx.directory.map_school(schools[3].sourced_id, None)  # meanwhile, more would go
    refused = ctx.engine().run(
        SyncRequest(confirmed_deactivations=frozenset(shown.would_deactivate))
    )
    assert refused.error_kind == SafetyLimitError.kind
    assert len(refused.would_deactivate) > len(shown.would_deactivate)
    assert {u.sourced_id for u in ctx.directory.users()} == active_before  # nothing changed
    done = ctx.engine().run(
        SyncRequest(confirmed_deactivations=frozenset(refused.would_deactivate))
    )
    assert done.succeeded and done.counts.deactivated == len(refused.would_deactivate)
