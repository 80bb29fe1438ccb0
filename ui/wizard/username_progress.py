"""The username page's busy line: what is being counted, a progress bar, and "Try again"
when counting failed."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from app.sync.username_scan import ScanProgress
from ui.wizard.base import accessible


def progress_text(progress: ScanProgress) -> str:
    if progress.stage == "measuring":
        return "Counting who has each field…"
    if progress.total:
        return f"Reading people from Infinite Campus… {progress.done:,} of {progress.total:,}"
    return f"Reading people from Infinite Campus… {progress.done:,} so far"


class ScanStatus(QWidget):
    retry = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.label.setWordWrap(True)
        accessible(self.label, "Counting status")
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        accessible(self.bar, "Counting progress")
        self.retry_button = QPushButton("&Try again")
        accessible(self.retry_button, "Try again", "Reads the people from Infinite Campus again.")
        self.retry_button.clicked.connect(self.retry)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label, 1)
        row.addWidget(self.retry_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.bar)

    def show_progress(self, progress: ScanProgress) -> None:
        self.show()
        self.retry_button.hide()
        self.bar.show()
        self.label.setText(progress_text(progress))
        if progress.total:
            self.bar.setRange(0, progress.total)
            self.bar.setValue(min(progress.done, progress.total))
        else:
            self.bar.setRange(0, 0)  # busy, no end known

    def show_failure(self, message: str) -> None:
        self.show()
        self.bar.hide()
        self.label.setText(f"Could not count who has each field. {message}")
        self.retry_button.show()

    def finish(self) -> None:
        self.hide()
