"""The window a technician opens every day — minimal for now: the district's status, the
users, and Sync now in the upper right of the Users list (where the vendor's instructions
point). Syncing and the status line's counts run on the task runner; the Users list
(``ui/users_view.py``) reads the database a page at a time as it scrolls and filters.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QFont, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.errors import SafetyLimitError
from app.store.history import RunRecord
from app.store.user_query import ActiveFilter, UserListing, UserQuery
from app.sync.engine import SyncMode, SyncRequest, SyncResult, Trigger
from app.sync.scheduled_mode import scheduled_mode
from app.sync.wording import CANCELED_SENTENCE, count_of, counts_sentence, failure_sentence
from ui.deactivation_dialog import confirm_deactivation
from ui.help_menu import add_help_menu
from ui.history_view import HistoryView
from ui.screen_fit import fit_to_screen
from ui.settings_dialog import SettingsDialog
from ui.sync_progress import (
    SYNC_ANYWAY_HINT,
    OutcomeMessage,
    SyncProgress,
    Tone,
)
from ui.tasks import Failure, LatestRead, TaskHandle, TaskRunner
from ui.users_view import UsersView
from ui.when import when_text

#: Enough runs to find the last real sync behind a few dry runs.
RECENT_RUNS = 20


@dataclass(frozen=True, slots=True)
class DirectorySnapshot:
    """What the status line says: counted in the database, never the users themselves."""

    active_users: int
    site_count: int
    #: Users of any status; none at all means the directory was never synced.
    all_users: int
    last_sync: RunRecord | None


def read_snapshot(context: AppContext) -> DirectorySnapshot:
    """Runs on a worker thread: the active users, their sites and the last real (not dry) sync."""
    listing = UserListing(context.database)
    active = UserQuery(active=ActiveFilter.ACTIVE)
    sites = sum(
        1 for site in context.directory.sites() if listing.count(active.with_(site_id=site.id))
    )
    runs = context.history.runs(limit=RECENT_RUNS)
    return DirectorySnapshot(
        active_users=listing.count(active),
        site_count=sites,
        all_users=listing.count(UserQuery(active=ActiveFilter.ALL)),
        last_sync=next((run for run in runs if not run.dry_run), None),
    )


def next_sync_text(next_run: datetime | None, now: datetime | None = None) -> str:
    """Like "Next sync: tomorrow 2:00 AM", or that the nightly sync is paused."""
    if next_run is None:
        return "Nightly sync paused"
    return f"Next sync: {when_text(next_run, now)}"


def status_text(snapshot: DirectorySnapshot, now: datetime | None = None) -> str:
    """Like "1,147 active users at 8 sites · Last sync: today 2:00 AM, succeeded"."""
    active, sites = snapshot.active_users, snapshot.site_count
    users = (
        f"{count_of(active, 'active user')} at {count_of(sites, 'site')}"
        if active
        else "No users yet"
    )
    run = snapshot.last_sync
    if run is None:
        return f"{users} · Last sync: never"
    ended = "still running" if run.status == "running" else run.status
    return f"{users} · Last sync: {when_text(run.started_at, now)}, {ended}"


class MainWindow(QMainWindow):
    #: The person asked for the setup wizard; the app shell opens it.
    reopen_wizard = Signal()
    #: A sync started (its trigger) and ended (its SyncResult, or None when it broke).
    sync_started = Signal(str)
    sync_ended = Signal(object)
    #: The window was closed while RosterSync keeps running in the tray.
    hidden_to_tray = Signal()

    def __init__(self, context: AppContext, tasks: TaskRunner) -> None:
        super().__init__()
        self.context = context
        self.tasks = tasks
        self.confirm_mass_deactivation: Callable[[QWidget, list[str]], bool] = lambda parent, ids: (
            confirm_deactivation(parent, self.context, ids)
        )
        self._sync: TaskHandle[SyncResult] | None = None
        self._stopped_at_limit: SyncResult | None = None
        self.snapshot: DirectorySnapshot | None = None
        self._status_reads = LatestRead(self.tasks, self)
        #: Set by the app shell when a system tray exists: closing then only hides the window.
        self.keep_running_in_tray = False
        #: Set by the app shell: when the nightly sync runs next (None when paused).
        self.next_sync: Callable[[], datetime | None] | None = None
        self.setWindowTitle("RosterSync")
        self._build_menu()
        self.setCentralWidget(self._build_body())
        metrics = self.fontMetrics()  # a first size that follows the font, so scaling too
        wanted = QSize(metrics.averageCharWidth() * 160, metrics.lineSpacing() * 40)
        fit_to_screen(self, wanted)  # but no larger than the screen (at 200%, say)
        self._read_status()  # the Users list has just read the database itself
        self.history_view.refresh()

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.context, self)
        dialog.reopen_wizard.connect(self.reopen_wizard)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.keep_running_in_tray:
            event.ignore()
            self.hide()
            self.hidden_to_tray.emit()
            return
        super().closeEvent(event)

    # --- layout --------------------------------------------------------------------------

    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu("&File")
        self.sync_action = QAction("&Sync now", self)
        self.sync_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        self.sync_action.triggered.connect(self._sync_clicked)
        self.wizard_action = QAction("Setup &wizard…", self)
        self.wizard_action.setStatusTip("Change the connection, username field, sites or schedule")
        self.wizard_action.triggered.connect(self.reopen_wizard)
        self.settings_action = QAction("Se&ttings…", self)
        self.settings_action.setStatusTip(
            "Database location, export as CSV, the computer's nightly task, start at sign-in"
        )
        self.settings_action.triggered.connect(self.open_settings)
        close = QAction("&Close window", self)
        close.setShortcut(QKeySequence(QKeySequence.StandardKey.Close))
        close.triggered.connect(self.close)
        menu.addAction(self.sync_action)
        menu.addAction(self.wizard_action)
        menu.addAction(self.settings_action)
        menu.addSeparator()
        menu.addAction(close)
        add_help_menu(self, self.context, lambda text: self.outcome.show_message(Tone.INFO, text))

    def _build_body(self) -> QWidget:
        self.status = QLabel("Loading…")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("District status")
        font = QFont(self.status.font())
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.status.setFont(font)

        users_page = self._build_users_page()
        self.history_view = HistoryView(self.context, self.tasks)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Users and history")
        self.tabs.addTab(users_page, "Us&ers")
        self.tabs.addTab(self.history_view, "Histor&y")

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self.status)
        layout.addSpacing(layout.spacing())
        layout.addWidget(self.tabs, 1)
        QWidget.setTabOrder(self.sync_button, self.progress.cancel_button)
        QWidget.setTabOrder(self.progress.cancel_button, self.anyway_button)
        QWidget.setTabOrder(self.anyway_button, self.users_view.search)
        return body

    def _build_users_page(self) -> QWidget:
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

        self.users_view = UsersView(self.context, self.tasks)
        self.users_heading.setBuddy(self.users_view.table)
        users_page = QWidget()
        users_layout = QVBoxLayout(users_page)
        users_layout.addLayout(heading_row)
        users_layout.addWidget(self.progress)
        users_layout.addWidget(self.outcome)
        users_layout.addWidget(self.empty_hint)
        users_layout.addWidget(self.users_view, 1)
        return users_page

    # --- the directory -------------------------------------------------------------------

    def reload(self) -> None:
        """Read the users (and the sites and roles the filters offer), the history and the
        last sync again."""
        self.users_view.refresh()
        self.history_view.refresh()
        self._read_status()

    def _read_status(self) -> None:
        """Count the users and find the last sync in the background, for the status line."""
        context = self.context
        self._status_reads.start(
            lambda: read_snapshot(context), self._show_snapshot, self._show_load_failure
        )

    def _show_snapshot(self, snapshot: DirectorySnapshot) -> None:
        self.snapshot = snapshot
        text = status_text(snapshot)
        if self.next_sync is not None:
            text += f" · {next_sync_text(self.next_sync())}"
        self.status.setText(text)
        self.status.setAccessibleDescription(text)
        self.users_heading.setText(f"&Users ({snapshot.active_users:,})")
        self.empty_hint.setVisible(not snapshot.all_users)

    def _show_load_failure(self, failure: Failure) -> None:
        self.status.setText(f"The directory could not be read. {failure.message}")

    # --- syncing -------------------------------------------------------------------------

    def _sync_clicked(self) -> None:
        self.start_sync()

    def start_sync(
        self, confirmed: frozenset[str] = frozenset(), trigger: Trigger = "manual"
    ) -> None:
        """Start a sync (from the button, the tray or the schedule); ignored while one runs."""
        if self._sync is not None:
            return
        self.outcome.clear()
        self._stopped_at_limit = None
        self.anyway_button.hide()
        context = self.context

        def work(progress: Callable[[Any], None], cancel: threading.Event) -> SyncResult:
            mode: SyncMode = "full"
            if trigger == "schedule":
                configured = context.settings.schedule.mode
                mode = scheduled_mode(configured, context.history, datetime.now(UTC))
            request = SyncRequest(mode=mode, trigger=trigger, confirmed_deactivations=confirmed)
            return context.engine().run(request, progress, cancel)

        self.progress.begin("Starting…")
        self._set_syncing(True)
        self._sync = self.tasks.start(
            work, self._sync_finished, self._sync_broke, self.progress.show_progress, owner=self
        )
        self.sync_started.emit(trigger)

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
        self.sync_ended.emit(result)

    def _sync_broke(self, failure: Failure) -> None:
        self._sync_ended()
        self.outcome.show_message(Tone.PROBLEM, failure_sentence(failure.message))
        self.reload()
        self.sync_ended.emit(None)

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
        if stopped is not None and self.confirm_mass_deactivation(self, stopped.would_deactivate):
            self.start_sync(confirmed=frozenset(stopped.would_deactivate))

    @property
    def syncing(self) -> bool:
        return self._sync is not None
