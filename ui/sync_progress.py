"""Widgets shared by every place that runs a sync: its progress, its outcome, and the
confirmation the safety limit asks for.

They only display; whoever starts the task owns its handle and connects ``cancel_requested``.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from app.sync.engine import Progress
from ui.announce import announce

#: A counted stage is announced when it starts and as it passes each of these fractions.
MILESTONES = (0.25, 0.5, 0.75)

#: Follows the safety limit's sentence wherever a "Sync anyway…" button is offered.
SYNC_ANYWAY_HINT = "If you expect this, click Sync anyway to confirm it."


def progress_text(progress: Progress) -> str:
    """Like "Downloading users — 4,200 of 6,600"; a stage without a count ends in "…"."""
    if progress.stage in ("downloading", "saving"):
        if progress.total:
            return f"{progress.label} — {progress.done:,} of {progress.total:,}"
        if progress.done:
            return f"{progress.label} — {progress.done:,} so far"
    return f"{progress.label}…"


class SyncProgress(QWidget):
    """The stage in words, a progress bar and a Cancel button; hidden while nothing runs."""

    cancel_requested = Signal()

    def __init__(self, cancel_text: str = "&Cancel sync", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stage_label = QLabel()
        self.stage_label.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Sync progress")
        self.bar.setTextVisible(False)
        self.cancel_button = QPushButton(cancel_text)
        self.cancel_button.setAccessibleName(cancel_text.replace("&", ""))
        self.cancel_button.clicked.connect(self._cancel_clicked)
        self.stage_label.setBuddy(self.bar)
        #: The stage and milestone last announced, so a screen reader hears each once.
        self._announced: tuple[str, int] | None = None

        row = QHBoxLayout()
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stage_label)
        layout.addLayout(row)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.hide()

    def begin(self, text: str = "Starting…") -> None:
        self._announced = None
        self._set_stage(text)
        announce(self, text)
        self.bar.setRange(0, 0)  # busy until a stage brings a count
        self.cancel_button.setEnabled(True)
        self.show()

    def show_progress(self, progress: Progress) -> None:
        if not self.cancel_button.isEnabled():
            return  # canceling: keep saying so
        self._set_stage(progress_text(progress))
        if progress.total:
            self.bar.setRange(0, progress.total)
            self.bar.setValue(min(progress.done, progress.total))
        else:
            self.bar.setRange(0, 0)
        self._announce_milestone(progress)

    def _announce_milestone(self, progress: Progress) -> None:
        passed = 0
        if progress.total:
            passed = sum(progress.done >= progress.total * m for m in MILESTONES)
        previous, self._announced = self._announced, (progress.stage, passed)
        if previous is None or previous[0] != progress.stage:
            announce(self, f"{progress.label}…")
        elif passed > previous[1]:
            announce(self, f"{progress.label}: {round(MILESTONES[passed - 1] * 100)}% done")

    def end(self) -> None:
        self.hide()

    def _cancel_clicked(self) -> None:
        self.cancel_button.setEnabled(False)
        self._set_stage("Canceling…")
        announce(self, "Canceling…")
        self.cancel_requested.emit()

    def _set_stage(self, text: str) -> None:
        self.stage_label.setText(text)
        self.bar.setAccessibleDescription(text)

    @property
    def stage_text(self) -> str:
        return self.stage_label.text()


class Tone(Enum):
    SUCCESS = QStyle.StandardPixmap.SP_DialogApplyButton
    INFO = QStyle.StandardPixmap.SP_MessageBoxInformation
    WARNING = QStyle.StandardPixmap.SP_MessageBoxWarning
    PROBLEM = QStyle.StandardPixmap.SP_MessageBoxCritical


class OutcomeMessage(QWidget):
    """How something ended, as a sentence beside the style's own icon (no colours of ours)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.icon = QLabel()
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text, 1)
        self.tone: Tone | None = None
        self.hide()

    def show_message(self, tone: Tone, text: str) -> None:
        self.tone = tone
        self.text.setText(text)
        self.text.setAccessibleName(text)
        announce(self, text, urgent=tone in (Tone.PROBLEM, Tone.WARNING))
        icon = self.style().standardIcon(tone.value, None, self)
        extent = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize, None, self)
        if icon.isNull():
            self.icon.hide()
        else:
            self.icon.setPixmap(icon.pixmap(QSize(extent, extent), self.devicePixelRatioF()))
            self.icon.show()
        self.show()

    def clear(self) -> None:
        self.tone = None
        self.text.clear()
        self.hide()

    @property
    def message(self) -> str:
        return self.text.text()
