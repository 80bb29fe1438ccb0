"""The app's light and dark palettes, and colours that follow the OS light/dark/high-contrast mode.

Every colour pair here is measured against WCAG 2.1 AA by ``tests/ui/test_contrast.py``.
"""

from __future__ import annotations

import os
from typing import Literal

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

Scheme = Literal["light", "dark"]
Role = QPalette.ColorRole
Group = QPalette.ColorGroup

#: Set to ``dark`` or ``light`` to force the scheme (screenshots, tests); see ``apply_theme``.
THEME_VARIABLE = "ROSTERSYNC_THEME"
#: WCAG 2.1 AA for body text.
TEXT_CONTRAST = 4.5
_FOLLOWING = "rosterSyncFollowsColorScheme"

# Text roles are chosen for 4.5:1 on the background they are drawn on. The shades (Light to
# Shadow) are Fusion's own in light and derived from Button as QPalette does in dark: Fusion
# draws control frames from Window darkened, not from them, and nothing here draws BrightText.
_LIGHT: dict[Role, str] = {
    Role.Window: "#efefef",
    Role.WindowText: "#000000",
    Role.Base: "#ffffff",
    Role.AlternateBase: "#f7f7f7",
    Role.Text: "#000000",
    Role.Button: "#efefef",
    Role.ButtonText: "#000000",
    Role.BrightText: "#ffffff",
    Role.Highlight: "#1f5fa6",
    Role.HighlightedText: "#ffffff",
    Role.Accent: "#1f5fa6",
    Role.ToolTipBase: "#ffffdc",
    Role.ToolTipText: "#000000",
    Role.PlaceholderText: "#5f5f5f",
    Role.Link: "#0b57d0",
    Role.LinkVisited: "#6a1b9a",
    Role.Light: "#ffffff",
    Role.Midlight: "#cacaca",
    Role.Mid: "#b8b8b8",
    Role.Dark: "#9f9f9f",
    Role.Shadow: "#767676",
}
_LIGHT_DISABLED: dict[Role, str] = {
    Role.WindowText: "#8a8a8a",
    Role.Text: "#8a8a8a",
    Role.ButtonText: "#8a8a8a",
    Role.Highlight: "#919191",
    Role.PlaceholderText: "#a0a0a0",
    Role.Base: "#efefef",
}
_DARK: dict[Role, str] = {
    Role.Window: "#2d2d2d",
    Role.WindowText: "#f0f0f0",
    Role.Base: "#1e1e1e",
    Role.AlternateBase: "#262626",
    Role.Text: "#f0f0f0",
    Role.Button: "#3a3a3a",
    Role.ButtonText: "#f0f0f0",
    Role.BrightText: "#ffffff",
    # Light, so that Fusion's focus frame (the highlight, darkened) shows 3:1 on dark grey.
    Role.Highlight: "#8ab4f8",
    Role.HighlightedText: "#000000",
    Role.Accent: "#8ab4f8",
    Role.ToolTipBase: "#3a3a3a",
    Role.ToolTipText: "#f0f0f0",
    Role.PlaceholderText: "#a8a8a8",
    Role.Link: "#8ab4f8",
    Role.LinkVisited: "#c58af9",
    Role.Light: "#575757",
    Role.Midlight: "#484848",
    Role.Mid: "#272727",
    Role.Dark: "#1d1d1d",
    Role.Shadow: "#000000",
}
_DARK_DISABLED: dict[Role, str] = {
    Role.WindowText: "#7f7f7f",
    Role.Text: "#7f7f7f",
    Role.ButtonText: "#7f7f7f",
    Role.Highlight: "#505050",
    Role.PlaceholderText: "#6a6a6a",
    Role.Base: "#262626",
}


def _build(colors: dict[Role, str], disabled: dict[Role, str]) -> QPalette:
    palette = QPalette()
    for role, color in colors.items():
        palette.setColor(role, QColor(color))  # every group: Inactive reads as Active does
    for role, color in disabled.items():
        palette.setColor(Group.Disabled, role, QColor(color))
    return palette


def light_palette() -> QPalette:
    return _build(_LIGHT, _LIGHT_DISABLED)


def dark_palette() -> QPalette:
    return _build(_DARK, _DARK_DISABLED)


def high_contrast() -> bool:
    """Whether the OS asks for high contrast (Windows contrast themes, macOS Increase contrast)."""
    # Held in a name: PySide invalidates accessibility() once a temporary styleHints() is gone.
    hints = QGuiApplication.styleHints()
    return hints.accessibility().contrastPreference() == Qt.ContrastPreference.HighContrast


def _forced_scheme() -> Scheme | None:
    value = os.environ.get(THEME_VARIABLE, "").strip().lower()
    if value == "dark":
        return "dark"
    if value == "light":
        return "light"
    return None


def _os_scheme(app: QApplication) -> Scheme:
    scheme = QGuiApplication.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        return "dark"
    if scheme == Qt.ColorScheme.Light:
        return "light"
    # The OS said nothing (no desktop portal, offscreen): go by the platform theme's palette.
    app.setPalette(QPalette())
    return "dark" if _is_dark(app.palette()) else "light"


def _platform_has_colours(app: QApplication) -> bool:
    """Whether the app palette, reset, is the platform theme's rather than Qt's built-in one."""
    return app.palette() != app.style().standardPalette()


def _uses_fusion(app: QApplication) -> bool:
    return app.style().name().lower() == "fusion"


def refresh_theme(app: QApplication) -> None:
    """Sets the app palette for the scheme in force now; see ``apply_theme``."""
    if not _uses_fusion(app):
        return
    scheme = _forced_scheme()
    if scheme is None and high_contrast():
        app.setPalette(QPalette())  # the OS's own high-contrast colours, untouched...
        if _platform_has_colours(app):
            return
        # ...unless the platform gave none (some Linux desktops): ours beat Qt's built-in ones.
    scheme = scheme or _os_scheme(app)
    app.setPalette(dark_palette() if scheme == "dark" else light_palette())


def apply_theme(app: QApplication) -> None:
    """Gives the app its light or dark palette now and whenever the OS switches between them.

    Only the Fusion style (Linux, and wherever ``-style fusion`` is asked for) gets our
    palettes: native Windows and macOS styles draw light, dark and high-contrast themes
    themselves, so their palette is left alone.

    The scheme follows ``QStyleHints.colorScheme()``; when that is unknown, the platform
    theme's own palette decides by its lightness. When the OS asks for high contrast
    (``QAccessibilityHints.contrastPreference()`` is ``Qt.ContrastPreference.HighContrast``),
    the OS palette is left entirely alone, and ``error_color``/``success_color`` give the
    palette's own text colour, so nothing hard-coded here lowers the contrast the person chose.
    Only where the platform theme supplies no palette at all (Qt would fall back on Fusion's
    built-in one, whose selection and placeholder text fall short of 4.5:1) is ours applied.

    ``ROSTERSYNC_THEME=dark`` or ``ROSTERSYNC_THEME=light`` forces that palette under Fusion,
    whatever the OS says (high contrast included): for screenshots and tests. Any other value
    is ignored.
    """
    refresh_theme(app)
    if app.property(_FOLLOWING):
        return
    hints = QGuiApplication.styleHints()
    hints.colorSchemeChanged.connect(lambda _scheme: refresh_theme(app))
    hints.accessibility().contrastPreferenceChanged.connect(lambda _pref: refresh_theme(app))
    app.setProperty(_FOLLOWING, True)


def _is_dark(palette: QPalette) -> bool:
    return palette.color(Role.Window).lightness() < 128


def _luminance(color: QColor) -> float:
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * linear(color.redF())
        + 0.7152 * linear(color.greenF())
        + 0.0722 * linear(color.blueF())
    )


def contrast(first: QColor, second: QColor) -> float:
    """The WCAG 2.1 contrast ratio of two opaque colours, from 1 to 21."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _readable(widget: QWidget, on_light: str, on_dark: str) -> QColor:
    """The status colour that reads on the widget's window and fields, else its own text colour."""
    palette = widget.palette()
    text = palette.color(Role.WindowText)
    if high_contrast():
        return text
    backgrounds = (palette.color(Role.Window), palette.color(Role.Base))
    preferred = (on_dark, on_light) if _is_dark(palette) else (on_light, on_dark)
    for name in preferred:
        color = QColor(name)
        if all(contrast(color, back) >= TEXT_CONTRAST for back in backgrounds):
            return color
    return text


def error_color(widget: QWidget) -> QColor:
    return _readable(widget, on_light="#b71c1c", on_dark="#ff8a80")


def success_color(widget: QWidget) -> QColor:
    return _readable(widget, on_light="#1b5e20", on_dark="#a5d6a7")
