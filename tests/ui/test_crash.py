"""An uncaught exception in the window: a plain dialog, the details in the (redacted) log."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from app.logs import LOG_FILE_NAME, configure_logging, stop_file_logging
from app.paths import Profile
from app.redaction import register_secret
from ui.crash import MESSAGE, CrashHandler


def crash(handler: CrashHandler, message: str) -> None:
    try:
        raise RuntimeError(message)
    except RuntimeError:
        handler.handle(*sys.exc_info())  # type: ignore[arg-type]


def test_a_crash_shows_a_sentence_and_logs_the_details_redacted(qtbot, isolated_profile: Profile):
    configure_logging(isolated_profile)
    register_secret("s3cret-value-for-crash")
    handler = CrashHandler()
    try:
        crash(handler, "boom while using s3cret-value-for-crash")
    finally:
        stop_file_logging()
    assert handler.dialog is not None
    qtbot.addWidget(handler.dialog)
    assert handler.dialog.text() == MESSAGE
    log = (isolated_profile.log_dir / LOG_FILE_NAME).read_text()
    assert "Uncaught exception" in log and "RuntimeError: boom while using [redacted]" in log
    assert "s3cret-value-for-crash" not in log


def test_copy_diagnostics_fills_the_clipboard_and_keeps_the_dialog_open(qtbot):
    handler = CrashHandler()
    handler.diagnostics = lambda: "RosterSync diagnostics, for the test"
    crash(handler, "boom")
    dialog = handler.dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    (copy,) = [b for b in dialog.buttons() if b.accessibleName() == "Copy diagnostics"]
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(copy, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "RosterSync diagnostics, for the test"
    assert dialog.isVisible()


def test_a_second_crash_does_not_stack_another_dialog(qtbot):
    handler = CrashHandler()
    crash(handler, "first")
    first = handler.dialog
    assert first is not None
    qtbot.addWidget(first)
    crash(handler, "second")
    assert handler.dialog is first
    first.done(0)
    qtbot.waitUntil(lambda: handler.dialog is None, timeout=5000)
    crash(handler, "third")
    assert handler.dialog is not None and handler.dialog is not first
    qtbot.addWidget(handler.dialog)


def test_without_a_profile_yet_there_is_nothing_to_copy(qtbot):
    handler = CrashHandler()
    crash(handler, "early")
    assert handler.dialog is not None
    qtbot.addWidget(handler.dialog)
    assert not [b for b in handler.dialog.buttons() if b.accessibleName() == "Copy diagnostics"]
