"""The Users list's table model: a window onto the directory database, never all of it.

``rowCount()`` is the query's ``COUNT(*)``, so the scroll bar is right from the start; rows are
read on demand in blocks (256 by default) through ``UserListing.page`` and a few recent blocks
are kept. Changing the search, a filter or the sort resets the model with a new ``UserQuery``.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Final

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from app.labels import role_label
from app.store.directory import UserRow
from app.store.user_query import SortColumn, UserListing, UserQuery

AnyIndex = QModelIndex | QPersistentModelIndex

#: Column order of the table, with each column's header and what sorting by it means.
COLUMNS: Final[tuple[tuple[str, SortColumn], ...]] = (
    ("Username", SortColumn.USERNAME),
    ("Name", SortColumn.NAME),
    ("Email", SortColumn.EMAIL),
    ("Role", SortColumn.ROLE),
    ("Site", SortColumn.SITE),
    ("Active", SortColumn.ACTIVE),
)
#: ``data(index, USER_ROW_ROLE)`` is the whole ``UserRow`` of that line.
USER_ROW_ROLE: Final = Qt.ItemDataRole.UserRole + 1
#: A cell's tooltip is its whole text, for a column too narrow to show it (at 200%, say).
_ROLES: Final = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, USER_ROW_ROLE)


class UsersTableModel(QAbstractTableModel):
    """Users matching a ``UserQuery``, read from the database a block at a time."""

    #: The number of users the current query matches, after every reset.
    count_changed = Signal(int)

    def __init__(
        self,
        listing: UserListing,
        query: UserQuery | None = None,
        *,
        block_size: int = 256,
        cached_blocks: int = 8,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._listing = listing
        self._query = query or UserQuery()
        self._block_size = block_size
        self._cached_blocks = cached_blocks
        self._blocks: OrderedDict[int, list[UserRow]] = OrderedDict()
        self._count = listing.count(self._query)
        #: How many blocks were read from the database; tests use it to check laziness.
        self.blocks_loaded = 0

    # --- the query -----------------------------------------------------------------------

    @property
    def query(self) -> UserQuery:
        return self._query

    @property
    def total(self) -> int:
        return self._count

    def set_query(self, query: UserQuery) -> None:
        """Show the users matching ``query`` (search, filters, sort); views start over."""
        self.beginResetModel()
        self._query = query
        self._blocks.clear()
        self._count = self._listing.count(query)
        self.endResetModel()
        self.count_changed.emit(self._count)

    def refresh(self) -> None:
        """Read the database again, e.g. after a sync changed it."""
        self.set_query(self._query)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        descending = order == Qt.SortOrder.DescendingOrder
        self.set_query(self._query.with_(sort=COLUMNS[column][1], descending=descending))

    def sort_column(self) -> int:
        """The column the current query sorts by, for the header's sort indicator."""
        return next(i for i, (_, sort) in enumerate(COLUMNS) if sort == self._query.sort)

    # --- QAbstractTableModel -------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> object:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return COLUMNS[section][0] if 0 <= section < len(COLUMNS) else None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or role not in _ROLES:
            return None
        user = self.user_at(index.row())
        if user is None:
            return None
        if role == USER_ROW_ROLE:
            return user
        return display_text(user, COLUMNS[index.column()][1])

    # --- rows ----------------------------------------------------------------------------

    def user_at(self, row: int) -> UserRow | None:
        """The user on line ``row``, reading its block from the database if need be."""
        if not 0 <= row < self._count:
            return None
        block_rows = self._block(row // self._block_size)
        offset = row % self._block_size
        return block_rows[offset] if offset < len(block_rows) else None

    def _block(self, number: int) -> list[UserRow]:
        cached = self._blocks.get(number)
        if cached is not None:
            self._blocks.move_to_end(number)
            return cached
        rows = self._listing.page(self._query, number * self._block_size, self._block_size)
        self.blocks_loaded += 1
        self._blocks[number] = rows
        while len(self._blocks) > self._cached_blocks:
            self._blocks.popitem(last=False)
        return rows


def display_text(user: UserRow, column: SortColumn) -> str:
    """What a cell of the Users table shows."""
    match column:
        case SortColumn.USERNAME:
            return user.username
        case SortColumn.NAME:
            return f"{user.given_name} {user.family_name}".strip()
        case SortColumn.EMAIL:
            return user.email or ""
        case SortColumn.ROLE:
            return role_label(user.role)
        case SortColumn.SITE:
            return user.site
        case SortColumn.ACTIVE:
            return "Yes" if user.active else "No"
