"""The base of every wizard page: a title, a plain-words subtitle, and the shared state."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLineEdit, QToolButton, QVBoxLayout, QWidget, QWizardPage

from ui.screen_fit import scrolling
from ui.wizard.state import SetupState


class SetupPage(QWizardPage):
    def __init__(self, state: SetupState, title: str, subtitle: str) -> None:
        super().__init__()
        self.state = state
        self.setTitle(title)
        self.setSubTitle(subtitle)
        # The page's controls go in ``body``, inside a scroll area: at 200% on a small screen
        # a page taller (or wider) than the wizard scrolls instead of growing the wizard.
        self.content = QWidget()
        self.body = QVBoxLayout(self.content)
        self.scroll_area = scrolling(self.content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll_area)

    def add_note(self, text: str) -> QLabel:
        """A paragraph of explanation that wraps and can be selected for copying."""
        label = QLabel(text)
        label.setWordWrap(True)
        label.setTextFormat(label.textFormat().RichText)
        label.setOpenExternalLinks(False)
        self.body.addWidget(label)
        return label


def accessible(widget: QWidget, name: str, description: str = "") -> QWidget:
    widget.setAccessibleName(name)
    if description:
        widget.setAccessibleDescription(description)
    return widget


def name_with_clear_button(edit: QLineEdit, name: str, description: str = "") -> None:
    """Name a line edit and its clear button for screen readers (Qt's own clear button has no
    name)."""
    edit.setClearButtonEnabled(True)
    for clear in edit.findChildren(QToolButton):
        accessible(clear, f"Clear {name}")
    accessible(edit, name, description)


def named_line_edit(name: str, placeholder: str = "", description: str = "") -> QLineEdit:
    """A line edit with a clear button, both named for screen readers."""
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    name_with_clear_button(edit, name, description)
    return edit
