"""Opening a row of a list or table: double-click it, or press Enter on the current one.

Item views let Enter through to their window, where a dialog would press its default button
(Close) instead of opening the row; the filter here keeps that Enter to the view.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView

ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
PLAIN = (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)


class RowActivation(QObject):
    """Emits ``opened`` with the row's index on double-click or Enter.

    Keep a reference to it (PySide lets an unreferenced Python object go although Qt keeps the
    child), and connect to ``opened`` rather than handing it a callback: a callback of the
    view's owner would tie the owner and this object in a cycle that Python's garbage collector
    then breaks at any moment, even in the middle of painting.
    """

    opened = Signal(QModelIndex)

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self._view = view
        view.installEventFilter(self)
        view.doubleClicked.connect(self._open)

    def _open(self, index: QModelIndex) -> None:
        if index.isValid():
            self.opened.emit(index)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and watched is self._view
            and isinstance(event, QKeyEvent)
            and event.key() in ENTER_KEYS
            and event.modifiers() in PLAIN
        ):
            self._open(self._view.currentIndex())
            return True
        return super().eventFilter(watched, event)
