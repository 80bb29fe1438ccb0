"""The whole wizard by keyboard alone, against the demo server: from Welcome to a first sync,
and each dialog the wizard opens.

Every step is a key press sent to whatever has the focus, as a person without a mouse works:
Alt+letter mnemonics, Tab, arrows, type-ahead, Space, Enter and Escape. After every page
change the focus must be on a control of the wizard a person can see and use.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QWidget,
    QWizard,
    QWizardPage,
)
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.demo.district import DemoDistrict
from app.demo.server import DemoServer
from tests.support.oracle import expected_first_sync
from ui.sync_progress import Tone
from ui.tasks import TaskRunner
from ui.wizard.connection import ConnectionPage
from ui.wizard.review import ReviewPage
from ui.wizard.sites import SitesPage
from ui.wizard.sites_combo import SELECT_SITE, SiteCombo
from ui.wizard.sites_dialogs import RenameSiteDialog
from ui.wizard.state import SetupState
from ui.wizard.username import UsernamePage
from ui.wizard.username_left_out import LeftOutDialog
from ui.wizard.validate import ValidatePage
from ui.wizard.wizard import PageId, SetupWizard

WAIT_MS = 30_000
Key = Qt.Key
ALT = Qt.KeyboardModifier.AltModifier


# --- pressing keys -------------------------------------------------------------------------


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "the keyboard focus is lost: a key press would go nowhere"
    return widget


def press(key: Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(focused(), key, modifier)


def alt(letter: Key) -> None:
    """A mnemonic: Alt+letter (a button it presses is clicked a moment later)."""
    press(letter, ALT)


def type_text(text: str) -> None:
    QTest.keyClicks(focused(), text)


def tab_to(wanted: Callable[[QWidget], bool], most: int = 40) -> QWidget:
    """Press Tab until the focus is on a widget ``wanted`` accepts."""
    for _ in range(most):
        press(Key.Key_Tab)
        if wanted(focused()):
            return focused()
    raise AssertionError(f"Tab never reached it; it went round to {focused()!r}")


def assert_focus_in(window: QWidget) -> None:
    widget = focused()
    assert window.isAncestorOf(widget), f"the focus left the window: {widget!r}"
    assert widget.isVisible() and widget.isEnabled(), (
        f"the focus is on a hidden control: {widget!r}"
    )


def reactivate(qtbot: QtBot, window: QWidget) -> None:
    """When a dialog closes, the window manager gives the activation back to the window below
    it; the offscreen platform has no window manager, so the test does."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def run_dialog(qtbot: QtBot, open_it: Callable[[], None], act: Callable[[QDialog], None]) -> int:
    """Press the keys that open a modal dialog, act in it while its own event loop runs, and
    return how it ended (``QDialog.DialogCode``).

    A dialog still open after ``act`` is closed, so a failed assertion cannot hang the test."""
    ended: list[int] = []

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QDialog) or not dialog.isActiveWindow():
            return
        timer.stop()
        dialog.finished.connect(ended.append)
        try:
            act(dialog)
        finally:
            if not ended:
                dialog.reject()

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(10)
    open_it()
    qtbot.waitUntil(lambda: bool(ended), timeout=WAIT_MS)
    timer.stop()
    return ended[0]


# --- mnemonics -----------------------------------------------------------------------------


BUTTONS = (
    QWizard.WizardButton.BackButton,
    QWizard.WizardButton.NextButton,
    QWizard.WizardButton.CommitButton,
    QWizard.WizardButton.FinishButton,
    QWizard.WizardButton.CancelButton,
)


def mnemonic(text: str) -> str:
    """The letter Alt goes with in a control's text ("" when it has none)."""
    return QKeySequence.mnemonic(text).toString().removeprefix("Alt+").lower()


def mnemonics(window: QWidget) -> list[tuple[str, str]]:
    """(letter, text) of every visible button, and every visible label with a buddy, in the
    wizard's current page (or in a dialog), and the wizard's own buttons."""
    root = window.currentPage() if isinstance(window, QWizard) else window
    assert root is not None
    found = [
        (widget.text(), widget)
        for widget in root.findChildren(QWidget)
        if isinstance(widget, QAbstractButton)
        or (isinstance(widget, QLabel) and widget.buddy() is not None)
    ]
    if isinstance(window, QWizard):
        found += [(window.button(button).text(), window.button(button)) for button in BUTTONS]
    return [
        (mnemonic(text), text) for text, widget in found if widget.isVisible() and mnemonic(text)
    ]


def assert_no_mnemonic_clash(window: QWidget) -> None:
    letters = Counter(letter for letter, _ in mnemonics(window))
    clashes = sorted(text for letter, text in mnemonics(window) if letters[letter] > 1)
    assert not clashes, f"one Alt+letter for two controls: {clashes}"


# --- the walk ------------------------------------------------------------------------------


@pytest.fixture
def empty_state(
    gui_context: AppContext, tasks: TaskRunner, demo_server: DemoServer, district: DemoDistrict
) -> SetupState:
    """A first setup: nothing typed in, and the demo district's local sites exist (as with
    ``rostersync --demo``)."""
    gui_context.directory.add_sites(district.local_site_names)
    return SetupState.from_saved(gui_context, tasks)


def shown(qtbot: QtBot, wizard: SetupWizard) -> SetupWizard:
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    reactivate(qtbot, wizard)
    assert_focus_in(wizard)
    return wizard


def go_next(qtbot: QtBot, wizard: SetupWizard, key: Callable[[], None], page: PageId) -> None:
    """Next by ``key``; on the new page, the focus is somewhere a person can use."""
    key()
    qtbot.waitUntil(lambda: wizard.currentId() == page)
    assert_focus_in(wizard)
    assert_no_mnemonic_clash(wizard)


def test_the_whole_wizard_by_keyboard_to_a_first_sync(
    qtbot: QtBot, empty_state: SetupState, demo_server: DemoServer, district: DemoDistrict
) -> None:
    wizard = shown(qtbot, SetupWizard(empty_state))
    assert wizard.currentId() == PageId.WELCOME
    assert_no_mnemonic_clash(wizard)
    assert wizard.button(QWizard.WizardButton.NextButton).text() == "&Next >"
    go_next(qtbot, wizard, lambda: press(Key.Key_Return), PageId.CONNECTION)

    # Connection: each field reached by its label's mnemonic, the values typed in.
    connection = wizard.currentPage()
    assert isinstance(connection, ConnectionPage)
    for letter, field, value in (
        (Key.Key_I, connection.client_id, demo_server.client_id),
        (Key.Key_S, connection.secret, demo_server.client_secret),
        (Key.Key_T, connection.token_url, demo_server.token_url),
        (Key.Key_U, connection.base_url, demo_server.base_url),
    ):
        alt(letter)
        assert focused() is field
        type_text(value)
    assert connection.isComplete()
    go_next(qtbot, wizard, lambda: press(Key.Key_Return), PageId.VALIDATE)  # Enter in a field

    validate = wizard.currentPage()
    assert isinstance(validate, ValidatePage)
    qtbot.waitUntil(validate.isComplete, timeout=WAIT_MS)
    assert focused() is wizard.button(QWizard.WizardButton.NextButton)
    assert validate.summary.text().startswith("All checks passed.")
    go_next(qtbot, wizard, lambda: press(Key.Key_Return), PageId.USERNAME)

    # Username: the arrows move between the fields; the recommended one is kept.
    username = wizard.currentPage()
    assert isinstance(username, UsernamePage)
    qtbot.waitUntil(lambda: not username.scanning, timeout=WAIT_MS)
    assert_focus_in(wizard)
    radio = tab_to(lambda w: isinstance(w, QRadioButton) and w.isChecked())
    assert radio is username.grid.radio("email")
    press(Key.Key_Down)
    assert username.grid.radio("username").isChecked()
    press(Key.Key_Up)
    assert username.grid.radio("email").isChecked() and focused() is radio
    go_next(qtbot, wizard, lambda: alt(Key.Key_N), PageId.SITES)

    # Sites: all suggestions taken, then one school left at "Select Site" by type-ahead.
    sites = wizard.currentPage()
    assert isinstance(sites, SitesPage)
    total = len(district.schools)
    alt(Key.Key_L)  # Clear all
    qtbot.waitUntil(lambda: sites.summary.text() == f"0 of {total} schools will be synced.")
    alt(Key.Key_A)  # Accept all suggestions
    qtbot.waitUntil(lambda: sites.summary.text() == f"{total} of {total} schools will be synced.")
    alt(Key.Key_D)  # Find a school
    type_text("washington")
    press(Key.Key_Return)  # on to that school's dropdown, not to the next page
    combo = focused()
    assert isinstance(combo, SiteCombo) and combo.school_name == "Washington High School"
    assert combo.currentText() == "Washington HS"
    press(Key.Key_Up)  # the arrows change the site
    assert combo.currentText() != "Washington HS"
    type_text("sel")  # type-ahead
    assert combo.currentText() == SELECT_SITE
    assert sites.summary.text() == f"{total - 1} of {total} schools will be synced."
    assert wizard.currentId() == PageId.SITES
    go_next(qtbot, wizard, lambda: alt(Key.Key_N), PageId.SCHEDULE)

    assert focused().accessibleName() == "Sync automatically every night"
    go_next(qtbot, wizard, lambda: alt(Key.Key_N), PageId.REVIEW)

    # Review: wait for the preview, start the sync by its mnemonic, finish with Enter.
    review = wizard.currentPage()
    assert isinstance(review, ReviewPage)
    qtbot.waitUntil(review.start_button.isEnabled, timeout=WAIT_MS)
    assert_focus_in(wizard)
    to_add = sum(review.preview.sites.added_by_site().values())
    alt(Key.Key_S)  # Start sync
    qtbot.waitUntil(review.isComplete, timeout=WAIT_MS)
    assert review.outcome.tone is Tone.SUCCESS, review.outcome.message
    assert review.outcome.message.startswith(f"The sync is done. {to_add:,} users added")
    assert focused() is wizard.button(QWizard.WizardButton.FinishButton)
    assert_no_mnemonic_clash(wizard)
    press(Key.Key_Return)
    assert wizard.result() == QWizard.DialogCode.Accepted and not wizard.isVisible()

    directory = empty_state.context.directory
    mapping = {s.sourced_id: s.site for s in directory.schools() if s.site}
    washington = next(s for s in district.schools if s["name"] == "Washington High School")
    assert washington["sourcedId"] not in mapping and len(mapping) == total - 1
    expected, _ = expected_first_sync(list(district.iter_users()), mapping, "email")
    assert {row.sourced_id: row.to_json() for row in directory.users()} == expected
    assert len(expected) == to_add


def test_escape_cancels_the_wizard(qtbot: QtBot, wizard: SetupWizard) -> None:
    shown(qtbot, wizard)
    go_next(qtbot, wizard, lambda: press(Key.Key_Return), PageId.CONNECTION)
    alt(Key.Key_I)
    press(Key.Key_Escape)
    assert wizard.result() == QWizard.DialogCode.Rejected and not wizard.isVisible()


def test_back_and_next_by_their_mnemonics(qtbot: QtBot, wizard: SetupWizard) -> None:
    shown(qtbot, wizard)
    assert not wizard.button(QWizard.WizardButton.BackButton).isVisible()  # none on Welcome
    go_next(qtbot, wizard, lambda: alt(Key.Key_N), PageId.CONNECTION)
    go_next(qtbot, wizard, lambda: alt(Key.Key_B), PageId.WELCOME)


def test_the_connection_page_reads_csv_files_by_keyboard_without_a_clash(
    qtbot: QtBot, wizard: SetupWizard
) -> None:
    shown(qtbot, wizard)
    go_next(qtbot, wizard, lambda: alt(Key.Key_N), PageId.CONNECTION)
    page = wizard.currentPage()
    assert isinstance(page, ConnectionPage)
    alt(Key.Key_C)  # From OneRoster CSV files
    qtbot.waitUntil(page.from_csv.isChecked)
    assert page.csv_box.isVisible() and not page.form_box.isVisible()
    assert_no_mnemonic_clash(wizard)
    assert_tab_reaches_every_control(wizard)
    alt(Key.Key_L)
    assert focused() is page.csv.edit
    alt(Key.Key_R)  # back to a OneRoster server
    qtbot.waitUntil(page.from_server.isChecked)
    alt(Key.Key_S)
    assert focused() is page.secret  # Alt+S is the Client Secret's alone


def test_cancel_sync_by_its_mnemonic(
    qtbot: QtBot, mapped_state: SetupState, demo_server: DemoServer
) -> None:
    wizard = SetupWizard(mapped_state)
    wizard.setStartId(PageId.REVIEW)
    shown(qtbot, wizard)
    page = wizard.currentPage()
    assert isinstance(page, ReviewPage)
    qtbot.waitUntil(page.start_button.isEnabled, timeout=WAIT_MS)
    demo_server.faults.page_size_cap = 20  # a slow provider: time to cancel
    demo_server.faults.latency = 0.05
    mapped_state.context.settings.page_size = 20

    alt(Key.Key_S)
    qtbot.waitUntil(
        lambda: page.sync_progress.stage_text.startswith("Downloading"), timeout=WAIT_MS
    )
    alt(Key.Key_C)  # Cancel sync
    qtbot.waitUntil(lambda: page.outcome.tone is not None, timeout=WAIT_MS)

    assert page.outcome.tone is Tone.INFO
    assert page.outcome.message.startswith("Canceled — nothing was changed.")
    assert list(mapped_state.context.directory.users(include_inactive=True)) == []
    assert wizard.isVisible() and wizard.currentId() == PageId.REVIEW
    assert focused() is page.start_button and page.start_button.text() == "&Try again"


# --- the dialogs ---------------------------------------------------------------------------


def sites_page(qtbot: QtBot, state: SetupState) -> tuple[SetupWizard, SitesPage]:
    wizard = SetupWizard(state)
    wizard.setStartId(PageId.SITES)
    shown(qtbot, wizard)
    page = wizard.currentPage()
    assert isinstance(page, SitesPage)
    qtbot.waitUntil(lambda: page.counts is not None, timeout=WAIT_MS)
    return wizard, page


def choices(page: SitesPage) -> list[list[str]]:
    """What every school's dropdown offers and shows."""
    combos = [page.table.combo(row) for row in range(page.table.rowCount())]
    return [[c.currentText(), *(c.itemText(i) for i in range(c.count()))] for c in combos]


def test_the_rename_dialog_by_keyboard(qtbot: QtBot, mapped_state: SetupState) -> None:
    wizard, page = sites_page(qtbot, mapped_state)
    alt(Key.Key_D)
    type_text("washington")
    press(Key.Key_Return)
    combo = focused()
    assert isinstance(combo, QComboBox) and combo.currentText() == "Washington HS"
    before = choices(page)

    def type_then_escape(dialog: QDialog) -> None:
        assert isinstance(dialog, RenameSiteDialog)
        assert_no_mnemonic_clash(dialog)
        assert dialog.site.currentText() == "Washington HS"  # the focused school's site
        assert focused() is dialog.new_name
        type_text("Washington Campus")
        press(Key.Key_Escape)

    ended = run_dialog(qtbot, lambda: alt(Key.Key_R), type_then_escape)
    assert ended == QDialog.DialogCode.Rejected
    assert choices(page) == before  # nothing renamed
    assert wizard.isVisible() and wizard.currentId() == PageId.SITES
    reactivate(qtbot, wizard)
    assert focused() is combo  # back where it was

    def pick_then_enter(dialog: QDialog) -> None:
        assert isinstance(dialog, RenameSiteDialog)
        alt(Key.Key_S)
        assert focused() is dialog.site
        press(Key.Key_Home)  # the arrows and Home pick a site; its name is offered to edit
        assert dialog.site.currentText() == dialog.new_name.text() == "Adams Elem."
        type_text("wash")  # type-ahead in the list of sites
        assert dialog.site.currentText() == dialog.new_name.text() == "Washington HS"
        alt(Key.Key_N)
        type_text("Washington Campus")  # over the name, selected
        press(Key.Key_Return)

    ended = run_dialog(qtbot, lambda: alt(Key.Key_R), pick_then_enter)
    assert ended == QDialog.DialogCode.Accepted
    assert combo.currentText() == "Washington Campus"
    assert all("Washington HS" not in offered for offered in choices(page))
    assert wizard.currentId() == PageId.SITES


def test_the_add_site_dialog_by_keyboard(qtbot: QtBot, mapped_state: SetupState) -> None:
    wizard, page = sites_page(qtbot, mapped_state)
    before = choices(page)

    def type_then_escape(dialog: QDialog) -> None:
        assert isinstance(focused(), QLineEdit)
        type_text("Harbor Annex")
        press(Key.Key_Escape)

    run_dialog(qtbot, lambda: alt(Key.Key_S), type_then_escape)
    assert choices(page) == before
    assert wizard.isVisible() and wizard.currentId() == PageId.SITES

    def type_then_enter(dialog: QDialog) -> None:
        type_text("Harbor Annex")
        press(Key.Key_Return)

    reactivate(qtbot, wizard)
    run_dialog(qtbot, lambda: alt(Key.Key_S), type_then_enter)
    assert all("Harbor Annex" in offered for offered in choices(page))
    assert [offered[0] for offered in choices(page)] == [offered[0] for offered in before]
    assert wizard.currentId() == PageId.SITES


def test_the_left_out_dialog_by_keyboard(qtbot: QtBot, validated_state: SetupState) -> None:
    wizard = SetupWizard(validated_state)
    wizard.setStartId(PageId.USERNAME)
    shown(qtbot, wizard)
    page = wizard.currentPage()
    assert isinstance(page, UsernamePage)
    qtbot.waitUntil(lambda: not page.scanning, timeout=WAIT_MS)
    assert focused() is page.grid.radio("email")  # the choice to make here
    alt(Key.Key_U)  # another field, by its mnemonic
    qtbot.waitUntil(page.grid.radio("username").isChecked)
    assert focused() is page.grid.radio("username")
    alt(Key.Key_E)
    qtbot.waitUntil(page.grid.radio("email").isChecked)
    before = focused()
    assert before is page.grid.radio("email")

    def open_dialog() -> LeftOutDialog:
        alt(Key.Key_S)
        qtbot.waitUntil(
            lambda: page.left_out_dialog is not None and page.left_out_dialog.isActiveWindow()
        )
        dialog = page.left_out_dialog
        assert dialog is not None
        assert_focus_in(dialog)
        assert_no_mnemonic_clash(dialog)
        return dialog

    dialog = open_dialog()
    everyone = dialog.proxy.rowCount()
    assert focused() is dialog.search
    type_text("shares")
    assert 0 < dialog.proxy.rowCount() < everyone
    press(Key.Key_Return)  # Enter while searching closes nothing and goes to no other page
    assert dialog.isVisible() and wizard.currentId() == PageId.USERNAME
    assert tab_to(lambda w: w is dialog.table) is dialog.table
    press(Key.Key_Down)
    assert dialog.table.currentIndex().isValid()
    press(Key.Key_Tab)  # out of the list, not from cell to cell
    assert focused() is not dialog.table and dialog.isAncestorOf(focused())
    press(Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert wizard.isVisible() and wizard.currentId() == PageId.USERNAME
    assert page.grid.radio("email").isChecked()
    reactivate(qtbot, wizard)
    assert focused() is before  # back where it was

    dialog = open_dialog()
    close = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close)
    tab_to(lambda w: w is close)
    press(Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert wizard.isVisible() and wizard.currentId() == PageId.USERNAME


def tab_stops(wizard: SetupWizard) -> set[QWidget]:
    """What Tab must reach on the current page: every shown, enabled control that takes the
    focus itself (not through another, as a time edit's text does), of a group of radio
    buttons the checked one (the arrows move within the group), and the wizard's buttons."""
    page = wizard.currentPage()
    assert page is not None
    candidates = [*page.findChildren(QWidget), *(wizard.button(b) for b in BUTTONS)]
    return {
        widget
        for widget in candidates
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus
        and widget.isVisible()
        and widget.isEnabled()
        and widget.focusProxy() is None
        and not (isinstance(widget, QRadioButton) and not widget.isChecked())
    }


def assert_tab_reaches_every_control(wizard: SetupWizard) -> None:
    wanted = tab_stops(wizard)
    seen: set[QWidget] = set()
    for _ in range(3 * len(wanted) + 4):  # a time edit takes one Tab per part of the time
        press(Key.Key_Tab)
        assert_focus_in(wizard)
        seen.add(focused())
    missed = sorted(w.accessibleName() or w.objectName() or repr(w) for w in wanted - seen)
    assert not missed, f"Tab never reaches {missed}"


def test_on_every_page_tab_reaches_every_control_and_no_mnemonic_is_shared(
    qtbot: QtBot, state: SetupState, district: DemoDistrict
) -> None:
    """Each page once its work is done, as a person then sees it."""
    state.context.directory.add_sites(district.local_site_names)
    wizard = shown(qtbot, SetupWizard(state))
    settled: dict[PageId, Callable[[QWizardPage], bool]] = {
        PageId.VALIDATE: lambda page: page.isComplete(),
        PageId.USERNAME: lambda page: page.isComplete(),
        PageId.SITES: lambda page: isinstance(page, SitesPage) and page.counts is not None,
        PageId.REVIEW: lambda page: isinstance(page, ReviewPage) and page.start_button.isEnabled(),
    }
    for page_id in PageId:
        if page_id != PageId.WELCOME:
            wizard.next()
        assert wizard.currentId() == page_id
        done = settled.get(page_id)
        if done is not None:
            qtbot.waitUntil(lambda done=done: done(wizard.currentPage()), timeout=WAIT_MS)
        assert mnemonics(wizard), page_id
        assert_no_mnemonic_clash(wizard)
        assert_tab_reaches_every_control(wizard)
