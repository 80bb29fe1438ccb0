"""Under the username table: what the chosen field means in people, a warning when it leaves
out many, and the button that lists them."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.labels import FIELD_LABELS, FIELD_NOUNS
from app.sync.username_scan import FieldReport
from ui.wizard.base import accessible
from ui.wizard.username_warning import WarningLine

#: More than this share of people left out earns a warning (it never blocks).
WARN_SHARE = 0.05


def _people(count: int) -> str:
    return "1 person" if count == 1 else f"{count:,} people"


def _they(count: int, singular: str, plural: str) -> str:
    """_they(1, "has", "have") -> "1 has"; the count, then the verb that agrees with it."""
    return f"{count:,} {singular if count == 1 else plural}"


def summary_text(report: FieldReport) -> str:
    coverage = report.coverage
    label = FIELD_LABELS[report.field]
    noun = FIELD_NOUNS[report.field]
    if coverage.total == 0:
        return "Infinite Campus lists no students or staff to sync yet."
    left = len(report.left_out)
    gets = f"With {label}, {coverage.usable:,} of {_people(coverage.total)} get a username."
    if left == 0:
        return f"With {label}, all {_people(coverage.total)} get a username."
    if not coverage.shared:
        verb = "has" if left == 1 else "have"
        return f"{gets} {_people(left)} {verb} no {noun} and would be left out."
    if not coverage.missing:
        verb = "shares" if left == 1 else "share"
        return f"{gets} {_people(left)} {verb} theirs with someone else and would be left out."
    return (
        f"{gets} {_people(left)} would be left out: {_they(coverage.missing, 'has', 'have')} "
        f"no {noun} and {_they(coverage.shared, 'shares', 'share')} one with someone else."
    )


def warning_text(report: FieldReport) -> str:
    return (
        f"That is {report.left_out_share:.0%} of the people to sync. You can still go on, but "
        "they will not be synced until this is fixed in Infinite Campus; another field may "
        "suit better."
    )


class ChoiceSummary(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sentence = QLabel()
        self.sentence.setWordWrap(True)
        accessible(self.sentence, "What this choice means")

        self.warning = WarningLine()

        self.show_button = QPushButton("&Show who would be left out…")
        accessible(
            self.show_button,
            "Show who would be left out",
            "Lists the people this field leaves out, and can save the list as a CSV file.",
        )
        button_row = QHBoxLayout()
        button_row.addWidget(self.show_button)
        button_row.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.sentence)
        layout.addWidget(self.warning)
        layout.addLayout(button_row)
        self.clear()

    def clear(self) -> None:
        self.sentence.setText("")
        self.warning.hide()
        self.show_button.setEnabled(False)

    def show_report(self, report: FieldReport) -> None:
        self.sentence.setText(summary_text(report))
        warn = report.left_out_share > WARN_SHARE
        self.warning.setText(warning_text(report) if warn else "")
        self.warning.setVisible(warn)
        count = len(report.left_out)
        self.show_button.setEnabled(count > 0)
        self.show_button.setText(
            f"&Show the {_people(count)} left out…" if count else "&Show who would be left out…"
        )
