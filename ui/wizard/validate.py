"""Page 3: validate the configuration before going on.

The check runs on a worker thread; each line of the checklist turns green or red as its answer
arrives, with the cause and the fix. Next is enabled only when every line passed; at that
moment the secret goes to the keyring and the connection is saved.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QPushButton, QWidget

from app.connection_check import (
    CHECK_LABELS,
    CheckName,
    CheckOutcome,
    ConnectionReport,
    run_connection_checks,
)
from app.oneroster.client import OneRosterClient
from app.sync.engine import Progress
from ui.announce import announce
from ui.palette import error_color, success_color
from ui.tasks import Failure, TaskHandle
from ui.wizard.base import SetupPage, accessible
from ui.wizard.state import SetupState

PENDING, PASSED, FAILED, NOT_CHECKED = "…", "✔", "✖", "–"
#: What each mark says to a screen reader: the shape and colour are for the eye only.
VERDICTS = {PENDING: "checking", PASSED: "passed", FAILED: "failed", NOT_CHECKED: "not checked"}


#: What a check means when the roster comes from CSV files (the JSON names stay the same).
CSV_CHECK_LABELS: dict[CheckName, str] = {
    **CHECK_LABELS,
    "reachable": "CSV package found",
    "credentials": "Credentials (CSV files need none)",
    "oneroster": "Files are a OneRoster package",
}


class _CheckLine:
    def __init__(self, grid: QGridLayout, row: int, name: CheckName) -> None:
        self.mark = QLabel(PENDING)
        self.title = QLabel()
        self.detail = QLabel("Waiting…")
        self.detail.setWordWrap(True)
        grid.addWidget(self.mark, row * 2, 0)
        grid.addWidget(self.title, row * 2, 1)
        grid.addWidget(self.detail, row * 2 + 1, 1)
        self.name = name
        self.label = CHECK_LABELS[name]

    def relabel(self, label: str) -> None:
        self.label = label
        self.title.setText(f"<b>{label}</b>")

    def reset(self) -> None:
        self.show(PENDING, "Waiting…", None)

    def show(self, mark: str, detail: str, color: str | None) -> bool:
        """Returns whether the line now says something new."""
        changed = (mark, detail) != (self.mark.text(), self.detail.text())
        self.mark.setText(mark)
        self.mark.setAccessibleName(VERDICTS[mark])
        self.mark.setStyleSheet(f"color: {color}; font-weight: bold;" if color else "")
        self.detail.setText(detail)
        self.title.setAccessibleName(self.spoken())
        return changed

    def spoken(self) -> str:
        return f"{self.label}: {VERDICTS[self.mark.text()]}. {self.detail.text()}"


class ValidatePage(SetupPage):
    def __init__(self, state: SetupState) -> None:
        super().__init__(
            state,
            "Validate configuration",
            "RosterSync checks each part of the connection. This takes a few seconds for a "
            "small district and up to a minute or two for a large one.",
        )
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        self.lines = {name: _CheckLine(grid, row, name) for row, name in enumerate(CHECK_LABELS)}
        box = QWidget()
        box.setLayout(grid)
        self.body.addWidget(box)
        self.progress = QProgressBar()
        accessible(self.progress, "Users read so far")
        self.progress.setVisible(False)
        self.body.addWidget(self.progress)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.body.addWidget(self.summary)
        self.again = QPushButton("Check &again")
        accessible(self.again, "Check again")
        self.again.setVisible(False)
        self.again.clicked.connect(self.start_check)
        self.body.addWidget(self.again, 0, Qt.AlignmentFlag.AlignLeft)
        self.body.addStretch(1)
        self._task: TaskHandle[ConnectionReport] | None = None
        self._passed = False

    # -- wizard hooks ---------------------------------------------------------------------

    def initializePage(self) -> None:
        labels = CSV_CHECK_LABELS if self.state.connection.csv_path else CHECK_LABELS
        for name, line in self.lines.items():
            line.relabel(labels[name])
        self.start_check()

    def cleanupPage(self) -> None:
        """Going Back: stop a check still running."""
        if self._task is not None:
            self._task.cancel()

    def isComplete(self) -> bool:
        return self._passed

    # -- the check ------------------------------------------------------------------------

    def start_check(self) -> None:
        self._passed = False
        self.completeChanged.emit()
        for line in self.lines.values():
            line.reset()
        self.summary.setText("Checking…")
        self.again.setVisible(False)
        self.progress.setVisible(False)
        state = self.state

        def work(progress: Callable[[Any], None], cancel: threading.Event) -> ConnectionReport:
            with state.client(cancel) as client:
                report = run_connection_checks(
                    client,
                    on_outcome=progress,
                    on_users=lambda done, total: progress(Progress("downloading", done, total)),
                    cancel=cancel,
                )
            if isinstance(client, OneRosterClient):  # the signature method that worked
                state.connection.signature_method = client.signature_method or ""
            if report.ok:
                state.report = report
                state.keep_validated_connection()  # a keyring failure becomes the page's message
            return report

        self._task = state.tasks.start(
            work, self._finished, self._broke, self._progressed, owner=self
        )

    def _progressed(self, value: object) -> None:
        if isinstance(value, CheckOutcome):
            self._show_outcome(value)
        elif isinstance(value, Progress):
            self.progress.setVisible(True)
            self.progress.setRange(0, value.total or 0)
            self.progress.setValue(value.done)
            self.lines["users"].show(PENDING, f"Reading users — {value.done:,}", None)

    def _show_outcome(self, outcome: CheckOutcome) -> None:
        line = self.lines[outcome.name]
        if outcome.ok:
            changed = line.show(PASSED, outcome.detail, success_color(self).name())
        else:
            changed = line.show(FAILED, outcome.detail, error_color(self).name())
        if changed:
            announce(self, line.spoken(), urgent=not outcome.ok)

    def _finished(self, report: ConnectionReport) -> None:
        self.progress.setVisible(False)
        for outcome in report.outcomes:
            self._show_outcome(outcome)
        if not report.ok:
            failed = next(o for o in report.outcomes if not o.ok)
            for name in list(CHECK_LABELS)[len(report.outcomes) :]:
                self.lines[name].show(NOT_CHECKED, "Not checked yet.", None)
            label = self.lines[failed.name].label
            self._show_failure(f"“{label}” did not pass. Fix it, then check again.")
            return
        self._passed = True
        if self.state.connection.csv_path:
            note = " Every sync reads the files afresh from this location."
        elif self.state.secret_not_saved:
            note = (
                " This computer has no usable password store, so the Client Secret is kept "
                "only until RosterSync closes; set ROSTERSYNC_CLIENT_SECRET for scheduled syncs."
            )
        else:
            note = " The Client Secret is now saved in this computer's secure password store."
        self.summary.setText("All checks passed." + note)
        announce(self, self.summary.text())
        self.completeChanged.emit()
        self.wizard().button(self.wizard().WizardButton.NextButton).setFocus()

    def _broke(self, failure: Failure) -> None:
        self.progress.setVisible(False)
        self._show_failure(failure.message)

    def _show_failure(self, text: str) -> None:
        self.summary.setText(text)
        announce(self, text, urgent=True)
        self.again.setVisible(True)
