"""The Users table model: lazy blocks read off the GUI thread, columns, sort and query changes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QTableView
from sqlalchemy import insert

from app.store.database import Database, sqlite_url
from app.store.models import DirectoryUser, Site
from app.store.user_query import ActiveFilter, SortColumn, UserListing, UserQuery
from ui.models.users_table import LOADING, USER_ROW_ROLE, UsersTableModel

USERS = 400
WAIT_MS = 10_000
STAMP = datetime(2026, 8, 1, tzinfo=UTC)


def record(index: int) -> dict[str, object]:
    return {
        "sourced_id": f"u-{index:04d}",
        "username": f"user{index:04d}",
        "given_name": "Ann" if index % 2 else "Bo",
        "family_name": f"Family{index % 7}",
        "email": None if index == 0 else f"user{index:04d}@district.example",
        "role": "districtAdministrator" if index % 50 == 1 else "student",
        "site_id": 1 + index % 2,
        "active": index % 4 != 0,
        "created_at": STAMP,
        "updated_at": STAMP,
    }


@pytest.fixture
def listing(tmp_path: Path) -> Iterator[UserListing]:
    database = Database(sqlite_url(tmp_path / "directory.db"))
    with database.session() as session:
        session.execute(insert(Site), [{"id": 1, "name": "Lincoln"}, {"id": 2, "name": "Adams"}])
        session.execute(insert(DirectoryUser), [record(i) for i in range(USERS)])
    yield UserListing(database)
    database.close()


@pytest.fixture
def model(qtbot, listing: UserListing, tasks) -> UsersTableModel:
    return UsersTableModel(listing, tasks, block_size=50, cached_blocks=3)


def answered(qtbot, model: UsersTableModel) -> UsersTableModel:
    qtbot.waitUntil(lambda: not model.loading, timeout=WAIT_MS)
    return model


def cell(qtbot, model: UsersTableModel, row: int, column: int) -> object:
    """The cell's text once its block of rows was read (None past the last row)."""
    answered(qtbot, model)
    if 0 <= row < model.rowCount():
        qtbot.waitUntil(lambda: model.user_at(row) is not None, timeout=WAIT_MS)
    return model.data(model.index(row, column))


def test_columns_and_count(qtbot, model: UsersTableModel):
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(6)]
    assert headers == ["Username", "Name", "Email", "Role", "Site", "Active"]
    answered(qtbot, model)
    assert model.rowCount() == USERS == model.total == model.status_total
    assert model.columnCount() == 6
    assert model.rowCount(model.index(0, 0)) == 0


def test_cells_show_the_user_in_words(qtbot, model: UsersTableModel):
    assert [cell(qtbot, model, 0, c) for c in range(6)] == [
        "user0000",
        "Bo Family0",
        "",
        "Student",
        "Lincoln",
        "No",
    ]
    assert [cell(qtbot, model, 1, c) for c in range(6)] == [
        "user0001",
        "Ann Family1",
        "user0001@district.example",
        "District administrator",
        "Adams",
        "Yes",
    ]
    row = model.data(model.index(1, 0), USER_ROW_ROLE)
    assert row.sourced_id == "u-0001"
    assert model.data(model.index(1, 0), Qt.ItemDataRole.DecorationRole) is None


def test_the_count_and_first_rows_are_read_off_the_gui_thread(qtbot, model: UsersTableModel):
    assert model.loading and model.rowCount() == 0 and model.blocks_loaded == 0
    answered(qtbot, model)
    assert model.blocks_loaded == 1 and model.rowCount() == USERS


def test_a_row_not_read_yet_says_so_then_fills_in(qtbot, model: UsersTableModel):
    answered(qtbot, model)
    far = model.index(399, 0)
    assert model.data(far) == LOADING and model.data(model.index(399, 1)) is None
    with qtbot.waitSignal(model.dataChanged, timeout=WAIT_MS) as changed:
        pass
    top, bottom = changed.args[0], changed.args[1]
    assert (top.row(), bottom.row()) == (350, 399)
    assert model.data(far) == "user0399"


def test_rows_are_read_in_blocks_and_a_few_blocks_are_kept(qtbot, model: UsersTableModel):
    for row in range(50):
        cell(qtbot, model, row, 0)
    assert model.blocks_loaded == 1
    assert cell(qtbot, model, 399, 0) == "user0399"
    assert cell(qtbot, model, 120, 0) == "user0120"
    assert model.blocks_loaded == 3
    cell(qtbot, model, 10, 0)  # block 0 is still cached
    assert model.blocks_loaded == 3
    cell(qtbot, model, 200, 0)  # evicts the least recently used block (7, row 399)
    cell(qtbot, model, 399, 0)
    assert model.blocks_loaded == 5
    assert cell(qtbot, model, USERS, 0) is None
    assert model.data(QModelIndex()) is None


def test_a_view_reads_only_the_rows_it_shows(qtbot, model: UsersTableModel):
    answered(qtbot, model)
    view = QTableView()
    qtbot.addWidget(view)
    view.resize(600, 300)
    view.setModel(model)
    view.show()
    view.viewport().grab()  # paint now: the view asks for the visible cells only
    assert model.blocks_loaded == 1
    view.scrollToBottom()
    view.viewport().grab()
    qtbot.waitUntil(lambda: model.blocks_loaded == 2, timeout=WAIT_MS)
    assert not any(model.data(model.index(row, 0)) == LOADING for row in range(350, USERS))


def test_set_query_resets_and_reports_the_new_count(qtbot, model: UsersTableModel):
    cell(qtbot, model, 0, 0)
    query = UserQuery(search="ann", site_id=2, active=ActiveFilter.ACTIVE)
    with (
        qtbot.waitSignal(model.modelReset, timeout=WAIT_MS),
        qtbot.waitSignal(model.count_changed, timeout=WAIT_MS) as counted,
    ):
        model.set_query(query)
        # Until the answer arrives the previous rows stay: no empty flash while typing.
        assert model.loading and model.rowCount() == USERS
    expected = [f"user{i:04d}" for i in range(USERS) if i % 2 and 1 + i % 2 == 2 and i % 4 != 0]
    assert counted.args == [len(expected)] and model.rowCount() == len(expected)
    assert [cell(qtbot, model, r, 0) for r in range(model.rowCount())] == expected
    assert model.query == query
    assert model.status_total == sum(i % 4 != 0 for i in range(USERS))  # all active users


def test_sort_by_a_column_orders_the_rows_and_keeps_the_filters(qtbot, model: UsersTableModel):
    model.set_query(UserQuery(role="student"))
    with qtbot.waitSignal(model.modelReset, timeout=WAIT_MS):
        model.sort(0, Qt.SortOrder.DescendingOrder)
    assert model.query == UserQuery(role="student", sort=SortColumn.USERNAME, descending=True)
    assert cell(qtbot, model, 0, 0) == "user0399"
    model.sort(4, Qt.SortOrder.AscendingOrder)
    assert model.sort_column() == 4
    answered(qtbot, model)
    sites = [cell(qtbot, model, r, 4) for r in range(model.rowCount())]
    assert sites == sorted(sites) and sites[0] == "Adams"
    model.sort(99)
    assert model.sort_column() == 4


def test_a_sortable_view_sorts_through_the_model(qtbot, model: UsersTableModel):
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.setSortingEnabled(True)
    view.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    assert model.query.sort is SortColumn.NAME
    assert cell(qtbot, model, 0, 1) == "Ann Family0"


def test_refresh_shows_changes_made_in_the_database(qtbot, model: UsersTableModel, listing):
    assert cell(qtbot, model, 0, 0) == "user0000"
    with listing.database.session() as session:
        session.execute(
            insert(DirectoryUser),
            [{**record(USERS), "sourced_id": "u-new", "username": "aaa.first"}],
        )
    assert cell(qtbot, model, 0, 0) == "user0000"  # cached until refreshed
    model.refresh()
    answered(qtbot, model)
    assert model.rowCount() == USERS + 1
    assert cell(qtbot, model, 0, 0) == "aaa.first"
