"""The small dialogs of the Sites page: the name of a new site, and renaming a site."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QInputDialog,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ui.wizard.base import accessible, named_line_edit


def ask_new_site_name(parent: QWidget, text: str = "") -> str | None:
    name, ok = QInputDialog.getText(
        parent,
        "Add a local site",
        "Name of the new site (for example “Lincoln Elem”):",
        QLineEdit.EchoMode.Normal,
        text,
    )
    return name if ok else None


class RenameSiteDialog(QDialog):
    """Pick a site and type its new name; the names are checked by the caller."""

    def __init__(self, sites: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Rename a local site")
        self.site = QComboBox()
        self.site.addItems(sites)
        accessible(self.site, "Site to rename")
        self.new_name = named_line_edit("New name")
        form = QFormLayout()
        form.addRow("&Site:", self.site)
        form.addRow("&New name:", self.new_name)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Rename")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.site.currentTextChanged.connect(self._prefill)
        self.new_name.textChanged.connect(self._check)
        self._prefill(self.site.currentText())
        # The name has the focus when the dialog opens, not after each pick: the arrows in the
        # list of sites would otherwise lose the focus to it after one press.
        self.new_name.setFocus()
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 60)

    def choose(self, site: str) -> None:
        self.site.setCurrentText(site)

    def _prefill(self, site: str) -> None:
        self.new_name.setText(site)
        self.new_name.selectAll()

    def _check(self, text: str) -> None:
        button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        button.setEnabled(bool(text.strip()))

    @property
    def rename(self) -> tuple[str, str]:
        return self.site.currentText(), self.new_name.text()
