"""Page 7: what the first sync will do (a dry run, on entering), then the first sync itself.

The page is complete after a successful sync, or when the person ticks "Finish without syncing
now". Both the preview and the sync run on the task runner; leaving the page or the wizard
cancels whichever is running, and results of an abandoned task are ignored.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize, Qt, QTime
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
)

from app.errors import SafetyLimitError
from app.oneroster.records import UsernameField
from app.sync.engine import SyncRequest, SyncResult
from app.sync.preview import SiteChanges, SyncPreview, preview_sync
from app.sync.wording import (
    CANCELED_SENTENCE,
    carry_over_sentence,
    changes_phrase,
    count_of,
    counts_sentence,
    failure_sentence,
    left_out_phrase,
    ordered_reasons,
    reason_hints,
    relinked_sentence,
    skip_reason_text,
)
from ui.deactivation_dialog import confirm_deactivation
from ui.sync_progress import (
    SYNC_ANYWAY_HINT,
    OutcomeMessage,
    SyncProgress,
    Tone,
)
from ui.tasks import Failure, TaskHandle, Work
from ui.wizard.base import SetupPage, accessible
from ui.wizard.schedule import STORED_FORMAT, short_time
from ui.wizard.state import SetupState

CANCELED = f"{CANCELED_SENTENCE} You can start the sync again when you are ready."


class SitesTable(QTableWidget):
    """Per site: users to add (and, on a re-run, to update or deactivate), with a total."""

    COLUMNS: tuple[tuple[str, str], ...] = (
        ("added", "Users to add"),
        ("updated", "To update"),
        ("deactivated", "To deactivate"),
    )
    MOST_ROWS_SHOWN = 12

    def __init__(self) -> None:
        super().__init__(0, 1 + len(self.COLUMNS))
        self.setHorizontalHeaderLabels(["Site", *(title for _, title in self.COLUMNS)])
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setTabKeyNavigation(False)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, self.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        accessible(self, "Users to add, per site")

    def sizeHint(self) -> QSize:
        """Tall enough for every row (up to a dozen), so short lists leave no empty box."""
        rows = min(self.rowCount(), self.MOST_ROWS_SHOWN)
        height = (
            self.horizontalHeader().sizeHint().height()
            + rows * self.verticalHeader().defaultSectionSize()
            + 2 * self.frameWidth()
        )
        return QSize(super().sizeHint().width(), height)

    def show_sites(self, sites: list[SiteChanges]) -> None:
        total = SiteChanges(
            "Total",
            sum(site.added for site in sites),
            sum(site.updated for site in sites),
            sum(site.deactivated for site in sites),
        )
        self.setRowCount(len(sites) + 1)
        for row, site in enumerate([*sites, total]):
            self._set_row(row, site, bold=site is total)
        for index, (attribute, _) in enumerate(self.COLUMNS[1:], start=2):
            self.setColumnHidden(index, not getattr(total, attribute))
        self.updateGeometry()

    def _set_row(self, row: int, site: SiteChanges, *, bold: bool) -> None:
        cells = [QTableWidgetItem(site.site)]
        for attribute, _ in self.COLUMNS:
            item = QTableWidgetItem(f"{getattr(site, attribute):,}")
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            cells.append(item)
        for column, item in enumerate(cells):
            if bold:
                font = QFont(item.font())
                font.setBold(True)
                item.setFont(font)
            self.setItem(row, column, item)

    def added_by_site(self) -> dict[str, int]:
        """What the table shows (without the total row): site -> users to add."""
        rows = range(self.rowCount() - 1)
        return {self.item(r, 0).text(): int(self.item(r, 1).text().replace(",", "")) for r in rows}


class PreviewView(QWidget):
    """The dry run in words: a summary, the per-site table and who is left out and why."""

    def __init__(self) -> None:
        super().__init__()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.sites = SitesTable()
        self.left_out = QLabel()
        self.left_out.setWordWrap(True)
        self.left_out.setTextFormat(Qt.TextFormat.RichText)
        self.left_out.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        columns = QHBoxLayout()
        columns.addWidget(self.sites, 3)
        columns.addWidget(self.left_out, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addLayout(columns)

    def show_preview(self, preview: SyncPreview, field: UsernameField, held: int) -> None:
        """``held``: how many active people the directory held before this connection."""
        counts = preview.result.counts
        sites_adding = sum(1 for site in preview.sites or [] if site.added)
        where = f" at {count_of(sites_adding, 'site')}" if sites_adding else ""
        if counts.updated or counts.deactivated:
            text = f"The sync will make these changes: {changes_phrase(counts)}."
        elif counts.added:
            text = f"The sync will add {count_of(counts.added, 'user')}{where}."
        else:
            text = "Nothing to change: the directory already matches Infinite Campus."
        if counts.relinked:
            text += f" {relinked_sentence(counts.relinked)}"
        if held and (counts.relinked or counts.deactivated):
            text = f"{carry_over_sentence(held)} {text}"
        self.summary.setText(text)
        self.summary.setAccessibleName(text)
        self.sites.setVisible(preview.sites is not None)
        if preview.sites is not None:
            self.sites.show_sites(preview.sites)
        self.left_out.setText(self._left_out_html(preview.result, field))
        self.left_out.setAccessibleName(self._left_out_plain(preview.result, field))

    @staticmethod
    def _left_out_html(result: SyncResult, field: UsernameField) -> str:
        reasons = ordered_reasons(result.skipped_reasons)
        heading = f"<b>{left_out_phrase(result.counts.skipped).capitalize()}</b>"
        if not reasons:
            return f"{heading}<p>Everyone who can be synced will be.</p>"
        rows = "".join(
            f"<tr><td align='right'>{count:,}</td><td>&nbsp;&nbsp;{skip_reason_text(reason, field)}"
            "</td></tr>"
            for reason, count in reasons
        )
        hints = reason_hints(result.skipped_reasons, field)
        notes = "".join(f"<p>{hint}</p>" for hint in hints)
        return f"{heading}<table>{rows}</table>{notes}"

    @staticmethod
    def _left_out_plain(result: SyncResult, field: UsernameField) -> str:
        parts = [
            f"{count:,} {skip_reason_text(r, field)}"
            for r, count in ordered_reasons(result.skipped_reasons)
        ]
        return f"{left_out_phrase(result.counts.skipped)}: " + "; ".join(parts)


class ReviewPage(SetupPage):
    def __init__(self, state: SetupState) -> None:
        super().__init__(
            state,
            "Review and first sync",
            "First, see what the sync will do (nothing changes yet). Then start the sync.",
        )
        #: Asks before a sync beyond the safety limit; tests replace it.
        self.confirm_mass_deactivation: Callable[[QWidget, list[str]], bool] = lambda parent, ids: (
            confirm_deactivation(parent, state.context, ids)
        )
        self._handle: TaskHandle[Any] | None = None
        self._synced = False
        self._stopped_at_limit: SyncResult | None = None
        self._wizard_hooked = False
        #: Set when a task ended with the focus on its Cancel button, which is now hidden.
        self._refocus = False
        #: Set when a Cancel button is pressed, with where the focus went: the button is
        #: disabled under it and Qt moves it on (to the wizard's Cancel, where Enter would
        #: close the wizard); it comes back to Start sync if it is still there at the end.
        self._cancel_pressed = False
        self._focus_after_cancel: QWidget | None = None
        self._build_preview_box()
        self._build_sync_area()

    # --- layout --------------------------------------------------------------------------

    def _build_preview_box(self) -> None:
        box = QGroupBox("What the sync will do")
        self.preview_progress = SyncProgress("Cancel pre&view")
        self.preview_progress.cancel_requested.connect(self._cancel_clicked)
        self.preview = PreviewView()
        self.preview_problem = OutcomeMessage()
        self.preview_again = QPushButton("&Preview again")
        accessible(self.preview_again, "Preview again")
        self.preview_again.clicked.connect(self._start_preview)
        again_row = QHBoxLayout()
        again_row.addWidget(self.preview_again)
        again_row.addStretch(1)
        layout = QVBoxLayout(box)
        layout.addWidget(self.preview_progress)
        layout.addWidget(self.preview)
        layout.addWidget(self.preview_problem)
        layout.addLayout(again_row)
        self.body.addWidget(box)

    def _build_sync_area(self) -> None:
        self.start_button = QPushButton("&Start sync")
        accessible(self.start_button, "Start sync", "Runs the first sync into the directory.")
        self.start_button.clicked.connect(self._start_clicked)
        self.anyway_button = QPushButton("Sync &anyway…")
        accessible(self.anyway_button, "Sync anyway", "Syncs past the safety limit, after asking.")
        self.anyway_button.clicked.connect(self._sync_anyway)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.anyway_button)
        buttons.addStretch(1)
        self.sync_progress = SyncProgress("&Cancel sync")
        self.sync_progress.cancel_requested.connect(self._cancel_clicked)
        self.outcome = OutcomeMessage()
        self.outcome.text.setTextFormat(Qt.TextFormat.PlainText)
        self.skip_sync = QCheckBox("Finish &without syncing now")
        self.skip_sync.toggled.connect(lambda _checked: self._refresh())
        self.skip_note = QLabel()
        self.skip_note.setWordWrap(True)
        self.skip_note.setBuddy(self.skip_sync)
        style = self.style()
        self.skip_note.setIndent(  # under the checkbox's text, not its box
            style.pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth)
            + style.pixelMetric(QStyle.PixelMetric.PM_CheckBoxLabelSpacing)
        )
        self.body.addLayout(buttons)
        self.body.addWidget(self.sync_progress)
        self.body.addWidget(self.outcome)
        self.body.addWidget(self.skip_sync)
        self.body.addWidget(self.skip_note)
        self.body.addStretch(1)

    # --- the wizard's protocol -----------------------------------------------------------

    def initializePage(self) -> None:
        wizard = self.wizard()
        if wizard is not None and not self._wizard_hooked:
            wizard.rejected.connect(self._abandon)
            self._wizard_hooked = True
        self._synced = False
        self._stopped_at_limit = None
        self.start_button.setText("&Start sync")
        self.skip_sync.setChecked(False)
        self.skip_note.setText(self._later_sentence())
        self.outcome.clear()
        self._start_preview()

    def cleanupPage(self) -> None:
        self._abandon()
        super().cleanupPage()

    def isComplete(self) -> bool:
        if self._handle is not None:
            return False
        return self._synced or self.skip_sync.isChecked()

    # --- the preview ---------------------------------------------------------------------

    def _start_preview(self) -> None:
        self.preview.hide()
        self.preview_problem.clear()
        self.preview_again.hide()
        context = self.state.context
        field = self.state.username_field

        def work(
            progress: Callable[[Any], None], cancel: threading.Event
        ) -> tuple[SyncPreview, int]:
            held, _inactive = context.directory.user_counts()
            return preview_sync(context.engine(username_field=field), progress, cancel), held

        self._run(
            work,
            self._preview_finished,
            self._preview_broke,
            self.preview_progress,
            "Looking at Infinite Campus…",
        )

    def _preview_finished(self, outcome: tuple[SyncPreview, int]) -> None:
        preview, held = outcome
        result = preview.result
        limit = result.error_kind == SafetyLimitError.kind
        if result.succeeded or limit:
            self.preview.show_preview(preview, self.state.username_field, held)
            self.preview.show()
            if limit:
                self._stop_at_limit(result)
        elif result.status == "canceled":
            self._preview_broke(Failure("The preview was canceled.", "canceled"))
        else:
            self._preview_broke(Failure(result.error or "", result.error_kind or "error"))

    def _preview_broke(self, failure: Failure) -> None:
        tone = Tone.INFO if failure.kind == "canceled" else Tone.PROBLEM
        text = failure.message
        if failure.kind != "canceled":
            text = f"The preview could not be made. {text}"
        self.preview_problem.show_message(tone, f"{text} You can still start the sync.")
        self.preview_again.show()

    # --- the sync ------------------------------------------------------------------------

    def _start_clicked(self) -> None:
        self._start_sync()

    def _start_sync(self, confirmed: frozenset[str] = frozenset()) -> None:
        self.state.save_choices()  # the sync uses them; a later Cancel must not undo that
        self.outcome.clear()
        self._stopped_at_limit = None
        context = self.state.context
        field = self.state.username_field
        request = SyncRequest(trigger="manual", confirmed_deactivations=confirmed)

        def work(progress: Callable[[Any], None], cancel: threading.Event) -> SyncResult:
            return context.engine(username_field=field).run(request, progress, cancel)

        self._run(work, self._sync_finished, self._sync_broke, self.sync_progress, "Starting…")

    def _sync_finished(self, result: SyncResult) -> None:
        if result.succeeded:
            self._synced = True
            self.outcome.show_message(
                Tone.SUCCESS,
                f"The sync is done. {counts_sentence(result.counts)} "
                "Click Finish to open RosterSync.",
            )
        elif result.status == "canceled":
            self.outcome.show_message(Tone.INFO, CANCELED)
        elif result.error_kind == SafetyLimitError.kind:
            self._stop_at_limit(result)
        else:
            self.outcome.show_message(Tone.PROBLEM, failure_sentence(result.error))
        if not result.succeeded:
            self.start_button.setText("&Try again")

    def _sync_broke(self, failure: Failure) -> None:
        self.outcome.show_message(Tone.PROBLEM, failure_sentence(failure.message))
        self.start_button.setText("&Try again")

    def _stop_at_limit(self, result: SyncResult) -> None:
        self._stopped_at_limit = result
        self.outcome.show_message(Tone.WARNING, f"{result.error} {SYNC_ANYWAY_HINT}")

    def _sync_anyway(self) -> None:
        stopped = self._stopped_at_limit
        if stopped is None:
            return
        if self.confirm_mass_deactivation(self, stopped.would_deactivate):
            self._start_sync(confirmed=frozenset(stopped.would_deactivate))

    # --- running tasks -------------------------------------------------------------------

    def _run(
        self,
        work: Work[Any],
        on_result: Callable[[Any], None],
        on_failure: Callable[[Failure], None],
        progress: SyncProgress,
        first_text: str,
    ) -> None:
        progress.begin(first_text)
        handle: TaskHandle[Any] | None = None

        def ended() -> bool:
            if self._handle is not handle:
                return False  # abandoned: the page has moved on
            self._handle = None
            moved = self._cancel_pressed and QApplication.focusWidget() is self._focus_after_cancel
            self._refocus = progress.cancel_button.hasFocus() or moved
            self._cancel_pressed, self._focus_after_cancel = False, None
            progress.end()
            return True

        def succeeded(result: Any) -> None:
            if ended():
                on_result(result)
                self._refresh()

        def failed(failure: Failure) -> None:
            if ended():
                on_failure(failure)
                self._refresh()

        def progressed(value: Any) -> None:
            if self._handle is handle:
                progress.show_progress(value)

        handle = self._handle = self.state.tasks.start(
            work, succeeded, failed, progressed, owner=self
        )
        self._refresh()

    def _cancel_clicked(self) -> None:
        self._cancel_pressed, self._focus_after_cancel = True, QApplication.focusWidget()
        self._cancel()

    def _cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()

    def _abandon(self) -> None:
        self._cancel()
        self._handle = None
        self.preview_progress.end()
        self.sync_progress.end()

    # --- what is enabled, shown and default ----------------------------------------------

    def _refresh(self) -> None:
        running = self._handle is not None
        self.start_button.setVisible(not self._synced)
        self.start_button.setEnabled(not running)
        self.anyway_button.setVisible(
            self._stopped_at_limit is not None and not running and not self._synced
        )
        for widget in (self.skip_sync, self.skip_note):
            widget.setVisible(not self._synced)
        self.skip_sync.setEnabled(not running)
        self.completeChanged.emit()  # the wizard re-picks its default button here
        self._choose_default_button()

    def _choose_default_button(self) -> None:
        wizard = self.wizard()
        if wizard is None:
            return
        finish = wizard.button(QWizard.WizardButton.FinishButton)
        if self.isComplete():
            finish.setDefault(True)
            if self._synced:
                finish.setFocus()
        elif self._handle is None:
            self.start_button.setDefault(True)
            if self._refocus:
                self.start_button.setFocus()
        self._refocus = False

    def _later_sentence(self) -> str:
        schedule = self.state.schedule
        if schedule.nightly:
            when = short_time(QTime.fromString(schedule.time, STORED_FORMAT))
            return (
                f"Users will then arrive with the nightly sync at {when}, or when you click "
                "Sync now in RosterSync's window."
            )
        return "Users will then arrive when you click Sync now in RosterSync's window."
