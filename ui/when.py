"""Moments in words a person reads at a glance: "today 2:00 AM", "tomorrow 2:00 AM"."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDate, QLocale, QTime

#: The C locale's short date is "1 12 2026", day or month first no one can tell: spell the month.
_C_LOCALE_DATE = "MMM d, yyyy"


def _english() -> QLocale:
    return QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)


def when_text(moment: datetime, now: datetime | None = None) -> str:
    """Like "today 2:00 AM", "yesterday 2:00 AM" or the date, in local time and the locale.

    Under the C locale (LANG unset, as in CI) it reads in US English, "Nov 27, 2026 2:00 AM".
    """
    local = moment.astimezone()
    today = (now.astimezone() if now else datetime.now().astimezone()).date()
    locale = QLocale()
    plain_c = locale.language() == QLocale.Language.C
    if plain_c:
        locale = _english()
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
    date = QDate(local.year, local.month, local.day)
    day_format = _C_LOCALE_DATE if plain_c else QLocale.FormatType.ShortFormat
    return f"{locale.toString(date, day_format)} {clock}"
