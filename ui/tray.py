"""The tray icon: its look says idle, syncing or failed; its menu repeats actions of the window.

The window must offer everything the menu does, because some desktops (GNOME without an
extension) show no tray at all; ``Tray.available`` tells the shell whether closing the window
should keep the app running.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Literal

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from ui.resources import app_icon

TrayState = Literal["idle", "syncing", "failed"]

# Brand colours for the badges, drawn on the icon itself so they read on light and dark panels.
SYNCING_COLOR = QColor("#1565c0")
FAILED_COLOR = QColor("#c62828")
BADGE_RING_COLOR = QColor("#ffffff")

# Tray icons are drawn small; rendering each size lets the badge stay legible at 16 px.
ICON_SIZES = (16, 22, 24, 32, 48, 64)
MESSAGE_TIMEOUT_MS = 10_000


def _format_time(at: datetime) -> str:
    local = at.astimezone() if at.tzinfo is not None else at
    if local.date() == datetime.now(local.tzinfo).date():
        return f"{local:%H:%M}"
    return f"{local:%Y-%m-%d %H:%M}"


def _paint_badge(painter: QPainter, size: int, state: TrayState) -> None:
    diameter = size * 0.58
    rect = QRectF(size - diameter, size - diameter, diameter, diameter)
    ring = max(1.0, size / 16)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(BADGE_RING_COLOR)
    painter.drawEllipse(rect)
    painter.setBrush(SYNCING_COLOR if state == "syncing" else FAILED_COLOR)
    painter.drawEllipse(rect.adjusted(ring, ring, -ring, -ring))

    mark = QPen(BADGE_RING_COLOR, max(1.2, diameter * 0.13))
    mark.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(mark)
    center = rect.center()
    if state == "syncing":
        # A circular arrow: three quarters of a circle, with a head at its open end.
        radius = diameter * 0.24
        arc = QRectF(center.x() - radius, center.y() - radius, 2 * radius, 2 * radius)
        painter.drawArc(arc, 90 * 16, 270 * 16)
        head = QPainterPath()
        tip = QPointF(center.x(), center.y() - radius)
        head.moveTo(tip + QPointF(-radius * 0.7, -radius * 0.6))
        head.lineTo(tip)
        head.lineTo(tip + QPointF(-radius * 0.7, radius * 0.6))
        painter.drawPath(head)
    else:
        # An exclamation mark: a stroke and a dot.
        top = center.y() - diameter * 0.24
        bottom = center.y() + diameter * 0.06
        painter.drawLine(QPointF(center.x(), top), QPointF(center.x(), bottom))
        painter.drawPoint(QPointF(center.x(), center.y() + diameter * 0.24))


def state_icon(state: TrayState, base: QIcon | None = None) -> QIcon:
    """The app icon, with a badge for ``syncing`` and ``failed``."""
    base = base if base is not None else app_icon()
    if state == "idle":
        return QIcon(base)
    icon = QIcon()
    for size in ICON_SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            base.paint(painter, 0, 0, size, size)
            _paint_badge(painter, size, state)
        finally:
            painter.end()
        icon.addPixmap(pixmap)
    return icon


class Tray(QObject):
    """The tray icon and its menu. Emits what the person asked for; the shell does it."""

    sync_requested = Signal()
    open_requested = Signal()
    pause_toggled = Signal(bool)
    quit_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.available = QSystemTrayIcon.isSystemTrayAvailable()
        base = app_icon()
        self._icons: dict[TrayState, QIcon] = {
            state: state_icon(state, base) for state in ("idle", "syncing", "failed")
        }
        self._state: TrayState = "idle"
        self._last_success: datetime | None = None
        self._last_failure: datetime | None = None

        # QSystemTrayIcon does not own its context menu, and a menu without a reference is
        # collected while the tray still points at it: the Tray keeps it.
        self.menu = QMenu()
        self.sync_action = QAction("&Sync now", self.menu)
        self.open_action = QAction("&Open RosterSync", self.menu)
        self.pause_action = QAction("&Pause nightly sync", self.menu)
        self.pause_action.setCheckable(True)
        self.quit_action = QAction("&Quit", self.menu)
        self.quit_action.setMenuRole(QAction.MenuRole.NoRole)  # macOS: keep it in this menu
        self.menu.addAction(self.sync_action)
        self.menu.addAction(self.open_action)
        self.menu.addSeparator()
        self.menu.addAction(self.pause_action)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)

        self.sync_action.triggered.connect(self.sync_requested)
        self.open_action.triggered.connect(self.open_requested)
        # ``triggered`` rather than ``toggled``: set_paused() from saved settings stays silent.
        self.pause_action.triggered.connect(self._pause_triggered)
        self.quit_action.triggered.connect(self.quit_requested)

        self.icon = QSystemTrayIcon(self)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self.icon.messageClicked.connect(self.open_requested)
        self._apply()

    # -- state ---------------------------------------------------------------------------------

    @property
    def state(self) -> TrayState:
        return self._state

    @property
    def paused(self) -> bool:
        return self.pause_action.isChecked()

    def set_state(
        self,
        state: TrayState,
        *,
        last_success: datetime | None = None,
        last_failure: datetime | None = None,
    ) -> None:
        """Show ``state``; the times, when given, are remembered for the tooltip."""
        if state not in self._icons:
            raise ValueError(f"unknown tray state {state!r}")
        self._state = state
        if last_success is not None:
            self._last_success = last_success
        if last_failure is not None:
            self._last_failure = last_failure
        self._apply()

    def set_paused(self, paused: bool) -> None:
        """Reflect the saved setting without emitting ``pause_toggled``."""
        self.pause_action.setChecked(paused)
        self._apply()

    def _pause_triggered(self, checked: bool) -> None:
        self._apply()
        self.pause_toggled.emit(checked)

    def tooltip(self) -> str:
        if self._state == "syncing":
            text = "RosterSync — syncing…"
        elif self._state == "failed":
            text = "RosterSync — the last sync failed"
            if self._last_failure is not None:
                text += f" at {_format_time(self._last_failure)}"
            text += ". Open RosterSync for details."
        elif self._last_success is not None:
            text = f"RosterSync — last sync succeeded at {_format_time(self._last_success)}"
        else:
            text = "RosterSync — no sync yet"
        if self.paused:
            text += "\nThe nightly sync is paused."
        return text

    def _apply(self) -> None:
        self.icon.setIcon(self._icons[self._state])
        self.icon.setToolTip(self.tooltip())
        self.sync_action.setEnabled(self._state != "syncing")

    # -- showing -------------------------------------------------------------------------------

    def show(self) -> bool:
        """Show the icon where the desktop has a tray; False where it has none."""
        if self.available:
            self.icon.show()
        return self.available

    def hide(self) -> None:
        self.icon.hide()

    def notify(self, title: str, message: str, failed: bool = False) -> bool:
        """A tray message, where the desktop can show one. True when it was shown."""
        if not (self.available and self.icon.isVisible() and QSystemTrayIcon.supportsMessages()):
            return False
        kind = (
            QSystemTrayIcon.MessageIcon.Critical
            if failed
            else QSystemTrayIcon.MessageIcon.Information
        )
        self.icon.showMessage(title, message, kind, MESSAGE_TIMEOUT_MS)
        return True

    def close(self) -> None:
        """Remove the icon and let its menu go (call before the app quits)."""
        self.icon.hide()
        self.menu.deleteLater()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        # macOS opens the menu on a click; elsewhere a click (or double click) opens the window.
        click = reason == QSystemTrayIcon.ActivationReason.Trigger and sys.platform != "darwin"
        if click or reason == QSystemTrayIcon.ActivationReason.DoubleClick:
            self.open_requested.emit()
