"""The History tab: runs newest first with counts and trigger, errors, skipped people, CSV."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QFileDialog, QPushButton, QTableView

from app.demo.server import DemoServer
from app.store.history import RunCounts, RunRecord, SkipRecord
from app.sync.engine import SyncRequest
from ui.history_view import HistoryView, SkippedPeopleDialog
from ui.models.history_table import (
    RUN_HEADERS,
    SKIP_HEADERS,
    duration_text,
    trigger_text,
)
from ui.tasks import TaskRunner
from ui.when import when_text
from ui.wizard.state import SetupState

WAIT_MS = 15_000
COLUMN = {header: number for number, header in enumerate(RUN_HEADERS)}


def open_view(qtbot, state: SetupState, tasks: TaskRunner) -> HistoryView:
    view = HistoryView(state.context, tasks)
    qtbot.addWidget(view)
    view.show()
    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        view.refresh()
    return view


def cell(view: HistoryView, row: int, header: str, role=Qt.ItemDataRole.DisplayRole) -> object:
    return view.model.data(view.model.index(row, COLUMN[header]), role)


def wait_for_dialog(qtbot, view: HistoryView, run_id: int) -> SkippedPeopleDialog:
    qtbot.waitUntil(
        lambda: view.skips_dialog is not None and view.skips_dialog.run.id == run_id,
        timeout=WAIT_MS,
    )
    qtbot.waitUntil(lambda: not view.tasks.busy, timeout=WAIT_MS)
    assert view.skips_dialog is not None
    return view.skips_dialog


def test_runs_newest_first_with_counts_and_trigger(qtbot, mapped_state: SetupState, tasks):
    engine = mapped_state.context.engine()
    preview = engine.run(SyncRequest(trigger="manual", dry_run=True))
    nightly = engine.run(SyncRequest(trigger="schedule"))
    again = engine.run(SyncRequest(trigger="cli"))
    assert {preview.status, nightly.status, again.status} == {"succeeded"}

    view = open_view(qtbot, mapped_state, tasks)

    runs = mapped_state.context.history.runs()
    assert [r.id for r in runs] == [again.run_id, nightly.run_id, preview.run_id]
    assert view.model.rowCount() == 3
    assert [view.model.run(row).id for row in range(3)] == [r.id for r in runs]
    assert [cell(view, row, "Started by") for row in range(3)] == [
        "Command line",
        "Nightly",
        "Sync now (preview)",
    ]
    for row, run in enumerate(runs):
        counts = run.counts
        shown = [cell(view, row, h) for h in ("Added", "Updated", "Deactivated", "Unchanged")]
        assert shown == [
            f"{counts.added:,}",
            f"{counts.updated:,}",
            f"{counts.deactivated:,}",
            f"{counts.unchanged:,}",
        ]
        assert cell(view, row, "Skipped") == f"{counts.skipped:,}"
        assert cell(view, row, "Result") == "Finished"
        assert cell(view, row, "Problem") == ""
        assert str(cell(view, row, "When")).startswith("today ")
        assert str(cell(view, row, "How long")).endswith(("s", "min", "h"))
    assert runs[1].counts.added > 0  # the nightly run did the real work
    settled = runs[1].counts.added + runs[1].counts.unchanged
    assert runs[0].counts.added == 0 and runs[0].counts.unchanged == settled
    # The newest run is selected, so the button opens it straight away.
    assert view.selected_run() == runs[0]
    assert view.skipped_button.isEnabled()
    assert not view.message.isVisible()


def test_a_failed_run_shows_its_error_and_is_marked(
    qtbot, mapped_state: SetupState, tasks, demo_server: DemoServer
):
    demo_server.faults.outage_after = demo_server.request_count
    result = mapped_state.context.engine().run(SyncRequest(trigger="tray"))
    assert result.status == "failed" and result.run_id is not None
    run = mapped_state.context.history.run(result.run_id)
    assert run is not None and run.error

    view = open_view(qtbot, mapped_state, tasks)

    assert cell(view, 0, "Started by") == "Tray"
    assert cell(view, 0, "Result") == "Failed"
    problem = str(cell(view, 0, "Problem"))
    assert problem.startswith("The sync did not finish.")
    assert run.error in problem
    icon = cell(view, 0, "Result", Qt.ItemDataRole.DecorationRole)
    assert isinstance(icon, QIcon) and not icon.isNull()
    assert cell(view, 0, "Result", Qt.ItemDataRole.ForegroundRole) is None  # palette's colour


def test_refresh_reads_again_and_an_empty_history_says_so(qtbot, mapped_state, tasks):
    view = open_view(qtbot, mapped_state, tasks)
    assert view.model.rowCount() == 0
    assert view.message.isVisible() and "No syncs yet" in view.message.text()
    assert not view.skipped_button.isEnabled()

    mapped_state.context.engine().run(SyncRequest(trigger="manual"))
    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        view.refresh()

    assert view.model.rowCount() == 1
    assert cell(view, 0, "Started by") == "Sync now"
    assert not view.message.isVisible()


def test_skipped_people_dialog_lists_exactly_the_runs_skips(qtbot, mapped_state, tasks):
    history = mapped_state.context.history
    first = mapped_state.context.engine().run(SyncRequest(trigger="manual"))
    second = mapped_state.context.engine().run(SyncRequest(trigger="cli"))
    skips = history.skips(first.run_id)
    assert skips, "the demo district should leave someone out"
    view = open_view(qtbot, mapped_state, tasks)

    # Double-click the older run (second row).
    row = [view.model.run(r).id for r in range(2)].index(first.run_id)
    rect = view.table.visualRect(view.model.index(row, 0))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    dialog = wait_for_dialog(qtbot, view, first.run_id)

    model = dialog.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)]
    assert headers == list(SKIP_HEADERS) == ["Name", "Infinite Campus ID", "Reason", "Detail"]
    assert model.skips == skips
    assert model.rowCount() == len(skips)
    shown = [[model.data(model.index(r, c)) for c in range(4)] for r in range(model.rowCount())]
    assert [(r[0], r[1], r[3]) for r in shown] == [
        (s.name, s.sourced_id or "", s.detail) for s in skips
    ]
    assert all("_" not in r[2] for r in shown)  # reasons in words, not codes
    assert f"{len(skips):,}" in dialog.heading.text()

    # Enter on the selected (newest) run opens that one instead.
    view.table.selectRow([view.model.run(r).id for r in range(2)].index(second.run_id))
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    dialog = wait_for_dialog(qtbot, view, second.run_id)
    assert dialog.model.skips == history.skips(second.run_id)

    # And the button opens the selected run too.
    view.table.selectRow(row)
    qtbot.mouseClick(view.skipped_button, Qt.MouseButton.LeftButton)
    dialog = wait_for_dialog(qtbot, view, first.run_id)
    assert dialog.model.skips == skips


def recorded_run_with_skips(state: SetupState, skips: list[SkipRecord]) -> int:
    history = state.context.history
    run_id = history.start("manual", "full", False)
    with state.context.database.session() as session:
        counts = RunCounts(skipped=len(skips))
        history.finish(session, run_id, status="succeeded", counts=counts, skips=skips)
    return run_id


def test_a_run_whose_list_is_forgotten_says_so_instead_of_no_one(qtbot, mapped_state, tasks):
    """After the retention, a run's list of people left out is forgotten; its count stays."""
    history = mapped_state.context.history
    run_id = history.start("schedule", "full", False)
    with mapped_state.context.database.session() as session:
        history.finish(session, run_id, status="succeeded", counts=RunCounts(skipped=12))
    run = history.run(run_id)
    assert run is not None
    dialog = SkippedPeopleDialog(run, [], "email")
    qtbot.addWidget(dialog)
    text = dialog.heading.text()
    assert "12 people left out" in text and "no longer kept" in text
    assert "no one was left out" not in text
    assert not dialog.save_button.isEnabled()


FORMULA = '=HYPERLINK("http://evil.example","Click")'


def test_csv_has_the_rows_and_neutralises_formulas(qtbot, mapped_state, tasks, tmp_path: Path):
    skips = [
        SkipRecord("s-1", FORMULA, "no_username", "No email address in Infinite Campus."),
        SkipRecord("s-2", "Zoë Ávila", "unmapped_school", "Westside Elementary"),
        SkipRecord(None, "+Plus Person", "invalid_record", "-bad"),
    ]
    run_id = recorded_run_with_skips(mapped_state, skips)
    view = open_view(qtbot, mapped_state, tasks)
    view.open_selected()
    dialog = wait_for_dialog(qtbot, view, run_id)
    assert dialog.model.skips == mapped_state.context.history.skips(run_id)

    target = tmp_path / "left-out.csv"
    assert dialog.save_csv(target) == 3

    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Name", "Infinite Campus ID", "Reason", "Detail"]
    assert rows[1] == ["'" + FORMULA, "s-1", "no email address", skips[0].detail]
    assert rows[2] == ["Zoë Ávila", "s-2", "school not mapped to a site", "Westside Elementary"]
    assert rows[3] == [
        "'+Plus Person",
        "",
        "the record could not be read",
        "'-bad",
    ]
    assert dialog.message.isVisible() and "Saved 3 people" in dialog.message.text()


def test_save_button_asks_where_and_reports_a_failure(
    qtbot, monkeypatch, mapped_state, tasks, tmp_path: Path
):
    run_id = recorded_run_with_skips(
        mapped_state, [SkipRecord("s-1", "Ann Lee", "no_username", "")]
    )
    view = open_view(qtbot, mapped_state, tasks)
    view.open_selected()
    dialog = wait_for_dialog(qtbot, view, run_id)

    chosen = tmp_path / "chosen"  # no suffix: .csv is added
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(chosen), ""))
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS) as saved:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert saved.args == [str(chosen.with_suffix(".csv"))]
    assert chosen.with_suffix(".csv").read_text(encoding="utf-8-sig").count("Ann Lee") == 1

    missing = tmp_path / "no-such-folder" / "out.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(missing), ""))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "could not be saved" in dialog.message.text()
    assert "Traceback" not in dialog.message.text()


def test_every_control_has_an_accessible_name_and_mnemonic(qtbot, mapped_state, tasks):
    run_id = recorded_run_with_skips(mapped_state, [SkipRecord("s-1", "Ann", "no_username", "")])
    view = open_view(qtbot, mapped_state, tasks)
    view.open_selected()
    dialog = wait_for_dialog(qtbot, view, run_id)

    for widget in (view, dialog):
        buttons = widget.findChildren(QPushButton)
        tables = widget.findChildren(QTableView)
        assert buttons and tables
        for control in [*buttons, *tables]:
            assert control.accessibleName(), control
        for button in buttons:
            assert "&" in button.text(), button.text()
    assert view.heading.buddy() is view.table and "&" in view.heading.text()
    assert dialog.table_label.buddy() is dialog.table and "&" in dialog.table_label.text()


def test_words_for_trigger_time_and_duration():
    start = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)

    def record(**changes: object) -> RunRecord:
        values: dict[str, object] = {
            "id": 1,
            "started_at": start,
            "finished_at": start + timedelta(seconds=42),
            "trigger": "schedule",
            "mode": "full",
            "dry_run": False,
            "status": "succeeded",
            "counts": RunCounts(),
            "skipped_reasons": {},
            "error": None,
        }
        values.update(changes)
        return RunRecord(**values)  # type: ignore[arg-type]

    assert trigger_text(record()) == "Nightly"
    assert trigger_text(record(trigger="tray", dry_run=True)) == "Tray (preview)"
    assert duration_text(record()) == "42 s"
    assert duration_text(record(finished_at=start + timedelta(seconds=185))) == "3 min 5 s"
    assert duration_text(record(finished_at=start + timedelta(hours=1, minutes=2))) == "1 h 2 min"
    assert duration_text(record(finished_at=None)) == "—"
    assert when_text(start, start + timedelta(minutes=5)).startswith("today ")
    assert when_text(start, start + timedelta(days=1)).startswith("yesterday ")
    assert not when_text(start, start + timedelta(days=9)).startswith(("today", "yesterday"))


def test_a_closed_view_drops_a_late_result(qtbot, mapped_state, tasks):
    view = HistoryView(mapped_state.context, tasks)
    view.refresh()
    view.deleteLater()
    qtbot.waitUntil(lambda: not tasks.busy, timeout=WAIT_MS)
