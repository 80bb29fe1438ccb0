"""The setup wizard's window: its pages in the order of the vendor's instructions."""

from __future__ import annotations

from enum import IntEnum

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QWidget, QWizard

from ui.resources import app_icon
from ui.screen_fit import TallEnough, available_size, fit_to_screen
from ui.wizard.connection import ConnectionPage
from ui.wizard.review import ReviewPage
from ui.wizard.schedule import SchedulePage
from ui.wizard.sites import SitesPage
from ui.wizard.state import SetupState
from ui.wizard.username import UsernamePage
from ui.wizard.validate import ValidatePage
from ui.wizard.welcome import WelcomePage

#: The wizard's size on a screen with room for it.
SIZE = QSize(760, 600)


#: The navigation buttons' texts, with their mnemonics.
BUTTON_TEXTS = {
    QWizard.WizardButton.BackButton: "< &Back",
    QWizard.WizardButton.NextButton: "&Next >",
    QWizard.WizardButton.FinishButton: "&Finish",
    QWizard.WizardButton.CancelButton: "Cancel",
}
#: Where the focus goes after a page change when no control of the page can take it.
FOCUS_FALLBACK = (
    QWizard.WizardButton.NextButton,
    QWizard.WizardButton.FinishButton,
    QWizard.WizardButton.BackButton,
    QWizard.WizardButton.CancelButton,
)


def _usable(widget: QWidget) -> bool:
    """Tab can land on it: it takes the focus, and is shown and enabled."""
    takes_tab = bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
    return takes_tab and widget.isVisible() and widget.isEnabled()


class PageId(IntEnum):
    WELCOME = 0
    CONNECTION = 1
    VALIDATE = 2
    USERNAME = 3
    SITES = 4
    SCHEDULE = 5
    REVIEW = 6


class SetupWizard(QWizard):
    def __init__(self, state: SetupState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setWindowTitle("RosterSync setup")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.HaveHelpButton, False)
        # Alt+B, Alt+N and Alt+F whatever Qt's own texts are; Escape is Cancel.
        for button, text in BUTTON_TEXTS.items():
            self.setButtonText(button, text)
        self.setPixmap(QWizard.WizardPixmap.LogoPixmap, app_icon().pixmap(QSize(48, 48)))
        self.pages = {
            PageId.WELCOME: WelcomePage(state),
            PageId.CONNECTION: ConnectionPage(state),
            PageId.VALIDATE: ValidatePage(state),
            PageId.USERNAME: UsernamePage(state),
            PageId.SITES: SitesPage(state),
            PageId.SCHEDULE: SchedulePage(state),
            PageId.REVIEW: ReviewPage(state),
        }
        for page_id, page in self.pages.items():
            self.setPage(page_id, page)
        self.setStartId(PageId.WELCOME)
        # Its size, and the least it can be shrunk to, but never more than the screen: at
        # 200% on a 1366x768 screen the pages scroll instead (see SetupPage).
        fit_to_screen(self, SIZE.expandedTo(self.sizeHint()))
        self.setMinimumSize(SIZE.boundedTo(available_size(self)))
        self._tall_enough = TallEnough(self)
        self.currentIdChanged.connect(self._fit_header)
        self.currentIdChanged.connect(self._keep_focus)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_header()
        self._keep_focus()

    def _fit_header(self) -> None:
        """Qt gives the header's wrapped subtitle the height of a width it guesses; narrower
        (at 200%), it needs another line."""
        for label in self.findChildren(QLabel):
            if label.wordWrap() and not any(p.isAncestorOf(label) for p in self.pages.values()):
                self._tall_enough.watch(label)

    def _keep_focus(self) -> None:
        """After a page change the focus is on a control a person can see and use.

        Qt gives it to the page's first control in the tab order even when that control is
        hidden (the Validate page's "Check again"), and a Next button disabled while a page
        works passes it on to Cancel, where Enter would close the wizard (the Username page
        counting). Then it goes to the page's first usable control, or else Next, Finish or
        Back; Cancel only when nothing else can take it."""
        if not self.isVisible():  # the first page, before the window is shown: see showEvent
            return
        cancel = self.button(QWizard.WizardButton.CancelButton)
        focus = self.focusWidget()
        if focus is not None and focus is not cancel and _usable(focus):
            return
        page = self.currentPage()
        controls: list[QWidget] = []
        if page is not None:
            widget = page.nextInFocusChain()
            while widget is not page and page.isAncestorOf(widget):
                controls.append(widget)
                widget = widget.nextInFocusChain()
        controls += [self.button(button) for button in FOCUS_FALLBACK]
        target = next((control for control in controls if _usable(control)), None)
        if target is not None:
            target.setFocus(Qt.FocusReason.TabFocusReason)

    def accept(self) -> None:
        self.state.save_choices()
        super().accept()
