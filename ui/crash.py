"""The last line of defence: an uncaught exception in the GUI becomes a plain dialog."""

from __future__ import annotations

import logging
import sys
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox

log = logging.getLogger(__name__)

MESSAGE = (
    "RosterSync ran into an unexpected problem. Your directory was not changed. The details "
    "were written to the log file in the profile folder's “logs” folder; please send it when "
    "asking for help."
)


def _handle(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
    log.critical("Uncaught exception", exc_info=(kind, error, tb))
    if QApplication.instance() is not None:
        QMessageBox.critical(None, "RosterSync", MESSAGE)


def install_crash_handler() -> None:
    sys.excepthook = _handle
