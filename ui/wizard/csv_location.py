"""Where a OneRoster CSV export is: a .zip, a folder of CSV files, or a drop folder of zips.

The person types or pastes the path, or picks it with a file or folder dialog. Only its shape
is checked here (it exists; a file is a .zip); the Validate page opens and reads it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.wizard.base import accessible, named_line_edit
from ui.wizard.checked_field import CheckedField

NAME = "Location of the OneRoster CSV files"


def location_problem(text: str) -> str | None:
    """What is wrong with a typed location, in words a person can act on; None when fine."""
    if not text.strip():
        return "Required."
    path = Path(text.strip()).expanduser()
    if not path.exists():
        return "Nothing is at this location. Check the path, or choose the file or folder again."
    if path.is_file() and path.suffix.lower() != ".zip":
        return (
            "Choose the .zip file of the export, or the folder that holds manifest.csv "
            "(or the zips)."
        )
    return None


def location_kind(text: str) -> str:
    """How the Validate page will read it, in words: shown under a good location."""
    path = Path(text.strip()).expanduser()
    if path.is_file():
        return "A OneRoster CSV zip file: every sync reads it afresh."
    if (path / "manifest.csv").is_file():
        return "A folder of OneRoster CSV files: every sync reads them afresh."
    return "A drop folder: every sync reads the newest complete zip that has appeared in it."


class CsvLocation(QWidget):
    """The path, its two pickers, and what is wrong with the path or else what it is."""

    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.edit = named_line_edit(
            NAME,
            "For example: S:\\Rosters\\OneRoster or …/oneroster.zip",
            "A .zip file, a folder holding manifest.csv, or a drop folder where a new zip "
            "appears each night.",
        )
        self.choose_zip = QPushButton("Choose &zip file…")
        accessible(self.choose_zip, "Choose the zip file")
        self.choose_folder = QPushButton("Choose fol&der…")
        accessible(self.choose_folder, "Choose the folder")
        self.field = CheckedField(self.edit, location_problem)
        self.kind = QLabel()
        self.kind.setWordWrap(True)
        pickers = QHBoxLayout()
        pickers.addWidget(self.edit, 1)
        pickers.addWidget(self.choose_zip)
        pickers.addWidget(self.choose_folder)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addLayout(pickers)
        column.addWidget(self.field.problem)
        column.addWidget(self.kind)
        self.edit.textChanged.connect(self._on_text)
        self.choose_zip.clicked.connect(self._pick_zip)
        self.choose_folder.clicked.connect(self._pick_folder)

    @property
    def error(self) -> str | None:
        return self.field.error

    def refresh(self) -> None:
        self.field.refresh()
        self.kind.setText("" if self.error else location_kind(self.edit.text()))
        self.kind.setVisible(self.error is None)

    def path(self) -> str:
        return str(Path(self.edit.text().strip()).expanduser().resolve())

    def _on_text(self) -> None:
        self.refresh()
        self.changed.emit()

    def _pick_zip(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self, "Choose the OneRoster CSV zip file", self._start(), "Zip files (*.zip)"
        )
        if chosen:
            self.edit.setText(chosen)

    def _pick_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self, "Choose the folder of OneRoster CSV files, or the drop folder", self._start()
        )
        if chosen:
            self.edit.setText(chosen)

    def _start(self) -> str:
        typed = Path(self.edit.text().strip()).expanduser()
        return str(typed if typed.is_dir() else typed.parent) if self.edit.text().strip() else ""
