"""The Users list: search as you type, site/role/status filters, sorting by header, the count,
and refreshing after a sync. A real directory, synced from the demo server."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLabel

from app.context import AppContext
from app.demo.district import DemoDistrict
from app.store.directory import UserRow
from app.store.user_query import ActiveFilter
from app.sync.engine import SyncRequest
from ui.main_window import MainWindow
from ui.models.users_table import USER_ROW_ROLE
from ui.tasks import TaskRunner
from ui.users_view import UsersView
from ui.wizard.state import SetupState

WAIT_MS = 15_000


def synced(state: SetupState) -> AppContext:
    result = state.context.engine().run(SyncRequest(trigger="manual"))
    assert result.succeeded
    return state.context


def open_view(qtbot, context: AppContext) -> UsersView:
    view = UsersView(context)
    qtbot.addWidget(view)
    view.show()
    return settled(qtbot, view)


def settled(qtbot, view: UsersView) -> UsersView:
    """Once the list shows what its controls ask for (it is read off the GUI thread)."""
    qtbot.waitUntil(lambda: view.answered, timeout=WAIT_MS)
    return view


def shown(qtbot, view: UsersView) -> list[UserRow]:
    model = settled(qtbot, view).model
    for row in range(model.rowCount()):
        qtbot.waitUntil(lambda r=row: model.user_at(r) is not None, timeout=WAIT_MS)
    return [model.index(row, 0).data(USER_ROW_ROLE) for row in range(model.rowCount())]


def all_users(context: AppContext) -> list[UserRow]:
    return list(context.directory.users(include_inactive=True))


def choose(qtbot, combo: QComboBox, text: str) -> None:
    """Pick ``text`` with the keyboard only: focus the combo, then arrow to it."""
    combo.setFocus()
    target = combo.findText(text)
    assert target >= 0, f"{text!r} not offered in {combo.accessibleName()}"
    key = Qt.Key.Key_Down if target > combo.currentIndex() else Qt.Key.Key_Up
    while combo.currentIndex() != target:
        qtbot.keyClick(combo, key)


def test_shows_the_active_users_and_counts_them(qtbot, mapped_state: SetupState):
    context = synced(mapped_state)
    view = open_view(qtbot, context)

    active = [u for u in all_users(context) if u.active]
    assert view.status_combo.currentText() == "Active"
    assert view.model.rowCount() == len(active) > 0
    assert view.count_label.text() == f"{len(active):,} users"
    assert view.site_combo.itemText(0) == "All sites"
    assert [view.site_combo.itemText(i) for i in range(1, view.site_combo.count())] == [
        site.name for site in context.directory.sites()
    ]
    assert view.role_combo.itemText(0) == "All roles"
    assert view.role_combo.count() == 1 + len({u.role for u in all_users(context)})


def test_typing_in_search_filters_the_rows_and_updates_the_count(qtbot, mapped_state):
    context = synced(mapped_state)
    view = open_view(qtbot, context)
    total = view.model.rowCount()
    target = next(u for u in all_users(context) if u.active)
    needle = target.family_name.upper()  # search ignores case
    want = [
        u
        for u in all_users(context)
        if u.active
        and any(
            needle.lower() in (field or "").lower()
            for field in (u.username, u.given_name, u.family_name, u.email)
        )
    ]

    qtbot.keyClicks(view.search, needle)
    assert view.model.query.search == ""  # debounced: nothing yet while typing
    qtbot.waitUntil(lambda: view.model.query.search == needle, timeout=WAIT_MS)

    assert {u.sourced_id for u in shown(qtbot, view)} == {u.sourced_id for u in want}
    assert 0 < len(want) < total
    assert view.count_label.text() == f"{len(want):,} of {total:,} users match"

    view.search.clear()
    qtbot.waitUntil(lambda: view.model.rowCount() == total, timeout=WAIT_MS)
    assert view.count_label.text() == f"{total:,} users"


def test_enter_searches_at_once_and_goes_to_the_first_user(qtbot, mapped_state):
    context = synced(mapped_state)
    view = open_view(qtbot, context)
    username = next(u for u in all_users(context) if u.active).username
    view.search.setFocus()

    qtbot.keyClicks(view.search, username)
    qtbot.keyClick(view.search, Qt.Key.Key_Return)

    assert view.model.query.search == username
    assert username in {u.username for u in shown(qtbot, view)}
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.table, timeout=WAIT_MS)
    assert view.table.selectionModel().isRowSelected(0)


def test_site_role_and_status_filters(qtbot, mapped_state):
    context = synced(mapped_state)
    view = open_view(qtbot, context)
    users = all_users(context)
    total = view.model.rowCount()

    site = next(u.site for u in users if u.active)
    choose(qtbot, view.site_combo, site)
    at_site = [u for u in users if u.active and u.site == site]
    assert {u.sourced_id for u in shown(qtbot, view)} == {u.sourced_id for u in at_site}
    assert view.count_label.text() == f"{len(at_site):,} of {total:,} users match"

    role = next(u.role for u in at_site)
    label = view.role_combo.itemText(view.role_combo.findData(role))
    choose(qtbot, view.role_combo, label)
    both = [u for u in at_site if u.role == role]
    assert {u.sourced_id for u in shown(qtbot, view)} == {u.sourced_id for u in both}

    choose(qtbot, view.site_combo, "All sites")
    choose(qtbot, view.role_combo, "All roles")
    assert settled(qtbot, view).model.rowCount() == total
    assert view.count_label.text() == f"{total:,} users"


def test_the_status_filter_shows_inactive_users(qtbot, mapped_state: SetupState):
    context = synced(mapped_state)
    for school in context.directory.schools()[1:]:  # their users leave the directory
        context.directory.map_school(school.sourced_id, None)
    gone = context.engine().run(SyncRequest(allow_mass_deactivation=True))
    assert gone.succeeded and gone.counts.deactivated > 0
    view = open_view(qtbot, context)
    users = all_users(context)

    choose(qtbot, view.status_combo, "Inactive")
    assert view.model.query.active is ActiveFilter.INACTIVE
    inactive = [u for u in users if not u.active]
    assert {u.sourced_id for u in shown(qtbot, view)} == {u.sourced_id for u in inactive}
    assert view.count_label.text() == f"{len(inactive):,} users"

    choose(qtbot, view.status_combo, "All")
    assert settled(qtbot, view).model.rowCount() == len(users)
    assert view.count_label.text() == f"{len(users):,} users"


def test_clicking_a_header_sorts(qtbot, mapped_state: SetupState):
    context = synced(mapped_state)
    view = open_view(qtbot, context)
    header = view.table.horizontalHeader()
    active = [u for u in all_users(context) if u.active]
    by_name = sorted(active, key=lambda u: (u.family_name.lower(), u.given_name.lower()))

    def click(column: int) -> None:
        position = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
        middle = QPoint(position, header.height() // 2)
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=middle)

    usernames = [u.username.lower() for u in shown(qtbot, view)]
    assert usernames == sorted(u.username.lower() for u in active)
    click(1)  # Name
    assert header.sortIndicatorSection() == 1
    assert [(u.family_name, u.given_name) for u in shown(qtbot, view)] == [
        (u.family_name, u.given_name) for u in by_name
    ]
    click(1)  # again: descending
    assert view.model.query.descending
    names = [(u.family_name.lower(), u.given_name.lower()) for u in shown(qtbot, view)]
    assert names == sorted(names, reverse=True)


def test_every_control_has_a_name_and_a_mnemonic(qtbot, mapped_state: SetupState):
    view = open_view(qtbot, synced(mapped_state))
    for control in (view.search, view.site_combo, view.role_combo, view.status_combo):
        assert control.accessibleName()
        label = next(lbl for lbl in view.findChildren(QLabel) if lbl.buddy() is control)
        assert "&" in label.text()
    assert view.table.accessibleName() == "Users"


def test_after_sync_now_the_view_shows_the_new_users(
    qtbot, mapped_state: SetupState, tasks: TaskRunner, district: DemoDistrict
):
    window = MainWindow(mapped_state.context, tasks)
    qtbot.addWidget(window)
    window.show()
    view = window.users_view
    qtbot.waitUntil(lambda: window.snapshot is not None, timeout=WAIT_MS)
    assert settled(qtbot, view).model.rowCount() == 0 and view.count_label.text() == "0 users"
    assert view.site_combo.count() == 1 + len(district.local_site_names)

    qtbot.mouseClick(window.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.syncing and not tasks.busy, timeout=WAIT_MS)
    count = len(list(mapped_state.context.directory.users()))
    assert count > 0 and view.model.rowCount() == count
    assert view.count_label.text() == f"{count:,} users"
    assert view.role_combo.count() > 1

    # A search stays in place across a sync and finds a user the sync brought in.
    newcomer = district.user("u-000001")
    assert newcomer is not None
    newcomer.update(sourcedId="u-newcomer", username="zzzqnewcomer", email="zzzq@example.org")
    district.add_user(newcomer)
    qtbot.keyClicks(view.search, "zzzq")
    qtbot.waitUntil(lambda: view.model.query.search == "zzzq", timeout=WAIT_MS)
    assert settled(qtbot, view).model.rowCount() == 0

    qtbot.mouseClick(window.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.syncing and not tasks.busy, timeout=WAIT_MS)
    assert [u.sourced_id for u in shown(qtbot, view)] == ["u-newcomer"]
    assert view.count_label.text() == f"1 of {count + 1:,} users match"
