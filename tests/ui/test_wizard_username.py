"""The wizard's Username page against the demo server: its counts are the data's, computed
here independently from the district's raw records."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QProgressBar, QWidget

from app.connection_check import run_connection_checks
from app.demo.district import DemoDistrict
from app.demo.server import DemoServer
from app.oneroster.records import USERNAME_FIELDS
from app.settings import ConnectionSettings
from tests.support.event_loop import EventLoopWatch
from tests.support.oracle import SYNCED
from ui.wizard.state import SetupState
from ui.wizard.username import UsernamePage
from ui.wizard.wizard import PageId, SetupWizard


@dataclass
class Expected:
    total: int
    missing: set[str]
    shared: set[str]

    @property
    def present(self) -> int:
        return self.total - len(self.missing)


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _synced_and_staying(raw: dict[str, Any]) -> bool:
    if not any(role["role"] in SYNCED for role in raw["roles"]):
        return False
    return raw["status"] != "tobedeleted" and str(raw.get("enabledUser")).lower() != "false"


def expected(district: DemoDistrict, field: str) -> Expected:
    people = [raw for raw in district.iter_users() if _synced_and_staying(raw)]
    values = {raw["sourcedId"]: _text(raw.get(field)) for raw in people}
    seen = Counter(value.casefold() for value in values.values() if value)
    return Expected(
        total=len(people),
        missing={sid for sid, value in values.items() if value is None},
        shared={sid for sid, value in values.items() if value and seen[value.casefold()] > 1},
    )


def open_page(
    qtbot, state: SetupState, timeout_ms: int = 10_000
) -> tuple[SetupWizard, UsernamePage]:
    wizard = SetupWizard(state)
    qtbot.addWidget(wizard)
    wizard.setStartId(PageId.USERNAME)
    wizard.show()
    page = wizard.currentPage()
    assert isinstance(page, UsernamePage)
    qtbot.waitUntil(lambda: not page.scanning, timeout=timeout_ms)
    return wizard, page


def shown_counts(page: UsernamePage, field: str) -> tuple[int, int, int]:
    have, missing, shared, _ = page.grid.cells(field)  # type: ignore[arg-type]
    return (
        int(have.text().split()[0].replace(",", "")),
        int(missing.text().replace(",", "")),
        int(shared.text().replace(",", "")),
    )


def test_counts_equal_the_data(qtbot, validated_state: SetupState, district: DemoDistrict):
    _, page = open_page(qtbot, validated_state)
    assert page.scan is not None
    for field in USERNAME_FIELDS:
        want = expected(district, field)
        assert shown_counts(page, field) == (want.present, len(want.missing), len(want.shared))
    email = expected(district, "email")
    assert email.missing and email.shared  # the demo district has both kinds of gap
    assert f"{email.total:,} students and staff" in page.counted_over.text()


def test_counts_without_a_report_download_the_users(
    qtbot, validated_state: SetupState, district: DemoDistrict
):
    validated_state.report = None
    wizard = SetupWizard(validated_state)
    qtbot.addWidget(wizard)
    wizard.setStartId(PageId.USERNAME)
    wizard.show()
    page = wizard.currentPage()
    assert isinstance(page, UsernamePage)
    assert page.scanning
    assert not page.isComplete()  # Next waits for the counting
    bar = page.status.findChild(QProgressBar)
    assert bar is not None and bar.isVisible()
    qtbot.waitUntil(lambda: not page.scanning, timeout=10_000)
    assert page.isComplete()
    assert not page.status.isVisible()
    want = expected(district, "identifier")
    assert shown_counts(page, "identifier") == (
        want.present,
        len(want.missing),
        len(want.shared),
    )


def test_email_is_preselected_and_the_choice_is_kept_on_next(qtbot, validated_state: SetupState):
    wizard, page = open_page(qtbot, validated_state)
    assert page.grid.radio("email").isChecked()
    page.grid.radio("identifier").click()
    wizard.next()
    assert validated_state.username_field == "identifier"
    assert wizard.currentId() == PageId.SITES


def test_a_saved_choice_is_preselected(qtbot, validated_state: SetupState):
    validated_state.username_field = "username"
    _, page = open_page(qtbot, validated_state)
    assert page.grid.radio("username").isChecked()
    assert page.grid.selected() == "username"


def test_many_left_out_warns_without_blocking(
    qtbot, validated_state: SetupState, district: DemoDistrict
):
    wizard, page = open_page(qtbot, validated_state)
    email = expected(district, "email")
    assert len(email.missing | email.shared) / email.total > 0.05
    assert page.summary.warning.isVisible()
    left = len(email.missing | email.shared)
    assert f"{left} people would be left out" in page.summary.sentence.text()

    page.choose("username")
    assert not page.summary.warning.isVisible()
    assert "all" in page.summary.sentence.text()
    assert not page.summary.show_button.isEnabled()

    page.choose("email")
    assert page.isComplete()
    wizard.next()
    assert validated_state.username_field == "email"


def test_left_out_list_and_csv(
    qtbot, tmp_path: Path, validated_state: SetupState, district: DemoDistrict
):
    _, page = open_page(qtbot, validated_state)
    want = expected(district, "email")
    dialog = page.show_left_out()
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert dialog.model.rowCount() == len(want.missing) + len(want.shared)

    dialog.search.setText("shares")
    assert dialog.proxy.rowCount() == len(want.shared)

    path = tmp_path / "left out.csv"
    assert dialog.save_to(path) == len(want.missing) + len(want.shared)  # not just those shown
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    ids = "Infinite Campus ID (sourcedId)"
    missing = {row[ids] for row in rows if row["Why left out"] == "No email address"}
    shared = {row[ids] for row in rows if row["Why left out"].startswith("Shares this")}
    assert missing == want.missing
    assert shared == want.shared
    assert len(rows) == len(missing) + len(shared)
    assert all(row["Shared value"] for row in rows if row[ids] in shared)
    assert str(path) in dialog.status.text()
    dialog.close()


def test_every_control_has_an_accessible_name(qtbot, validated_state: SetupState):
    _, page = open_page(qtbot, validated_state)
    controls = [
        widget
        for widget in page.findChildren(QWidget)
        if isinstance(widget, QAbstractButton | QLineEdit | QProgressBar)
    ]
    assert len(controls) >= len(USERNAME_FIELDS) + 2
    assert all(widget.accessibleName() for widget in controls)
    mnemonics = [
        button.text() for button in page.findChildren(QAbstractButton) if "&" in button.text()
    ]
    keys = [text[text.index("&") + 1].lower() for text in mnemonics]
    assert len(keys) == len(set(keys)), mnemonics  # no two controls share a shortcut


@pytest.mark.parametrize("field", ["identifier", "sourcedId"])
def test_examples_are_real_values(
    qtbot, validated_state: SetupState, district: DemoDistrict, field: str
):
    _, page = open_page(qtbot, validated_state)
    values = {_text(raw.get(field)) for raw in district.iter_users()}
    examples: QLabel = page.grid.cells(field)[3]  # type: ignore[arg-type]
    shown = examples.text().removeprefix("For example: ").split(", ")
    assert shown and set(shown) <= values


@pytest.mark.slow
def test_counting_a_large_district_never_stalls_the_window(qtbot, validated_state: SetupState):
    """50,000 people, as the Validate page read them, counted in the background."""
    big = DemoDistrict(users=50_000, seed=7)
    with DemoServer(big, port=0) as server:
        validated_state.connection = ConnectionSettings(
            enabled=True,
            base_url=server.base_url,
            token_url=server.token_url,
            client_id=server.client_id,
        )
        validated_state.typed_secret = server.client_secret
        with validated_state.client() as client:
            validated_state.report = run_connection_checks(client)
    assert len(validated_state.report.users) == 50_000
    _, page = open_page(qtbot, validated_state, timeout_ms=60_000)
    with EventLoopWatch() as watch:
        page.start_scan()  # as "Try again" would: the window is up, the page painted
        qtbot.waitUntil(lambda: not page.scanning, timeout=60_000)
    assert page.scan is not None and page.scan.people > 45_000
    assert watch.ticks > 10
    assert watch.worst_gap_ms < 100, f"the GUI thread stalled for {watch.worst_gap_ms:.0f} ms"


def test_a_failed_count_says_why_and_can_be_tried_again(qtbot, validated_state: SetupState):
    validated_state.report = None
    validated_state.typed_secret = "not the secret"
    _, page = open_page(qtbot, validated_state)
    assert page.scan is None
    assert "Client Secret" in page.status.label.text()
    assert page.status.retry_button.isVisible()
    assert page.isComplete()  # the choice can still be made without the counts

    validated_state.typed_secret = None  # the saved (right) secret again
    page.status.retry_button.click()
    qtbot.waitUntil(lambda: not page.scanning, timeout=10_000)
    assert page.scan is not None
    assert not page.status.isVisible()
