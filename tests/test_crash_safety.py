"""A sync process killed (SIGKILL) halfway through applying leaves the previous directory."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys

import pytest

from app.context import AppContext
from app.demo.district import DemoDistrict
from app.demo.server import DemoServer
from app.paths import Profile
from app.store.history import INTERRUPTED_MESSAGE
from app.sync.engine import SyncRequest
from tests.conftest import Cli
from tests.support.pipes import blocked_writing, fill, small_pipe

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="uses Linux pipe sizing")


@pytest.fixture
def district() -> DemoDistrict:
    return DemoDistrict(users=3000, seed=11)


def directory_state(profile: Profile) -> list[object]:
    context = AppContext(profile)
    try:
        return [row.to_json() for row in context.directory.users(include_inactive=True)]
    finally:
        context.close()


def start_sync(profile: Profile, server: DemoServer, stderr_fd: int) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "ROSTERSYNC_HOME": str(profile.root),
        "ROSTERSYNC_CLIENT_SECRET": server.client_secret,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "app", "sync", "--progress"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr_fd,
    )


def read_until_saving(read_fd: int) -> None:
    buffered = b""
    while b"\nsaving " not in b"\n" + buffered:
        chunk = os.read(read_fd, 4096)
        assert chunk, "the sync ended before it started saving"
        buffered += chunk


def kill_while_saving(profile: Profile, server: DemoServer) -> int:
    read_fd, write_fd = small_pipe()
    child = start_sync(profile, server, write_fd)
    try:
        read_until_saving(read_fd)
        fill(write_fd)
        assert blocked_writing(child), "the sync ended before it blocked mid-transaction"
        child.send_signal(signal.SIGKILL)
        return child.wait(timeout=30)
    finally:
        child.kill()
        os.close(read_fd)
        os.close(write_fd)


def test_sigkill_while_applying_leaves_the_last_good_directory(
    cli: Cli, connected: DemoServer, district: DemoDistrict, isolated_profile: Profile
):
    first_school = district.schools[0]["sourcedId"]
    for school in district.schools[1:]:
        cli("map", "--unmap", school["sourcedId"])
    assert cli("sync").code == 0
    before = directory_state(isolated_profile)
    assert before, "the first sync should have stored the first school's users"
    cli("map", "--suggest", "--apply")
    assert first_school in {s["sourcedId"] for s in cli("schools", "--json").json() if s["site"]}

    assert kill_while_saving(isolated_profile, connected) == -signal.SIGKILL

    assert directory_state(isolated_profile) == before
    database = sqlite3.connect(isolated_profile.database_file)
    assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    database.close()
    context = AppContext(isolated_profile)
    try:
        after = context.engine().run(SyncRequest())
        assert after.succeeded and after.counts.added > 0
        interrupted = context.history.runs()[1]
        assert (interrupted.status, interrupted.error) == ("failed", INTERRUPTED_MESSAGE)
    finally:
        context.close()
