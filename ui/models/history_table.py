"""Table models for the History tab: every sync run, and one run's skipped people.

Both hold plain records read on a worker thread (``History.runs()`` / ``History.skips()``); the
models themselves never touch the database, so they are cheap to build on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Final

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle

from app.oneroster.records import UsernameField
from app.store.history import RunRecord, SkipRecord
from app.sync.wording import CANCELED_SENTENCE, failure_sentence, skip_reason_text
from ui.models.text_table import TextTableModel
from ui.when import when_text

AnyIndex = QModelIndex | QPersistentModelIndex

TRIGGER_WORDS: Final[dict[str, str]] = {
    "manual": "Sync now",
    "tray": "Tray",
    "schedule": "Nightly",
    "cli": "Command line",
}
STATUS_WORDS: Final[dict[str, str]] = {
    "succeeded": "Finished",
    "failed": "Failed",
    "canceled": "Canceled",
    "running": "Still running",
}

RUN_HEADERS: Final[tuple[str, ...]] = (
    "When",
    "Started by",
    "How long",
    "Result",
    "Added",
    "Updated",
    "Deactivated",
    "Unchanged",
    "Skipped",
    "Problem",
)
COUNT_COLUMNS: Final = range(4, 9)
PROBLEM_COLUMN: Final = 9
NO_PROBLEM: Final = "No problem"
#: ``data(index, RUN_ROLE)`` is the row's whole ``RunRecord``.
RUN_ROLE: Final = Qt.ItemDataRole.UserRole + 1

SKIP_HEADERS: Final[tuple[str, ...]] = ("Name", "Infinite Campus ID", "Reason", "Detail")


def trigger_text(run: RunRecord) -> str:
    """What started a run in plain words: "Nightly", or "Sync now (preview)" for a dry run."""
    words = TRIGGER_WORDS.get(run.trigger, run.trigger.replace("_", " ").capitalize())
    return f"{words} (preview)" if run.dry_run else words


def duration_text(run: RunRecord) -> str:
    """ "45 s", "3 min 5 s", "1 h 2 min"; "—" while it has not finished."""
    if run.finished_at is None:
        return "—"
    seconds = max(0, round((run.finished_at - run.started_at).total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def status_text(run: RunRecord) -> str:
    return STATUS_WORDS.get(run.status, run.status.capitalize())


def problem_text(run: RunRecord) -> str:
    """The error sentence of a failed or canceled run; empty for one that finished."""
    if run.status == "canceled":
        return run.error or CANCELED_SENTENCE
    if run.status == "failed":
        return failure_sentence(run.error)
    return run.error or ""


def is_problem(run: RunRecord) -> bool:
    return run.status in ("failed", "canceled")


def _status_icon(run: RunRecord) -> QIcon | None:
    """An icon from the style (follows the platform's theme; no hard-coded colours)."""
    pixmap = {
        "failed": QStyle.StandardPixmap.SP_MessageBoxCritical,
        "canceled": QStyle.StandardPixmap.SP_MessageBoxWarning,
    }.get(run.status)
    style = QApplication.style()
    return style.standardIcon(pixmap) if pixmap is not None and style is not None else None


class RunsTableModel(QAbstractTableModel):
    """Sync runs, in the order given (``History.runs()`` is newest first)."""

    def __init__(
        self,
        runs: Sequence[RunRecord] = (),
        *,
        now: Callable[[], datetime] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._now = now
        self._runs = list(runs)

    def set_runs(self, runs: Sequence[RunRecord]) -> None:
        self.beginResetModel()
        self._runs = list(runs)
        self.endResetModel()

    def run(self, row: int) -> RunRecord:
        return self._runs[row]

    @property
    def runs(self) -> list[RunRecord]:
        return list(self._runs)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._runs)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(RUN_HEADERS)

    def text(self, run: RunRecord, column: int) -> str:
        if column == 0:
            return when_text(run.started_at, self._now() if self._now else None)
        if column == 1:
            return trigger_text(run)
        if column == 2:
            return duration_text(run)
        if column == 3:
            return status_text(run)
        if column in COUNT_COLUMNS:
            counts = run.counts
            value = (
                counts.added,
                counts.updated,
                counts.deactivated,
                counts.unchanged,
                counts.skipped,
            )[column - COUNT_COLUMNS.start]
            return f"{value:,}"
        return problem_text(run)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        run = self._runs[index.row()]
        column = index.column()
        if role == RUN_ROLE:
            return run
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(run, column)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            # An empty cell reads as nothing at all; a screen reader says what it means.
            return self.text(run, column) or NO_PROBLEM
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 0:
                return run.started_at.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
            if column == PROBLEM_COLUMN or (column == 3 and is_problem(run)):
                return problem_text(run) or None
            return None
        if role == Qt.ItemDataRole.DecorationRole and column == 3:
            return _status_icon(run)
        if role == Qt.ItemDataRole.FontRole and is_problem(run) and column in (3, PROBLEM_COLUMN):
            font = QApplication.font()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column in COUNT_COLUMNS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return RUN_HEADERS[section]
        return None


def skip_row(skip: SkipRecord, username_field: UsernameField) -> tuple[str, str, str, str]:
    """One skipped person as shown and exported: name, Infinite Campus ID, reason, detail."""
    return (
        skip.name,
        skip.sourced_id or "",
        skip_reason_text(skip.reason, username_field),
        skip.detail,
    )


class SkipsTableModel(TextTableModel):
    def __init__(
        self,
        skips: Sequence[SkipRecord],
        username_field: UsernameField,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(SKIP_HEADERS, [skip_row(skip, username_field) for skip in skips], parent)
        self._skips = list(skips)

    @property
    def skips(self) -> list[SkipRecord]:
        return list(self._skips)
