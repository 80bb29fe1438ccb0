"""The dialog listing who a username field would leave out, with "Save as CSV…"."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, QSortFilterProxyModel, QStandardPaths, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.labels import FIELD_LABELS, FIELD_NOUNS
from app.sync.username_scan import FieldReport, write_left_out_csv
from ui.models.left_out import LeftOutModel
from ui.people_table import people_table
from ui.screen_fit import fit_to_screen, titles_fit
from ui.wizard.base import accessible
from ui.wizard.sites_search import SearchBox


class LeftOutDialog(QDialog):
    def __init__(self, report: FieldReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._report = report
        self._noun = FIELD_NOUNS[report.field]
        count = len(report.left_out)
        self.setWindowTitle("People who would be left out")
        people = "this person" if count == 1 else f"these {count:,} people"
        intro = QLabel(
            f"With <b>{FIELD_LABELS[report.field]}</b> as the username, {people} would not be "
            f"synced: they have no {self._noun}, or share theirs with someone else. Fix them in "
            "Infinite Campus, or choose another field."
        )
        intro.setWordWrap(True)

        self.model = LeftOutModel(report.left_out, self._noun)
        self.proxy = _searchable(self.model, self)

        self.search = SearchBox(
            "Name, role, reason or ID", "Find a person", "Shows only the people matching this text."
        )
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        search_label = QLabel("&Find:")
        search_label.setBuddy(self.search)

        self.table = _people_table(self.proxy)

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.save_button = QPushButton("&Save as CSV…")
        accessible(self.save_button, "Save as CSV", "Saves this list as a spreadsheet file.")
        self.save_button.clicked.connect(self.ask_save)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        search_row = QHBoxLayout()
        search_row.addWidget(search_label)
        search_row.addWidget(self.search, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(search_row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        metrics = self.fontMetrics()  # by the font, but never beyond the screen
        fit_to_screen(self, QSize(metrics.averageCharWidth() * 150, metrics.height() * 32))

    def default_path(self) -> Path:
        folder = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation
        ) or str(Path.home())
        return Path(folder) / f"people left out by {self._report.field}.csv"

    def ask_save(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Save the list as CSV", str(self.default_path()), "CSV files (*.csv)"
        )
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix.lower() != ".csv":
            path = path.with_name(path.name + ".csv")
        try:
            self.save_to(path)
        except OSError as error:
            QMessageBox.warning(
                self,
                "List not saved",
                f"The list could not be saved to {path} ({error.strerror or error}). "
                "Choose another folder, or close the file if a spreadsheet has it open.",
            )

    def save_to(self, path: Path) -> int:
        """Write every left-out person (not just those the search shows) to ``path``."""
        count = write_left_out_csv(path, self._report.left_out, self._noun)
        self.status.setText(f"Saved {count:,} people to {path}.")
        return count


def _searchable(model: LeftOutModel, parent: QWidget) -> QSortFilterProxyModel:
    proxy = QSortFilterProxyModel(parent)
    proxy.setSourceModel(model)
    proxy.setFilterKeyColumn(-1)  # search every column
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    proxy.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    return proxy


def _people_table(model: QSortFilterProxyModel) -> QTableView:
    table = people_table(model, "People who would be left out")
    table.setSortingEnabled(True)
    table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # Infinite Campus's order until asked
    titles_fit(table.horizontalHeader())  # room for the sort arrows too
    return table
