"""The Users list's table model: a window onto the directory database, never all of it.

Nothing is read on the GUI thread: a 1,000,000-user ``COUNT(*)`` or a search that matches no
one takes longer than a window may freeze. Each query is answered on the task runner (its count
and first block of rows together) and the model resets when the answer arrives; until then it
keeps showing the previous answer. Further rows are read in blocks (256 by default) when the
view first asks for them: a cell of a block not yet read shows "Loading…" and fills in when
the block arrives. A few recent blocks are kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

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
from app.store.user_query import ActiveFilter, SortColumn, UserListing, UserQuery
from ui.tasks import Failure, LatestRead, TaskRunner

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
#: What the first cell of a row not read yet shows (the others stay empty).
LOADING: Final = "Loading…"


@dataclass(frozen=True, slots=True)
class _Answer:
    query: UserQuery
    count: int
    first_block: list[UserRow]
    #: Users of the query's status before its search, site and role narrow them.
    status_total: int


class UsersTableModel(QAbstractTableModel):
    """Users matching a ``UserQuery``, read from the database off the GUI thread."""

    #: A new query was asked for; its answer is on the way.
    loading_started = Signal()
    #: The number of users the current query matches, after every answer.
    count_changed = Signal(int)
    #: The directory could not be read; the message says why (the rows shown stay).
    failed = Signal(str)

    def __init__(
        self,
        listing: UserListing,
        tasks: TaskRunner,
        query: UserQuery | None = None,
        *,
        block_size: int = 256,
        cached_blocks: int = 8,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._listing = listing
        self._tasks = tasks
        self._block_size = block_size
        self._cached_blocks = cached_blocks
        #: The query last asked for, and the one the rows shown answer.
        self._wanted = self._shown = query or UserQuery()
        self._count = 0
        self._status_totals: dict[ActiveFilter, int] = {}
        self._blocks: OrderedDict[int, list[UserRow]] = OrderedDict()
        self._pending_blocks: set[int] = set()
        self._answers = LatestRead(tasks, self)
        #: How many blocks were read from the database; tests use it to check laziness.
        self.blocks_loaded = 0
        self._load(self._wanted)

    # --- the query -----------------------------------------------------------------------

    @property
    def query(self) -> UserQuery:
        """The query last asked for (its answer may still be on the way: see ``loading``)."""
        return self._wanted

    @property
    def loading(self) -> bool:
        return self._answers.waiting

    @property
    def total(self) -> int:
        return self._count

    @property
    def status_total(self) -> int:
        """Users of the current status (active, inactive or all) whatever else narrows them."""
        return self._status_totals.get(self._shown.active, 0)

    def set_query(self, query: UserQuery) -> None:
        """Show the users matching ``query`` (search, filters, sort) once they are read."""
        self._load(query)

    def refresh(self) -> None:
        """Read the database again, e.g. after a sync changed it."""
        self._status_totals.clear()
        self._load(self._wanted)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        descending = order == Qt.SortOrder.DescendingOrder
        self.set_query(self._wanted.with_(sort=COLUMNS[column][1], descending=descending))

    def sort_column(self) -> int:
        """The column the current query sorts by, for the header's sort indicator."""
        return next(i for i, (_, sort) in enumerate(COLUMNS) if sort == self._wanted.sort)

    def _load(self, query: UserQuery) -> None:
        self._wanted = query
        listing, size = self._listing, self._block_size
        known_total = self._status_totals.get(query.active)

        def read() -> _Answer:
            count = listing.count(query)
            first_block = listing.page(query, 0, size)
            if not query.narrowed:
                status_total = count
            elif known_total is None:
                status_total = listing.count(UserQuery(active=query.active))
            else:
                status_total = known_total
            return _Answer(query, count, first_block, status_total)

        self.loading_started.emit()
        self._answers.start(read, self._take_answer, self._take_failure)

    def _take_answer(self, answer: _Answer) -> None:
        self.beginResetModel()
        self._shown = answer.query
        self._count = answer.count
        self._status_totals[answer.query.active] = answer.status_total
        self._blocks.clear()
        self._pending_blocks.clear()
        self._blocks[0] = answer.first_block
        self.blocks_loaded += 1
        self.endResetModel()
        self.count_changed.emit(self._count)

    def _take_failure(self, failure: Failure) -> None:
        self.failed.emit(failure.message)

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
            first_cell = index.column() == 0 and role == Qt.ItemDataRole.DisplayRole
            return LOADING if first_cell and index.row() < self._count else None
        if role == USER_ROW_ROLE:
            return user
        return display_text(user, COLUMNS[index.column()][1])

    # --- rows ----------------------------------------------------------------------------

    def user_at(self, row: int) -> UserRow | None:
        """The user on line ``row``; None while its block is being read (it is asked for)."""
        if not 0 <= row < self._count:
            return None
        number, offset = divmod(row, self._block_size)
        block_rows = self._blocks.get(number)
        if block_rows is None:
            self._read_block(number)
            return None
        self._blocks.move_to_end(number)
        return block_rows[offset] if offset < len(block_rows) else None

    def _read_block(self, number: int) -> None:
        if number in self._pending_blocks:
            return
        self._pending_blocks.add(number)
        answered, query, size = self._answers.answer_number, self._shown, self._block_size

        def work(_progress: Callable[[Any], None], _cancel: threading.Event) -> list[UserRow]:
            return self._listing.page(query, number * size, size)

        def arrived(rows: list[UserRow]) -> None:
            if answered != self._answers.answer_number:
                return  # a newer answer reset the model meanwhile
            self._pending_blocks.discard(number)
            self._blocks[number] = rows
            self.blocks_loaded += 1
            while len(self._blocks) > self._cached_blocks:
                self._blocks.popitem(last=False)
            first = number * size
            last = min(first + size, self._count) - 1
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))

        def broke(failure: Failure) -> None:
            # The block stays pending (not asked for again at every repaint) until the next
            # answer, e.g. after a refresh.
            if answered == self._answers.answer_number:
                self.failed.emit(failure.message)

        self._tasks.start(work, arrived, broke, owner=self)


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
