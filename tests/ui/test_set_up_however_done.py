"""PRODUCT.md "Set up, however it was done": a profile made by the command line opens the main
window and syncs on ``--sync-now``; a partial one opens the wizard where it stopped."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from app.context import AppContext
from app.demo.district import DemoDistrict
from app.demo.server import DemoServer
from app.paths import Profile
from app.single_instance import SingleInstance
from tests.conftest import Cli, connect_args
from tests.ui.conftest import FAST_RETRY, walk_to_sites
from ui.app import AppShell, LaunchRequests
from ui.tasks import TaskRunner
from ui.wizard.connection import SAVED_SECRET_HINT, ConnectionPage
from ui.wizard.username import UsernamePage
from ui.wizard.wizard import PageId

Reopen = Callable[[], AppContext]


@pytest.fixture
def reopen(isolated_profile: Profile) -> Iterator[Reopen]:
    """Reads the profile as the next ``rostersync`` does, once the command line wrote it."""
    opened: list[AppContext] = []

    def open_profile() -> AppContext:
        opened.append(AppContext(isolated_profile, retry=FAST_RETRY))
        return opened[-1]

    yield open_profile
    for context in opened:
        context.close()


def started(qtbot, context: AppContext, tasks: TaskRunner) -> AppShell:
    shell = AppShell(context, tasks, demo=None)
    shell.start()
    for window in (shell.main, shell.wizard):
        if window is not None:
            qtbot.addWidget(window)
    return shell


def test_a_profile_set_up_by_the_command_line_opens_the_main_window(
    qtbot, cli: Cli, connected: DemoServer, reopen: Reopen, tasks: TaskRunner
):
    assert cli("username-field", "email").code == 0
    assert cli("sync").code == 0
    reopened = reopen()
    shell = started(qtbot, reopened, tasks)
    assert shell.main is not None and shell.main.isVisible()
    assert shell.wizard is None


def test_sync_now_handed_to_that_app_records_a_run(
    qtbot,
    cli: Cli,
    connected: DemoServer,
    reopen: Reopen,
    tasks: TaskRunner,
    isolated_profile: Profile,
):
    reopened = reopen()
    requests = LaunchRequests()  # wired as ui/app.py's run_gui wires them
    primary = SingleInstance(isolated_profile, on_message=requests.deliver)
    assert primary.try_become_primary()
    try:
        shell = started(qtbot, reopened, tasks)
        requests.handle_with(shell.handle_message)
        result = cli("--sync-now")
        assert result.out.strip() == "Asked the running RosterSync to sync now.", result.err
        qtbot.waitUntil(lambda: bool(reopened.history.runs()), timeout=15_000)
        assert shell.main is not None
        qtbot.waitUntil(lambda: not shell.main.syncing, timeout=15_000)
    finally:
        primary.close()
    (run,) = reopened.history.runs()
    assert (run.trigger, run.status) == ("cli", "succeeded")


@pytest.fixture
def connected_only(cli: Cli, demo_server: DemoServer) -> DemoServer:
    """Connected by the command line, and nothing mapped yet."""
    result = cli(*connect_args(demo_server), stdin=demo_server.client_secret)
    assert result.code == 0, result.err
    return demo_server


def test_a_partial_setup_opens_the_wizard_and_a_sync_request_shows_it(
    qtbot, connected_only: DemoServer, reopen: Reopen, tasks: TaskRunner
):
    reopened = reopen()
    shell = started(qtbot, reopened, tasks)
    assert shell.wizard is not None and shell.wizard.isVisible()
    assert shell.main is None
    shell.handle_message("sync")
    shell.sync("schedule")  # a nightly due on a profile not set up does nothing
    assert shell.main is None
    assert reopened.history.runs() == []


def test_the_wizard_on_a_partial_setup_starts_from_what_is_saved(
    qtbot, connected_only: DemoServer, reopen: Reopen, tasks: TaskRunner
):
    reopened = reopen()
    shell = started(qtbot, reopened, tasks)
    wizard = shell.wizard
    assert wizard is not None
    wizard.next()
    page = wizard.currentPage()
    assert isinstance(page, ConnectionPage)
    assert page.base_url.text() == connected_only.base_url
    assert page.token_url.text() == connected_only.token_url
    assert page.client_id.text() == connected_only.client_id
    assert page.enabled.isChecked()
    assert page.secret.text() == "" and page.secret.placeholderText() == SAVED_SECRET_HINT
    assert page.isComplete()
    wizard.back()
    sites = walk_to_sites(qtbot, wizard)
    assert sites.draft is not None
    saved = {school.sourced_id for school in reopened.directory.schools()}
    assert {school.sourced_id for school in sites.draft.schools} == saved


def test_reopening_the_wizard_shows_the_command_lines_choices(
    qtbot,
    cli: Cli,
    connected: DemoServer,
    district: DemoDistrict,
    reopen: Reopen,
    tasks: TaskRunner,
):
    left_out = district.schools[0]["sourcedId"]
    assert cli("map", "--unmap", left_out).code == 0
    assert cli("username-field", "username").code == 0
    reopened = reopen()
    shell = started(qtbot, reopened, tasks)
    assert shell.main is not None
    shell.main.reopen_wizard.emit()
    wizard = shell.wizard
    assert wizard is not None
    qtbot.addWidget(wizard)
    sites = walk_to_sites(qtbot, wizard)
    username = wizard.page(PageId.USERNAME)
    assert isinstance(username, UsernamePage) and username.grid.selected() == "username"
    mapping = {school["sourcedId"]: school["site"] for school in cli("schools", "--json").json()}
    assert sites.draft is not None
    assert {s.sourced_id: sites.draft.choice(s.sourced_id) for s in sites.draft.schools} == mapping
    assert mapping[left_out] is None
