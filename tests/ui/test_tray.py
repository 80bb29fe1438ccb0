"""The tray's menu, icon and tooltip, without a real tray (offscreen has none)."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtGui import QImage

from ui.tray import Tray, state_icon


@pytest.fixture
def tray(qtbot):
    tray = Tray()
    yield tray
    tray.close()


def test_menu_lists_the_four_actions_in_order(tray: Tray) -> None:
    texts = [action.text() for action in tray.menu.actions() if not action.isSeparator()]
    assert [text.replace("&", "") for text in texts] == [
        "Sync now",
        "Open RosterSync",
        "Pause nightly sync",
        "Quit",
    ]
    # Each can be chosen with its own letter once the menu is open from the keyboard.
    letters = [text[text.index("&") + 1].lower() for text in texts]
    assert len(set(letters)) == len(texts)
    assert tray.icon.contextMenu() is tray.menu


@pytest.mark.parametrize(
    ("action", "signal"),
    [
        ("sync_action", "sync_requested"),
        ("open_action", "open_requested"),
        ("quit_action", "quit_requested"),
    ],
)
def test_menu_actions_emit_their_signals(qtbot, tray: Tray, action: str, signal: str) -> None:
    with qtbot.waitSignal(getattr(tray, signal), timeout=1000):
        getattr(tray, action).trigger()


def test_pause_action_is_checkable_and_reports_its_state(qtbot, tray: Tray) -> None:
    assert tray.pause_action.isCheckable()
    assert not tray.paused
    with qtbot.waitSignal(tray.pause_toggled, timeout=1000) as blocker:
        tray.pause_action.trigger()
    assert blocker.args == [True]
    assert tray.paused
    assert "paused" in tray.icon.toolTip()
    with qtbot.waitSignal(tray.pause_toggled, timeout=1000) as blocker:
        tray.pause_action.trigger()
    assert blocker.args == [False]
    assert "paused" not in tray.icon.toolTip()


def test_set_paused_from_settings_does_not_emit(qtbot, tray: Tray) -> None:
    with qtbot.assertNotEmitted(tray.pause_toggled):
        tray.set_paused(True)
    assert tray.pause_action.isChecked()
    assert "paused" in tray.icon.toolTip()


def test_each_state_has_its_own_icon_and_tooltip(tray: Tray) -> None:
    finished = datetime(2024, 3, 1, 2, 15)
    tray.set_state("idle", last_success=finished)
    idle_key = tray.icon.icon().cacheKey()
    assert tray.icon.toolTip() == "RosterSync — last sync succeeded at 2024-03-01 02:15"
    assert tray.sync_action.isEnabled()

    tray.set_state("syncing")
    syncing_key = tray.icon.icon().cacheKey()
    assert tray.icon.toolTip() == "RosterSync — syncing…"
    assert not tray.sync_action.isEnabled()  # one sync at a time

    tray.set_state("failed", last_failure=datetime(2024, 3, 2, 2, 16))
    failed_key = tray.icon.icon().cacheKey()
    assert "failed at 2024-03-02 02:16" in tray.icon.toolTip()
    assert tray.sync_action.isEnabled()

    assert len({idle_key, syncing_key, failed_key}) == 3
    tray.set_state("idle")
    assert tray.icon.icon().cacheKey() == idle_key
    assert tray.icon.toolTip().endswith("succeeded at 2024-03-01 02:15")


def test_tooltip_before_any_sync(tray: Tray) -> None:
    assert tray.icon.toolTip() == "RosterSync — no sync yet"


def test_unknown_state_is_refused(tray: Tray) -> None:
    with pytest.raises(ValueError, match="unknown tray state"):
        tray.set_state("asleep")  # type: ignore[arg-type]


def test_badges_change_the_pixels(qtbot) -> None:
    def image(state: str) -> QImage:
        return state_icon(state).pixmap(64, 64).toImage()  # type: ignore[arg-type]

    idle, syncing, failed = image("idle"), image("syncing"), image("failed")
    assert not syncing.isNull()
    assert idle != syncing
    assert idle != failed
    assert syncing != failed
    corner = failed.pixelColor(58, 45)  # inside the badge, clear of its mark
    assert corner.red() > corner.blue()
    corner = syncing.pixelColor(58, 45)
    assert corner.blue() > corner.red()


def test_without_a_tray_nothing_is_shown_or_notified(qtbot, tray: Tray) -> None:
    # The offscreen platform has no system tray, like GNOME without an extension.
    assert tray.available is False
    assert tray.show() is False
    assert not tray.icon.isVisible()
    assert tray.notify("Sync finished", "12 users changed.", failed=False) is False
