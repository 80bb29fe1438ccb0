"""Saying what changed to a screen reader, for changes a sighted person sees but that do not
move the keyboard focus: a check's result, a sync's milestones and its end, an error.

Qt sends the announcement through the platform's accessibility API (UI Automation
notifications on Windows, NSAccessibility announcements on macOS, the AT-SPI Announcement
signal on Linux); screen readers speak it without moving the reading position.
"""

from __future__ import annotations

from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QWidget


def announce(source: QWidget, message: str, *, urgent: bool = False) -> None:
    """Have screen readers say ``message``. ``urgent`` interrupts what is being read (errors);
    otherwise the message waits until the reader is quiet."""
    event = QAccessibleAnnouncementEvent(source, message)
    politeness = QAccessible.AnnouncementPoliteness
    event.setPoliteness(politeness.Assertive if urgent else politeness.Polite)
    QAccessible.updateAccessibility(event)
