"""``rostersync --self-test``: one line saying the app works, or why it does not."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def self_test(keyring_backend: str, home: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHON_KEYRING_BACKEND": keyring_backend}
    environment["ROSTERSYNC_HOME"] = str(home)
    environment.pop("QT_QPA_PLATFORM", None)  # the self-test needs no screen by itself
    environment.pop("DISPLAY", None)
    return subprocess.run(
        [sys.executable, "-m", "ui", "--self-test"],
        env=environment,
        check=False,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=Path(__file__).resolve().parent.parent,
    )


def test_a_working_copy_passes_with_a_one_line_summary(tmp_path: Path) -> None:
    home = tmp_path / "real-profile"
    done = self_test("app.secret_store.EphemeralKeyring", home)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    (line,) = done.stdout.splitlines()
    assert line.startswith("RosterSync ") and " self-test passed in " in line
    assert "wizard and main window opened offscreen" in line
    assert re.search(r"a full sync of the demo district added [1-9][\d,]* users", line)
    assert "saved, read back and deleted a test secret" in line
    assert not home.exists()  # the real profile is never touched


def test_without_a_keyring_it_fails_naming_the_missing_one(tmp_path: Path) -> None:
    done = self_test("keyring.backends.fail.Keyring", tmp_path / "profile")
    assert done.returncode == 1
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert " self-test FAILED: No usable keyring: " in line
    expected = {"win32": "Windows Credential Locker", "darwin": "macOS Keychain"}
    assert expected.get(sys.platform, "Secret Service") in line


def test_a_locked_keyring_fails_saying_so(tmp_path: Path) -> None:
    done = self_test("tests.support.keyrings.LockedKeyring", tmp_path / "profile")
    assert done.returncode == 1
    assert "self-test FAILED" in done.stderr and "locked" in done.stderr
    assert "Traceback" not in done.stderr
