"""Contrast (WCAG 2.1 AA) of the palettes the app applies, and of every colour ui/ hard-codes.

Text needs 4.5:1 against what it is drawn on (1.4.3); focus frames and meaningful icons 3:1
(1.4.11). Disabled text is exempt (1.4.3 "incidental": inactive components have no
requirement), so the Disabled group is not measured.

BrightText is not measured: neither this app nor the Fusion style draws with it (a pressed
button, tool button, progress bar, tab, menu, table, calendar and the inputs were rendered
with BrightText set to magenta and none showed it).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QVBoxLayout, QWidget

import ui.palette
from ui.palette import (
    THEME_VARIABLE,
    apply_theme,
    dark_palette,
    error_color,
    light_palette,
    success_color,
)
from ui.tray import BADGE_RING_COLOR, FAILED_COLOR, SYNCING_COLOR

Role = QPalette.ColorRole
Group = QPalette.ColorGroup

TEXT = 4.5
NON_TEXT = 3.0

#: Each text role with every background it is drawn on in this app.
TEXT_PAIRS: list[tuple[Role, Role]] = [
    (Role.WindowText, Role.Window),
    (Role.Text, Role.Base),
    (Role.Text, Role.AlternateBase),
    (Role.ButtonText, Role.Button),
    (Role.ButtonText, Role.Window),  # flat tool buttons
    (Role.HighlightedText, Role.Highlight),  # selections; the "Suggested" tag's style sheet
    (Role.ToolTipText, Role.ToolTipBase),
    (Role.PlaceholderText, Role.Base),
    (Role.PlaceholderText, Role.Window),  # the username page's examples label
    (Role.Link, Role.Base),
    (Role.Link, Role.Window),
    (Role.LinkVisited, Role.Base),
    (Role.LinkVisited, Role.Window),
]
GROUPS = (Group.Active, Group.Inactive)
THEMES = ("light", "dark")


# -- the WCAG 2.1 formula -----------------------------------------------------------------


def _linear(channel: float) -> float:
    if channel <= 0.03928:
        return channel / 12.92
    return ((channel + 0.055) / 1.055) ** 2.4


def relative_luminance(color: QColor) -> float:
    red, green, blue = (_linear(c) for c in (color.redF(), color.greenF(), color.blueF()))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def over(front: QColor, back: QColor) -> QColor:
    """``front`` painted on the opaque ``back``: what the eye gets from a translucent colour."""
    alpha = front.alphaF()
    mixed = [alpha * f + (1 - alpha) * b for f, b in zip(_rgb(front), _rgb(back), strict=True)]
    return QColor.fromRgbF(*mixed)


def _rgb(color: QColor) -> tuple[float, float, float]:
    return color.redF(), color.greenF(), color.blueF()


def contrast_ratio(front: QColor, back: QColor) -> float:
    lighter, darker = sorted(
        (relative_luminance(over(front, back)), relative_luminance(back)), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize(
    ("front", "back", "expected"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#000000", 21.0),
        ("#777777", "#ffffff", 4.48),
        ("#767676", "#ffffff", 4.54),
        ("#336699", "#336699", 1.0),
        ("#80000000", "#ffffff", 4.0),  # half-transparent black on white is #7f7f7f
    ],
)
def test_the_formula_gives_the_known_ratios(front: str, back: str, expected: float) -> None:
    assert contrast_ratio(QColor(front), QColor(back)) == pytest.approx(expected, abs=0.01)


# -- the palettes the app applies ---------------------------------------------------------


@pytest.fixture
def restore_palette(qapp: QApplication) -> Iterator[None]:
    saved = QPalette(qapp.palette())
    yield
    qapp.setPalette(saved)


@pytest.fixture(params=THEMES)
def theme(
    request: pytest.FixtureRequest,
    qapp: QApplication,
    monkeypatch: pytest.MonkeyPatch,
    restore_palette: None,
) -> str:
    """The app themed as it starts with ``ROSTERSYNC_THEME`` set to each scheme."""
    assert qapp.style().name().lower() == "fusion", "tests expect Fusion, as on Linux"
    monkeypatch.setenv(THEME_VARIABLE, request.param)
    apply_theme(qapp)
    return request.param


@pytest.fixture
def label(qtbot, theme: str) -> QLabel:
    widget = QLabel("Problem: the Base URL is not a web address")
    qtbot.addWidget(widget)
    return widget


def test_apply_theme_gives_the_app_that_themes_palette(qapp: QApplication, theme: str) -> None:
    expected = dark_palette() if theme == "dark" else light_palette()
    for role, back in TEXT_PAIRS:
        for group in GROUPS:
            assert qapp.palette().color(group, role) == expected.color(group, role)
            assert qapp.palette().color(group, back) == expected.color(group, back)


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: g.name)
@pytest.mark.parametrize(("text", "back"), TEXT_PAIRS, ids=lambda r: r.name)
def test_text_reads_on_its_background(label: QLabel, text: Role, back: Role, group: Group) -> None:
    palette = label.palette()  # what a widget gets from the app palette
    ratio = contrast_ratio(palette.color(group, text), palette.color(group, back))
    assert ratio >= TEXT, f"{text.name} on {back.name}: {ratio:.2f}:1"


@pytest.mark.parametrize("status", [error_color, success_color], ids=lambda f: f.__name__)
@pytest.mark.parametrize("back", [Role.Window, Role.Base], ids=lambda r: r.name)
def test_status_colours_read_on_windows_and_fields(label: QLabel, status, back: Role) -> None:
    color = status(label)
    assert color != label.palette().color(Role.WindowText), "a status colour, not the fallback"
    ratio = contrast_ratio(color, label.palette().color(back))
    assert ratio >= TEXT, f"{status.__name__} on {back.name}: {ratio:.2f}:1"


def test_status_colours_give_way_to_the_palettes_text_in_high_contrast(
    label: QLabel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ui.palette, "high_contrast", lambda: True)
    text = label.palette().color(Role.WindowText)
    assert error_color(label) == text
    assert success_color(label) == text


def test_status_colours_give_way_when_neither_reads(qtbot) -> None:
    widget = QLabel("Problem")
    qtbot.addWidget(widget)
    grey = QPalette(widget.palette())
    grey.setColor(Role.Window, QColor("#808080"))
    grey.setColor(Role.Base, QColor("#808080"))
    grey.setColor(Role.WindowText, QColor("#000000"))
    widget.setPalette(grey)
    assert error_color(widget) == QColor("#000000")


def test_the_palette_follows_the_os_when_it_switches(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch, restore_palette: None
) -> None:
    monkeypatch.delenv(THEME_VARIABLE, raising=False)
    apply_theme(qapp)
    # The offscreen platform cannot switch schemes: stand in for the OS saying "dark".
    monkeypatch.setattr(ui.palette, "_os_scheme", lambda _app: "dark")
    QGuiApplication.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert qapp.palette().color(Role.Window) == dark_palette().color(Role.Window)


@pytest.fixture
def high_contrast(monkeypatch: pytest.MonkeyPatch, restore_palette: None) -> None:
    """The OS asking for high contrast, no scheme forced (offscreen cannot ask for real)."""
    monkeypatch.delenv(THEME_VARIABLE, raising=False)
    monkeypatch.setattr(ui.palette, "high_contrast", lambda: True)


def test_high_contrast_leaves_the_os_palette_alone(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch, high_contrast: None
) -> None:
    qapp.setPalette(QPalette())
    os_palette = QPalette(qapp.palette())
    qapp.setPalette(dark_palette())
    # Offscreen has no platform palette: stand in for one that has its own colours.
    monkeypatch.setattr(ui.palette, "_platform_has_colours", lambda _app: True)
    apply_theme(qapp)
    assert qapp.palette() == os_palette


def test_high_contrast_without_platform_colours_gets_ours(
    qapp: QApplication, high_contrast: None
) -> None:
    qapp.setPalette(dark_palette())
    apply_theme(qapp)  # offscreen's palette is Qt's built-in light one
    assert qapp.palette().color(Role.Highlight) == light_palette().color(Role.Highlight)


# -- what Fusion draws: focus frames and control boundaries (1.4.11, 3:1) ------------------


def _line_edit_frame(qtbot, focused: bool) -> tuple[QColor, QPalette]:
    """The colour Fusion draws a line edit's frame in (left edge, half-way down)."""
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    edit, other = QLineEdit(), QLineEdit()
    layout.addWidget(edit)
    layout.addWidget(other)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    (edit if focused else other).setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: edit.hasFocus() == focused)
    image = edit.grab().toImage()
    return image.pixelColor(0, image.height() // 2), edit.palette()


@pytest.mark.parametrize("back", [Role.Window, Role.Base], ids=lambda r: r.name)
def test_the_focus_frame_shows(qtbot, theme: str, back: Role) -> None:
    frame, palette = _line_edit_frame(qtbot, focused=True)
    ratio = contrast_ratio(frame, palette.color(back))
    assert ratio >= NON_TEXT, f"focus frame {frame.name()} on {back.name}: {ratio:.2f}:1"


@pytest.mark.xfail(
    strict=True,
    reason="Fusion draws an unfocused frame in Window.darker(140), not in Mid or Dark: at most "
    "2:1 against Window whatever Window is, so no palette reaches 3:1; that needs a proxy "
    "style redrawing Fusion's frames. The focused frame (above) does reach it.",
)
def test_an_unfocused_field_boundary_shows(qtbot, theme: str) -> None:
    frame, palette = _line_edit_frame(qtbot, focused=False)
    assert contrast_ratio(frame, palette.color(Role.Window)) >= NON_TEXT


# -- colours ui/ hard-codes ----------------------------------------------------------------


@pytest.mark.parametrize("fill", [SYNCING_COLOR, FAILED_COLOR], ids=["syncing", "failed"])
def test_tray_badges_read(fill: QColor) -> None:
    # The mark (arrow, "!") and the ring that sets the badge off any panel share one colour.
    assert contrast_ratio(BADGE_RING_COLOR, fill) >= TEXT
