"""Fault-matrix fixtures: a connected profile, a clean twin of it, and directory snapshots.

Every case runs against the real demo server; what is compared afterwards is the DIRECTORY
(every user with its active flag, and the history rows), not only the sync's return value.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.context import AppContext
from app.demo.district import DemoDistrict
from app.demo.server import DemoServer
from app.oneroster.client import RetryPolicy
from app.paths import Profile
from app.sync.engine import SyncRequest
from tests.support.clock import FakeClock
from tests.support.oracle import expected_first_sync

#: Retries as many as the app's default, waits of milliseconds (a Retry-After is still obeyed).
FAST_RETRY = RetryPolicy(backoff_base=0.001, backoff_max=0.01)
PAGE_SIZE = 40

Users = dict[str, dict[str, Any]]


@pytest.fixture
def demo_server(district: DemoDistrict, clock: FakeClock) -> Iterator[DemoServer]:
    """The demo server checking token lifetimes against the test's clock."""
    with DemoServer(district, port=0, clock=clock) as server:
        yield server


def open_context(profile: Profile, page_size: int = PAGE_SIZE) -> AppContext:
    context = AppContext(profile, retry=FAST_RETRY)
    context.settings.page_size = page_size
    return context


@pytest.fixture
def ctx(connected: DemoServer, isolated_profile: Profile) -> Iterator[AppContext]:
    """The connected, mapped profile (no sync yet), small pages, fast retries."""
    context = open_context(isolated_profile)
    yield context
    context.close()


@pytest.fixture
def twin(connected: DemoServer, isolated_profile: Profile, tmp_path: Path) -> Iterator[AppContext]:
    """A second profile, identical to ``ctx``'s before any sync, that only ever syncs cleanly."""
    profile = Profile(tmp_path / "twin").ensure()
    (profile.settings_file).write_bytes(isolated_profile.settings_file.read_bytes())
    copy_database(isolated_profile.database_file, profile.database_file)
    context = open_context(profile)
    context.session_secret = connected.client_secret
    yield context
    context.close()


def copy_database(source: Path, target: Path) -> None:
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def users_of(context: AppContext) -> Users:
    """Every user of the directory, active or not, as ``users --json`` shows them."""
    return {row.sourced_id: row.to_json() for row in context.directory.users(include_inactive=True)}


def users_in_file(profile: Profile) -> Users:
    context = AppContext(profile)
    try:
        return users_of(context)
    finally:
        context.close()


def runs_of(context: AppContext) -> list[tuple[str, str | None]]:
    """History, oldest first, as (status, error)."""
    return [(run.status, run.error) for run in reversed(context.history.runs())]


def expected_clean_first_sync(district: DemoDistrict, context: AppContext) -> Users:
    """What a first sync into an empty directory must store, from the spec's oracle."""
    mapping = {s.sourced_id: s.site for s in context.directory.schools() if s.site}
    expected, _ = expected_first_sync(
        list(district.iter_users()), mapping, context.settings.username_field
    )
    return expected


def clean_sync(context: AppContext) -> Users:
    result = context.engine().run(SyncRequest())
    assert result.succeeded, result.error
    return users_of(context)


def change_district(district: DemoDistrict, context: AppContext, tag: str) -> None:
    """A few real changes: renamed users, one gone, one new (so the next sync writes)."""
    rows = sorted(row.sourced_id for row in context.directory.users())
    for sourced_id in rows[3:9]:
        district.update_user(sourced_id, familyName=f"Renamed-{tag}")
    district.remove_user(rows[11])
    template = district.user(rows[12])
    assert template is not None
    new_id = f"new-{tag}"
    template.update(
        sourcedId=new_id,
        email=f"{new_id}@example.org",
        username=new_id,
        identifier=new_id,
    )
    template.pop("dateLastModified", None)
    district.add_user(template)


linux_only = pytest.mark.skipif(sys.platform != "linux", reason="Linux process control")


def subprocess_env(profile: Profile, server: DemoServer) -> dict[str, str]:
    return os.environ | {
        "ROSTERSYNC_HOME": str(profile.root),
        "ROSTERSYNC_CLIENT_SECRET": server.client_secret,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
