"""The Connection page's other sources, driven as a person would: OneRoster CSV files picked by
location, a provider that signs requests (OAuth 1.0a, no Token URL), and what the page says
about the OneRoster version a Base URL names."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from app.demo.district import DemoDistrict
from app.demo.server import DemoServer
from app.secret_store import SecretStore
from app.settings import ConnectionSettings
from tests.support.csv_packages import CsvPackage
from ui.wizard.connection import ConnectionPage
from ui.wizard.state import SetupState
from ui.wizard.validate import ValidatePage
from ui.wizard.wizard import SetupWizard

WAIT_MS = 15_000


def connection_page(wizard: SetupWizard) -> ConnectionPage:
    wizard.next()
    page = wizard.currentPage()
    assert isinstance(page, ConnectionPage)
    return page


def retype(qtbot, edit, text: str) -> None:
    edit.clear()
    qtbot.keyClicks(edit, text)


def next_button(wizard: SetupWizard):
    return wizard.button(SetupWizard.WizardButton.NextButton)


def validated(qtbot, wizard: SetupWizard) -> ValidatePage:
    qtbot.mouseClick(next_button(wizard), Qt.MouseButton.LeftButton)
    page = wizard.currentPage()
    assert isinstance(page, ValidatePage)
    qtbot.waitUntil(lambda: page.summary.text() != "Checking…", timeout=WAIT_MS)
    return page


def test_csv_files_need_only_their_location_and_validate_as_a_package(
    qtbot, wizard: SetupWizard, state: SetupState, tmp_path: Path
):
    package = CsvPackage("1.1").write_zip(tmp_path / "oneroster.zip")
    state.connection, state.typed_secret = ConnectionSettings(), None
    page = connection_page(wizard)
    qtbot.keyClick(page.from_csv, Qt.Key.Key_Space)
    assert not page.form_box.isVisible()  # no Client ID, secret or URLs to fill in
    assert page.csv.isVisible()
    assert not next_button(wizard).isEnabled()
    assert page.csv.field.problem.text() == "Required."

    retype(qtbot, page.csv.edit, str(tmp_path / "nowhere.zip"))
    assert "Nothing is at this location" in page.csv.field.problem.text()
    assert not next_button(wizard).isEnabled()

    retype(qtbot, page.csv.edit, str(package))
    assert page.csv.kind.text().startswith("A OneRoster CSV zip file")
    check = validated(qtbot, wizard)
    assert check.isComplete(), check.summary.text()
    assert check.lines["reachable"].label == "CSV package found"
    assert check.lines["reachable"].detail.text() == f"Found {package}."
    assert check.lines["credentials"].detail.text() == "not needed"
    assert check.lines["oneroster"].detail.text() == "OneRoster CSV 1.1 package."
    assert "reads the files afresh" in check.summary.text()
    assert "Client Secret" not in check.summary.text()
    saved = state.context.settings_file.load().connection
    assert (saved.csv_path, saved.base_url) == (str(package), "")
    assert SecretStore(state.context.profile).get() is None


def test_a_package_missing_a_column_is_refused_by_name_and_nothing_is_saved(
    qtbot, wizard: SetupWizard, state: SetupState, tmp_path: Path
):
    package = CsvPackage("1.2")
    users = package.text("users.csv").replace("givenName", "firstName", 1)
    package.overrides["users.csv"] = users
    folder = package.write_folder(tmp_path / "export")
    state.connection, state.typed_secret = ConnectionSettings(), None
    page = connection_page(wizard)
    page.from_csv.setChecked(True)
    retype(qtbot, page.csv.edit, str(folder))
    assert page.csv.kind.text().startswith("A folder of OneRoster CSV files")
    check = validated(qtbot, wizard)
    assert not check.isComplete()
    failed = [line for line in check.lines.values() if line.mark.text() == "✖"]
    assert len(failed) == 1
    assert "users.csv has no column givenName" in failed[0].detail.text()
    assert state.context.settings_file.load().connection.csv_path == ""


def test_a_provider_that_signs_requests_needs_no_token_url(
    qtbot, wizard: SetupWizard, state: SetupState, district: DemoDistrict
):
    with DemoServer(district, port=0, version="1.1", oauth1=True) as signing:
        state.connection, state.typed_secret = ConnectionSettings(), None
        page = connection_page(wizard)
        assert page.from_server.isChecked()
        qtbot.keyClick(page.signs_requests, Qt.Key.Key_Space)  # as from the keyboard
        assert not page.token_url.isVisible()
        retype(qtbot, page.client_id, signing.client_id)
        retype(qtbot, page.secret, signing.client_secret)
        retype(qtbot, page.base_url, signing.base_url)
        assert page.version.text() == "OneRoster 1.1: the Base URL ends with /ims/oneroster/v1p1."
        assert next_button(wizard).isEnabled()
        check = validated(qtbot, wizard)
        assert check.isComplete(), check.summary.text()
        saved = state.context.settings_file.load().connection
        assert (saved.auth, saved.token_url) == ("oauth1", "")
        assert saved.signature_method in ("HMAC-SHA256", "HMAC-SHA1")
        assert SecretStore(state.context.profile).get() == signing.client_secret


def test_turning_signing_off_asks_for_the_token_url_again(qtbot, wizard: SetupWizard):
    page = connection_page(wizard)
    page.signs_requests.setChecked(True)
    retype(qtbot, page.token_url, "")
    assert next_button(wizard).isEnabled()
    page.signs_requests.setChecked(False)
    assert page.token_url.isVisible()
    assert page.fields["token_url"].problem.text() == "Required."
    assert not next_button(wizard).isEnabled()


def test_the_page_says_which_version_a_base_url_names_and_when_its_halves_disagree(
    qtbot, wizard: SetupWizard
):
    page = connection_page(wizard)
    district = "https://campus.example.org/campus/api/oneroster/v1p2/lincoln"
    retype(qtbot, page.base_url, f"{district}/ims/oneroster/rostering/v1p2")
    assert page.version.text().startswith("OneRoster 1.2:")
    retype(qtbot, page.base_url, f"{district}/ims/oneroster/v1p1")
    assert page.version.text().startswith("⚠ ")
    assert "1.2" in page.version.text() and "1.1" in page.version.text()
    retype(qtbot, page.base_url, "not a url")
    assert not page.version.isVisible()
