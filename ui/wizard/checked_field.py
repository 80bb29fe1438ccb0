"""A line edit with a problem label under it, checked on every change."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QLineEdit

from ui.palette import error_color


class CheckedField:
    def __init__(self, edit: QLineEdit, check: Callable[[str], str | None]) -> None:
        self.edit = edit
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setVisible(False)
        self._check = check
        self.error: str | None = None

    def refresh(self) -> None:
        self.error = self._check(self.edit.text())
        self.problem.setText(self.error or "")
        self.problem.setVisible(bool(self.error) and bool(self.edit.text().strip()))
        color = error_color(self.problem).name()
        self.problem.setStyleSheet(f"color: {color};")
        self.edit.setAccessibleDescription(self.error or "")
