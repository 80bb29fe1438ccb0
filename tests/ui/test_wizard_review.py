"""The Review and first sync page against the demo server: the dry-run preview, the first sync,
cancel, failure and retry, the safety limit, and finishing without a sync."""

from __future__ import annotations

import gc
from collections import Counter

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from app.demo.district import DemoDistrict
from app.demo.server import DemoServer
from app.demo.session import demo_connection
from app.sync.engine import Progress, SyncRequest
from app.sync.wording import skip_reason_text
from tests.support.event_loop import EventLoopWatch
from tests.support.oracle import expected_first_sync
from tests.ui.conftest import map_every_school, validate
from ui.sync_progress import Tone
from ui.wizard.review import ReviewPage
from ui.wizard.state import SetupState

WAIT_MS = 15_000


def open_page(qtbot, state: SetupState) -> tuple[QWizard, ReviewPage]:
    """The page as the last page of a wizard, entered as the wizard would enter it."""
    page = ReviewPage(state)
    wizard = QWizard()
    wizard.setPage(0, page)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard, page


def wait_for_preview(qtbot, page: ReviewPage) -> None:
    qtbot.waitUntil(
        lambda: page.preview.isVisible() or page.preview_again.isVisible(), timeout=WAIT_MS
    )


def start_sync(qtbot, page: ReviewPage) -> None:
    assert page.start_button.isEnabled()
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.outcome.tone is not None, timeout=WAIT_MS)


def finish_button(wizard: QWizard):
    return wizard.button(QWizard.WizardButton.FinishButton)


@pytest.fixture
def review(qtbot, mapped_state: SetupState) -> tuple[QWizard, ReviewPage]:
    wizard, page = open_page(qtbot, mapped_state)
    wait_for_preview(qtbot, page)
    return wizard, page


def test_the_preview_equals_an_independent_dry_run(
    review, mapped_state: SetupState, district: DemoDistrict
):
    _wizard, page = review
    dry = mapped_state.context.engine(username_field="email").run(SyncRequest(dry_run=True))
    assert dry.succeeded and dry.counts.added > 0

    shown = page.preview.sites.added_by_site()
    total_row = page.preview.sites.rowCount() - 1
    assert page.preview.sites.item(total_row, 1).text() == f"{dry.counts.added:,}"
    assert sum(shown.values()) == dry.counts.added
    assert f"will add {dry.counts.added:,} users" in page.preview.summary.text()

    mapping = {s.sourced_id: s.site for s in mapped_state.context.directory.schools() if s.site}
    expected, _reasons = expected_first_sync(list(district.iter_users()), mapping, "email")
    assert {site: n for site, n in shown.items() if n} == Counter(
        u["site"] for u in expected.values()
    )
    assert set(shown) == set(mapping.values())  # every mapped site is listed, even with 0

    left_out = page.preview.left_out.text()
    assert f"{dry.counts.skipped:,} people left out".lower() in left_out.lower()
    for reason, count in dry.skipped_reasons.items():
        assert f"{count:,}</td><td>&nbsp;&nbsp;{skip_reason_text(reason, 'email')}" in left_out
    assert "no email address" in left_out
    assert not finish_button(_wizard).isEnabled()


def test_start_sync_fills_the_directory_by_the_mapping(qtbot, review, mapped_state: SetupState):
    wizard, page = review
    expected_added = sum(page.preview.sites.added_by_site().values())
    assert page.start_button.isDefault()

    start_sync(qtbot, page)

    assert page.outcome.tone is Tone.SUCCESS, page.outcome.message
    directory = mapped_state.context.directory
    users = list(directory.users())
    assert len(users) == expected_added
    mapped_sites = {school.site for school in directory.schools() if school.site}
    assert {user.site for user in users} <= mapped_sites
    assert f"{expected_added:,} users added" in page.outcome.message
    last = mapped_state.context.history.runs(limit=1)[0]
    assert (last.status, last.trigger, last.dry_run) == ("succeeded", "manual", False)

    finish = finish_button(wizard)
    assert finish.isEnabled() and finish.isDefault()
    assert not page.start_button.isVisible()
    assert not page.skip_sync.isVisible()


def test_cancel_during_the_first_sync_changes_nothing(
    qtbot, monkeypatch, mapped_state: SetupState, demo_server: DemoServer
):
    demo_server.faults.page_size_cap = 20
    mapped_state.context.settings.page_size = 20
    wizard, page = open_page(qtbot, mapped_state)
    wait_for_preview(qtbot, page)
    show = page.sync_progress.show_progress

    def cancel_once_downloading(progress: Progress) -> None:
        show(progress)
        if progress.stage == "downloading" and page.sync_progress.cancel_button.isEnabled():
            qtbot.mouseClick(page.sync_progress.cancel_button, Qt.MouseButton.LeftButton)

    monkeypatch.setattr(page.sync_progress, "show_progress", cancel_once_downloading)
    start_sync(qtbot, page)

    assert page.outcome.tone is Tone.INFO
    assert page.outcome.message.startswith("Canceled — nothing was changed.")
    assert list(mapped_state.context.directory.users(include_inactive=True)) == []
    assert mapped_state.context.history.runs(limit=1)[0].status == "canceled"
    assert not finish_button(wizard).isEnabled()
    assert page.start_button.isEnabled() and page.start_button.text() == "&Try again"
    assert not page.sync_progress.isVisible()


def test_a_failing_sync_says_why_and_can_be_retried(
    qtbot, review, mapped_state: SetupState, demo_server: DemoServer
):
    wizard, page = review
    demo_server.faults.outage_after = demo_server.request_count

    start_sync(qtbot, page)

    assert page.outcome.tone is Tone.PROBLEM
    run = mapped_state.context.history.runs(limit=1)[0]
    assert run.status == "failed" and run.error
    assert page.outcome.message.startswith("The sync did not finish.")
    assert run.error in page.outcome.message
    assert list(mapped_state.context.directory.users()) == []
    assert not finish_button(wizard).isEnabled()

    demo_server.faults.outage_after = None
    start_sync(qtbot, page)
    assert page.outcome.tone is Tone.SUCCESS, page.outcome.message
    assert finish_button(wizard).isEnabled()


def test_finish_without_syncing_is_an_explicit_choice(qtbot, review, mapped_state: SetupState):
    wizard, page = review
    assert not finish_button(wizard).isEnabled()
    page.skip_sync.setFocus()
    qtbot.keyClick(page.skip_sync, Qt.Key.Key_Space)
    assert finish_button(wizard).isEnabled() and finish_button(wizard).isDefault()
    qtbot.mouseClick(finish_button(wizard), Qt.MouseButton.LeftButton)
    assert wizard.result() == QWizard.DialogCode.Accepted
    assert list(mapped_state.context.directory.users()) == []


def test_a_preview_that_fails_offers_to_look_again(qtbot, mapped_state, demo_server: DemoServer):
    demo_server.faults.outage_after = demo_server.request_count
    _wizard, page = open_page(qtbot, mapped_state)
    wait_for_preview(qtbot, page)
    assert page.preview_problem.tone is Tone.PROBLEM
    assert page.preview_problem.message.startswith("The preview could not be made.")
    assert page.start_button.isEnabled()

    demo_server.faults.outage_after = None
    qtbot.mouseClick(page.preview_again, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(page.preview.isVisible, timeout=WAIT_MS)
    assert not page.preview_problem.isVisible()


def test_a_rerun_past_the_safety_limit_asks_before_syncing_anyway(qtbot, mapped_state: SetupState):
    context = mapped_state.context
    assert context.engine().run(SyncRequest()).succeeded
    before = len(list(context.directory.users()))
    schools = context.directory.schools()
    for school in schools[1:]:
        context.directory.map_school(school.sourced_id, None)

    _wizard, page = open_page(qtbot, mapped_state)
    wait_for_preview(qtbot, page)
    assert page.outcome.tone is Tone.WARNING  # the dry run already stops at the limit
    assert "safety limit" in page.outcome.message
    assert page.anyway_button.isVisible()

    asked: list[list[str]] = []
    page.confirm_mass_deactivation = lambda _parent, ids: asked.append(ids) or False
    qtbot.mouseClick(page.anyway_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1 and len(asked[0]) > 20
    assert len(list(context.directory.users())) == before  # declined: nothing ran

    page.confirm_mass_deactivation = lambda _parent, ids: asked.append(ids) or True
    qtbot.mouseClick(page.anyway_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.outcome.tone is Tone.SUCCESS, timeout=WAIT_MS)
    last = context.history.runs(limit=1)[0]
    assert last.counts.deactivated == len(asked[1])
    remaining = list(context.directory.users())
    assert len(remaining) == before - last.counts.deactivated + last.counts.added
    assert {user.site for user in remaining} == {schools[0].site}


def test_every_control_has_a_name_and_a_mnemonic(review):
    _wizard, page = review
    for button in (page.start_button, page.anyway_button, page.skip_sync, page.preview_again):
        assert "&" in button.text()
        assert button.accessibleName() or button.text()
    for widget in (page.preview.sites, page.sync_progress.bar, page.sync_progress.cancel_button):
        assert widget.accessibleName()


@pytest.mark.slow
@pytest.mark.parametrize("district", [DemoDistrict(users=50_000, seed=11)])
def test_the_window_stays_responsive_during_the_preview_and_the_sync(
    qtbot, mapped_state: SetupState
):
    # Measures the page's own work on the GUI thread. Full garbage collections pause every
    # thread for as long as the whole process takes to traverse (pytest's objects included);
    # the app freezes its start-up objects (ui/app.py), so the test does the same.
    gc.collect()
    gc.freeze()
    try:
        with EventLoopWatch() as watch:
            _wizard, page = open_page(qtbot, mapped_state)
            wait_for_preview(qtbot, page)
            start_sync(qtbot, page)
    finally:
        gc.unfreeze()
    assert page.outcome.tone is Tone.SUCCESS, page.outcome.message
    assert watch.ticks > 50
    assert watch.worst_gap_ms < 100


def test_a_connection_that_replaces_another_previews_who_carries_over(
    qtbot, state: SetupState, district: DemoDistrict
):
    """Infinite Campus moved the district from OneRoster 1.1 to 1.2: the wizard, set up again
    with the new values, shows before the first sync that everyone is re-linked, not re-added."""
    engine = state.context.engine
    with DemoServer(district, version="1.1") as old:
        state.connection = demo_connection(old)
        map_every_school(validate(state), district)
        first = engine(username_field="email").run(SyncRequest())
    people = first.counts.added
    assert first.succeeded and people > 100

    with DemoServer(district, legacy_ids=True) as new:
        state.connection = demo_connection(new)
        validate(state)
        _wizard, page = open_page(qtbot, state)
        wait_for_preview(qtbot, page)
        summary = page.preview.summary.text()
        assert f"The directory already holds {people:,} people" in summary
        assert f"{people:,} people re-linked to their new Infinite Campus ids" in summary
        assert "deactivated" not in summary
        assert page.preview.summary.accessibleName() == summary
        start_sync(qtbot, page)
    assert page.outcome.tone is Tone.SUCCESS
    assert f"{people:,} people re-linked" in page.outcome.text.text()
    assert state.context.directory.user_counts() == (people, 0)
