"""The base of every wizard page: a title, a plain-words subtitle, and the shared state."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget, QWizardPage

from ui.wizard.state import SetupState


class SetupPage(QWizardPage):
    def __init__(self, state: SetupState, title: str, subtitle: str) -> None:
        super().__init__()
        self.state = state
        self.setTitle(title)
        self.setSubTitle(subtitle)
        self.body = QVBoxLayout(self)

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
