"""``rostersync`` opens the wizard on first run and the main window afterwards."""

from __future__ import annotations

from app.context import AppContext
from app.demo.session import DemoSession
from ui.app import AppShell
from ui.tasks import TaskRunner


def test_first_run_opens_the_wizard(qtbot, gui_context: AppContext, tasks: TaskRunner):
    shell = AppShell(gui_context, tasks, demo=None)
    shell.start()
    assert shell.wizard is not None and shell.wizard.isVisible()
    qtbot.addWidget(shell.wizard)
    assert shell.main is None


def test_after_setup_the_main_window_opens(qtbot, gui_context: AppContext, tasks: TaskRunner):
    gui_context.settings.setup_complete = True
    shell = AppShell(gui_context, tasks, demo=None)
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
    qtbot, gui_context: AppContext, tasks: TaskRunner
):
    gui_context.settings.setup_complete = True
    shell = AppShell(gui_context, tasks, demo=None)
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
