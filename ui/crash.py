"""The last line of defence: an uncaught exception in the GUI becomes a plain dialog.

The details go to the log (redacted, like every line of it); the person sees a sentence and a
"Copy diagnostics" button for their email to support. Nothing in the directory changes: a sync
applies everything in one transaction, and a failure outside a sync writes nothing.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from types import TracebackType

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

log = logging.getLogger(__name__)

MESSAGE = (
    "RosterSync ran into an unexpected problem. Your directory was not changed. The details "
    "were written to the log file in the profile folder's “logs” folder. When asking for help, "
    "click Copy diagnostics and paste them into your email."
)
COPY = "Copy &diagnostics"

DiagnosticsSource = Callable[[], str]


class CrashHandler:
    """Shows each uncaught exception as :data:`MESSAGE`; install with :meth:`install`."""

    def __init__(self) -> None:
        #: Set once the app knows its profile: makes the report "Copy diagnostics" copies.
        self.diagnostics: DiagnosticsSource | None = None
        #: The dialog on screen, if any (one at a time: a failing timer must not stack them).
        self.dialog: QMessageBox | None = None

    def install(self) -> None:
        sys.excepthook = self.handle

    def handle(
        self, kind: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        log.critical("Uncaught exception", exc_info=(kind, error, tb))
        if QApplication.instance() is None or self.dialog is not None:
            return
        dialog = QMessageBox(QMessageBox.Icon.Critical, "RosterSync", MESSAGE)
        dialog.setStandardButtons(QMessageBox.StandardButton.Close)
        if self.diagnostics is not None:
            copy = dialog.addButton(COPY, QMessageBox.ButtonRole.ActionRole)
            copy.setAccessibleName("Copy diagnostics")
            copy.clicked.disconnect()  # an action button would close the dialog
            copy.clicked.connect(self._copy_diagnostics)
        dialog.finished.connect(self._closed)
        self.dialog = dialog
        dialog.open()

    def _copy_diagnostics(self) -> None:
        assert self.diagnostics is not None
        try:
            report = self.diagnostics()
        except Exception:  # the app is already in trouble: copy what can be said
            log.exception("Diagnostics could not be gathered")
            report = "RosterSync diagnostics could not be gathered; please send the log file."
        QGuiApplication.clipboard().setText(report)

    def _closed(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None
