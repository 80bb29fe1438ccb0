"""7. The disk refusing writes: the database file, and its folder, read-only.

``rostersync sync`` runs in a subprocess so the refusal is real. As root (CI containers) the
child gives up the capabilities that let root write anything anyway (CAP_DAC_OVERRIDE,
CAP_DAC_READ_SEARCH, CAP_FOWNER), so file modes bind it like any other user.
"""

from __future__ import annotations

import ctypes
import os
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.context import AppContext
from app.demo.district import DemoDistrict
from app.demo.server import DemoServer
from app.paths import Profile
from app.sync.engine import DATABASE_MESSAGE
from tests.faults.conftest import (
    change_district,
    clean_sync,
    linux_only,
    runs_of,
    subprocess_env,
    users_in_file,
)

pytestmark = linux_only

PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER = 1, 2, 3
NOBODY = 65534


def drop_root_overrides() -> None:
    """In the child, before exec: root then obeys file modes and ownership like anyone."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def can_drop_root_overrides() -> bool:
    probe = subprocess.run(
        [sys.executable, "-c", "pass"], preexec_fn=drop_root_overrides, check=False
    )
    return probe.returncode == 0


@contextmanager
def read_only(paths: list[Path], owner: int | None = None) -> Iterator[None]:
    """Make ``paths`` read-only (and give them to ``owner``); put everything back after."""
    saved = [(p, p.stat()) for p in paths if p.exists()]
    try:
        for path, info in saved:
            if owner is not None:
                os.chown(path, owner, owner)
            path.chmod(stat.S_IMODE(info.st_mode) & ~0o222)
        yield
    finally:
        for path, info in reversed(saved):
            path.chmod(stat.S_IMODE(info.st_mode))
            os.chown(path, info.st_uid, info.st_gid)


def database_files(profile: Profile) -> list[Path]:
    db = profile.database_file
    return [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]


def only_the_file(profile: Profile) -> list[Path]:
    return database_files(profile)


def the_file_and_its_folder(profile: Profile) -> list[Path]:
    return [profile.root, *database_files(profile)]


Scenario = Callable[[Profile], list[Path]]


def sync_with_read_only(
    ctx: AppContext,
    server: DemoServer,
    district: DemoDistrict,
    profile: Profile,
    paths: Scenario,
    owner: int | None,
) -> str:
    """A sync (with changes to write) against the read-only database: checks everything a
    person would notice and returns the one sentence it printed."""
    if owner is not None and os.geteuid() != 0:
        pytest.skip("giving the folder to another user needs root")
    if not can_drop_root_overrides():
        pytest.skip("cannot drop root's file-permission override here")
    before = clean_sync(ctx)
    history_before = runs_of(ctx)
    ctx.database.close()  # nothing of this process keeps the database open
    change_district(district, ctx, "ro")

    with read_only(paths(profile), owner):
        child = subprocess.run(
            [sys.executable, "-m", "app", "sync"],
            env=subprocess_env(profile, server),
            capture_output=True,
            text=True,
            timeout=60,
            preexec_fn=drop_root_overrides,
            check=False,
        )

    assert child.returncode == 1, child
    assert child.stdout == ""
    assert "Traceback" not in child.stderr
    lines = child.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rostersync: "), child.stderr
    sentence = lines[0].removeprefix("rostersync: ")
    assert sentence[0].isupper() and sentence.endswith("."), sentence
    assert users_in_file(profile) == before
    reopened = AppContext(profile)
    try:
        assert runs_of(reopened) == history_before  # nothing written, not even a run
    finally:
        reopened.close()
    return sentence


@pytest.mark.parametrize(
    ("paths", "owner"),
    [(only_the_file, None), (the_file_and_its_folder, NOBODY)],
    ids=["database-file-read-only", "database-folder-read-only-and-someone-elses"],
)
def test_a_read_only_database_fails_the_sync_with_a_sentence_and_changes_nothing(
    ctx: AppContext,
    connected: DemoServer,
    district: DemoDistrict,
    isolated_profile: Profile,
    paths: Scenario,
    owner: int | None,
):
    sync_with_read_only(ctx, connected, district, isolated_profile, paths, owner)


def test_a_read_only_profile_folder_is_named_in_the_sentence(
    ctx: AppContext, connected: DemoServer, district: DemoDistrict, isolated_profile: Profile
):
    sentence = sync_with_read_only(
        ctx, connected, district, isolated_profile, the_file_and_its_folder, NOBODY
    )
    assert str(isolated_profile.root) in sentence and "can be written" in sentence


def test_a_read_only_database_file_is_named_in_the_sentence(
    ctx: AppContext, connected: DemoServer, district: DemoDistrict, isolated_profile: Profile
):
    sentence = sync_with_read_only(ctx, connected, district, isolated_profile, only_the_file, None)
    assert sentence == f"Sync failed: {DATABASE_MESSAGE}"
