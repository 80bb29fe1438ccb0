"""``diagnostics`` (what to send when asking for help) and ``remove-data`` (what an uninstall
that was asked to delete everything runs)."""

from __future__ import annotations

import argparse
import logging
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.context import AppContext
from app.diagnostics import diagnostics_report
from app.errors import RosterSyncError
from app.logs import LOG_FILE_NAME, stop_file_logging
from app.paths import Profile
from app.schedule.os_tasks import (
    WINDOWS_TASK_FILE,
    OsTask,
    app_command,
    current_platform,
    nightly_task,
    sign_in_task,
)
from app.single_instance import SingleInstance
from app.sync.lock import SyncLock

log = logging.getLogger(__name__)

#: What RosterSync keeps in a profile folder (glob patterns); anything else there stays.
OWN_FILES = (
    "settings.json",
    "settings.corrupt-*.json",
    ".settings-*",
    "rostersync.db",
    "rostersync.db-*",
    "instance.json",
    "instance.tmp",
    "instance.lock",
    WINDOWS_TASK_FILE,
)
OWN_LOG_FILES = (f"{LOG_FILE_NAME}*",)


def register(commands: Any) -> None:
    diagnostics = commands.add_parser(
        "diagnostics",
        help="print what to send when asking for help (never the Client Secret or a token)",
    )
    diagnostics.set_defaults(handler=run_diagnostics)

    remove = commands.add_parser(
        "remove-data",
        help="delete this computer's RosterSync directory, settings, logs, saved Client Secret "
        "and nightly task",
    )
    remove.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    remove.set_defaults(handler=run_remove_data, precheck=_confirmed)


def run_diagnostics(_args: argparse.Namespace, context: AppContext) -> int:
    print(diagnostics_report(context))
    return 0


def _confirmed(args: argparse.Namespace) -> None:
    if not args.yes:
        raise RosterSyncError(
            f"This deletes RosterSync's files in {Profile.default().root} (settings, directory, "
            "logs), its saved Client Secret and the computer's nightly task, and cannot be "
            "undone. Run it again with --yes to go ahead."
        )


def run_remove_data(_args: argparse.Namespace, context: AppContext) -> int:
    profile = context.profile
    if SingleInstance(profile).primary_runs():
        raise RosterSyncError(
            "RosterSync is running. Quit it first (Quit in its tray menu), then try again."
        )
    removed: list[str] = []
    with SyncLock(profile.sync_lock_file).hold():  # no sync may start meanwhile
        for name, task in _tasks_of_this_profile(context):
            _unregister(task)
            removed.append(name)
        context.close()
        stop_file_logging()
        _delete_own_files(profile)
    _delete(profile.sync_lock_file)
    folder_gone = _remove_if_empty(profile.log_dir) and _remove_if_empty(profile.root)
    context.secrets.delete()
    removed.append("the saved Client Secret")
    print(f"Deleted RosterSync's files in {profile.root}, " + ", ".join(removed) + ".")
    if not folder_gone:
        print(f"The folder {profile.root} holds other files, so it was left in place.")
    return 0


def _delete_own_files(profile: Profile) -> None:
    for folder, patterns in ((profile.root, OWN_FILES), (profile.log_dir, OWN_LOG_FILES)):
        for pattern in patterns:
            for path in folder.glob(pattern):
                _delete(path)


def _delete(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        raise RosterSyncError(
            f"RosterSync could not delete {path} ({error.strerror}); close any program using "
            "it and run remove-data again. The saved Client Secret was kept."
        ) from None


def _remove_if_empty(folder: Path) -> bool:
    """Remove ``folder`` when nothing is left in it; whether it is gone."""
    if not folder.exists():
        return True
    if any(folder.iterdir()):
        return False
    folder.rmdir()
    return True


def _tasks_of_this_profile(context: AppContext) -> list[tuple[str, OsTask]]:
    """The nightly and sign-in tasks whose files are in place and name this profile folder.

    A task without files (Windows' sign-in registry value) cannot be told apart; the Windows
    uninstaller removes that one.
    """
    platform, command, home = current_platform(), app_command(), str(context.profile.root)
    time = context.settings.schedule.time
    builders: list[tuple[str, Callable[[str], OsTask]]] = [
        (
            "the computer's nightly task",
            lambda folder: nightly_task(platform, command=command, home=folder, time=time),
        ),
        (
            "the start-at-sign-in entry",
            lambda folder: sign_in_task(platform, command=command, home=folder),
        ),
    ]
    return [
        (name, task)
        for name, build in builders
        if (task := _installed_for(build, home)) is not None
    ]


def _installed_for(build: Callable[[str], OsTask], home: str) -> OsTask | None:
    ours = build(home)
    # The lines that name the profile folder: those that differ for another folder.
    theirs = build(f"{home}-another")
    if not ours.files:
        return None
    for mine, other in zip(ours.files, theirs.files, strict=True):
        try:
            text = ours.local_path(mine.name).read_text(encoding=mine.encoding)
        except (OSError, UnicodeError):
            return None
        naming_home = set(mine.content.splitlines()) - set(other.content.splitlines())
        if not naming_home <= set(text.splitlines()):
            return None
    return ours


def _unregister(task: OsTask) -> None:
    for command in task.unregister:
        try:
            subprocess.run(list(command.argv), capture_output=True, check=False, timeout=60)
        except (OSError, subprocess.SubprocessError) as error:
            log.info("%s could not run: %s", command.argv, error)
    task.remove()
