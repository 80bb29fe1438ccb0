"""Starting the GUI: the wizard on first run, the main window afterwards; the tray, the nightly
schedule and one instance per profile."""

from __future__ import annotations

import gc
import logging
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from app.context import AppContext
from app.demo.session import DemoSession
from app.diagnostics import diagnostics_report
from app.logs import configure_logging
from app.paths import Profile
from app.secret_store import EphemeralKeyring, SecretStore
from app.single_instance import SHOW, SYNC, SingleInstance
from app.sync.engine import SyncResult, Trigger
from app.sync.wording import counts_sentence, failure_sentence
from ui.crash import CrashHandler
from ui.main_window import MainWindow
from ui.palette import apply_theme
from ui.qt_log import send_qt_messages_to_log
from ui.resources import app_icon
from ui.scheduler import NightlyScheduler
from ui.tasks import TaskRunner
from ui.tray import Tray
from ui.wizard.state import SetupState
from ui.wizard.wizard import SetupWizard

log = logging.getLogger(__name__)

WINDOW_SHOWN = "First window shown"
TRAY_NOTICE = (
    "RosterSync keeps running here so the nightly sync can happen. Use Quit in this menu to "
    "close it completely."
)


class LaunchRequests(QObject):
    """Carries a later launch's request from the listening thread to the GUI thread, holding
    any that arrive before the app is ready for them."""

    _arrived = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self._handler: Callable[[str], None] | None = None
        self._waiting: list[str] = []
        self._arrived.connect(self._take)  # queued: emitted on the listening thread

    def deliver(self, message: str) -> None:
        """Called on the listening thread."""
        self._arrived.emit(message)

    def handle_with(self, handler: Callable[[str], None]) -> None:
        self._handler = handler
        waiting, self._waiting = self._waiting, []
        for message in waiting:
            handler(message)

    def _take(self, message: str) -> None:
        if self._handler is None:
            self._waiting.append(message)
        else:
            self._handler(message)


class AppShell(QObject):
    """Owns the top-level windows, the tray and the schedule, and wires them together."""

    def __init__(
        self,
        context: AppContext,
        tasks: TaskRunner,
        demo: DemoSession | None,
        tray: Tray | None = None,
        scheduler: NightlyScheduler | None = None,
    ) -> None:
        super().__init__()
        self.context = context
        self.tasks = tasks
        self.demo = demo
        self.tray = tray
        self.scheduler = scheduler
        self.wizard: SetupWizard | None = None
        self.main: MainWindow | None = None
        self._trigger: Trigger = "manual"
        if scheduler is not None:
            scheduler.due.connect(lambda _slot: self.sync("schedule"))

    def start(self) -> None:
        if self.demo is not None:
            # The demo stands in for a district whose local directory already has its sites.
            self.context.directory.add_sites(self.demo.district.local_site_names)
        if self.tray is not None:
            if self.tray.show():  # where the desktop has no tray, closing the window quits
                QApplication.setQuitOnLastWindowClosed(False)
            self.tray.set_paused(not self.context.settings.schedule.nightly)
            self.tray.sync_requested.connect(lambda: self.sync("tray"))
            self.tray.open_requested.connect(self.show_main)
            self.tray.pause_toggled.connect(self._pause)
            self.tray.quit_requested.connect(QApplication.quit)
        if self.context.is_set_up:
            self.show_main()
            self._start_schedule()
        else:
            self.show_wizard()

    # --- windows -------------------------------------------------------------------------

    def show_wizard(self) -> None:
        if self.wizard is not None:  # one wizard at a time: bring the open one forward
            self.wizard.raise_()
            self.wizard.activateWindow()
            return
        state = SetupState.from_saved(self.context, self.tasks)
        if self.demo is not None and not state.connection.is_complete:
            state.connection = self.demo.connection()
            state.typed_secret = self.demo.server.client_secret
        self.wizard = SetupWizard(state, self.main)
        self.wizard.setWindowIcon(app_icon())
        self.wizard.finished.connect(self._wizard_finished)
        self.wizard.show()
        self.wizard.raise_()
        self.wizard.activateWindow()

    def _wizard_finished(self, result: int) -> None:
        if self.wizard is not None:
            self.wizard.deleteLater()
            self.wizard = None
        if result == QDialog.DialogCode.Accepted or self.context.is_set_up:
            self.show_main()
            self._start_schedule()
        elif self.main is None:
            QApplication.quit()

    def _ensure_main(self) -> MainWindow:
        if self.main is None:
            self.main = MainWindow(self.context, self.tasks)
            self.main.reopen_wizard.connect(self.show_wizard)
            self.main.sync_started.connect(self._sync_started)
            self.main.sync_ended.connect(self._sync_ended)
            self.main.hidden_to_tray.connect(self._hidden_to_tray)
            self.main.keep_running_in_tray = self.tray is not None and self.tray.available
            if self.scheduler is not None:
                self.main.next_sync = self.scheduler.next_run_at
        return self.main

    def show_main(self) -> None:
        fresh = self.main is None
        main = self._ensure_main()
        if not fresh:
            main.reload()  # the wizard may have synced or changed the mapping
        main.show()
        main.raise_()
        main.activateWindow()

    # --- syncing from the tray, the schedule or another launch ---------------------------

    def sync(self, trigger: Trigger) -> None:
        if self.context.is_set_up:
            self._ensure_main().start_sync(trigger=trigger)
        elif trigger != "schedule":  # a person asked: show what is left to set up
            self.show_wizard()

    def handle_message(self, message: str) -> None:
        """A second launch of RosterSync asked this one to show itself or to sync."""
        if message == SYNC:
            self.sync("cli")
        elif message == SHOW and self.context.is_set_up:
            self.show_main()
        elif message == SHOW:
            self.show_wizard()

    def _start_schedule(self) -> None:
        """Start checking the schedule once setup is done (the wizard may finish many times)."""
        if self.scheduler is not None and not self.scheduler.running:
            self.scheduler.start()

    def _pause(self, paused: bool) -> None:
        self.context.settings.schedule.nightly = not paused
        self.context.save_settings()
        if self.main is not None:
            self.main.reload()  # the status line shows the next sync, or that it is paused

    def _sync_started(self, trigger: Trigger) -> None:
        self._trigger = trigger
        if self.tray is not None:
            self.tray.set_state("syncing")

    def _sync_ended(self, result: SyncResult | None) -> None:
        succeeded = result is not None and result.succeeded
        if self.tray is None:
            return
        self.tray.set_state("idle" if succeeded else "failed")
        if self._trigger in ("tray", "schedule"):
            if succeeded and result is not None:
                self.tray.notify("Sync finished", counts_sentence(result.counts))
            else:
                error = result.error if result is not None else None
                self.tray.notify("Sync failed", failure_sentence(error), failed=True)

    def _hidden_to_tray(self) -> None:
        settings = self.context.settings
        if self.tray is not None and not settings.tray_notice_shown:
            self.tray.notify("RosterSync is still running", TRAY_NOTICE)
            settings.tray_notice_shown = True
            self.context.save_settings()


class FirstPaint(QObject):
    """Logs how long start-up took, once the first window has painted itself."""

    def __init__(self, started: float) -> None:
        super().__init__()
        self._started = started

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        painted = event.type() == QEvent.Type.Paint
        if painted and isinstance(watched, QWidget) and watched.isWindow():
            elapsed = time.perf_counter() - self._started
            log.info("%s: %.2f s after start", WINDOW_SHOWN, elapsed)
            QApplication.instance().removeEventFilter(self)
        return False


def run_gui(demo: bool = False) -> int:
    started = time.perf_counter()
    send_qt_messages_to_log()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("RosterSync")
    app.setOrganizationName("RosterSync")
    app.setWindowIcon(app_icon())
    apply_theme(app)
    crash = CrashHandler()
    crash.install()
    with ExitStack() as stack:
        session: DemoSession | None = None
        if demo:
            session = stack.enter_context(DemoSession())
            profile = session.profile
            secrets = SecretStore(profile, backend=EphemeralKeyring())
        else:
            profile = Profile.default()
            secrets = None
        requests = LaunchRequests()
        instance = SingleInstance(profile, on_message=requests.deliver)
        if not instance.try_become_primary():
            # Another RosterSync runs for this profile: it shows itself instead.
            return 0 if instance.send(SHOW) else 1
        stack.callback(instance.close)
        configure_logging(profile.ensure())
        context = AppContext(profile, secrets)
        crash.diagnostics = lambda: diagnostics_report(context)
        stack.callback(context.close)
        tasks = TaskRunner()
        app.aboutToQuit.connect(tasks.shutdown)
        tray = Tray()
        stack.callback(tray.close)
        shell = AppShell(context, tasks, session, tray=tray, scheduler=NightlyScheduler(context))
        requests.handle_with(shell.handle_message)
        shell.start()
        # bench/bundle_bench.py measures start-up by the line this logs.
        first_paint = FirstPaint(started)
        app.installEventFilter(first_paint)
        # Everything alive now lives as long as the app: keep it out of every later garbage
        # collection, whose full passes would otherwise stall the window mid-sync.
        gc.collect()
        gc.freeze()
        return app.exec()
