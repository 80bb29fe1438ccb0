"""``rostersync diagnostics`` and ``rostersync remove-data``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import keyring
import pytest

from app.cli.maintenance_commands import _installed_for
from app.logs import LOG_FILE_NAME
from app.paths import Profile
from app.schedule.os_tasks import OsTask, app_command, nightly_task
from app.secret_store import SERVICE
from app.single_instance import SingleInstance
from app.sync.lock import SyncLock


def saved_secrets() -> list[str]:
    backend = keyring.get_keyring()
    return [value for (service, _account), value in backend._entries.items() if service == SERVICE]


def test_diagnostics_describe_the_install_and_never_hold_a_secret(cli, connected, isolated_profile):
    assert cli("sync").code == 0
    log_file = isolated_profile.log_dir / LOG_FILE_NAME
    # A line an older version might have written before redaction existed:
    with log_file.open("a", encoding="utf-8") as log:
        log.write(f"zz-older-version {connected.client_secret} {connected.tokens_issued[0]}\n")
        log.write(f"provider said: unknown client {connected.client_id}\n")

    result = cli("diagnostics")

    assert result.code == 0, result.err
    report = result.out
    for heading in ("Versions", "Where", "Keyring", "Settings", "Directory", "Recent syncs"):
        assert f"== {heading} ==" in report
    assert "RosterSync " in report and "Python 3." in report
    assert f"Profile folder: {isolated_profile.root}" in report
    assert "Client Secret saved: yes" in report
    assert "Users: 0 active" not in report and " active, 0 inactive" in report
    assert '"status": "succeeded"' in report
    assert "zz-older-version" in report  # the log tail is there...
    assert connected.client_secret not in report  # ...with the secret masked
    assert all(token not in report for token in connected.tokens_issued)
    assert connected.client_id not in report  # shortened: enough to recognise, not to use
    assert f"provider said: unknown client {connected.client_id[:4]}… (" in report


def test_diagnostics_drop_credentials_written_into_the_urls(cli, connected, isolated_profile):
    settings = json.loads(isolated_profile.settings_file.read_text())
    base = settings["connection"]["base_url"].replace("http://", "http://svc:Hunter2pw@")
    settings["connection"]["base_url"] = base + "?api_key=K3Yvalue"
    isolated_profile.settings_file.write_text(json.dumps(settings))
    report = cli("diagnostics").out
    assert "Hunter2pw" not in report and "K3Yvalue" not in report
    assert "/ims/oneroster/rostering/v1p2?api_key=***" in report


def test_remove_data_needs_yes_and_then_deletes_everything(cli, connected, isolated_profile):
    assert cli("sync").code == 0
    mode_before = isolated_profile.root.stat().st_mode
    refused = cli("remove-data")
    assert refused.code == 1
    assert "--yes" in refused.err and "cannot be undone" in refused.err
    assert isolated_profile.database_file.exists()
    assert isolated_profile.root.stat().st_mode == mode_before
    assert saved_secrets()

    done = cli("remove-data", "--yes")

    assert done.code == 0, done.err
    assert not isolated_profile.root.exists()
    assert saved_secrets() == []
    assert cli("users").code == 0  # a fresh start works afterwards


def test_remove_data_without_yes_makes_no_profile_folder(cli, isolated_profile):
    assert cli("remove-data").code == 1
    assert not isolated_profile.root.exists()


def test_remove_data_leaves_files_it_did_not_make(cli, connected, isolated_profile):
    assert cli("sync").code == 0
    (isolated_profile.root / "Important").mkdir()
    (isolated_profile.root / "Important" / "thesis.docx").write_text("years of work")
    (isolated_profile.log_dir / "other-program.log").write_text("not ours")

    done = cli("remove-data", "--yes")

    assert done.code == 0, done.err
    assert "left in place" in done.out
    assert (isolated_profile.root / "Important" / "thesis.docx").read_text() == "years of work"
    assert (isolated_profile.log_dir / "other-program.log").exists()
    assert not isolated_profile.database_file.exists()
    assert not isolated_profile.settings_file.exists()
    assert not (isolated_profile.log_dir / LOG_FILE_NAME).exists()
    assert saved_secrets() == []


def test_remove_data_waits_for_no_sync(cli, connected, isolated_profile):
    with SyncLock(isolated_profile.sync_lock_file).hold():  # a scheduled sync is running
        result = cli("remove-data", "--yes")
    assert result.code == 1
    assert "already running" in result.err
    assert isolated_profile.database_file.exists()
    assert saved_secrets()


def test_remove_data_refuses_while_rostersync_runs(cli, connected, isolated_profile):
    running = SingleInstance(isolated_profile)
    assert running.try_become_primary()
    try:
        result = cli("remove-data", "--yes")
    finally:
        running.close()
    assert result.code == 1
    assert "RosterSync is running" in result.err
    assert isolated_profile.database_file.exists()


@pytest.fixture
def os_commands(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[list[str]]:
    """The commands remove-data runs, recorded instead of run: the OS scheduler is not ours."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    ran: list[list[str]] = []
    monkeypatch.setattr(
        "app.cli.maintenance_commands.subprocess.run", lambda argv, **_kw: ran.append(argv)
    )
    return ran


@pytest.mark.skipif(sys.platform != "linux", reason="systemd user units")
def test_remove_data_removes_this_profiles_nightly_task(
    cli, connected, isolated_profile, os_commands
):
    ours = nightly_task("linux", command=app_command(), home=isolated_profile.root, time="02:00")
    ours.write()
    assert cli("remove-data", "--yes").code == 0
    assert not any(Path(ours.path_of(item.name)).exists() for item in ours.files)
    assert os_commands == [list(command.argv) for command in ours.unregister]


@pytest.mark.skipif(sys.platform != "linux", reason="systemd user units")
def test_remove_data_leaves_another_profiles_nightly_task(cli, connected, tmp_path, os_commands):
    other_home = Profile(tmp_path / "other-profile").root
    theirs = nightly_task("linux", command=app_command(), home=other_home, time="02:00")
    theirs.write()
    assert cli("remove-data", "--yes").code == 0
    assert all(Path(theirs.path_of(item.name)).exists() for item in theirs.files)
    assert os_commands == []


@pytest.mark.parametrize("platform", ["windows", "macos", "linux"])
def test_only_tasks_naming_exactly_this_profile_are_taken_for_its_own(tmp_path, platform):
    home = str(tmp_path / "RS")

    def build(folder: str) -> OsTask:
        return nightly_task(
            platform, command=["rostersync"], home=folder, time="02:00", folder=tmp_path / "tasks"
        )

    build(f"{home}-old").write()  # a neighbour's task: same file names, a longer folder name
    assert _installed_for(build, home) is None
    build(home).write()
    assert _installed_for(build, home) is not None
