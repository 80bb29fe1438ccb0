"""A screen reader reading a page whose scroll bar comes and goes (a wizard page growing as a sync
starts) reads it without crashing the app: the page's scroll area lists the same children
whether its scroll bars show or not, so a child counted a moment ago can still be asked for.
"""

from __future__ import annotations

from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ui.screen_fit import scrolling


def test_a_scroll_bar_hiding_leaves_every_counted_child_readable(qtbot) -> None:
    content = QWidget()
    filler = QLabel("A long page")
    filler.setMinimumHeight(2000)
    QVBoxLayout(content).addWidget(filler)
    area = scrolling(content)
    qtbot.addWidget(area)
    area.resize(300, 200)
    area.show()
    qtbot.waitUntil(area.verticalScrollBar().isVisible)

    reading = QAccessible.queryAccessibleInterface(area)
    counted = reading.childCount()
    filler.setMinimumHeight(10)  # the page shrinks: its scroll bar hides
    qtbot.waitUntil(lambda: not area.verticalScrollBar().isVisible())

    assert reading.childCount() == counted
    last = reading.child(counted - 1)
    assert last is not None and last.isValid()
