"""The Schedule page: nightly sync on or off and its time, kept in the wizard state on Next."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTime
from PySide6.QtWidgets import QWizard, QWizardPage

from app.settings import ScheduleSettings, SettingsFile
from ui.wizard.schedule import SchedulePage
from ui.wizard.state import SetupState


def open_page(qtbot, state: SetupState) -> tuple[QWizard, SchedulePage]:
    """The page in a wizard of its own, followed by an empty page to go Next to."""
    page = SchedulePage(state)
    wizard = QWizard()
    wizard.setPage(0, page)
    wizard.setPage(1, QWizardPage())
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard, page


def click_next(qtbot, wizard: QWizard) -> None:
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.LeftButton)


def test_nightly_at_two_am_is_the_default(qtbot, state: SetupState):
    _wizard, page = open_page(qtbot, state)
    assert page.nightly.isChecked()
    assert page.time.time() == QTime(2, 0)
    assert page.time.isEnabled()
    assert "every night" in page.summary.text()


def test_next_keeps_the_time_and_the_choice(qtbot, state: SetupState):
    wizard, page = open_page(qtbot, state)
    page.time.setTime(QTime(23, 30))
    click_next(qtbot, wizard)
    assert state.schedule == ScheduleSettings(nightly=True, time="23:30")

    wizard.back()
    page.nightly.setChecked(False)
    assert not page.time.isEnabled()
    assert "only when you click Sync now" in page.summary.text()
    click_next(qtbot, wizard)
    assert state.schedule.nightly is False
    assert state.schedule.time == "23:30"

    state.save_choices()  # what finishing the wizard does
    saved = SettingsFile(state.context.profile).load().schedule
    assert (saved.nightly, saved.time) == (False, "23:30")


def test_a_saved_schedule_is_shown_when_the_wizard_is_reopened(qtbot, state: SetupState):
    state.schedule = ScheduleSettings(nightly=False, time="04:15")
    _wizard, page = open_page(qtbot, state)
    assert not page.nightly.isChecked()
    assert page.time.time() == QTime(4, 15)
    assert not page.time.isEnabled()


def test_controls_are_named_and_reachable_by_keyboard(qtbot, state: SetupState):
    _wizard, page = open_page(qtbot, state)
    assert "&" in page.nightly.text()
    for widget in (page.nightly, page.time):
        assert widget.accessibleName()
        assert widget.focusPolicy() & Qt.FocusPolicy.TabFocus
    page.nightly.setFocus()
    qtbot.keyClick(page.nightly, Qt.Key.Key_Space)
    assert not page.nightly.isChecked()
