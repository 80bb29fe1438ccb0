"""One person's record and story, newest first, in plain words: the window's twin of
``rostersync user ID``.

``PersonDialog`` reads the story on the ``TaskRunner`` (passing itself as ``owner``), showing
"Loading…" until it arrives. ``PersonOpener`` is what the Users list and History hold: it opens
one person at a time, closing the one shown before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from app.context import AppContext
from app.store.story import PersonStory, Stories
from ui.person_words import not_in_directory_sentence, record_lines, story_html
from ui.screen_fit import fit_to_screen
from ui.tasks import Failure, TaskRunner

LOADING = "Loading…"


def _unknown(key: str) -> str:
    return (
        f"Nothing is recorded about “{key}”: they are not in the directory, and no sync in the "
        "past year left them out."
    )


def _unreadable(failure: Failure) -> str:
    return (
        "This person's record could not be read from the directory database. Close this "
        f"window and try again; if it keeps happening, Help → Copy diagnostics gathers what "
        f"support needs. ({failure.message})"
    )


def _selectable(label: QLabel) -> QLabel:
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class PersonDialog(QDialog):
    """Name, record and story of the person whose sourcedId or username is ``key``."""

    #: The story (or a sentence saying why there is none) is shown.
    loaded = Signal()

    def __init__(
        self, context: AppContext, tasks: TaskRunner, key: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.key = key
        self.story: PersonStory | None = None
        self._username_field = context.settings.username_field
        self.setWindowTitle("Person")
        self.setAccessibleName("Person")

        self.message = _selectable(QLabel(LOADING))
        self.message.setAccessibleName("Person status")
        self.heading = _selectable(QLabel())
        font = QFont(self.heading.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.heading.setFont(font)
        self.absent = _selectable(QLabel())
        self.record = QFormLayout()
        self.record.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.story_label = QLabel("&What each sync did, newest first:")
        self.story_view = QTextBrowser()
        self.story_view.setAccessibleName("What each sync did")
        self.story_view.setAccessibleDescription(
            "Every change a sync made to this person, or why it left them out, newest first."
        )
        self.story_view.setTabChangesFocus(True)
        self.story_view.setOpenLinks(False)
        self.story_view.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.story_label.setBuddy(self.story_view)

        self.content = QWidget()
        content = QVBoxLayout(self.content)
        content.setContentsMargins(0, 0, 0, 0)
        content.addWidget(self.heading)
        content.addWidget(self.absent)
        content.addLayout(self.record)
        content.addSpacing(content.spacing())
        content.addWidget(self.story_label)
        content.addWidget(self.story_view, 1)
        self.content.hide()

        buttons = QDialogButtonBox()
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setText("&Close")
        self.close_button.setAccessibleName("Close")
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.content, 1)
        layout.addWidget(buttons)
        # Sized by the font (so by the scaling too), but never beyond the screen.
        metrics = self.fontMetrics()
        fit_to_screen(self, QSize(metrics.averageCharWidth() * 100, metrics.lineSpacing() * 28))
        self._load(context, tasks)

    def _load(self, context: AppContext, tasks: TaskRunner) -> None:
        stories = Stories(context.database)
        key = self.key

        def work(_progress: Callable[[Any], None], _cancel: threading.Event) -> PersonStory | None:
            return stories.find(key)

        tasks.start(work, self._show_story, self._show_failure, owner=self)

    def _show_story(self, story: PersonStory | None) -> None:
        if story is None:
            self._say(_unknown(self.key))
            return
        self.story = story
        name = story.display_name
        self.setWindowTitle(name)
        self.setAccessibleName(f"Person: {name}")
        self.heading.setText(name)
        sentence = not_in_directory_sentence(story, self._username_field)
        self.absent.setText(sentence)
        self.absent.setVisible(bool(sentence))
        for label, value in record_lines(story):
            shown = _selectable(QLabel(value))
            shown.setAccessibleName(label)
            self.record.addRow(f"{label}:", shown)
        self.story_view.setHtml(story_html(story.changes, self._username_field))
        self.message.hide()
        self.content.show()
        self.story_view.setFocus()
        self.loaded.emit()

    def _show_failure(self, failure: Failure) -> None:
        self._say(_unreadable(failure))

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.close_button.setFocus()
        self.loaded.emit()


class PersonOpener(QObject):
    """Opens a person's dialog; opening another closes the one before."""

    #: A PersonDialog was opened (still loading).
    opened = Signal(object)

    def __init__(self, context: AppContext, tasks: TaskRunner, parent: QObject) -> None:
        super().__init__(parent)
        self.context = context
        self.tasks = tasks
        self._dialog: PersonDialog | None = None

    @property
    def dialog(self) -> PersonDialog | None:
        """The dialog shown, or None once it was closed."""
        return self._dialog if self._dialog is not None and isValid(self._dialog) else None

    def open(self, key: str, parent: QWidget) -> PersonDialog:
        if self.dialog is not None:
            self.dialog.close()
        dialog = PersonDialog(self.context, self.tasks, key, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._dialog = dialog
        dialog.show()
        self.opened.emit(dialog)
        return dialog
