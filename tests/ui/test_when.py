"""Dates a person can read whatever the locale, the C locale of CI included."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import QLocale

from ui.when import when_text

NOW = datetime(2026, 12, 4, 14, 30).astimezone()


def spaced(text: str) -> str:
    """CLDR puts a narrow no-break space before AM/PM; a plain one reads the same here."""
    return text.replace("\u202f", " ")


@pytest.fixture
def default_locale() -> Iterator[None]:
    saved = QLocale()
    yield
    QLocale.setDefault(saved)


def test_a_date_under_the_c_locale_names_its_month(default_locale: None) -> None:
    QLocale.setDefault(QLocale.c())
    assert spaced(when_text(NOW - timedelta(days=7), NOW)) == "Nov 27, 2026 2:30 PM"


def test_today_under_the_c_locale_reads_in_english(default_locale: None) -> None:
    QLocale.setDefault(QLocale.c())
    assert spaced(when_text(NOW - timedelta(hours=1), NOW)) == "today 1:30 PM"


def test_other_locales_keep_their_own_short_date(default_locale: None) -> None:
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    assert when_text(NOW - timedelta(days=7), NOW) == "27.11.26 14:30"
