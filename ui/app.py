"""Starting the GUI: the wizard on first run, the main window afterwards."""

from __future__ import annotations

import gc
import sys
from contextlib import ExitStack

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QDialog

from app.context import AppContext
from app.demo.session import DemoSession
from app.logs import configure_logging
from app.paths import Profile
from app.secret_store import EphemeralKeyring, SecretStore
from ui.crash import install_crash_handler
from ui.main_window import MainWindow
from ui.resources import app_icon
from ui.tasks import TaskRunner
from ui.wizard.state import SetupState
from ui.wizard.wizard import SetupWizard


class AppShell(QObject):
    """Owns the top-level windows and decides which one a person sees."""

    def __init__(self, context: AppContext, tasks: TaskRunner, demo: DemoSession | None) -> None:
        super().__init__()
        self.context = context
        self.tasks = tasks
        self.demo = demo
        self.wizard: SetupWizard | None = None
        self.main: MainWindow | None = None

    def start(self) -> None:
        if self.demo is not None:
            # The demo stands in for a district whose local directory already has its sites.
            self.context.directory.add_sites(self.demo.district.local_site_names)
        if self.context.settings.setup_complete:
            self.show_main()
        else:
            self.show_wizard()

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
        if result == QDialog.DialogCode.Accepted or self.context.settings.setup_complete:
            self.show_main()
        elif self.main is None:
            QApplication.quit()

    def show_main(self) -> None:
        if self.main is None:
            self.main = MainWindow(self.context, self.tasks)
            self.main.reopen_wizard.connect(self.show_wizard)
        else:
            self.main.reload()  # the wizard may have synced or changed the mapping
        self.main.show()
        self.main.raise_()
        self.main.activateWindow()


def run_gui(demo: bool = False) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("RosterSync")
    app.setOrganizationName("RosterSync")
    app.setWindowIcon(app_icon())
    install_crash_handler()
    with ExitStack() as stack:
        session: DemoSession | None = None
        if demo:
            session = stack.enter_context(DemoSession())
            profile = session.profile
            secrets = SecretStore(profile, backend=EphemeralKeyring())
        else:
            profile = Profile.default()
            secrets = None
        configure_logging(profile.ensure())
        context = AppContext(profile, secrets)
        stack.callback(context.close)
        tasks = TaskRunner()
        app.aboutToQuit.connect(tasks.shutdown)
        shell = AppShell(context, tasks, session)
        shell.start()
        # Everything alive now lives as long as the app: keep it out of every later garbage
        # collection, whose full passes would otherwise stall the window mid-sync.
        gc.collect()
        gc.freeze()
        return app.exec()
