"""The minimal main window: the district's status, the users, Sync now, the wizard action."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from app.demo.server import DemoServer
from app.sync.engine import SyncRequest
from ui.main_window import MainWindow
from ui.sync_progress import Tone
from ui.tasks import TaskRunner
from ui.when import when_text
from ui.wizard.state import SetupState

WAIT_MS = 15_000


def open_window(qtbot, state: SetupState, tasks: TaskRunner) -> MainWindow:
    window = MainWindow(state.context, tasks)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.snapshot is not None, timeout=WAIT_MS)
    return window


def sync_now(qtbot, window: MainWindow) -> None:
    qtbot.mouseClick(window.sync_button, Qt.MouseButton.LeftButton)
    assert window.syncing and not window.sync_button.isEnabled()
    qtbot.waitUntil(lambda: not window.syncing, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.snapshot is not None and not tasks_busy(window), timeout=WAIT_MS)


def tasks_busy(window: MainWindow) -> bool:
    return window.tasks.busy


def test_shows_the_users_and_the_last_sync(qtbot, mapped_state: SetupState, tasks):
    result = mapped_state.context.engine().run(SyncRequest(trigger="manual"))
    assert result.succeeded
    window = open_window(qtbot, mapped_state, tasks)

    assert window.users_view.model.rowCount() == result.counts.added
    sites = {school.site for school in mapped_state.context.directory.schools() if school.site}
    status = window.status.text()
    assert status.startswith(f"{result.counts.added:,} active users at {len(sites)} sites")
    assert "Last sync: today " in status and status.endswith(", succeeded")
    first = next(iter(mapped_state.context.directory.users()))
    assert window.users_view.model.index(0, 0).data() == first.username
    assert window.users_view.model.index(0, 2).data() == first.email
    assert not window.empty_hint.isVisible()


def test_sync_now_brings_the_users_in(qtbot, mapped_state: SetupState, tasks):
    window = open_window(qtbot, mapped_state, tasks)
    assert window.status.text() == "No users yet · Last sync: never"
    assert window.empty_hint.isVisible()

    sync_now(qtbot, window)

    assert window.outcome.tone is Tone.SUCCESS, window.outcome.message
    count = len(list(mapped_state.context.directory.users()))
    assert count > 0
    assert window.users_view.model.rowCount() == count
    assert f"{count:,} users added" in window.outcome.message
    assert window.status.text().endswith(", succeeded")
    assert window.sync_button.isEnabled() and not window.progress.isVisible()


def test_a_failing_sync_now_says_why_and_changes_nothing(
    qtbot, mapped_state: SetupState, tasks, demo_server: DemoServer
):
    window = open_window(qtbot, mapped_state, tasks)
    demo_server.faults.outage_after = demo_server.request_count

    sync_now(qtbot, window)

    assert window.outcome.tone is Tone.PROBLEM
    assert window.outcome.message.startswith("The sync did not finish.")
    assert window.users_view.model.rowCount() == 0
    assert window.status.text().endswith(", failed")
    assert window.sync_button.isEnabled()


def test_sync_now_can_be_canceled(qtbot, monkeypatch, mapped_state: SetupState, tasks, demo_server):
    demo_server.faults.page_size_cap = 20
    mapped_state.context.settings.page_size = 20
    window = open_window(qtbot, mapped_state, tasks)
    show = window.progress.show_progress

    def cancel_once_downloading(progress) -> None:
        show(progress)
        if progress.stage == "downloading" and window.progress.cancel_button.isEnabled():
            qtbot.mouseClick(window.progress.cancel_button, Qt.MouseButton.LeftButton)

    monkeypatch.setattr(window.progress, "show_progress", cancel_once_downloading)
    qtbot.mouseClick(window.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.outcome.tone is not None, timeout=WAIT_MS)
    assert window.outcome.message == "Canceled — nothing was changed."
    assert list(mapped_state.context.directory.users()) == []


def test_past_the_safety_limit_it_syncs_only_when_confirmed(qtbot, mapped_state: SetupState, tasks):
    context = mapped_state.context
    assert context.engine().run(SyncRequest()).succeeded
    for school in context.directory.schools()[1:]:
        context.directory.map_school(school.sourced_id, None)
    window = open_window(qtbot, mapped_state, tasks)
    before = window.users_view.model.rowCount()

    sync_now(qtbot, window)
    assert window.outcome.tone is Tone.WARNING
    assert "safety limit" in window.outcome.message
    assert window.anyway_button.isVisible() and window.users_view.model.rowCount() == before

    asked: list[list[str]] = []
    window.confirm_mass_deactivation = lambda _parent, ids: asked.append(ids) or True
    qtbot.mouseClick(window.anyway_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1 and asked[0] and all(isinstance(i, str) for i in asked[0])
    qtbot.waitUntil(lambda: not window.syncing and not tasks.busy, timeout=WAIT_MS)
    assert window.outcome.tone is Tone.SUCCESS, window.outcome.message
    assert 0 < window.users_view.model.rowCount() < before
    assert not window.anyway_button.isVisible()


def test_the_setup_wizard_action_asks_the_shell_to_reopen_it(qtbot, validated_state, tasks):
    window = open_window(qtbot, validated_state, tasks)
    with qtbot.waitSignal(window.reopen_wizard, timeout=1000):
        window.wizard_action.trigger()


@pytest.mark.parametrize(
    ("days_ago", "starts"),
    [(0, "today "), (1, "yesterday ")],
)
def test_when_a_sync_ran_is_said_in_words(days_ago: int, starts: str):
    now = datetime.now().astimezone().replace(hour=12, minute=0)
    moment = (now - timedelta(days=days_ago)).replace(hour=2).astimezone(UTC)
    assert when_text(moment, now).startswith(starts)
    assert not when_text(moment - timedelta(days=7), now).startswith(("today", "yesterday"))


def test_settings_opens_from_the_menu_and_can_reopen_the_wizard(qtbot, gui_context, tasks):
    window = MainWindow(gui_context, tasks)
    qtbot.addWidget(window)
    dialog = window.open_settings()
    assert str(gui_context.profile.root) in dialog.profile_field.text()
    with qtbot.waitSignal(window.reopen_wizard):
        dialog.wizard_button.click()


def test_help_copy_diagnostics_fills_the_clipboard_without_the_secret(
    qtbot, mapped_state: SetupState, tasks, demo_server: DemoServer
):
    assert mapped_state.context.engine().run(SyncRequest(trigger="manual")).succeeded
    window = open_window(qtbot, mapped_state, tasks)
    QGuiApplication.clipboard().clear()
    help_menu = next(
        action.menu() for action in window.menuBar().actions() if action.text() == "&Help"
    )
    copy = next(action for action in help_menu.actions() if action.text() == "&Copy diagnostics")

    copy.trigger()

    report = QGuiApplication.clipboard().text()
    assert report.startswith("RosterSync diagnostics, ")
    assert "Client Secret saved: yes" in report and '"status": "succeeded"' in report
    assert demo_server.client_secret not in report
    assert window.outcome.tone is Tone.INFO
    assert window.outcome.message.startswith("Diagnostics copied.")


def test_a_scheduled_sync_fetches_only_changes_when_so_set(qtbot, mapped_state: SetupState, tasks):
    context = mapped_state.context
    assert context.engine().run(SyncRequest(trigger="manual")).succeeded  # this week's full
    context.settings.schedule.mode = "delta"
    window = open_window(qtbot, mapped_state, tasks)
    with qtbot.waitSignal(window.sync_ended, timeout=WAIT_MS) as ended:
        window.start_sync(trigger="schedule")
    assert ended.args[0].succeeded
    assert [run.mode for run in context.history.runs(limit=2)] == ["delta", "full"]

    with qtbot.waitSignal(window.sync_ended, timeout=WAIT_MS):
        window.start_sync()  # Sync now always fetches everyone
    assert context.history.runs(limit=1)[0].mode == "full"
