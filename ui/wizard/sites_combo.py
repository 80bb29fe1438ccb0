"""The Sites page's dropdown for one school: "Select Site" (not synced), each local site, and
"New site named “<school>”"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from PySide6.QtCore import Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QComboBox, QWidget

SELECT_SITE = "Select Site"


@dataclass(frozen=True, slots=True)
class Entry:
    kind: Literal["none", "site", "new", "separator"]
    site: str | None = None


class SiteCombo(QComboBox):
    def __init__(self, school_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.school_name = school_name
        self.entries: list[Entry] = []
        self._sites: list[str] | None = None
        self._can_create = False
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        # Sized by its cell, not its longest entry: "New site named “…”" would otherwise
        # widen the box past its column and under the "Suggested" tag.
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(12)

    def wheelEvent(self, event: QWheelEvent) -> None:
        # Scrolling the table must not change a school's site on the way past it.
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()

    def set_sites(self, sites: list[str], can_create: bool) -> None:
        """Rebuild the list when the sites changed; the current entry is set by ``select``."""
        if sites == self._sites and can_create == self._can_create:
            return
        self._sites = list(sites)
        self._can_create = can_create
        blocked = self.blockSignals(True)
        self.clear()
        self.entries = [Entry("none")]
        self.addItem(SELECT_SITE)
        for site in sites:
            self.entries.append(Entry("site", site))
            self.addItem(site)
        if can_create:
            self.entries.append(Entry("separator"))
            self.insertSeparator(self.count())
            self.entries.append(Entry("new"))
            self.addItem(f"New site named “{self.school_name}”")
        self.blockSignals(blocked)

    def select(self, site: str | None) -> None:
        wanted = Entry("none") if site is None else Entry("site", site)
        index = self.entries.index(wanted) if wanted in self.entries else 0
        blocked = self.blockSignals(True)
        self.setCurrentIndex(index)
        self.blockSignals(blocked)

    def index_of(self, entry: Entry) -> int:
        return self.entries.index(entry)

    @property
    def entry(self) -> Entry:
        return self.entries[self.currentIndex()]
