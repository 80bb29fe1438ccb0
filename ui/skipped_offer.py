"""Under the Users list, when a search shows no one: the people Infinite Campus sent whom a
sync left out and whose name or ID matches, each a sentence ("Jane Doe was not added: no email
address in Infinite Campus.") that opens their story; or that no one by that name was sent."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.oneroster.records import UsernameField
from app.store.story import SkippedPerson, Stories
from app.store.user_query import UserListing, UserQuery
from app.sync.story_wording import PROVIDER, day_text, not_added_sentence
from app.sync.wording import count_of
from ui.row_activation import RowActivation

SOURCED_ID_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True, slots=True)
class SearchMiss:
    """Where a search that showed no one finds people after all."""

    text: str
    #: Users of any site, role and status the search matches: the filters hide them.
    hidden: int
    skipped: list[SkippedPerson]


def find_miss(listing: UserListing, stories: Stories, text: str) -> SearchMiss:
    """Runs on a worker thread."""
    return SearchMiss(text, listing.count(UserQuery(search=text)), stories.skipped_matching(text))


def person_text(person: SkippedPerson, username_field: UsernameField) -> str:
    """The sentence, and a second line telling apart people of the same name."""
    return (
        f"{not_added_sentence(person, username_field)}\n{PROVIDER} ID {person.sourced_id} · "
        f"last left out on {day_text(person.started_at)}"
    )


def miss_sentence(miss: SearchMiss) -> str:
    quoted = f"“{miss.text}”"
    if miss.hidden:
        verb = "is" if miss.hidden == 1 else "are"
        lead = (
            f"No one shown matches {quoted}: {count_of(miss.hidden, 'user')} matching it {verb} "
            "hidden by the Site, Role or Status filter."
        )
    else:
        lead = f"No one in the directory matches {quoted}."
    if miss.skipped:
        return f"{lead} {PROVIDER} sent these people, but a sync left them out:"
    if miss.hidden:
        return lead
    return (
        f"{lead} No sync left out anyone by that name either: {PROVIDER} has not sent them. "
        "Check the spelling, or try part of the name."
    )


class SkippedOffer(QWidget):
    """A sentence, and the left-out people a search matched, each opened with Enter or a
    double-click."""

    #: The sourcedId of the person to open.
    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: The search the offer shows the answer to; None before one, or after a failure.
        self.answered: str | None = None
        self.sentence = QLabel()
        self.sentence.setWordWrap(True)
        self.sentence.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sentence.setAccessibleName("Search result")
        self.list = QListWidget()
        self.list.setAccessibleName("People left out who match the search")
        self.list.setAccessibleDescription(
            "Press Enter or double-click a person to see what every sync did with them, and why."
        )
        self.list.setWordWrap(True)
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setAlternatingRowColors(True)
        self.list.setSpacing(2)
        self.hint = QLabel("Press Enter or double-click a person to see what every sync did.")
        self.hint.setWordWrap(True)
        self._activation = RowActivation(self.list)
        self._activation.opened.connect(self._activated)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.sentence)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.hint)

    def show_miss(self, miss: SearchMiss, username_field: UsernameField) -> None:
        people = [(person_text(p, username_field), p.sourced_id) for p in miss.skipped]
        self._show(miss_sentence(miss), people)
        self.answered = miss.text

    def show_failure(self, message: str) -> None:
        self._show(f"The people a sync left out could not be searched. {message}", [])
        self.answered = None

    def withdraw(self) -> None:
        """Hide the offer: the search shows someone, or there is no search."""
        self.hide()
        self.answered = None

    def _show(self, text: str, people: list[tuple[str, str]]) -> None:
        """``people``: (sentence, sourcedId) pairs."""
        self.sentence.setText(text)
        self.sentence.setAccessibleDescription(text)
        self.list.clear()
        for sentence, sourced_id in people:
            item = QListWidgetItem(sentence)
            item.setData(SOURCED_ID_ROLE, sourced_id)
            self.list.addItem(item)
        found = bool(people)
        self.list.setVisible(found)
        self.hint.setVisible(found)
        if found:
            self.list.setCurrentRow(0)
        self.show()

    def people(self) -> list[str]:
        """What each listed person's line says, in order."""
        return [self.list.item(row).text() for row in range(self.list.count())]

    def _activated(self, index: QModelIndex) -> None:
        self.chosen.emit(str(index.data(SOURCED_ID_ROLE)))
