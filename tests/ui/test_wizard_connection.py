"""Wizard pages 1-3: welcome, the four values, and the validation checklist."""

from __future__ import annotations

import socket

from PySide6.QtCore import Qt

from app.demo.server import DemoServer
from app.oneroster.urls import BASE_URL_DISTRICT_FIX
from app.secret_store import SecretStore
from ui.wizard.connection import ConnectionPage
from ui.wizard.state import SetupState
from ui.wizard.validate import ValidatePage
from ui.wizard.wizard import PageId, SetupWizard

IC_SCREEN = """OneRoster Connection
Client ID
{client_id}
Client Secret
{secret}
Token URL: {token_url}
Base URL:\t{base_url}
"""


def go_to_validate(qtbot, wizard: SetupWizard) -> ValidatePage:
    wizard.next()
    assert wizard.currentId() == PageId.CONNECTION
    wizard.next()
    assert wizard.currentId() == PageId.VALIDATE
    page = wizard.currentPage()
    assert isinstance(page, ValidatePage)
    return page


def finished_checking(page: ValidatePage) -> bool:
    return page.summary.text() != "Checking…"


def test_valid_connection_passes_every_check_and_saves_the_secret(
    qtbot, wizard: SetupWizard, state: SetupState, demo_server: DemoServer
):
    page = go_to_validate(qtbot, wizard)
    qtbot.waitUntil(page.isComplete, timeout=10_000)
    assert all(line.mark.text() == "✔" for line in page.lines.values())
    assert "8 schools" in page.lines["schools"].detail.text() or "schools" in (
        page.lines["schools"].detail.text()
    )
    assert SecretStore(state.context.profile).get() == demo_server.client_secret
    assert state.context.settings_file.load().connection.base_url == demo_server.base_url
    wizard.next()
    assert wizard.currentId() == PageId.USERNAME


def test_a_wrong_secret_fails_the_credentials_line_and_keeps_next_disabled(
    qtbot, wizard: SetupWizard, state: SetupState
):
    state.typed_secret = "not-the-secret"
    page = go_to_validate(qtbot, wizard)
    qtbot.waitUntil(lambda: finished_checking(page), timeout=10_000)
    assert page.lines["reachable"].mark.text() == "✔"
    assert page.lines["credentials"].mark.text() == "✖"
    assert "did not accept the Client Secret" in page.lines["credentials"].detail.text()
    assert not page.isComplete()
    assert page.again.isVisible()
    assert SecretStore(state.context.profile).get() is None


def test_an_unreachable_server_says_so(qtbot, wizard: SetupWizard, state: SetupState):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    state.connection.token_url = f"http://127.0.0.1:{closed_port}/campus/oauth2/token?appName=x"
    page = go_to_validate(qtbot, wizard)
    qtbot.waitUntil(lambda: finished_checking(page), timeout=10_000)
    assert page.lines["reachable"].mark.text() == "✖"
    assert "refused" in page.lines["reachable"].detail.text()


def test_a_token_url_that_is_not_a_token_endpoint_is_named(
    qtbot, wizard: SetupWizard, state: SetupState, demo_server: DemoServer
):
    state.connection.token_url = f"http://127.0.0.1:{demo_server.port}/campus/oauth2/nothing"
    page = go_to_validate(qtbot, wizard)
    qtbot.waitUntil(lambda: finished_checking(page), timeout=10_000)
    assert page.lines["credentials"].mark.text() == "✖"
    assert "Token URL" in page.lines["credentials"].detail.text()


def test_a_base_url_lacking_its_district_part_is_named_on_the_validate_page(
    qtbot, wizard: SetupWizard, state: SetupState, demo_server: DemoServer
):
    typed = f"http://127.0.0.1:{demo_server.port}/ims/oneroster/rostering/v1p2"
    state.connection.base_url = typed
    wizard.next()
    connection = wizard.currentPage()
    assert isinstance(connection, ConnectionPage)
    assert connection.fields["base_url"].error is None  # another provider may serve there
    wizard.next()
    page = wizard.currentPage()
    assert isinstance(page, ValidatePage)
    qtbot.waitUntil(lambda: finished_checking(page), timeout=10_000)
    assert page.lines["credentials"].mark.text() == "✔"
    assert page.lines["oneroster"].mark.text() == "✖"
    detail = page.lines["oneroster"].detail.text()
    assert BASE_URL_DISTRICT_FIX in detail and "check it ends with" not in detail
    assert BASE_URL_DISTRICT_FIX in page.lines["oneroster"].title.accessibleName()
    assert not page.isComplete()


def test_swapped_urls_are_caught_at_the_field_and_swapped_back(
    qtbot, wizard: SetupWizard, state: SetupState, demo_server: DemoServer
):
    wizard.next()
    page = wizard.currentPage()
    assert isinstance(page, ConnectionPage)
    page.base_url.setText(demo_server.token_url)
    page.token_url.setText(demo_server.base_url)
    assert "Token URL" in page.fields["base_url"].problem.text()
    assert not page.isComplete()
    assert page.swap.isVisibleTo(page)
    qtbot.mouseClick(page.swap, Qt.MouseButton.LeftButton)
    assert page.isComplete()
    assert page.base_url.text() == demo_server.base_url


def test_plain_http_to_another_computer_and_a_short_base_url_are_refused(
    qtbot, wizard: SetupWizard, demo_server: DemoServer
):
    wizard.next()
    page = wizard.currentPage()
    assert isinstance(page, ConnectionPage)
    page.base_url.setText("http://ic.district.example/campus/api/oneroster/v1p2/x/ims/oneroster")
    assert "https://" in page.fields["base_url"].problem.text()
    page.base_url.setText("https://ic.district.example/campus/api/oneroster/v1p2/x")
    assert "/ims/oneroster/rostering/v1p2" in page.fields["base_url"].problem.text()
    assert not page.isComplete()


def test_paste_fills_all_four_fields_from_the_infinite_campus_screen(
    qtbot, wizard: SetupWizard, state: SetupState, demo_server: DemoServer
):
    state.connection.client_id = state.connection.base_url = state.connection.token_url = ""
    state.typed_secret = None
    wizard.next()
    page = wizard.currentPage()
    assert isinstance(page, ConnectionPage)
    assert not page.isComplete()
    page.fill_from_text(
        IC_SCREEN.format(
            client_id=demo_server.client_id,
            secret=demo_server.client_secret,
            token_url=demo_server.token_url,
            base_url=demo_server.base_url,
        )
    )
    assert page.paste_result.text() == "Filled 4 of the 4 values."
    assert page.isComplete()
    assert page.secret.echoMode() == page.secret.EchoMode.Password


def test_turning_the_integration_off_disables_the_fields_and_next(qtbot, wizard: SetupWizard):
    wizard.next()
    page = wizard.currentPage()
    assert isinstance(page, ConnectionPage)
    assert page.isComplete()
    page.enabled.setChecked(False)
    assert not page.isComplete() and not page.client_id.isEnabled()


def test_a_saved_secret_is_never_shown_back(qtbot, validated_state: SetupState, tasks):
    window = SetupWizard(validated_state)
    qtbot.addWidget(window)
    window.show()
    window.next()
    page = window.currentPage()
    assert isinstance(page, ConnectionPage)
    assert page.secret.text() == ""
    assert "Saved" in page.secret.placeholderText()
    assert page.isComplete()


def test_every_control_on_the_first_pages_has_an_accessible_name(qtbot, wizard: SetupWizard):
    from PySide6.QtWidgets import QAbstractButton, QLineEdit

    wizard.next()
    page = wizard.currentPage()
    for widget in page.findChildren(QLineEdit) + page.findChildren(QAbstractButton):
        assert widget.accessibleName(), widget
