"""The Help menu: copying diagnostics for a support email, the log folder, About."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMainWindow, QMessageBox

from app import __version__
from app.context import AppContext
from app.diagnostics import diagnostics_report

COPIED = (
    "Diagnostics copied. Paste them into your email to whoever supports RosterSync; they never "
    "include the Client Secret."
)


def copy_diagnostics(context: AppContext) -> str:
    """Put the diagnostics report on the clipboard; the report."""
    report = diagnostics_report(context)
    QGuiApplication.clipboard().setText(report)
    return report


def add_help_menu(window: QMainWindow, context: AppContext, say: Callable[[str], None]) -> None:
    """Add Help to ``window``'s menu bar; ``say`` shows a confirmation in the window."""
    menu = window.menuBar().addMenu("&Help")

    copy = QAction("&Copy diagnostics", window)
    copy.setObjectName("copy_diagnostics")
    copy.setStatusTip("Versions, settings, recent syncs and log lines, for a support email")
    copy.triggered.connect(lambda: (copy_diagnostics(context), say(COPIED)))

    logs = QAction("Open &log folder", window)
    logs.setObjectName("open_log_folder")
    logs.triggered.connect(
        lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(context.profile.log_dir)))
    )

    about = QAction("&About RosterSync", window)
    about.setObjectName("about")
    about.triggered.connect(
        lambda: QMessageBox.about(
            window,
            "About RosterSync",
            f"RosterSync {__version__}\n\nKeeps this computer's directory of staff and students "
            "in sync with Infinite Campus, or any system that speaks OneRoster 1.1 or 1.2 over "
            "the web or exports OneRoster CSV files.",
        )
    )
    for action in (copy, logs, about):
        menu.addAction(action)
