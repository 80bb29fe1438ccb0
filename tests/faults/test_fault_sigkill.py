"""6. ``rostersync sync`` killed with SIGKILL at seeded-random points of downloading and saving.

Each round changes the district, starts the sync in a subprocess and kills it right after a
randomly chosen progress line: the child's stderr is a 4 KiB pipe that the test stops reading
at that line and then fills, so the child blocks on its very next progress line, inside the
sync's transaction, and is killed there. After every kill the directory must be the last good
one, pass ``PRAGMA integrity_check`` without repair, and the next sync must succeed, mark the
killed run interrupted and leave the directory as a clean profile's.
"""

from __future__ import annotations

import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
from dataclasses import dataclass

import pytest

from app.context import AppContext
from app.demo.district import DemoDistrict
from app.demo.server import DemoServer
from app.paths import Profile
from app.settings import SettingsFile
from app.store.history import INTERRUPTED_MESSAGE
from app.sync.engine import SyncRequest
from tests.faults.conftest import (
    clean_sync,
    linux_only,
    runs_of,
    subprocess_env,
    users_in_file,
    users_of,
)
from tests.support.pipes import blocked_writing, fill, small_pipe

pytestmark = [linux_only, pytest.mark.slow]

SEED = 20261123
KILLS_WANTED = 20
MAX_ROUNDS = 30  # a round whose child commits before it blocks is not counted as a kill
SMALL_PAGES = 20
WAIT_S = 30.0


@pytest.fixture
def district() -> DemoDistrict:
    return DemoDistrict(users=600, seed=41)


@dataclass
class Killed:
    target: str  # the progress line after which the child was stopped
    code: int | None  # -SIGKILL, or the exit code of a child that finished first


def read_until(read_fd: int, child: subprocess.Popen[bytes], wanted: str) -> None:
    """Read progress lines until ``wanted`` has been read whole (never past its chunk)."""
    buffered = b""
    while wanted.encode() not in buffered.split(b"\n")[:-1]:  # complete lines only
        ready, _, _ = select.select([read_fd], [], [], 0.2)
        if ready:
            chunk = os.read(read_fd, 4096)
            assert chunk, "stderr closed before the chosen progress line"
            buffered += chunk
        elif child.poll() is not None:
            raise AssertionError(f"the sync ended before {wanted!r}: {buffered.decode()[-300:]}")


def sync_and_kill(profile: Profile, server: DemoServer, target: str) -> Killed:
    read_fd, write_fd = small_pipe()
    child = subprocess.Popen(
        [sys.executable, "-m", "app", "sync", "--progress"],
        env=subprocess_env(profile, server),
        stdout=subprocess.DEVNULL,
        stderr=write_fd,
    )
    try:
        read_until(read_fd, child, target)
        fill(write_fd)
        if blocked_writing(child):
            child.send_signal(signal.SIGKILL)
        return Killed(target, child.wait(timeout=WAIT_S))
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=WAIT_S)
        os.close(read_fd)
        os.close(write_fd)


def change(district: DemoDistrict, rng: random.Random, active: list[str], round_: int) -> int:
    """Rename some users, remove one, add one; returns how many rows the sync will write."""
    renamed = rng.sample(active, 30)
    for sid in renamed:
        district.update_user(sid, familyName=f"Round{round_}")
    gone = rng.choice([sid for sid in active if sid not in renamed])
    district.remove_user(gone)
    template = district.user(renamed[0])
    assert template is not None
    new_id = f"new-{round_}"
    template.update(sourcedId=new_id, email=f"{new_id}@example.org", familyName="New")
    template.pop("dateLastModified", None)
    district.add_user(template)
    return len(renamed) + 2


def choose_target(rng: random.Random, round_: int, total_users: int, changes: int) -> str:
    """Alternately a downloading line (after a random page) or one of the saving lines that
    still has another line after it (before the insert, after it, after the updates)."""
    if round_ % 2 == 0:
        pages = -(-total_users // SMALL_PAGES)
        done = rng.randrange(1, pages) * SMALL_PAGES
        return f"downloading {done} {total_users}"
    written = [0, 1, 1 + (changes - 2)]  # insert 1 new, update the renamed ones
    return f"saving {rng.choice(written)} {changes}"


def integrity(profile: Profile) -> str:
    database = sqlite3.connect(profile.database_file)
    try:
        return database.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        database.close()


def test_sigkill_while_downloading_or_saving_always_leaves_the_last_good_directory(
    ctx: AppContext,
    twin: AppContext,
    connected: DemoServer,
    district: DemoDistrict,
    isolated_profile: Profile,
):
    settings_file = SettingsFile(isolated_profile)
    settings = settings_file.load()
    settings.page_size = SMALL_PAGES
    settings_file.save(settings)
    ctx.settings.page_size = twin.settings.page_size = SMALL_PAGES
    rng = random.Random(SEED)
    good = clean_sync(ctx)
    assert clean_sync(twin) == good
    kills: list[Killed] = []
    finished_first: list[Killed] = []

    for round_ in range(MAX_ROUNDS):
        if len(kills) >= KILLS_WANTED:
            break
        active = sorted(sid for sid, user in good.items() if user["active"])
        changes = change(district, rng, active, round_)
        target = choose_target(rng, round_, district.user_count(), changes)
        killed = sync_and_kill(isolated_profile, connected, target)
        last_run = ctx.history.runs(limit=1)[0]

        if killed.code == 0:  # committed before it could block: must equal a clean sync
            finished_first.append(killed)
            assert last_run.status == "succeeded"
            assert users_in_file(isolated_profile) == clean_sync(twin)
            good = users_of(ctx)
            continue

        assert killed.code == -signal.SIGKILL, killed
        kills.append(killed)
        assert last_run.status == "running", f"round {round_}: {killed}"
        assert users_in_file(isolated_profile) == good, f"round {round_}: {killed}"
        assert integrity(isolated_profile) == "ok", f"round {round_}: {killed}"

        recovered = ctx.engine().run(SyncRequest())
        assert recovered.succeeded, (round_, killed, recovered.error)
        assert recovered.counts.added == 1 and recovered.counts.deactivated == 1
        killed_run = ctx.history.runs(limit=2)[1]
        assert (killed_run.id, killed_run.status, killed_run.error) == (
            last_run.id,
            "failed",
            INTERRUPTED_MESSAGE,
        )
        good = users_of(ctx)
        assert good == clean_sync(twin), f"round {round_}: {killed}"

    assert len(kills) >= KILLS_WANTED, (kills, finished_first)
    during = [k for k in kills if k.target.startswith("downloading")]
    saving = [k for k in kills if k.target.startswith("saving")]
    assert len(during) >= 8 and len(saving) >= 8, kills
    statuses = [status for status, _ in runs_of(ctx)]
    assert "running" not in statuses
    print(
        f"\n{len(kills)} kills survived ({len(during)} downloading, {len(saving)} saving), "
        f"{len(finished_first)} syncs finished before the kill"
    )
