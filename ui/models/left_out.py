"""A table model of the people a username field would leave out (there may be thousands)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.sync.username_scan import LEFT_OUT_HEADERS, LeftOutPerson, left_out_row

_Index = QModelIndex | QPersistentModelIndex


class LeftOutModel(QAbstractTableModel):
    def __init__(self, people: Sequence[LeftOutPerson], noun: str) -> None:
        super().__init__()
        self._people = list(people)
        self._rows = [left_out_row(person, noun) for person in self._people]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(LEFT_OUT_HEADERS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        return self._rows[index.row()][index.column()]

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return LEFT_OUT_HEADERS[section]
        return None

    def person(self, row: int) -> LeftOutPerson:
        return self._people[row]
