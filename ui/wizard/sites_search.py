"""A search box that keeps Enter to itself: in a wizard or dialog, Enter would otherwise press
the default button (Next, Close) while the person is only searching. Used by the Sites page and
the username page's left-out list."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

from ui.screen_fit import placeholder_width
from ui.wizard.base import name_with_clear_button


class SearchBox(QLineEdit):
    #: Enter was pressed in the box.
    submitted = Signal()

    def __init__(
        self, placeholder: str, name: str, description: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        name_with_clear_button(self, name, description)
        self.setMinimumWidth(placeholder_width(self))  # never cut off, however narrow the row

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            self.submitted.emit()
            return
        super().keyPressEvent(event)
