"""Page 6: whether RosterSync syncs by itself every night, and at what time."""

from __future__ import annotations

import sys

from PySide6.QtCore import QLocale, QTime
from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QSizePolicy, QTimeEdit

from app.settings import ScheduleSettings
from ui.wizard.base import SetupPage, accessible
from ui.wizard.state import SetupState

DEFAULT_TIME = QTime(2, 0)
STORED_FORMAT = "HH:mm"


def _tray_and_system() -> tuple[str, str]:
    """Where the app waits when its window is closed, and who can run it instead."""
    if sys.platform == "win32":
        return "notification area (next to the clock)", "Windows"
    if sys.platform == "darwin":
        return "menu bar", "macOS"
    return "system tray", "your computer"


def short_time(time: QTime) -> str:
    return QLocale().toString(time, QLocale.FormatType.ShortFormat)


class SchedulePage(SetupPage):
    def __init__(self, state: SetupState) -> None:
        super().__init__(
            state,
            "Schedule",
            "RosterSync can sync by itself every night, so the directory is ready each morning.",
        )
        self.nightly = QCheckBox("&Sync automatically every night")
        accessible(self.nightly, "Sync automatically every night")
        self.time = QTimeEdit()
        self.time.setDisplayFormat(QLocale().timeFormat(QLocale.FormatType.ShortFormat))
        self.time.setWrapping(True)
        self.time.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        accessible(self.time, "Time of the nightly sync", "The time of day the sync starts.")
        time_label = QLabel("&Time:")
        time_label.setBuddy(self.time)
        self.summary = QLabel()
        self.summary.setWordWrap(True)

        form = QFormLayout()
        form.addRow(self.nightly)
        form.addRow(time_label, self.time)
        self.body.addLayout(form)
        self.body.addWidget(self.summary)
        tray, system = _tray_and_system()
        self.add_note(
            "The nightly sync runs while RosterSync is running: closing its window keeps it "
            f"running in the {tray}, so leave this computer on and signed in. If it is not "
            f"usually left on, you can later ask {system} to run the sync instead, from "
            "<i>Settings</i> in RosterSync's main window."
        )
        self.body.addStretch(1)

        self.nightly.toggled.connect(self._update)
        self.time.timeChanged.connect(self._update)

    def initializePage(self) -> None:
        schedule = self.state.schedule
        self.nightly.setChecked(schedule.nightly)
        saved = QTime.fromString(schedule.time, STORED_FORMAT)
        self.time.setTime(saved if saved.isValid() else DEFAULT_TIME)
        self._update()

    def validatePage(self) -> bool:
        self.state.schedule = ScheduleSettings(
            nightly=self.nightly.isChecked(),
            time=self.time.time().toString(STORED_FORMAT),
            mode=self.state.schedule.mode,
        )
        return True

    def _update(self) -> None:
        on = self.nightly.isChecked()
        self.time.setEnabled(on)
        if on:
            text = f"RosterSync will sync every night at {short_time(self.time.time())}."
        else:
            text = (
                "RosterSync will sync only when you click Sync now, in its window or in its "
                "tray menu."
            )
        self.summary.setText(text)
        self.summary.setAccessibleName(text)
