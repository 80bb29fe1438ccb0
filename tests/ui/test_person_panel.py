"""The person panel: a person's record and story, opened from the Users list (double-click,
Enter, or a search that finds only people left out) and from History's skipped people. A real
directory, synced from the demo server; the district changes between syncs."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication, QFormLayout, QLabel, QPushButton, QWidget
from sqlalchemy import text

from app.context import AppContext
from app.demo.district import DemoDistrict
from app.store.directory import UserRow
from app.sync.engine import SyncRequest
from app.sync.story_wording import day_text
from tests.ui.test_history_view import open_view as open_history
from ui.history_view import NO_ID, HistoryView, SkippedPeopleDialog
from ui.models.users_table import USER_ROW_ROLE
from ui.person_panel import LOADING, PersonDialog
from ui.tasks import TaskRunner
from ui.users_view import UsersView
from ui.wizard.state import SetupState

WAIT_MS = 15_000


def sync(context: AppContext) -> int:
    result = context.engine().run(SyncRequest(trigger="manual"))
    assert result.succeeded and result.run_id is not None
    return result.run_id


def open_users(qtbot, context: AppContext, tasks: TaskRunner) -> UsersView:
    view = UsersView(context, tasks)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.answered, timeout=WAIT_MS)
    return view


def first_student(context: AppContext) -> UserRow:
    return next(u for u in context.directory.users() if u.role == "student")


def guardian_record(district: DemoDistrict) -> dict[str, Any]:
    page, _total = district.users_page(0, 10_000)
    return next(r for r in page if r["roles"][0]["role"] in ("guardian", "parent", "relative"))


def row_of(qtbot, view: UsersView, sourced_id: str) -> QModelIndex:
    model = view.model
    for row in range(model.rowCount()):
        qtbot.waitUntil(lambda r=row: model.user_at(r) is not None, timeout=WAIT_MS)
        index = model.index(row, 0)
        if index.data(USER_ROW_ROLE).sourced_id == sourced_id:
            return index
    raise AssertionError(f"{sourced_id} is not listed")


def loaded(qtbot, dialog: PersonDialog) -> PersonDialog:
    qtbot.waitUntil(
        lambda: dialog.message.isHidden() or dialog.message.text() != LOADING, timeout=WAIT_MS
    )
    return dialog


def record_shown(dialog: PersonDialog) -> dict[str, str]:
    form = dialog.record
    shown = {}
    for row in range(form.rowCount()):
        label = form.itemAt(row, QFormLayout.ItemRole.LabelRole).widget()
        value = form.itemAt(row, QFormLayout.ItemRole.FieldRole).widget()
        assert isinstance(label, QLabel) and isinstance(value, QLabel)
        shown[label.text().rstrip(":")] = value.text()
    return shown


def story_lines(dialog: PersonDialog) -> list[str]:
    return [line.strip() for line in dialog.story_view.toPlainText().splitlines() if line.strip()]


def changed_student(
    qtbot, state: SetupState, tasks: TaskRunner, district: DemoDistrict, **change: object
) -> tuple[UserRow, UsersView]:
    """A student as the first sync added them, after a second sync brought ``change``."""
    context = state.context
    sync(context)
    student = first_student(context)
    district.update_user(student.sourced_id, **change)
    sync(context)
    return student, open_users(qtbot, context, tasks)


def test_double_click_opens_the_story_with_the_changed_email(
    qtbot, mapped_state: SetupState, tasks, district: DemoDistrict
):
    student, view = changed_student(
        qtbot, mapped_state, tasks, district, email="renamed@students.example"
    )

    index = row_of(qtbot, view, student.sourced_id)
    view.table.scrollTo(index)
    middle = view.table.visualRect(index).center()
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=middle)
    with qtbot.waitSignal(view.people.opened, timeout=WAIT_MS) as opened:
        qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=middle)
    dialog = loaded(qtbot, opened.args[0])

    assert dialog.parent() is view and dialog.isVisible()
    assert dialog.heading.text() == f"{student.given_name} {student.family_name}"
    assert dialog.windowTitle() == dialog.heading.text()
    assert record_shown(dialog) == {
        "Status": "Active",
        "Username": "renamed@students.example",
        "Email": "renamed@students.example",
        "Role": "Student",
        "Site": student.site,
        "Infinite Campus ID": student.sourced_id,
    }
    assert dialog.absent.isHidden()
    assert dialog.story is not None
    today = day_text(dialog.story.changes[0].started_at)
    assert story_lines(dialog) == [
        f"Changed on {today}",
        f"Username changed from {student.username} to renamed@students.example",
        f"Email changed from {student.email} to renamed@students.example",
        f"Added on {today}",
    ]
    assert QApplication.focusWidget() is dialog.story_view


def test_search_enter_then_enter_opens_the_first_user(qtbot, mapped_state, tasks):
    context = mapped_state.context
    sync(context)
    student = first_student(context)
    view = open_users(qtbot, context, tasks)
    view.search.setFocus()
    qtbot.keyClicks(view.search, student.username)
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.table.currentIndex().isValid(), timeout=WAIT_MS)
    assert view.table.currentIndex().data(USER_ROW_ROLE).sourced_id == student.sourced_id

    with qtbot.waitSignal(view.people.opened, timeout=WAIT_MS) as opened:
        qtbot.keyClick(view.table, Qt.Key.Key_Return)
    dialog = loaded(qtbot, opened.args[0])
    assert record_shown(dialog)["Infinite Campus ID"] == student.sourced_id

    # Escape closes it; opening another person replaces the one shown.
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: view.people.dialog is None, timeout=WAIT_MS)
    first = view.people.open(student.sourced_id, view)
    second = view.people.open(student.username.upper(), view)  # a username, in any case
    assert view.people.dialog is second and not first.isVisible()
    assert record_shown(loaded(qtbot, second))["Infinite Campus ID"] == student.sourced_id


def test_a_deactivated_persons_panel_says_why(
    qtbot, mapped_state: SetupState, tasks, district: DemoDistrict
):
    student, view = changed_student(qtbot, mapped_state, tasks, district, status="tobedeleted")

    dialog = loaded(qtbot, view.people.open(student.sourced_id, view))

    assert dialog.story is not None
    day = day_text(dialog.story.changes[0].started_at)
    assert record_shown(dialog)["Status"] == f"Inactive since {day}"
    assert story_lines(dialog) == [
        f"Deactivated on {day}: marked to be deleted in Infinite Campus",
        f"Added on {day}",
    ]


def open_skips(qtbot, state: SetupState, tasks: TaskRunner) -> SkippedPeopleDialog:
    view = open_history(qtbot, state, tasks)
    with qtbot.waitSignal(view.skips_opened, timeout=WAIT_MS) as opened:
        view.open_selected()
    return opened.args[0]


def test_historys_skip_list_opens_a_skipped_guardian(
    qtbot, mapped_state: SetupState, tasks, district: DemoDistrict
):
    guardian = guardian_record(district)
    name = f"{guardian['givenName']} {guardian['familyName']}"
    sync(mapped_state.context)
    sync(mapped_state.context)  # a second skip folds into the first entry
    skips = open_skips(qtbot, mapped_state, tasks)
    history = skips.parent()
    assert isinstance(history, HistoryView)

    row = [s.sourced_id for s in skips.model.skips].index(guardian["sourcedId"])
    skips.table.setFocus()
    skips.table.selectRow(row)
    assert skips.open_button.isEnabled()
    with qtbot.waitSignal(history.people.opened, timeout=WAIT_MS) as opened:
        qtbot.keyClick(skips.table, Qt.Key.Key_Return)
    dialog = loaded(qtbot, opened.args[0])

    assert skips.isVisible(), "Enter opened the person instead of closing the list"
    assert dialog.parent() is skips
    assert dialog.heading.text() == name
    assert dialog.absent.text() == (
        f"{name} is not in the directory. Infinite Campus sent them, but they were not added: "
        "guardian, parent or relative (never synced)."
    )
    assert record_shown(dialog) == {"Infinite Campus ID": guardian["sourcedId"]}
    assert dialog.story is not None
    [entry] = dialog.story.changes
    assert entry.since is not None
    assert story_lines(dialog) == [
        f"Skipped at every sync from {day_text(entry.since)} to {day_text(entry.started_at)}: "
        "guardian, parent or relative (never synced)"
    ]

    # The button opens the selected person too.
    with qtbot.waitSignal(history.people.opened, timeout=WAIT_MS) as opened:
        qtbot.mouseClick(skips.open_button, Qt.MouseButton.LeftButton)
    assert loaded(qtbot, opened.args[0]).heading.text() == name


def test_someone_left_out_for_want_of_an_email_is_told_what_would_add_them(
    qtbot, mapped_state: SetupState, tasks
):
    run = sync(mapped_state.context)
    skipped = next(s for s in mapped_state.context.history.skips(run) if s.reason == "no_username")
    assert skipped.sourced_id is not None
    view = open_users(qtbot, mapped_state.context, tasks)

    dialog = loaded(qtbot, view.people.open(skipped.sourced_id, view))

    assert dialog.absent.text() == (
        f"{skipped.name} is not in the directory. Infinite Campus sent them, but they were not "
        "added: no email address in Infinite Campus. Once their email address is entered in "
        "Infinite Campus, the next sync adds them."
    )


def test_a_record_without_an_id_cannot_be_opened_and_says_so(
    qtbot, mapped_state: SetupState, tasks, district: DemoDistrict
):
    district.update_user(guardian_record(district)["sourcedId"], sourcedId=None)
    sync(mapped_state.context)
    skips = open_skips(qtbot, mapped_state, tasks)
    history = skips.parent()
    assert isinstance(history, HistoryView)

    row = [s.sourced_id for s in skips.model.skips].index(None)
    skips.table.setFocus()
    skips.table.selectRow(row)
    assert not skips.open_button.isEnabled()
    assert skips.open_button.accessibleDescription() == NO_ID
    qtbot.keyClick(skips.table, Qt.Key.Key_Return)
    assert skips.message.text() == NO_ID and skips.message.isVisible()
    assert history.people.dialog is None


def search(qtbot, view: UsersView, words: str) -> None:
    """Type ``words`` (set at once: QTest types only Latin-1) and press Enter."""
    view.search.setFocus()
    view.search.setText(words)
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.offer.answered == words, timeout=WAIT_MS)


def test_a_search_for_a_skipped_persons_name_offers_them_and_opens_their_story(
    qtbot, mapped_state: SetupState, tasks, district: DemoDistrict
):
    guardian = guardian_record(district)
    name = f"{guardian['givenName']} {guardian['familyName']}"
    context = mapped_state.context
    sync(context)
    view = open_users(qtbot, context, tasks)

    search(qtbot, view, name)

    assert view.model.rowCount() == 0 and view.offer.isVisible()
    assert view.offer.sentence.text() == (
        f"No one in the directory matches “{name}”. Infinite Campus sent these people, but a "
        "sync left them out:"
    )
    ours = next(line for line in view.offer.people() if guardian["sourcedId"] in line)
    sentence, detail = ours.split("\n")
    assert sentence == f"{name} was not added: guardian, parent or relative (never synced)."
    assert detail.startswith(f"Infinite Campus ID {guardian['sourcedId']} · last left out on ")
    # Enter in the search went to the first person left out; Enter there opens them.
    assert QApplication.focusWidget() is view.offer.list
    row = view.offer.people().index(ours)
    view.offer.list.setCurrentRow(row)
    with qtbot.waitSignal(view.people.opened, timeout=WAIT_MS) as opened:
        qtbot.keyClick(view.offer.list, Qt.Key.Key_Return)
    dialog = loaded(qtbot, opened.args[0])
    assert dialog.heading.text() == name and dialog.story is not None
    assert dialog.story.sourced_id == guardian["sourcedId"]

    # A search that shows someone again hides the offer.
    view.search.clear()
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=WAIT_MS)
    assert view.offer.isHidden()


def test_a_search_that_finds_no_one_anywhere_says_so(qtbot, mapped_state, tasks):
    context = mapped_state.context
    sync(context)
    view = open_users(qtbot, context, tasks)

    search(qtbot, view, "Zzyzx Qwerty")

    assert view.offer.sentence.text() == (
        "No one in the directory matches “Zzyzx Qwerty”. No sync left out anyone by that name "
        "either: Infinite Campus has not sent them. Check the spelling, or try part of the name."
    )
    assert view.offer.list.isHidden() and view.offer.people() == []


def test_a_search_hidden_by_the_filters_says_so_instead(qtbot, mapped_state, tasks):
    context = mapped_state.context
    sync(context)
    student = first_student(context)
    view = open_users(qtbot, context, tasks)
    view.status_combo.setCurrentIndex(view.status_combo.findText("Inactive"))

    search(qtbot, view, student.username)

    assert view.offer.sentence.text() == (
        f"No one shown matches “{student.username}”: 1 user matching it is hidden by the Site, "
        "Role or Status filter."
    )
    assert view.offer.list.isHidden()


def test_someone_unknown_and_an_unreadable_database_get_a_sentence(qtbot, mapped_state, tasks):
    context = mapped_state.context
    parent = QWidget()
    qtbot.addWidget(parent)

    unknown = loaded(qtbot, PersonDialog(context, tasks, "no-such-person", parent))
    assert unknown.message.text().startswith("Nothing is recorded about “no-such-person”")
    assert unknown.content.isHidden()

    with context.database.session() as session:
        session.execute(text("ALTER TABLE person_changes RENAME TO person_changes_gone"))
    broken = loaded(qtbot, PersonDialog(context, tasks, "anyone", parent))
    assert broken.message.text().startswith(
        "This person's record could not be read from the directory database."
    )
    assert "Traceback" not in broken.message.text()


def test_every_new_control_has_a_name_and_the_keyboard_reaches_it(
    qtbot, mapped_state: SetupState, tasks, district: DemoDistrict
):
    guardian = guardian_record(district)
    context = mapped_state.context
    sync(context)
    view = open_users(qtbot, context, tasks)
    search(qtbot, view, f"{guardian['givenName']} {guardian['familyName']}")
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is view.offer.list
    dialog = loaded(qtbot, view.people.open(guardian["sourcedId"], view))

    for control in (view.offer.list, view.offer.sentence, dialog.story_view, dialog.close_button):
        assert control.accessibleName(), control
    assert view.offer.list.accessibleDescription() and view.table.accessibleDescription()
    assert dialog.story_label.buddy() is dialog.story_view and "&" in dialog.story_label.text()
    for button in dialog.findChildren(QPushButton):
        assert "&" in button.text()
    for value in dialog.findChildren(QLabel):
        assert value.styleSheet() == ""  # the palette's colours, in light and dark themes
    assert dialog.story_view.tabChangesFocus()
