"""Moments in words a person reads at a glance: "today 2:00 AM", "tomorrow 2:00 AM"."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDate, QLocale, QTime


def when_text(moment: datetime, now: datetime | None = None) -> str:
    """Like "today 2:00 AM", "yesterday 2:00 AM" or the date, in local time and the locale."""
    local = moment.astimezone()
    today = (now.astimezone() if now else datetime.now().astimezone()).date()
    locale = QLocale()
    clock = locale.toString(
        QTime(local.hour, local.minute, local.second), QLocale.FormatType.ShortFormat
    )
    days = (today - local.date()).days
    if days == 0:
        return f"today {clock}"
    if days == 1:
        return f"yesterday {clock}"
    if days == -1:
        return f"tomorrow {clock}"
    day = locale.toString(QDate(local.year, local.month, local.day), QLocale.FormatType.ShortFormat)
    return f"{day} {clock}"
