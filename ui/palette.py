"""Colours that follow the OS light/dark palette."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget


def _is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def error_color(widget: QWidget) -> QColor:
    return QColor("#ff8a80") if _is_dark(widget.palette()) else QColor("#b71c1c")


def success_color(widget: QWidget) -> QColor:
    return QColor("#a5d6a7") if _is_dark(widget.palette()) else QColor("#1b5e20")
