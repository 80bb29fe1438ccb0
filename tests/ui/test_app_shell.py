"""``rostersync`` opens the wizard on first run and the main window afterwards."""

from __future__ import annotations

from app.context import AppContext
from app.demo.session import DemoSession
from app.paths import Profile
from app.single_instance import SingleInstance
from ui.app import AppShell, LaunchRequests
from ui.scheduler import NightlyScheduler
from ui.tasks import TaskRunner
from ui.tray import Tray
from ui.wizard.state import SetupState


def test_first_run_opens_the_wizard(qtbot, gui_context: AppContext, tasks: TaskRunner):
    shell = AppShell(gui_context, tasks, demo=None)
    shell.start()
    assert shell.wizard is not None and shell.wizard.isVisible()
    qtbot.addWidget(shell.wizard)
    assert shell.main is None


def test_after_setup_the_main_window_opens(qtbot, mapped_state: SetupState, tasks: TaskRunner):
    shell = AppShell(mapped_state.context, tasks, demo=None)
    shell.start()
    assert shell.main is not None and shell.main.isVisible()
    qtbot.addWidget(shell.main)
    assert shell.wizard is None


def test_demo_fills_in_the_four_values_and_has_local_sites(qtbot, tasks: TaskRunner):
    with DemoSession(users=300) as demo:
        context = AppContext(demo.profile)
        try:
            shell = AppShell(context, tasks, demo=demo)
            shell.start()
            assert shell.wizard is not None
            qtbot.addWidget(shell.wizard)
            connection = shell.wizard.state.connection
            assert connection.base_url == demo.server.base_url
            assert shell.wizard.state.typed_secret == demo.server.client_secret
            names = {site.name for site in context.directory.sites()}
            assert names == set(demo.district.local_site_names)
        finally:
            tasks.shutdown()
            context.close()


def test_opening_the_wizard_again_brings_the_open_one_forward(
    qtbot, mapped_state: SetupState, tasks: TaskRunner
):
    shell = AppShell(mapped_state.context, tasks, demo=None)
    shell.start()
    assert shell.main is not None
    qtbot.addWidget(shell.main)
    shell.main.reopen_wizard.emit()
    first = shell.wizard
    shell.main.reopen_wizard.emit()
    assert shell.wizard is first is not None
    first.reject()
    assert shell.wizard is None
    assert shell.main.isVisible()


def started_shell(qtbot, context: AppContext, tasks: TaskRunner) -> tuple[AppShell, Tray]:
    """The app on a set-up profile, with its tray."""
    tray = Tray()
    shell = AppShell(context, tasks, demo=None, tray=tray)
    shell.start()
    assert shell.main is not None
    qtbot.addWidget(shell.main)
    return shell, tray


def test_sync_now_in_the_tray_runs_a_sync_recorded_as_from_the_tray(
    qtbot, mapped_state: SetupState, tasks: TaskRunner
):
    shell, tray = started_shell(qtbot, mapped_state.context, tasks)
    tray.sync_action.trigger()
    qtbot.waitUntil(lambda: bool(mapped_state.context.history.runs()), timeout=15_000)
    qtbot.waitUntil(lambda: shell.main is not None and not shell.main.syncing, timeout=15_000)
    run = mapped_state.context.history.runs()[0]
    assert (run.trigger, run.status) == ("tray", "succeeded")


def test_a_due_nightly_sync_runs_as_scheduled(qtbot, mapped_state: SetupState, tasks: TaskRunner):
    shell, _tray = started_shell(qtbot, mapped_state.context, tasks)
    shell.sync("schedule")
    qtbot.waitUntil(lambda: bool(mapped_state.context.history.runs()), timeout=15_000)
    assert mapped_state.context.history.runs()[0].trigger == "schedule"


def test_pausing_in_the_tray_turns_the_nightly_sync_off(
    qtbot, mapped_state: SetupState, tasks: TaskRunner
):
    _shell, tray = started_shell(qtbot, mapped_state.context, tasks)
    tray.pause_action.trigger()
    assert mapped_state.context.settings_file.load().schedule.nightly is False


def test_another_launch_brings_the_window_forward(
    qtbot, mapped_state: SetupState, tasks: TaskRunner
):
    shell, _tray = started_shell(qtbot, mapped_state.context, tasks)
    assert shell.main is not None
    shell.main.hide()
    shell.handle_message("show")
    assert shell.main.isVisible()


def test_closing_the_window_with_a_tray_keeps_running_and_says_so_once(
    qtbot, mapped_state: SetupState, tasks: TaskRunner
):
    shell, _tray = started_shell(qtbot, mapped_state.context, tasks)
    assert shell.main is not None
    shell.main.keep_running_in_tray = True
    shell.main.close()
    assert not shell.main.isVisible()
    assert mapped_state.context.settings_file.load().tray_notice_shown


def test_the_status_line_shows_the_next_nightly_sync_and_when_it_is_paused(
    qtbot, mapped_state: SetupState, tasks: TaskRunner
):
    context = mapped_state.context
    tray = Tray()
    shell = AppShell(context, tasks, demo=None, tray=tray, scheduler=NightlyScheduler(context))
    shell.start()
    assert shell.main is not None
    qtbot.addWidget(shell.main)
    qtbot.waitUntil(lambda: "Next sync:" in shell.main.status.text())
    tray.pause_action.trigger()
    qtbot.waitUntil(lambda: "Nightly sync paused" in shell.main.status.text())


def test_another_launch_asking_to_sync_runs_a_sync(
    qtbot, mapped_state: SetupState, tasks: TaskRunner
):
    shell, _tray = started_shell(qtbot, mapped_state.context, tasks)
    shell.handle_message("sync")
    qtbot.waitUntil(lambda: bool(mapped_state.context.history.runs()), timeout=15_000)
    assert mapped_state.context.history.runs()[0].trigger == "cli"


def test_finishing_the_wizard_again_does_not_double_the_nightly_sync(
    qtbot, mapped_state: SetupState, tasks: TaskRunner
):
    scheduler = NightlyScheduler(mapped_state.context)
    shell = AppShell(mapped_state.context, tasks, demo=None, scheduler=scheduler)
    started: list[str] = []
    shell.sync = started.append  # type: ignore[method-assign]
    shell.start()
    assert shell.main is not None
    qtbot.addWidget(shell.main)
    shell._wizard_finished(1)
    shell._wizard_finished(1)
    scheduler.due.emit(None)
    assert started == ["schedule"]


def test_a_launch_request_that_arrives_during_start_up_is_handled_once_ready(qtbot, tmp_path):
    requests = LaunchRequests()
    primary = SingleInstance(Profile(tmp_path / "profile"), on_message=requests.deliver)
    assert primary.try_become_primary()
    try:
        # A second launch while the first is still starting (its window not built yet); the
        # request is taken (acknowledged) before anything could handle it.
        assert SingleInstance(Profile(tmp_path / "profile")).send("show")
        handled: list[str] = []
        requests.handle_with(handled.append)
        qtbot.waitUntil(lambda: handled == ["show"], timeout=5000)
    finally:
        primary.close()
