"""The username page's table of candidate fields: one radio button per field, with how many
people have it, lack it, or share it, and a few example values."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QLabel,
    QRadioButton,
    QStyle,
    QWidget,
)

from app.labels import FIELD_LABELS
from app.oneroster.records import USERNAME_FIELDS, UsernameField
from app.sync.username_scan import FieldReport, UsernameScan
from ui.wizard.base import accessible

RECOMMENDED: UsernameField = "email"
MNEMONICS: dict[UsernameField, str] = {
    "email": "&Email address (email) — recommended",
    "username": "Infinite Campus &username (username)",
    "identifier": "Student/staff &ID number (identifier)",
    "sourcedId": "Infinite Campus internal ID (s&ourcedId)",
    "userMasterIdentifier": "District-wide &person ID (userMasterIdentifier)",
}
HEADERS = ("Field", "Have it", "Don't have it", "Share it with someone")
_PENDING = "…"


def percent(part: int, whole: int) -> str:
    if whole == 0:
        return "0%"
    value = 100 * part / whole
    if 0 < value < 1:
        return "<1%"
    if 99 < value < 100:
        return ">99%"
    return f"{value:.0f}%"


class _Row:
    def __init__(self, name: UsernameField, radio: QRadioButton) -> None:
        self.name = name
        self.radio = radio
        self.have = _number_label()
        self.missing = _number_label()
        self.shared = _number_label()
        self.examples = QLabel()
        self.examples.setWordWrap(True)
        self.examples.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.examples.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def show_pending(self) -> None:
        for label in (self.have, self.missing, self.shared):
            label.setText(_PENDING)
        self.examples.setText("")
        self.radio.setAccessibleDescription("Still counting.")

    def show_report(self, report: FieldReport) -> None:
        coverage = report.coverage
        self.have.setText(f"{coverage.present:,} ({percent(coverage.present, coverage.total)})")
        self.missing.setText(f"{coverage.missing:,}")
        self.shared.setText(f"{coverage.shared:,}")
        examples = ", ".join(coverage.examples)
        self.examples.setText(f"For example: {examples}" if examples else "No examples.")
        self.radio.setAccessibleDescription(
            f"{coverage.present:,} of {coverage.total:,} people have it, "
            f"{coverage.missing:,} don't, {coverage.shared:,} share it with someone else. "
            + (f"For example: {examples}." if examples else "")
        )


def _number_label() -> QLabel:
    label = QLabel(_PENDING)
    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return label


class CoverageGrid(QWidget):
    """Emits ``chosen`` with the field name whenever the person picks another field."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        accessible(self, "Username fields", "Which Infinite Campus field becomes the username.")
        self._group = QButtonGroup(self)
        self._rows: dict[UsernameField, _Row] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setColumnStretch(0, 1)
        for column, text in enumerate(HEADERS):
            header = QLabel(f"<b>{text}</b>")
            header.setWordWrap(True)  # two lines rather than a page too wide, at 200%
            if column:
                header.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom)
            grid.addWidget(header, 0, column)
        indent = self._indicator_indent()
        for index, name in enumerate(USERNAME_FIELDS):
            radio = QRadioButton(MNEMONICS[name])
            accessible(radio, FIELD_LABELS[name])
            self._group.addButton(radio, index)
            row = _Row(name, radio)
            self._rows[name] = row
            top = 1 + 2 * index
            grid.addWidget(radio, top, 0)
            grid.addWidget(row.have, top, 1)
            grid.addWidget(row.missing, top, 2)
            grid.addWidget(row.shared, top, 3)
            row.examples.setContentsMargins(indent, 0, 0, 0)
            grid.addWidget(row.examples, top + 1, 0, 1, len(HEADERS))
            radio.toggled.connect(lambda on, field=name: on and self.chosen.emit(field))
        grid.setHorizontalSpacing(3 * self.fontMetrics().averageCharWidth())

    def _indicator_indent(self) -> int:
        metric = self.style().pixelMetric
        indicator = metric(QStyle.PixelMetric.PM_ExclusiveIndicatorWidth)
        return indicator + metric(QStyle.PixelMetric.PM_RadioButtonLabelSpacing)

    def radio(self, name: UsernameField) -> QRadioButton:
        return self._rows[name].radio

    def cells(self, name: UsernameField) -> tuple[QLabel, QLabel, QLabel, QLabel]:
        """The labels showing have it, don't have it, share it, and the examples."""
        row = self._rows[name]
        return row.have, row.missing, row.shared, row.examples

    def select(self, name: UsernameField) -> None:
        self._rows[name].radio.setChecked(True)

    def selected(self) -> UsernameField:
        checked = self._group.checkedId()
        return USERNAME_FIELDS[checked] if checked >= 0 else RECOMMENDED

    def show_pending(self) -> None:
        for row in self._rows.values():
            row.show_pending()

    def show_scan(self, scan: UsernameScan) -> None:
        for name, row in self._rows.items():
            row.show_report(scan.fields[name])
