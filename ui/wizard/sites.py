"""Page 5: map each Infinite Campus school to a local site, or leave it at "Select Site" (not
synced). Suggestions by name similarity come pre-selected on a first setup. Sites can be added
and renamed here; nothing is written to the directory until the person presses Next."""

from __future__ import annotations

import itertools
import threading

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QWidget,
)

from app.errors import RosterSyncError
from app.sync.school_counts import SchoolCount, count_people_by_school
from ui.tasks import Failure, ProgressFn
from ui.wizard.base import SetupPage, accessible
from ui.wizard.mapping_draft import MappingDraft
from ui.wizard.sites_combo import Entry
from ui.wizard.sites_dialogs import RenameSiteDialog, ask_new_site_name
from ui.wizard.sites_search import SearchBox
from ui.wizard.sites_table import SchoolTable
from ui.wizard.state import SetupState
from ui.wizard.username_warning import WarningLine

NO_SITES_YET = (
    "There are no local sites yet. In a school's list, choose “New site named …” to create one "
    "named after the school, or use “Add site…”."
)
NOTHING_MAPPED = (
    "No school has a site, so nothing will be synced. You can still go on, and come back to "
    "this page later."
)


class SitesPage(SetupPage):
    def __init__(self, state: SetupState) -> None:
        super().__init__(
            state,
            "Match schools to local sites",
            "Choose the local site each Infinite Campus school syncs into. A school left at "
            "“Select Site” is not synced.",
        )
        self.draft: MappingDraft | None = None
        #: Staff and students per school, once counted.
        self.counts: dict[str, SchoolCount] | None = None
        self._counted_from: object = None

        self.search = SearchBox(
            "Part of a school's name",
            "Find a school",
            "Shows only the schools whose name holds this.",
        )
        search_label = QLabel("Fin&d a school:")
        search_label.setBuddy(self.search)
        self.accept_button = QPushButton("&Accept all suggestions")
        accessible(
            self.accept_button,
            "Accept all suggestions",
            "Sets every school that has a suggested site to that site.",
        )
        self.clear_button = QPushButton("C&lear all")
        accessible(self.clear_button, "Clear all", "Sets every school to Select Site (not synced).")
        top = QHBoxLayout()
        top.addWidget(search_label)
        top.addWidget(self.search, 1)
        top.addSpacing(self.fontMetrics().averageCharWidth() * 2)
        top.addWidget(self.accept_button)
        top.addWidget(self.clear_button)

        self.table = SchoolTable()

        self.add_button = QPushButton("Add &site…")
        accessible(self.add_button, "Add site", "Creates a new local site.")
        self.rename_button = QPushButton("&Rename site…")
        accessible(self.rename_button, "Rename site", "Changes the name of a local site.")
        self.summary = QLabel()
        accessible(self.summary, "How many schools will be synced")
        bottom = QHBoxLayout()
        bottom.addWidget(self.add_button)
        bottom.addWidget(self.rename_button)
        bottom.addStretch(1)
        bottom.addWidget(self.summary)

        self.hint = QLabel(NO_SITES_YET)
        self.hint.setWordWrap(True)
        accessible(self.hint, "Hint")
        self.warning = WarningLine(NOTHING_MAPPED)

        self.body.addLayout(top)
        self.body.addWidget(self.table, 1)
        self.body.addLayout(bottom)
        self.body.addWidget(self.hint)
        self.body.addWidget(self.warning)

        self.search.textChanged.connect(self.table.filter_schools)
        self.search.submitted.connect(self.table.focus_first_shown)
        self.accept_button.clicked.connect(self.accept_suggestions)
        self.clear_button.clicked.connect(self.clear_all)
        self.add_button.clicked.connect(self._ask_add_site)
        self.rename_button.clicked.connect(self._ask_rename_site)
        self.table.picked.connect(self._picked)

    # --- QWizardPage ---------------------------------------------------------------------

    def initializePage(self) -> None:
        """Back and Next again keep the choices made here: the draft is rebuilt only when the
        provider's schools changed (a connection validated anew)."""
        directory = self.state.context.directory
        known = [school.sourced_id for school in directory.schools()]
        if self.draft is None or [school.sourced_id for school in self.draft.schools] != known:
            self.draft = MappingDraft.from_directory(directory)
            self.table.set_schools(self.draft.schools)
            self._set_tab_order()
            self._counted_from = None
        self._count_people()
        self._refresh()

    def _set_tab_order(self) -> None:
        """The dropdowns are made after the buttons below the table: put them between."""
        combos = [self.table.combo(row) for row in range(self.table.rowCount())]
        chain = [self.search, self.accept_button, self.clear_button, *combos]
        chain += [self.add_button, self.rename_button]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def validatePage(self) -> bool:
        assert self.draft is not None
        try:
            self.draft.save(self.state.context.directory)
        except RosterSyncError as error:
            QMessageBox.warning(self, "Sites not saved", error.message)
            self._refresh()
            return False
        return True

    # --- what the person does ------------------------------------------------------------

    def choose(self, school_id: str, site: str | None) -> None:
        self._draft().choose(school_id, site)
        self._refresh()

    def create_site_for(self, school_id: str) -> str:
        """The "New site named “<school>”" entry: a site named after the school, chosen."""
        draft = self._draft()
        school = next(s for s in draft.schools if s.sourced_id == school_id)
        name = draft.add_site(school.name)
        draft.choose(school_id, name)
        self._refresh()
        return name

    def add_site(self, name: str) -> str:
        """Raises ``ConfigurationError`` (with a sentence to show) for a bad or taken name."""
        added = self._draft().add_site(name)
        self._refresh()
        return added

    def rename_site(self, old: str, new: str) -> str:
        renamed = self._draft().rename_site(old, new)
        self._refresh()
        return renamed

    def accept_suggestions(self) -> None:
        self._draft().accept_suggestions()
        self._refresh()

    def clear_all(self) -> None:
        self._draft().clear_all()
        self._refresh()

    def _picked(self, school_id: str, entry: Entry) -> None:
        try:
            if entry.kind == "new":
                self.create_site_for(school_id)
            else:
                self.choose(school_id, entry.site)
        except RosterSyncError as error:
            QMessageBox.warning(self, "Site not changed", error.message)
            self._refresh()

    def _ask_add_site(self) -> None:
        text = ""
        while (name := ask_new_site_name(self, text)) is not None:
            try:
                self.add_site(name)
            except RosterSyncError as error:
                QMessageBox.warning(self, "Site not added", error.message)
                text = name
            else:
                return

    def _ask_rename_site(self) -> None:
        draft = self._draft()
        dialog = RenameSiteDialog(draft.sites, self)
        current = self._current_site()
        if current is not None:
            dialog.choose(current)
        while dialog.exec() == RenameSiteDialog.DialogCode.Accepted:
            try:
                self.rename_site(*dialog.rename)
            except RosterSyncError as error:
                QMessageBox.warning(self, "Site not renamed", error.message)
            else:
                break
        dialog.deleteLater()

    def _current_site(self) -> str | None:
        row = self.table.currentRow()
        if row < 0 or self.draft is None:
            return None
        return self.draft.choice(self.table.schools[row].sourced_id)

    # --- showing -------------------------------------------------------------------------

    def _draft(self) -> MappingDraft:
        assert self.draft is not None, "the page was not initialised"
        return self.draft

    def _refresh(self) -> None:
        draft = self._draft()
        self.table.show_draft(draft)
        total = len(draft.schools)
        mapped = draft.mapped_count
        self.summary.setText(
            f"{mapped} of {total} schools will be synced." if total else "No schools."
        )
        self.accept_button.setEnabled(draft.has_suggestions)
        self.clear_button.setEnabled(mapped > 0)
        self.rename_button.setEnabled(bool(draft.sites))
        self.hint.setVisible(not draft.sites)
        self.warning.setVisible(total > 0 and mapped == 0)

    def _count_people(self) -> None:
        report = self.state.report
        if report is None:
            self.table.set_counts(None)
            return
        if self._counted_from is report:
            return
        self._counted_from = report
        self.counts = None
        users = report.users

        def work(_progress: ProgressFn, _cancel: threading.Event) -> dict[str, SchoolCount]:
            return count_people_by_school(users)

        def counted(counts: dict[str, SchoolCount]) -> None:
            if self._counted_from is report:
                self.counts = counts
                self.table.set_counts(counts)

        def failed(_failure: Failure) -> None:
            if self._counted_from is report:
                self.table.set_counts(None)

        self.state.tasks.start(work, counted, failed, owner=self)
