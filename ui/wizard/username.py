"""Page 4: which Infinite Campus field becomes the username, chosen with each field's coverage
in view. Counting runs in the background: it reuses the users the Validate page read, or reads
them again when there are none (the wizard reopened later)."""

from __future__ import annotations

import threading

from PySide6.QtCore import QTimer

from app.oneroster.records import User, UsernameField
from app.sync.username_scan import ScanProgress, UsernameScan, read_all_users, scan_usernames
from ui.tasks import Failure, ProgressFn, TaskHandle, Work
from ui.wizard.base import SetupPage
from ui.wizard.state import SetupState
from ui.wizard.username_grid import CoverageGrid
from ui.wizard.username_left_out import LeftOutDialog
from ui.wizard.username_progress import ScanStatus
from ui.wizard.username_summary import ChoiceSummary

COUNTED_OVER = (
    "Counted over the {count} students and staff who would be synced. Guardians, parents and "
    "relatives are never synced, and people marked as leaving are not counted."
)


class UsernamePage(SetupPage):
    def __init__(self, state: SetupState) -> None:
        super().__init__(
            state,
            "Choose the username",
            "Each person's username in the directory comes from one Infinite Campus field. "
            "Choose one that everyone has and no two people share.",
        )
        self.counted_over = self.add_note(COUNTED_OVER.format(count="…"))
        self.status = ScanStatus()
        self.grid = CoverageGrid()
        self.summary = ChoiceSummary()
        self.body.addWidget(self.status)
        self.body.addWidget(self.grid)
        self.body.addSpacing(self.fontMetrics().height() // 2)
        self.body.addWidget(self.summary)
        self.body.addStretch(1)

        self.scan: UsernameScan | None = None
        self.left_out_dialog: LeftOutDialog | None = None
        self._scanned_from: object = None
        self._task: TaskHandle[UsernameScan] | None = None
        self._scanning = False
        self._start_pending = False
        self._generation = 0

        self.grid.chosen.connect(self._show_choice)
        self.status.retry.connect(self.start_scan)
        self.summary.show_button.clicked.connect(self.show_left_out)

    # --- QWizardPage ---------------------------------------------------------------------

    def initializePage(self) -> None:
        self.grid.select(self.state.username_field)
        if self.scan is None or self._scanned_from is not self.state.report:
            self._show_counting(self.state.report is not None)
            self._start_pending = True
            # Start once the page is painted: painting new widgets the first time takes the
            # GIL many times, and racing a busy worker for it would make the page appear late.
            QTimer.singleShot(0, self, self._start_when_shown)

    def _start_when_shown(self) -> None:
        if self._start_pending:
            self.start_scan()

    def cleanupPage(self) -> None:
        """Back: stop counting; coming forward again counts anew."""
        self._start_pending = False
        if self._scanning:
            self._stop_scan()
            self.scan = None

    def isComplete(self) -> bool:
        return not self._scanning

    def validatePage(self) -> bool:
        self.state.username_field = self.grid.selected()
        return True

    # --- counting ------------------------------------------------------------------------

    @property
    def scanning(self) -> bool:
        return self._scanning

    def start_scan(self) -> None:
        self._stop_scan()
        self._start_pending = False
        self._generation += 1
        generation = self._generation
        report = self.state.report
        users = report.users if report is not None else None
        self.scan = None
        self._scanned_from = report
        self._show_counting(users is not None)
        self._task = self.state.tasks.start(
            self._scan_work(users),
            lambda scan: self._scanned(generation, scan),
            lambda failure: self._failed(generation, failure),
            lambda progress: self._progressed(generation, progress),
            owner=self,
        )
        self.completeChanged.emit()

    def _show_counting(self, have_users: bool) -> None:
        self._scanning = True
        self.grid.show_pending()
        self.summary.clear()
        self.status.show_progress(
            ScanProgress("measuring" if have_users else "downloading", 0, None)
        )
        self.completeChanged.emit()

    def _scan_work(self, users: list[User] | None) -> Work[UsernameScan]:
        state = self.state

        def work(progress: ProgressFn, cancel: threading.Event) -> UsernameScan:
            found = users
            if found is None:
                with state.client(cancel) as client:
                    found = read_all_users(client, progress, cancel)
            progress(ScanProgress("measuring", 0, None))
            return scan_usernames(found)

        return work

    def _stop_scan(self) -> None:
        if self._task is not None and self._task.running:
            self._task.cancel()
        self._task = None
        self._scanning = False

    def _current(self, generation: int) -> bool:
        """The answer is for the latest scan (not one abandoned by Back or Try again)."""
        return generation == self._generation

    def _progressed(self, generation: int, progress: object) -> None:
        if self._current(generation) and isinstance(progress, ScanProgress):
            self.status.show_progress(progress)

    def _scanned(self, generation: int, scan: UsernameScan) -> None:
        if not self._current(generation):
            return
        self.scan = scan
        self._scanning = False
        self._task = None
        self.status.finish()
        self.counted_over.setText(COUNTED_OVER.format(count=f"{scan.people:,}"))
        self.grid.show_scan(scan)
        self._show_choice()
        self.completeChanged.emit()

    def _failed(self, generation: int, failure: Failure) -> None:
        if not self._current(generation):
            return
        self._scanning = False
        self._task = None
        self.status.show_failure(failure.message)
        self.completeChanged.emit()

    # --- the choice ----------------------------------------------------------------------

    def choose(self, field: UsernameField) -> None:
        self.grid.select(field)

    def _show_choice(self, _field: str = "") -> None:
        if self.scan is not None:
            self.summary.show_report(self.scan.fields[self.grid.selected()])

    def show_left_out(self) -> LeftOutDialog | None:
        if self.scan is None:
            return None
        if self.left_out_dialog is not None:
            self.left_out_dialog.close()
            self.left_out_dialog.deleteLater()
        self.left_out_dialog = LeftOutDialog(self.scan.fields[self.grid.selected()], self)
        self.left_out_dialog.open()
        return self.left_out_dialog
