"""The Users list: search as you type, filters by site, role and status, sortable columns and
the count, over ``UsersTableModel`` (a window onto the database, never all of it, read off the
GUI thread so a million users never freeze the window). A row
opens that person's record and story (``ui/person_panel.py``); a search that shows no one offers
the people a sync left out whose name matches (``ui/skipped_offer.py``), read on the task runner.

Typing restarts a short timer and the query changes when it fires, so a fast typist costs one
``COUNT(*)`` instead of one per key. ``refresh()`` reads everything again after a sync, including
the sites and roles the filters offer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.labels import role_label
from app.store.story import Stories
from app.store.user_query import ActiveFilter, UserListing, UserQuery
from app.sync.wording import count_of
from ui.models.users_table import COLUMNS, USER_ROW_ROLE, UsersTableModel
from ui.person_panel import PersonOpener
from ui.row_activation import RowActivation
from ui.screen_fit import FlowLayout, titles_fit
from ui.skipped_offer import SearchMiss, SkippedOffer, find_miss
from ui.tasks import Failure, LatestRead, TaskRunner
from ui.wizard.sites_search import SearchBox

#: How long typing must pause before the list follows the search box.
SEARCH_DELAY_MS: Final = 200
#: First column widths in average characters (measuring 100,000 rows would stall the window).
WIDTHS: Final = (30, 26, 34, 18, 24, 8)
STATUS_CHOICES: Final = (
    ("Active", ActiveFilter.ACTIVE),
    ("Inactive", ActiveFilter.INACTIVE),
    ("All", ActiveFilter.ALL),
)


@dataclass(frozen=True, slots=True)
class _Choices:
    """What the site and role filters offer: (name, id) per site, and the role names."""

    sites: list[tuple[str, int]]
    roles: list[str]


def _labelled(text: str, buddy: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(buddy)
    return label


class UsersView(QWidget):
    """Search box, filters, the users table and how many users it shows."""

    def __init__(
        self,
        context: AppContext,
        tasks: TaskRunner | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """Without ``tasks`` the view runs its background reads on a runner of its own."""
        super().__init__(parent)
        self.context = context
        self.tasks = tasks or TaskRunner(self)
        self.listing = UserListing(context.database)
        self.people = PersonOpener(context, self.tasks, self)
        #: Looks among the people a sync left out, for a search that showed no one.
        self._miss_reads = LatestRead(self.tasks, self)
        #: Enter was pressed in a search that showed no one: go to the first left-out person.
        self._go_to_offer = False
        #: Enter was pressed in the search box: go to the first user found, once answered.
        self._go_to_first = False

        self.search = SearchBox(
            "Username, name or email",
            "Search users",
            "Shows only the users whose username, name or email holds this.",
        )
        self.site_combo = QComboBox()
        self.site_combo.setAccessibleName("Site")
        self.site_combo.setAccessibleDescription("Shows only the users at one site.")
        self.role_combo = QComboBox()
        self.role_combo.setAccessibleName("Role")
        self.role_combo.setAccessibleDescription("Shows only the users with one role.")
        self.status_combo = QComboBox()
        self.status_combo.setAccessibleName("Status")
        self.status_combo.setAccessibleDescription("Shows active users, inactive users or both.")
        for text, status in STATUS_CHOICES:
            self.status_combo.addItem(text, status)
        for combo in (self.site_combo, self.role_combo, self.status_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)

        self.site_combo.addItem("All sites", None)
        self.role_combo.addItem("All roles", None)
        self._filter_reads = LatestRead(self.tasks, self)
        self._read_filters()
        self.model = UsersTableModel(
            self.listing, self.tasks, self._query_from_controls(UserQuery()), parent=self
        )
        self.table = self._build_table()
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Users shown")
        self.offer = SkippedOffer()
        self.offer.hide()
        self._connect()
        self._lay_out()
        self._show_reading()

    def _connect(self) -> None:
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._apply_filters)
        self.search.textChanged.connect(self._search_timer.start)
        self.search.submitted.connect(self._search_submitted)
        self.site_combo.currentIndexChanged.connect(self._apply_filters)
        self.role_combo.currentIndexChanged.connect(self._apply_filters)
        self.status_combo.currentIndexChanged.connect(self._apply_filters)
        self.model.loading_started.connect(self._show_reading)
        self.model.count_changed.connect(self._show_count)
        self.model.count_changed.connect(self._offer_skipped)
        self.model.count_changed.connect(self._go_to_results)
        self.model.failed.connect(self._show_text)
        self._activation = RowActivation(self.table)
        self._activation.opened.connect(self.open_row)
        self.offer.chosen.connect(self.open_person)

    def _lay_out(self) -> None:
        # One line, or more where the window is narrow (200% on a small screen).
        filters = FlowLayout()
        for label, field in (
            ("Searc&h:", self.search),
            ("S&ite:", self.site_combo),
            ("&Role:", self.role_combo),
            ("Sta&tus:", self.status_combo),
        ):
            pair = QHBoxLayout()
            pair.addWidget(_labelled(label, field))
            pair.addWidget(field, 1)
            filters.add_layout(pair)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.offer, 2)
        layout.addWidget(self.count_label)
        QWidget.setTabOrder(self.search, self.site_combo)
        QWidget.setTabOrder(self.site_combo, self.role_combo)
        QWidget.setTabOrder(self.role_combo, self.status_combo)
        QWidget.setTabOrder(self.status_combo, self.table)
        QWidget.setTabOrder(self.table, self.offer.list)

    def _build_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.model)
        table.setAccessibleName("Users")
        table.setAccessibleDescription(
            "Press Enter or double-click a user to see their record and what every sync did."
        )
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move inside it
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        metrics = table.fontMetrics()
        rows = table.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(round(metrics.lineSpacing() * 1.6))
        columns = table.horizontalHeader()
        columns.setStretchLastSection(True)
        columns.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, chars in enumerate(WIDTHS[: len(COLUMNS)]):
            columns.resizeSection(column, chars * metrics.averageCharWidth())
        # Show the model's own order first, so enabling sorting does not pick another one.
        columns.setSortIndicator(self.model.sort_column(), Qt.SortOrder.AscendingOrder)
        table.setSortingEnabled(True)
        titles_fit(columns)
        return table

    # --- filters -------------------------------------------------------------------------

    def _read_filters(self) -> None:
        """Read the sites and roles to offer on a worker (a million users' roles take a while)."""
        directory, listing = self.context.directory, self.listing

        def read() -> _Choices:
            return _Choices([(s.name, s.id) for s in directory.sites()], listing.roles())

        def broke(failure: Failure) -> None:
            self._show_text(failure.message)

        self._filter_reads.start(read, self._fill_filters, broke)

    def _fill_filters(self, choices: _Choices) -> None:
        """(Re)fill the site and role choices, keeping the chosen ones where they still exist."""
        site = self.site_combo.currentData()
        role = self.role_combo.currentData()
        for combo in (self.site_combo, self.role_combo):
            combo.blockSignals(True)
            combo.clear()
        self.site_combo.addItem("All sites", None)
        for name, site_id in choices.sites:
            self.site_combo.addItem(name, site_id)
        self.role_combo.addItem("All roles", None)
        for name in choices.roles:
            self.role_combo.addItem(role_label(name), name)
        for combo, chosen in ((self.site_combo, site), (self.role_combo, role)):
            found = combo.findData(chosen) if chosen is not None else -1
            combo.setCurrentIndex(max(found, 0))
            combo.blockSignals(False)
        self._apply_filters()  # a chosen site or role may be gone

    def _query_from_controls(self, base: UserQuery) -> UserQuery:
        """``base`` (its sort) with the search and filters the controls show."""
        status = self.status_combo.currentData()  # Qt hands the StrEnum back as a str
        return base.with_(
            search=self.search.text().strip(),
            site_id=self.site_combo.currentData(),
            role=self.role_combo.currentData(),
            active=ActiveFilter(status) if status else ActiveFilter.ACTIVE,
        )

    def _apply_filters(self) -> None:
        self._search_timer.stop()
        query = self._query_from_controls(self.model.query)
        if query != self.model.query:
            self.model.set_query(query)

    def _search_submitted(self) -> None:
        """Enter searches at once and goes to the first user found."""
        self._apply_filters()
        self._go_to_first = True
        if not self.model.loading:
            self._go_to_results()

    def _go_to_results(self) -> None:
        if not self._go_to_first:
            return
        self._go_to_first = False
        if self.model.rowCount() > 0:
            self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.table.selectRow(0)
        else:
            self._go_to_offer = True
            self._focus_offer()

    @property
    def answered(self) -> bool:
        """True when the list shows what the search box and filters ask for."""
        if self._search_timer.isActive() or self.model.loading:
            return False
        if self._filter_reads.waiting:
            return False
        return self.model.query == self._query_from_controls(self.model.query)

    @property
    def narrowed(self) -> bool:
        """True when the search, site or role leaves some users of the chosen status out."""
        return self.model.query.narrowed

    # --- opening a person ----------------------------------------------------------------

    def open_row(self, index: QModelIndex) -> None:
        user = index.data(USER_ROW_ROLE)
        if user is not None:  # None while its rows are still being read
            self.open_person(user.sourced_id)

    def open_person(self, sourced_id: str) -> None:
        self.people.open(sourced_id, self)

    # --- a search that shows no one ------------------------------------------------------

    def _offer_skipped(self, shown: int) -> None:
        """Look among the people a sync left out (on a worker) when a search shows no one."""
        text = self.model.query.search
        if shown or not text:
            self._miss_reads.drop()
            self._go_to_offer = False
            self.offer.withdraw()
            return
        listing, stories = self.listing, Stories(self.context.database)
        username_field = self.context.settings.username_field

        def found(result: SearchMiss) -> None:
            self.offer.show_miss(result, username_field)
            self._focus_offer()

        def failed(failure: Failure) -> None:
            self._go_to_offer = False
            self.offer.show_failure(failure.message)

        self._miss_reads.start(lambda: find_miss(listing, stories, text), found, failed)

    def _focus_offer(self) -> None:
        """After Enter in a search that showed no one, go to the first person left out, once
        the offer answers that search."""
        if not self._go_to_offer or self.offer.answered != self.model.query.search:
            return
        self._go_to_offer = False
        if self.offer.list.count():
            self.offer.list.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # --- the count -----------------------------------------------------------------------

    def _show_reading(self) -> None:
        self._show_text("Reading the users…")

    def _show_count(self, shown: int) -> None:
        if self.narrowed:
            text = f"{shown:,} of {count_of(self.model.status_total, 'user')} match"
        else:
            text = count_of(shown, "user")
        self._show_text(text)

    def _show_text(self, text: str) -> None:
        self.count_label.setText(text)
        self.count_label.setAccessibleDescription(text)

    # --- after a sync --------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the directory again (a sync changed the users; the sites may have changed)."""
        self._read_filters()
        query = self._query_from_controls(self.model.query)
        if query == self.model.query:
            self.model.refresh()
        else:
            self.model.set_query(query)
