"""The History tab: every sync run, newest first; a run opens to the people it left out.

Reading happens on the ``TaskRunner`` (the view passes itself as ``owner``); the table and the
skipped-people dialog only ever hold plain records. ``refresh()`` re-reads the runs; a result
that arrives after a newer refresh started is dropped. A skipped person opens their record and
story (``ui/person_panel.py``).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.csv_export import write_csv
from app.oneroster.records import UsernameField
from app.store.history import RunRecord, SkipRecord
from app.sync.wording import count_of
from ui.models.history_table import (
    PROBLEM_COLUMN,
    SKIP_HEADERS,
    RunsTableModel,
    SkipsTableModel,
    problem_text,
    trigger_text,
)
from ui.person_panel import PersonOpener
from ui.row_activation import RowActivation
from ui.screen_fit import fit_to_screen, titles_fit
from ui.tasks import Failure, LatestRead, TaskRunner
from ui.when import when_text

log = logging.getLogger(__name__)

NO_RUNS = "No syncs yet. Runs appear here once a sync (or a preview) has been started."
NO_ID = (
    "This record came from Infinite Campus without an ID, so there is nothing more to show "
    "about it than this row."
)


def _saving_failed(path: Path, error: OSError) -> str:
    reason = error.strerror or "the file could not be written"
    return (
        f"The list could not be saved to {path}: {reason}. Choose another folder or file name "
        "and try again."
    )


class SkippedPeopleDialog(QDialog):
    """One run's skipped people (name, Infinite Campus ID, reason, detail), savable as CSV."""

    #: The path a CSV was written to, after a successful save.
    saved = Signal(str)
    #: The sourcedId of a skipped person to open.
    person_requested = Signal(str)

    def __init__(
        self,
        run: RunRecord,
        skips: list[SkipRecord],
        username_field: UsernameField,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.run = run
        self.setWindowTitle(f"People left out — {when_text(run.started_at)}")
        self.setAccessibleName("People left out of this sync")
        self.model = SkipsTableModel(skips, username_field, self)

        self.heading = QLabel(self._heading_text())
        self.heading.setWordWrap(True)

        self.table_label = QLabel("&People left out:")
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("People left out")
        self.table.setAccessibleDescription(
            "One row per person: name, Infinite Campus ID, reason and detail. Press Enter or "
            "double-click a person to see what every sync did with them."
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move inside it
        self.table.verticalHeader().setVisible(False)
        titles_fit(self.table.horizontalHeader(), stretch_last=True)
        self.table_label.setBuddy(self.table)
        self._activation = RowActivation(self.table)
        self._activation.opened.connect(self._open_index)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Message")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()

        self.save_button = QPushButton("&Save as CSV…")
        self.save_button.setAccessibleName("Save as CSV")
        self.save_button.setAccessibleDescription("Save this list as a spreadsheet file.")
        self.save_button.setEnabled(self.model.rowCount() > 0)
        self.save_button.clicked.connect(self.choose_and_save)
        self.open_button = QPushButton("&Open person…")
        self.open_button.setAccessibleName("Open person")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_current)

        buttons = QDialogButtonBox()
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setText("&Close")
        self.close_button.setAccessibleName("Close")
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.table_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        fit_to_screen(self, QSize(760, 440))  # smaller on a small screen (200% on 1366x768)

    def _heading_text(self) -> str:
        run = self.run
        started = f"{trigger_text(run)}, {when_text(run.started_at)}"
        count = self.model.rowCount()
        if run.skip_list_forgotten(count):
            return (
                f"{started}: {count_of(run.counts.skipped, 'person', 'people')} left out. Who "
                "they were is no longer kept: these lists are kept as long as each person's "
                "history (Settings)."
            )
        if not count:
            return f"{started}: no one was left out."
        return f"{started}: {count_of(count, 'person', 'people')} left out."

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        """The Open person button works only for a record that came with an ID."""
        openable = current.isValid() and self.model.skips[current.row()].sourced_id is not None
        self.open_button.setEnabled(openable)
        self.open_button.setAccessibleDescription(
            "See this person's record and what every sync did with them, and why."
            if openable or not current.isValid()
            else NO_ID
        )

    def open_current(self) -> None:
        self._open_index(self.table.currentIndex())

    def _open_index(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        sourced_id = self.model.skips[index.row()].sourced_id
        if sourced_id is None:
            self._say(NO_ID)
        else:
            self.person_requested.emit(sourced_id)

    def default_file_name(self) -> str:
        return f"rostersync-skipped-run-{self.run.id}.csv"

    def save_csv(self, path: Path | str) -> int:
        """Write the list to ``path`` (formula-safe); returns the number of people written."""
        target = Path(path)
        count = write_csv(target, SKIP_HEADERS, self.model.rows)
        self._say(f"Saved {count_of(count, 'person', 'people')} to {target}.")
        self.saved.emit(str(target))
        return count

    def choose_and_save(self) -> None:
        start = str(Path.home() / self.default_file_name())
        name, _ = QFileDialog.getSaveFileName(
            self, "Save the people left out", start, "CSV files (*.csv);;All files (*)"
        )
        if not name:
            return
        path = Path(name)
        if not path.suffix:
            path = path.with_suffix(".csv")
        try:
            self.save_csv(path)
        except OSError as error:
            log.warning("Saving the skipped list to %s failed: %s", path, error)
            self._say(_saving_failed(path, error))

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()


class HistoryView(QWidget):
    """Every sync run, newest first. Open a run (double-click, Enter or the button) to see who
    it left out."""

    #: Emitted on the GUI thread after the runs were read and shown (the number of runs).
    loaded = Signal(int)
    #: Emitted with the dialog once a run's skipped people are shown.
    skips_opened = Signal(object)

    def __init__(
        self, context: AppContext, tasks: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.tasks = tasks
        self.setAccessibleName("Sync history")
        #: Reads of the runs, and of one run's skipped people.
        self._run_reads, self._skip_reads = LatestRead(tasks, self), LatestRead(tasks, self)
        #: The latest skipped-people dialog, or None before one was opened.
        self.skips_dialog: SkippedPeopleDialog | None = None
        self.people = PersonOpener(context, tasks, self)

        self.heading = QLabel("Sync &history")
        self.model = RunsTableModel(parent=self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Sync runs")
        self.table.setAccessibleDescription(
            "Every sync, newest first. Press Enter or double-click a run to see who it left out."
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # The last column fills the width left, but a narrow window scrolls rather than
        # squeezing it narrower than its title.
        header.setSectionResizeMode(PROBLEM_COLUMN, QHeaderView.ResizeMode.Interactive)
        titles_fit(header, stretch_last=True)
        self.heading.setBuddy(self.table)
        self._activation = RowActivation(self.table)
        self._activation.opened.connect(self.open_selected)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("History status")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()

        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setAccessibleName("Refresh history")
        self.refresh_button.clicked.connect(self.refresh)
        self.skipped_button = QPushButton("Show skipped &people…")
        self.skipped_button.setAccessibleName("Show skipped people")
        self.skipped_button.setAccessibleDescription(
            "List the people the selected sync left out, with the reason for each."
        )
        self.skipped_button.setEnabled(False)
        self.skipped_button.clicked.connect(self.open_selected)

        top = QHBoxLayout()
        top.addWidget(self.heading)
        top.addStretch(1)
        top.addWidget(self.skipped_button)
        top.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)

    # --- reading -------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the runs again on a worker; the table updates when they arrive."""
        self.refresh_button.setEnabled(False)
        self._run_reads.start(self.context.history.runs, self._runs_read, self._read_failed)

    def _runs_read(self, runs: list[RunRecord]) -> None:
        self.refresh_button.setEnabled(True)
        keep = self.selected_run()
        self.model.set_runs(runs)
        if runs:
            self.message.hide()
            row = next((i for i, r in enumerate(runs) if keep and r.id == keep.id), 0)
            self.table.selectionModel().setCurrentIndex(
                self.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
        else:
            self._say(NO_RUNS)
        self._selection_changed()
        self.loaded.emit(len(runs))

    def _read_failed(self, failure: Failure) -> None:
        self.refresh_button.setEnabled(True)
        self._say(f"The sync history could not be read. {failure.message}")

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    # --- opening a run -------------------------------------------------------------------

    def selected_run(self) -> RunRecord | None:
        rows = self.table.selectionModel().selectedRows() if self.model.rowCount() else []
        return self.model.run(rows[0].row()) if rows else None

    def _selection_changed(self, *_: object) -> None:
        run = self.selected_run()
        self.skipped_button.setEnabled(run is not None)
        if run is not None and problem_text(run):
            self.skipped_button.setToolTip(problem_text(run))
        else:
            self.skipped_button.setToolTip("")

    def open_selected(self) -> None:
        run = self.selected_run()
        if run is not None:
            self.open_run(run)

    def open_run(self, run: RunRecord) -> None:
        """Read the run's skipped people on a worker, then show them in a dialog."""
        history = self.context.history
        username_field = self.context.settings.username_field
        self.skipped_button.setEnabled(False)

        def shown(skips: list[SkipRecord]) -> None:
            self._selection_changed()
            self._show_skips(run, skips, username_field)

        def failed(failure: Failure) -> None:
            self._selection_changed()
            self._say(f"The people this sync left out could not be read. {failure.message}")

        self._skip_reads.start(lambda: history.skips(run.id), shown, failed)

    def _show_skips(
        self, run: RunRecord, skips: list[SkipRecord], username_field: UsernameField
    ) -> None:
        if self.skips_dialog is not None:
            self.skips_dialog.close()
            self.skips_dialog.deleteLater()
        dialog = SkippedPeopleDialog(run, skips, username_field, self)
        dialog.person_requested.connect(self._open_person)
        self.skips_dialog = dialog
        dialog.show()
        dialog.table.setFocus()
        self.skips_opened.emit(dialog)

    def _open_person(self, sourced_id: str) -> None:
        """Over the skipped-people dialog it was chosen in, so closing that closes it too."""
        self.people.open(sourced_id, self.skips_dialog or self)
