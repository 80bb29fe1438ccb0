"""The window a technician opens every day — minimal for now: the district's status, the
users, and Sync now in the upper right of the Users list (where the vendor's instructions
point). Everything that reads the database or syncs runs on the task runner.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.errors import SafetyLimitError
from app.labels import role_label
from app.store.directory import UserRow
from app.store.history import RunRecord
from app.sync.engine import SyncRequest, SyncResult
from app.sync.wording import CANCELED_SENTENCE, count_of, counts_sentence, failure_sentence
from ui.sync_progress import (
    SYNC_ANYWAY_HINT,
    OutcomeMessage,
    SyncProgress,
    Tone,
    confirm_mass_deactivation,
)
from ui.tasks import Failure, TaskHandle, TaskRunner

AnyIndex = QModelIndex | QPersistentModelIndex
#: Enough runs to find the last real sync behind a few dry runs.
RECENT_RUNS = 20


@dataclass(frozen=True, slots=True)
class DirectorySnapshot:
    users: list[UserRow]
    last_sync: RunRecord | None

    @property
    def site_count(self) -> int:
        return len({user.site for user in self.users})


def read_snapshot(context: AppContext) -> DirectorySnapshot:
    """Runs on a worker thread: the active users and the last real (not dry) sync."""
    users = list(context.directory.users())
    runs = context.history.runs(limit=RECENT_RUNS)
    return DirectorySnapshot(users, next((run for run in runs if not run.dry_run), None))


def when_text(moment: datetime, now: datetime | None = None) -> str:
    """Like "today 2:00 AM", "yesterday 2:00 AM" or the date, in local time and the locale."""
    local = moment.astimezone()
    today = (now or datetime.now().astimezone()).date()
    locale = QLocale()
    clock = locale.toString(local.time(), QLocale.FormatType.ShortFormat)
    days = (today - local.date()).days
    if days == 0:
        return f"today {clock}"
    if days == 1:
        return f"yesterday {clock}"
    return f"{locale.toString(local.date(), QLocale.FormatType.ShortFormat)} {clock}"


def status_text(snapshot: DirectorySnapshot, now: datetime | None = None) -> str:
    """Like "1,147 active users at 8 sites · Last sync: today 2:00 AM, succeeded"."""
    users = (
        f"{count_of(len(snapshot.users), 'active user')} at {count_of(snapshot.site_count, 'site')}"
        if snapshot.users
        else "No users yet"
    )
    run = snapshot.last_sync
    if run is None:
        return f"{users} · Last sync: never"
    ended = "still running" if run.status == "running" else run.status
    return f"{users} · Last sync: {when_text(run.started_at, now)}, {ended}"


class UsersModel(QAbstractTableModel):
    """The users as a read-only table; the next version reads the database page by page."""

    HEADERS = ("Username", "Name", "Email", "Role", "Site")
    #: First widths in average characters (measuring 100,000 rows would stall the window).
    WIDTHS = (34, 26, 34, 16, 24)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[UserRow] = []

    def set_users(self, rows: list[UserRow]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or not index.isValid():
            return None
        user = self._rows[index.row()]
        return (
            user.username,
            f"{user.given_name} {user.family_name}".strip(),
            user.email or "",
            role_label(user.role),
            user.site,
        )[index.column()]

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None


class UsersTable(QTableView):
    """Rows of users: compact, read-only, first column widths from the font (so from scaling)."""

    def __init__(self, model: UsersModel) -> None:
        super().__init__()
        self.setModel(model)
        self.setAccessibleName("Users")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        metrics = self.fontMetrics()
        rows = self.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(round(metrics.lineSpacing() * 1.6))
        columns = self.horizontalHeader()
        columns.setStretchLastSection(True)
        columns.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, chars in enumerate(UsersModel.WIDTHS):
            columns.resizeSection(column, chars * metrics.averageCharWidth())


class MainWindow(QMainWindow):
    #: The person asked for the setup wizard; the app shell opens it.
    reopen_wizard = Signal()

    def __init__(self, context: AppContext, tasks: TaskRunner) -> None:
        super().__init__()
        self.context = context
        self.tasks = tasks
        self.confirm_mass_deactivation: Callable[[QWidget, int], bool] = confirm_mass_deactivation
        self._sync: TaskHandle[SyncResult] | None = None
        self._stopped_at_limit: SyncResult | None = None
        self.snapshot: DirectorySnapshot | None = None
        self._loads = 0
        self.setWindowTitle("RosterSync")
        self._build_menu()
        self.setCentralWidget(self._build_body())
        metrics = self.fontMetrics()  # a first size that follows the font, so scaling too
        self.resize(metrics.averageCharWidth() * 160, metrics.lineSpacing() * 40)
        self.reload()

    # --- layout --------------------------------------------------------------------------

    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu("&File")
        self.sync_action = QAction("&Sync now", self)
        self.sync_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        self.sync_action.triggered.connect(self._sync_clicked)
        self.wizard_action = QAction("Setup &wizard…", self)
        self.wizard_action.setStatusTip("Change the connection, username field, sites or schedule")
        self.wizard_action.triggered.connect(self.reopen_wizard)
        close = QAction("&Close window", self)
        close.setShortcut(QKeySequence(QKeySequence.StandardKey.Close))
        close.triggered.connect(self.close)
        menu.addAction(self.sync_action)
        menu.addAction(self.wizard_action)
        menu.addSeparator()
        menu.addAction(close)

    def _build_body(self) -> QWidget:
        self.status = QLabel("Loading…")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("District status")
        font = QFont(self.status.font())
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.status.setFont(font)

        self.users_heading = QLabel("&Users")
        bold = QFont(self.users_heading.font())
        bold.setBold(True)
        self.users_heading.setFont(bold)
        self.sync_button = QPushButton("&Sync now")
        self.sync_button.setAccessibleName("Sync now")
        self.sync_button.setAccessibleDescription("Brings the directory up to date now.")
        self.sync_button.clicked.connect(self._sync_clicked)
        self.anyway_button = QPushButton("Sync &anyway…")
        self.anyway_button.setAccessibleName("Sync anyway")
        self.anyway_button.clicked.connect(self._sync_anyway)
        self.anyway_button.hide()
        heading_row = QHBoxLayout()
        heading_row.addWidget(self.users_heading)
        heading_row.addStretch(1)
        heading_row.addWidget(self.anyway_button)
        heading_row.addWidget(self.sync_button)

        self.progress = SyncProgress("&Cancel sync")
        self.progress.cancel_requested.connect(self._cancel_sync)
        self.outcome = OutcomeMessage()
        self.outcome.text.setTextFormat(Qt.TextFormat.PlainText)
        self.empty_hint = QLabel(
            "No users yet. Click Sync now to bring them in from Infinite Campus."
        )
        self.empty_hint.setWordWrap(True)
        self.empty_hint.hide()

        self.model = UsersModel(self)
        self.table = UsersTable(self.model)
        self.users_heading.setBuddy(self.table)

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self.status)
        layout.addSpacing(layout.spacing())
        layout.addLayout(heading_row)
        layout.addWidget(self.progress)
        layout.addWidget(self.outcome)
        layout.addWidget(self.empty_hint)
        layout.addWidget(self.table, 1)
        QWidget.setTabOrder(self.sync_button, self.progress.cancel_button)
        QWidget.setTabOrder(self.progress.cancel_button, self.anyway_button)
        QWidget.setTabOrder(self.anyway_button, self.table)
        return body

    # --- the directory -------------------------------------------------------------------

    def reload(self) -> None:
        """Read the users and the last sync again, in the background."""
        context = self.context
        self._loads += 1
        load = self._loads

        def work(_progress: Callable[[Any], None], _cancel: threading.Event) -> DirectorySnapshot:
            return read_snapshot(context)

        def loaded(snapshot: DirectorySnapshot) -> None:
            if load == self._loads:  # an older read finishing late must not win
                self._show_snapshot(snapshot)

        self.tasks.start(work, loaded, self._show_load_failure, owner=self)

    def _show_snapshot(self, snapshot: DirectorySnapshot) -> None:
        self.snapshot = snapshot
        text = status_text(snapshot)
        self.status.setText(text)
        self.status.setAccessibleDescription(text)
        self.users_heading.setText(f"&Users ({len(snapshot.users):,})")
        self.model.set_users(snapshot.users)
        self.empty_hint.setVisible(not snapshot.users)

    def _show_load_failure(self, failure: Failure) -> None:
        self.status.setText(f"The directory could not be read. {failure.message}")

    # --- syncing -------------------------------------------------------------------------

    def _sync_clicked(self) -> None:
        self.start_sync()

    def start_sync(self, allow_mass_deactivation: bool = False) -> None:
        if self._sync is not None:
            return
        self.outcome.clear()
        self._stopped_at_limit = None
        self.anyway_button.hide()
        context = self.context
        request = SyncRequest(trigger="manual", allow_mass_deactivation=allow_mass_deactivation)

        def work(progress: Callable[[Any], None], cancel: threading.Event) -> SyncResult:
            return context.engine().run(request, progress, cancel)

        self.progress.begin("Starting…")
        self._set_syncing(True)
        self._sync = self.tasks.start(
            work, self._sync_finished, self._sync_broke, self.progress.show_progress, owner=self
        )

    def _sync_finished(self, result: SyncResult) -> None:
        self._sync_ended()
        if result.succeeded:
            self.outcome.show_message(
                Tone.SUCCESS, f"Sync finished. {counts_sentence(result.counts)}"
            )
        elif result.status == "canceled":
            self.outcome.show_message(Tone.INFO, CANCELED_SENTENCE)
        elif result.error_kind == SafetyLimitError.kind:
            self._stopped_at_limit = result
            self.outcome.show_message(Tone.WARNING, f"{result.error} {SYNC_ANYWAY_HINT}")
            self.anyway_button.show()
        else:
            self.outcome.show_message(Tone.PROBLEM, failure_sentence(result.error))
        self.reload()

    def _sync_broke(self, failure: Failure) -> None:
        self._sync_ended()
        self.outcome.show_message(Tone.PROBLEM, failure_sentence(failure.message))
        self.reload()

    def _sync_ended(self) -> None:
        focus_on_cancel = self.progress.cancel_button.hasFocus()
        self._sync = None
        self._set_syncing(False)
        self.progress.end()
        if focus_on_cancel:
            self.sync_button.setFocus()

    def _set_syncing(self, syncing: bool) -> None:
        self.sync_button.setEnabled(not syncing)
        self.sync_action.setEnabled(not syncing)

    def _cancel_sync(self) -> None:
        if self._sync is not None:
            self._sync.cancel()

    def _sync_anyway(self) -> None:
        stopped = self._stopped_at_limit
        if stopped is not None and self.confirm_mass_deactivation(
            self, len(stopped.would_deactivate)
        ):
            self.start_sync(allow_mass_deactivation=True)

    @property
    def syncing(self) -> bool:
        return self._sync is not None
