"""The confirmation a sync stopped at the safety limit asks for: who it would deactivate.

The people come from the directory (a few thousand at most read on the GUI thread is fine);
"Cancel" is the default answer, so Enter or Escape never deactivates anyone by accident.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.labels import role_label
from ui.models.text_table import TextTableModel
from ui.people_table import people_table
from ui.screen_fit import fit_to_screen

HEADERS = ("Name", "Username", "Role", "Site")


def deactivation_sentence(count: int) -> str:
    people = "1 person" if count == 1 else f"{count:,} people"
    return (
        f"This sync would deactivate {people} (they stay in the directory as inactive). "
        "Check the list: if it is not expected, cancel and check the Base URL and the "
        "school-to-site mapping."
    )


def deactivation_rows(context: AppContext, sourced_ids: Sequence[str]) -> list[tuple[str, ...]]:
    """One row per id, in the directory's order; an id the directory lacks still shows."""
    wanted = set(sourced_ids)
    rows: list[tuple[str, ...]] = []
    found: set[str] = set()
    for user in context.directory.users(include_inactive=True):
        if user.sourced_id in wanted and user.sourced_id not in found:
            found.add(user.sourced_id)
            name = f"{user.given_name} {user.family_name}".strip()
            rows.append((name, user.username, role_label(user.role), user.site))
    for sourced_id in sourced_ids:
        if sourced_id not in found:
            found.add(sourced_id)
            rows.append((f"Not in the directory ({sourced_id})", "", "", ""))
    return rows


class DeactivationDialog(QDialog):
    def __init__(
        self,
        context: AppContext,
        sourced_ids: Sequence[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Deactivate these people?")
        self.setAccessibleName("Deactivate these people?")

        self.sentence = QLabel(deactivation_sentence(len(set(sourced_ids))))
        self.sentence.setWordWrap(True)
        self.sentence.setAccessibleName("What this sync would do")

        self.model = TextTableModel(HEADERS, deactivation_rows(context, sourced_ids), self)
        self.table = _people_table(self.model)

        self.deactivate_button = QPushButton("&Deactivate them and sync")
        self.deactivate_button.setAccessibleName("Deactivate them and sync")
        self.deactivate_button.setAccessibleDescription(
            "Marks the people listed inactive and finishes the sync."
        )
        self.deactivate_button.setAutoDefault(False)  # focus never makes it the Enter answer
        self.deactivate_button.clicked.connect(self.accept)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel")
        self.cancel_button.setAccessibleDescription("Changes nothing.")
        self.cancel_button.setDefault(True)
        self.cancel_button.clicked.connect(self.reject)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.deactivate_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.sentence)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

        metrics = self.fontMetrics()  # by the font, but never beyond the screen
        fit_to_screen(self, QSize(metrics.averageCharWidth() * 110, metrics.lineSpacing() * 28))
        self.cancel_button.setFocus()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.cancel_button.setFocus()


def _people_table(model: TextTableModel) -> QTableView:
    table = people_table(model, "People this sync would deactivate")
    table.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return table


def confirm_deactivation(
    parent: QWidget | None, context: AppContext, sourced_ids: Sequence[str]
) -> bool:
    """Show who a sync beyond the safety limit would deactivate; True only when confirmed."""
    dialog = DeactivationDialog(context, sourced_ids, parent)
    try:
        return dialog.exec() == QDialog.DialogCode.Accepted
    finally:
        dialog.deleteLater()
