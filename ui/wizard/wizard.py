"""The setup wizard's window: its pages in the order of the vendor's instructions."""

from __future__ import annotations

from enum import IntEnum

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QWidget, QWizard

from ui.resources import app_icon
from ui.wizard.connection import ConnectionPage
from ui.wizard.review import ReviewPage
from ui.wizard.schedule import SchedulePage
from ui.wizard.sites import SitesPage
from ui.wizard.state import SetupState
from ui.wizard.username import UsernamePage
from ui.wizard.validate import ValidatePage
from ui.wizard.welcome import WelcomePage


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
        self.setMinimumSize(QSize(760, 600))
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

    def accept(self) -> None:
        self.state.save_choices()
        super().accept()
