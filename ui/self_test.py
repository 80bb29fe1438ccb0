"""``RosterSync --self-test``: proves that this copy of the app works, with no screen and no
Infinite Campus account, and says what does not.

It opens the setup wizard and the main window offscreen, starts the bundled demo server, runs a
full sync from the main window into a throwaway profile (which it deletes), and saves, reads
back and deletes a throwaway secret in the keyring this computer uses. The real profile and the
real Client Secret are never touched.
"""

from __future__ import annotations

import logging
import os
import platform
import sys
import time

from app import __version__
from app.errors import RosterSyncError
from app.sync.engine import SyncResult

log = logging.getLogger(__name__)

SYNC_TIMEOUT_MS = 120_000


class SelfTestFailure(Exception):
    """One check failed; the message says which and why."""


def run_self_test() -> int:
    """Print one line: the summary (exit 0) or the reason it failed (exit 1)."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # no screen needed, and none is used
    started = time.perf_counter()
    try:
        window_summary = _check_windows_and_sync()
        keyring_summary = _check_keyring()
    except (SelfTestFailure, RosterSyncError) as failure:
        print(f"RosterSync {__version__} self-test FAILED: {failure}", file=sys.stderr)
        return 1
    except Exception as error:  # anything else is a broken build: name it, never a traceback
        print(
            f"RosterSync {__version__} self-test FAILED: {type(error).__name__}: {error}",
            file=sys.stderr,
        )
        return 1
    elapsed = time.perf_counter() - started
    print(
        f"RosterSync {__version__} self-test passed in {elapsed:.1f} s on "
        f"{platform.system()} {platform.machine()}: {window_summary}; {keyring_summary}."
    )
    return 0


def _check_keyring() -> str:
    from app.secret_store import keyring_round_trip

    return f"keyring {keyring_round_trip()} saved, read back and deleted a test secret"


def _check_windows_and_sync() -> str:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from app.context import AppContext
    from app.demo.session import DemoSession
    from app.secret_store import EphemeralKeyring, SecretStore
    from ui.main_window import MainWindow
    from ui.qt_log import send_qt_messages_to_log
    from ui.tasks import TaskRunner
    from ui.wizard.state import SetupState
    from ui.wizard.wizard import SetupWizard

    send_qt_messages_to_log()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    tasks = TaskRunner()
    with DemoSession() as demo:
        context = AppContext(demo.profile, SecretStore(demo.profile, EphemeralKeyring()))
        try:
            state = SetupState.from_saved(context, tasks)
            state.connection = demo.connection()
            wizard = SetupWizard(state)
            wizard.show()
            app.processEvents()
            if not wizard.isVisible() or wizard.currentPage() is None:
                raise SelfTestFailure("the setup wizard did not open")
            wizard.close()

            demo.set_up(context)
            window = MainWindow(context, tasks)
            window.show()
            app.processEvents()
            if not window.isVisible():
                raise SelfTestFailure("the main window did not open")
            outcome: list[SyncResult | None] = []
            waiting = QEventLoop()
            window.sync_ended.connect(lambda result: (outcome.append(result), waiting.quit()))
            QTimer.singleShot(SYNC_TIMEOUT_MS, waiting.quit)
            window.start_sync()
            waiting.exec()
            window.close()
            in_directory = sum(1 for _user in context.directory.users(include_inactive=True))
            return _sync_summary(outcome, in_directory)
        finally:
            tasks.shutdown()
            context.close()


def _sync_summary(outcome: list[SyncResult | None], users_in_directory: int) -> str:
    if not outcome:
        raise SelfTestFailure(f"the demo sync did not finish within {SYNC_TIMEOUT_MS // 1000} s")
    result = outcome[0]
    if result is None or not result.succeeded:
        reason = "it broke" if result is None else (result.error or result.status)
        raise SelfTestFailure(f"the demo sync failed: {reason}")
    added = result.counts.added
    if added == 0 or users_in_directory != added:
        raise SelfTestFailure(
            f"the demo sync added {added} users but the directory holds {users_in_directory}"
        )
    return (
        f"wizard and main window opened offscreen; a full sync of the demo district "
        f"added {added:,} users"
    )
