"""GUI fixtures: real widgets (pytest-qt, offscreen) driving the real core and demo server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.connection_check import run_connection_checks
from app.context import AppContext
from app.demo.district import DemoDistrict
from app.demo.server import DemoServer
from app.demo.session import demo_connection
from app.oneroster.client import RetryPolicy
from app.paths import Profile
from app.sync.matching import suggest_mapping
from ui.tasks import TaskRunner
from ui.wizard.connection import ConnectionPage
from ui.wizard.sites import SitesPage
from ui.wizard.state import SetupState
from ui.wizard.username import UsernamePage
from ui.wizard.validate import ValidatePage
from ui.wizard.wizard import SetupWizard

FAST_RETRY = RetryPolicy(max_attempts=2, backoff_base=0.001, backoff_max=0.01)


@pytest.fixture
def tasks(qtbot) -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    assert runner.shutdown(10_000), "a background task did not stop"


@pytest.fixture
def gui_context(isolated_profile: Profile) -> Iterator[AppContext]:
    context = AppContext(isolated_profile, retry=FAST_RETRY)
    yield context
    context.close()


@pytest.fixture
def state(gui_context: AppContext, tasks: TaskRunner, demo_server: DemoServer) -> SetupState:
    """A wizard state with the demo server's four values typed in, nothing validated yet."""
    setup = SetupState.from_saved(gui_context, tasks)
    setup.connection = demo_connection(demo_server)
    setup.typed_secret = demo_server.client_secret
    return setup


def validate(state: SetupState) -> SetupState:
    """As the Validate page does when every check passes: connection saved, schools known."""
    with state.client() as client:
        state.report = run_connection_checks(client)
    assert state.report.ok
    state.keep_validated_connection()
    return state


def map_every_school(state: SetupState, district: DemoDistrict) -> SetupState:
    """As the Sites page does: the demo's local sites exist and every school is mapped."""
    directory = state.context.directory
    directory.add_sites(district.local_site_names)
    schools = [(s.sourced_id, s.name) for s in directory.schools()]
    for pair in suggest_mapping(schools, district.local_site_names):
        directory.map_school(pair.school_id, pair.site_name)
    return state


@pytest.fixture
def validated_state(state: SetupState) -> SetupState:
    """As after the Validate page passed: connection saved, schools and users known."""
    return validate(state)


@pytest.fixture
def mapped_state(validated_state: SetupState, district: DemoDistrict) -> SetupState:
    """As after the Sites page: the demo's local sites exist and every school is mapped."""
    return map_every_school(validated_state, district)


@pytest.fixture
def wizard(qtbot, state: SetupState) -> SetupWizard:
    window = SetupWizard(state)
    qtbot.addWidget(window)
    window.show()
    return window


def walk_to_sites(qtbot, wizard: SetupWizard) -> SitesPage:
    """From Welcome to the Sites page as a person would, waiting for each page's check."""
    wizard.next()  # welcome -> connection
    assert isinstance(wizard.currentPage(), ConnectionPage)
    wizard.next()
    validate = wizard.currentPage()
    assert isinstance(validate, ValidatePage)
    qtbot.waitUntil(validate.isComplete, timeout=15_000)  # with the saved secret
    wizard.next()
    username = wizard.currentPage()
    assert isinstance(username, UsernamePage)
    qtbot.waitUntil(lambda: not username.scanning, timeout=15_000)
    wizard.next()
    sites = wizard.currentPage()
    assert isinstance(sites, SitesPage)
    return sites
