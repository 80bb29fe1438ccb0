"""``diagnostics`` (what to send when asking for help) and ``remove-data`` (what an uninstall
that was asked to delete everything runs)."""

from __future__ import annotations

import argparse
import logging
import shutil
import subprocess
from pathlib import Path
from typing import Any

from app.context import AppContext
from app.diagnostics import diagnostics_report
from app.errors import RosterSyncError
from app.logs import stop_file_logging
from app.schedule.os_tasks import OsTask, app_command, current_platform, nightly_task, sign_in_task
from app.single_instance import SingleInstance

log = logging.getLogger(__name__)


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
    remove.set_defaults(handler=run_remove_data)


def run_diagnostics(_args: argparse.Namespace, context: AppContext) -> int:
    print(diagnostics_report(context))
    return 0


def run_remove_data(args: argparse.Namespace, context: AppContext) -> int:
    profile = context.profile
    if not args.yes:
        raise RosterSyncError(
            f"This deletes everything RosterSync keeps on this computer ({profile.root}) and its "
            "saved Client Secret, and cannot be undone. Run it again with --yes to go ahead."
        )
    if SingleInstance(profile).primary_runs():
        raise RosterSyncError(
            "RosterSync is running. Quit it first (Quit in its tray menu), then try again."
        )
    context.secrets.delete()
    for task in _os_tasks(context):
        if _set_up_for(task, str(profile.root)):
            _unregister(task)
    context.close()
    stop_file_logging()
    shutil.rmtree(profile.root)
    print(f"Deleted {profile.root}, the saved Client Secret and the computer's nightly task.")
    return 0


def _os_tasks(context: AppContext) -> list[OsTask]:
    platform, home, command = current_platform(), context.profile.root, app_command()
    time = context.settings.schedule.time
    return [
        nightly_task(platform, command=command, home=home, time=time),
        sign_in_task(platform, command=command, home=home),
    ]


def _set_up_for(task: OsTask, home: str) -> bool:
    """Whether ``task``'s files are in place and belong to this profile (not another one's).

    A task without files (Windows' sign-in registry value) cannot be told; the Windows
    uninstaller removes that one.
    """
    paths = [Path(task.path_of(item.name)) for item in task.files]
    try:
        texts = [path.read_text(errors="replace") for path in paths]
    except OSError:  # not set up (or not readable: then not ours to remove)
        return False
    return bool(texts) and any(home in text for text in texts)


def _unregister(task: OsTask) -> None:
    for command in task.unregister:
        try:
            subprocess.run(list(command.argv), capture_output=True, check=False, timeout=60)
        except (OSError, subprocess.SubprocessError) as error:
            log.info("%s could not run: %s", command.argv, error)
    task.remove()
