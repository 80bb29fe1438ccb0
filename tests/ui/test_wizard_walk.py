"""The whole wizard, as a person walks it, against the demo server: to a first sync."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.context import AppContext
from app.demo.district import DemoDistrict
from app.demo.server import DemoServer
from app.logs import LOG_FILE_NAME, configure_logging, stop_file_logging
from app.secret_store import SecretStore
from tests.support.oracle import expected_first_sync
from tests.ui.conftest import walk_to_sites
from ui.wizard.review import ReviewPage
from ui.wizard.state import SetupState
from ui.wizard.wizard import PageId, SetupWizard


def walk_to_a_first_sync(qtbot, state: SetupState, left_out_school: str) -> None:
    """Walk every page as a person would, leave one school at "Select Site", and sync."""
    wizard = SetupWizard(state)
    qtbot.addWidget(wizard)
    wizard.show()

    sites = walk_to_sites(qtbot, wizard)  # the demo's four values are filled in
    sites.choose(left_out_school, None)  # "Select Site": this school is not synced
    wizard.next()
    assert wizard.currentId() == PageId.SCHEDULE
    wizard.next()

    review = wizard.currentPage()
    assert isinstance(review, ReviewPage)
    qtbot.waitUntil(review.start_button.isEnabled, timeout=15_000)
    qtbot.mouseClick(review.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(review.isComplete, timeout=30_000)
    wizard.button(wizard.WizardButton.FinishButton).click()


def test_the_happy_path_ends_in_a_first_sync_that_matches_the_mapping(
    qtbot, state: SetupState, district: DemoDistrict
):
    state.context.directory.add_sites(district.local_site_names)
    left_out_school = district.schools[0]["sourcedId"]
    walk_to_a_first_sync(qtbot, state, left_out_school)

    context = state.context
    saved = context.settings_file.load()
    assert saved.username_field == "email"
    reopened = AppContext(context.profile)  # what the next launch reads
    try:
        assert reopened.is_set_up
    finally:
        reopened.close()
    assert saved.schedule.nightly and saved.schedule.time == "02:00"
    assert SecretStore(context.profile).get() == state.context.client_secret()
    mapping = {s.sourced_id: s.site for s in context.directory.schools() if s.site}
    assert left_out_school not in mapping and len(mapping) == len(district.schools) - 1
    expected, _ = expected_first_sync(list(district.iter_users()), mapping, "email")
    users = {row.sourced_id: row.to_json() for row in context.directory.users()}
    assert users == expected


def test_the_wizard_leaves_no_secret_or_token_in_any_file(
    qtbot,
    state: SetupState,
    district: DemoDistrict,
    demo_server: DemoServer,
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("ROSTERSYNC_LOG_LEVEL", "DEBUG")
    profile = state.context.profile
    configure_logging(profile)
    try:
        state.context.directory.add_sites(district.local_site_names)
        walk_to_a_first_sync(qtbot, state, district.schools[0]["sourcedId"])
    finally:
        stop_file_logging()
    secrets = [demo_server.client_secret, *demo_server.tokens_issued]
    assert demo_server.tokens_issued
    assert " DEBUG " in (profile.log_dir / LOG_FILE_NAME).read_text()
    for path in (p for p in profile.root.rglob("*") if p.is_file()):
        content = path.read_bytes()
        assert not any(secret.encode() in content for secret in secrets), path.name
