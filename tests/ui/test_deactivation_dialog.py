"""The safety limit's confirmation: who a sync would deactivate, with Cancel the default."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QTableView, QWidget

from app.context import AppContext
from app.labels import role_label
from app.store.directory import UserRow
from app.sync.engine import SyncRequest
from ui.deactivation_dialog import DeactivationDialog, confirm_deactivation
from ui.wizard.state import SetupState


@pytest.fixture
def synced(mapped_state: SetupState) -> AppContext:
    context = mapped_state.context
    assert context.engine().run(SyncRequest()).succeeded
    return context


def some_users(context: AppContext, count: int) -> list[UserRow]:
    users = list(context.directory.users())
    assert len(users) > count * 2
    return users[1 : count * 2 : 2]  # not a prefix: every other user


def open_dialog(qtbot, context: AppContext, ids: list[str]) -> DeactivationDialog:
    dialog = DeactivationDialog(context, ids)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_it_lists_exactly_the_given_people_with_their_sites(qtbot, synced: AppContext):
    chosen = some_users(synced, 5)
    dialog = open_dialog(qtbot, synced, [user.sourced_id for user in chosen])

    expected = {
        (f"{u.given_name} {u.family_name}".strip(), u.username, role_label(u.role), u.site)
        for u in chosen
    }
    assert dialog.model.rowCount() == len(chosen)
    assert set(dialog.model.rows) == expected
    assert [dialog.model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)] == [
        "Name",
        "Username",
        "Role",
        "Site",
    ]
    assert dialog.sentence.text().startswith(
        "This sync would deactivate 5 people (they stay in the directory as inactive). "
    )
    assert "Base URL" in dialog.sentence.text()
    assert "school-to-site mapping" in dialog.sentence.text()


def test_one_person_is_said_in_the_singular(qtbot, synced: AppContext):
    dialog = open_dialog(qtbot, synced, [some_users(synced, 1)[0].sourced_id])
    assert dialog.sentence.text().startswith("This sync would deactivate 1 person ")


def test_cancel_is_the_default_and_has_focus(qtbot, synced: AppContext):
    dialog = open_dialog(qtbot, synced, [u.sourced_id for u in some_users(synced, 3)])
    assert dialog.cancel_button.isDefault()
    assert not dialog.deactivate_button.isDefault()
    assert not dialog.deactivate_button.autoDefault()
    assert dialog.focusWidget() is dialog.cancel_button
    assert dialog.deactivate_button.text() == "&Deactivate them and sync"
    assert dialog.cancel_button.text() == "Cancel"

    with qtbot.waitSignal(dialog.rejected, timeout=1000):
        qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert dialog.result() == DeactivationDialog.DialogCode.Rejected


def test_every_control_has_an_accessible_name(qtbot, synced: AppContext):
    dialog = open_dialog(qtbot, synced, [u.sourced_id for u in some_users(synced, 2)])
    controls = [
        widget
        for widget in dialog.findChildren(QWidget)
        if isinstance(widget, QAbstractButton | QTableView | QLabel) and widget.parent() is dialog
    ]
    assert {dialog.table, dialog.sentence, dialog.cancel_button, dialog.deactivate_button} <= set(
        controls
    )
    for widget in controls:
        assert widget.accessibleName(), widget


def _click_later(button_name: str) -> None:
    def click() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, DeactivationDialog)
        getattr(dialog, button_name).click()

    QTimer.singleShot(0, click)


def test_accepting_returns_true(qtbot, synced: AppContext):
    parent = QWidget()
    qtbot.addWidget(parent)
    ids = [u.sourced_id for u in some_users(synced, 2)]
    _click_later("deactivate_button")
    assert confirm_deactivation(parent, synced, ids) is True


def test_canceling_returns_false(qtbot, synced: AppContext):
    parent = QWidget()
    qtbot.addWidget(parent)
    ids = [u.sourced_id for u in some_users(synced, 2)]
    _click_later("cancel_button")
    assert confirm_deactivation(parent, synced, ids) is False
