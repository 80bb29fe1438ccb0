"""The "Suggested" tag beside a school whose site was picked by name similarity; it takes its
colours from the palette, so it follows light and dark themes."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from app.sync.matching import Suggestion
from ui.wizard.base import accessible

_PILL = (
    "QLabel { background-color: palette(highlight); color: palette(highlighted-text);"
    " border-radius: 0.5em; padding: 0 0.5em; }"
)


def suggestion_tip(suggestion: Suggestion) -> str:
    return (
        f"Suggested because “{suggestion.school_name}” and “{suggestion.site_name}” are "
        f"{suggestion.score:.0f}% alike. Choose another site if this is not right."
    )


class SuggestedTag(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel("Suggested")
        self.label.setStyleSheet(_PILL)
        accessible(self.label, "Suggested")
        layout = QHBoxLayout(self)
        gap = self.fontMetrics().averageCharWidth()
        layout.setContentsMargins(gap, 0, gap, 0)
        layout.addWidget(self.label, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addStretch(1)

    def show_for(self, suggestion: Suggestion | None) -> None:
        """Visible with its reason for a suggestion; ``None`` hides it."""
        tip = suggestion_tip(suggestion) if suggestion is not None else ""
        self.label.setToolTip(tip)
        self.label.setAccessibleDescription(tip)
        self.label.setVisible(suggestion is not None)

    @property
    def shown(self) -> bool:
        return not self.label.isHidden()
