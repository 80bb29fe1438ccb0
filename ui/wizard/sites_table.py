"""The Sites page's table: every school, its staff and students, its site dropdown, and a
"Suggested" tag. It shows a ``MappingDraft``; the page turns the person's picks into changes."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from app.store.directory import SchoolInfo
from app.sync.school_counts import SchoolCount
from ui.wizard.base import accessible
from ui.wizard.mapping_draft import MappingDraft
from ui.wizard.sites_combo import Entry, SiteCombo
from ui.wizard.sites_tag import SuggestedTag

HEADERS = ("School in Infinite Campus", "Staff", "Students", "Local site", "")
SCHOOL, STAFF, STUDENTS, SITE, TAG = range(len(HEADERS))
NOT_COUNTED = "—"
COUNTING = "…"


class SchoolTable(QTableWidget):
    #: (school sourcedId, the entry picked) whenever the person picks in a dropdown.
    picked = Signal(str, object)

    def __init__(self) -> None:
        super().__init__(0, len(HEADERS))
        self.setHorizontalHeaderLabels(list(HEADERS))
        accessible(self, "Schools and their local sites")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # Tab moves from dropdown to dropdown rather than cell to cell.
        self.setTabKeyNavigation(False)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(SCHOOL, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(SITE, QHeaderView.ResizeMode.Stretch)
        self.schools: list[SchoolInfo] = []
        self._rows: dict[str, int] = {}

    def set_schools(self, schools: list[SchoolInfo]) -> None:
        self.clearContents()
        self.setRowCount(len(schools))
        self.schools = list(schools)
        self._rows = {school.sourced_id: row for row, school in enumerate(schools)}
        for row, school in enumerate(schools):
            name = QTableWidgetItem(school.name)
            name.setToolTip(f"{school.name} (sourcedId {school.sourced_id})")
            self.setItem(row, SCHOOL, name)
            for column in (STAFF, STUDENTS):
                self.setItem(row, column, _number_item(COUNTING))
            combo = SiteCombo(school.name)
            accessible(
                combo,
                f"Local site for {school.name}",
                "“Select Site” means this school is not synced.",
            )
            combo.currentIndexChanged.connect(
                lambda _index, school_id=school.sourced_id: self._picked(school_id)
            )
            self.setCellWidget(row, SITE, combo)
            self.setCellWidget(row, TAG, SuggestedTag())
            for column in (SITE, TAG):
                self.setItem(row, column, QTableWidgetItem())
            self._describe_cells(row)

    def set_counts(self, counts: dict[str, SchoolCount] | None) -> None:
        """Staff and students per school; ``None`` when they cannot be counted."""
        for row, school in enumerate(self.schools):
            count = counts.get(school.sourced_id, SchoolCount()) if counts is not None else None
            staff = f"{count.staff:,}" if count is not None else NOT_COUNTED
            students = f"{count.students:,}" if count is not None else NOT_COUNTED
            self.item(row, STAFF).setText(staff)
            self.item(row, STUDENTS).setText(students)

    def show_draft(self, draft: MappingDraft) -> None:
        sites = draft.sites
        self.setColumnHidden(TAG, not draft.has_suggestions)
        for school in self.schools:
            row = self._rows[school.sourced_id]
            combo = self.combo(row)
            combo.set_sites(sites, can_create=draft.find_site(school.name) is None)
            combo.select(draft.choice(school.sourced_id))
            suggested = draft.is_suggested(school.sourced_id)
            self.tag(row).show_for(draft.suggestion(school.sourced_id) if suggested else None)
            self._describe_cells(row)

    def row_of(self, school_id: str) -> int:
        return self._rows[school_id]

    def combo(self, row: int) -> SiteCombo:
        widget = self.cellWidget(row, SITE)
        assert isinstance(widget, SiteCombo)
        return widget

    def tag(self, row: int) -> SuggestedTag:
        widget = self.cellWidget(row, TAG)
        assert isinstance(widget, SuggestedTag)
        return widget

    def filter_schools(self, text: str) -> int:
        """Show only schools whose name holds ``text``; returns how many are shown."""
        wanted = text.strip().casefold()
        shown = 0
        for row, school in enumerate(self.schools):
            hide = bool(wanted) and wanted not in school.name.casefold()
            self.setRowHidden(row, hide)
            shown += not hide
        return shown

    def focus_first_shown(self) -> None:
        """Enter in the search box: on to the first matching school's dropdown."""
        for row in range(self.rowCount()):
            if not self.isRowHidden(row):
                self.combo(row).setFocus()
                return

    def _describe_cells(self, row: int) -> None:
        """The cells under the dropdown and the tag are what a screen reader's table
        navigation reads: they say what the widgets over them show."""
        self.item(row, SITE).setData(
            Qt.ItemDataRole.AccessibleTextRole, self.combo(row).currentText()
        )
        tag = self.tag(row)
        self.item(row, TAG).setData(
            Qt.ItemDataRole.AccessibleTextRole, "Suggested" if tag.shown else "Not suggested"
        )

    def _picked(self, school_id: str) -> None:
        self._describe_cells(self._rows[school_id])
        entry: Entry = self.combo(self._rows[school_id]).entry
        self.picked.emit(school_id, entry)


def _number_item(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item
