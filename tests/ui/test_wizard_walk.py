"""The whole wizard, as a person walks it, against the demo server: to a first sync."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.demo.district import DemoDistrict
from app.secret_store import SecretStore
from tests.support.oracle import expected_first_sync
from ui.wizard.review import ReviewPage
from ui.wizard.sites import SitesPage
from ui.wizard.state import SetupState
from ui.wizard.username import UsernamePage
from ui.wizard.validate import ValidatePage
from ui.wizard.wizard import PageId, SetupWizard


def test_the_happy_path_ends_in_a_first_sync_that_matches_the_mapping(
    qtbot, state: SetupState, district: DemoDistrict
):
    state.context.directory.add_sites(district.local_site_names)
    wizard = SetupWizard(state)
    qtbot.addWidget(wizard)
    wizard.show()

    wizard.next()  # welcome -> connection (the demo's four values are filled in)
    wizard.next()  # -> validate
    validate = wizard.currentPage()
    assert isinstance(validate, ValidatePage)
    qtbot.waitUntil(validate.isComplete, timeout=15_000)
    wizard.next()

    username = wizard.currentPage()
    assert isinstance(username, UsernamePage)
    qtbot.waitUntil(lambda: not username.scanning, timeout=15_000)
    wizard.next()

    sites = wizard.currentPage()
    assert isinstance(sites, SitesPage)
    left_out_school = district.schools[0]["sourcedId"]
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

    context = state.context
    saved = context.settings_file.load()
    assert saved.setup_complete and saved.username_field == "email"
    assert saved.schedule.nightly and saved.schedule.time == "02:00"
    assert SecretStore(context.profile).get() == state.context.client_secret()
    mapping = {s.sourced_id: s.site for s in context.directory.schools() if s.site}
    assert left_out_school not in mapping and len(mapping) == len(district.schools) - 1
    expected, _ = expected_first_sync(list(district.iter_users()), mapping, "email")
    users = {row.sourced_id: row.to_json() for row in context.directory.users()}
    assert users == expected
