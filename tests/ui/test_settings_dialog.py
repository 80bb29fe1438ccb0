"""Settings: the directory's location and export, and the computer's tasks (no OS commands)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QLabel, QLineEdit
from sqlalchemy import select, update

from app.context import AppContext
from app.csv_export import USER_COLUMNS
from app.schedule.os_tasks import nightly_task, sign_in_task
from app.settings import SettingsFile
from app.store.models import DirectoryUser
from app.sync.engine import SyncRequest
from ui.settings_dialog import SettingsDialog, database_location
from ui.wizard.state import SetupState

COMMAND = ["/opt/rostersync/rostersync"]


class Recorder:
    """Stands in for the confirmation and the command runner."""

    def __init__(self, answer: bool = True, code: int = 0, output: str = "") -> None:
        self.answer = answer
        self.code = code
        self.output = output
        self.shown: list[tuple[str, str, list[str]]] = []
        self.ran: list[list[str]] = []

    def confirm(self, title: str, explanation: str, commands: list[str]) -> bool:
        self.shown.append((title, explanation, list(commands)))
        return self.answer

    def run(self, argv: list[str]) -> tuple[int, str]:
        # The commands were shown before the first one runs.
        assert self.shown, "a command ran before the person saw it"
        self.ran.append(argv)
        return self.code, self.output


def make_dialog(qtbot, context: AppContext, tmp_path: Path, recorder: Recorder) -> SettingsDialog:
    dialog = SettingsDialog(
        context, nightly_folder=tmp_path / "nightly", sign_in_folder=tmp_path / "autostart"
    )
    qtbot.addWidget(dialog)
    dialog.platform = "linux"
    dialog.command = COMMAND
    dialog.confirm = recorder.confirm
    dialog.run_command = recorder.run
    return dialog


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def dialog(qtbot, context: AppContext, tmp_path: Path, recorder: Recorder) -> SettingsDialog:
    return make_dialog(qtbot, context, tmp_path, recorder)


def expected_nightly(context: AppContext, tmp_path: Path):
    return nightly_task(
        "linux",
        command=COMMAND,
        home=context.profile.root,
        time=context.settings.schedule.time,
        folder=tmp_path / "nightly",
    )


def test_shows_database_file_and_profile(dialog: SettingsDialog, context: AppContext) -> None:
    assert dialog.database_field.text() == str(context.profile.database_file)
    assert dialog.database_field.isReadOnly()
    assert dialog.profile_field.text() == str(context.profile.root)
    assert dialog.profile_field.isReadOnly()


def test_server_password_is_hidden() -> None:
    shown = database_location("postgresql+psycopg://sync:s3cret@db.example.org:5432/roster")
    assert "s3cret" not in shown
    assert shown == "postgresql+psycopg://sync:***@db.example.org:5432/roster"


def test_every_control_has_accessible_name_and_mnemonic(dialog: SettingsDialog) -> None:
    buttons = dialog.findChildren(QAbstractButton)
    assert buttons
    keys = []
    for button in buttons:
        assert button.accessibleName(), button.text()
        assert "&" in button.text(), button.text()
        keys.append(button.text().split("&", 1)[1][0].lower())
    fields = [*dialog.findChildren(QLineEdit), *dialog.findChildren(QAbstractSpinBox)]
    for field in fields:
        if isinstance(field.parent(), QAbstractSpinBox):
            continue  # a spin box's own text field: the spin box is the control
        assert field.accessibleName()
        buddies = [label for label in dialog.findChildren(QLabel) if label.buddy() is field]
        assert buddies and "&" in buddies[0].text()
        keys.append(buddies[0].text().split("&", 1)[1][0].lower())
    assert len(keys) == len(set(keys)), keys


def test_export_writes_every_user_including_inactive(
    qtbot, mapped_state: SetupState, tmp_path: Path
) -> None:
    context = mapped_state.context
    context.engine().run(SyncRequest())
    with context.database.session() as session:
        first = session.scalars(select(DirectoryUser.sourced_id).limit(1)).one()
        session.execute(
            update(DirectoryUser).where(DirectoryUser.sourced_id == first).values(active=False)
        )
    everyone = list(context.directory.users(include_inactive=True))
    active = list(context.directory.users())
    assert len(everyone) == len(active) + 1

    dialog = make_dialog(qtbot, context, tmp_path, Recorder())
    target = tmp_path / "directory.csv"
    assert dialog.export_csv(target) == len(everyone)

    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(USER_COLUMNS)
    assert len(rows) == len(everyone) + 1
    exported = {row[0]: row for row in rows[1:]}
    assert exported[first][USER_COLUMNS.index("active")] == "False"
    assert "directory.csv" in dialog.export_message.text()


def test_register_shows_commands_first_then_writes_and_runs(
    dialog: SettingsDialog, recorder: Recorder, context: AppContext, tmp_path: Path
) -> None:
    task = expected_nightly(context, tmp_path)

    assert dialog.register_nightly()

    assert len(recorder.shown) == 1
    _, explanation, commands = recorder.shown[0]
    assert task.description in explanation
    assert commands == [command.display("linux") for command in task.register]
    for item in task.files:
        written = tmp_path / "nightly" / item.name
        assert written.read_text(encoding="utf-8") == item.content
        assert str(written) in explanation
    assert recorder.ran == [list(command.argv) for command in task.register]
    assert "is set up" in dialog.nightly_message.text()


def test_register_button_goes_through_the_confirmation(
    qtbot, dialog: SettingsDialog, recorder: Recorder
) -> None:
    qtbot.mouseClick(dialog.register_button, Qt.MouseButton.LeftButton)
    assert len(recorder.shown) == 1
    assert recorder.ran


def test_declining_runs_and_writes_nothing(qtbot, context: AppContext, tmp_path: Path) -> None:
    recorder = Recorder(answer=False)
    dialog = make_dialog(qtbot, context, tmp_path, recorder)

    assert not dialog.register_nightly()
    assert not dialog.unregister_nightly()

    assert len(recorder.shown) == 2
    assert recorder.ran == []
    assert not (tmp_path / "nightly").exists()


def test_failed_command_is_reported(qtbot, context: AppContext, tmp_path: Path) -> None:
    recorder = Recorder(code=1, output="Failed to connect to bus: No medium found")
    dialog = make_dialog(qtbot, context, tmp_path, recorder)

    assert not dialog.register_nightly()

    assert len(recorder.ran) == 1  # stopped at the first failure
    text = dialog.nightly_message.text()
    assert "not set up" in text
    assert "systemctl --user daemon-reload" in text
    assert "No medium found" in text


def test_remove_runs_unregister_and_deletes_files(
    dialog: SettingsDialog, recorder: Recorder, context: AppContext, tmp_path: Path
) -> None:
    task = expected_nightly(context, tmp_path)
    assert dialog.register_nightly()
    recorder.ran.clear()

    assert dialog.unregister_nightly()

    assert recorder.shown[-1][2] == [command.display("linux") for command in task.unregister]
    assert recorder.ran == [list(command.argv) for command in task.unregister]
    assert not any((tmp_path / "nightly" / item.name).exists() for item in task.files)


def test_sign_in_checkbox_writes_and_removes_its_file(
    dialog: SettingsDialog, recorder: Recorder, context: AppContext, tmp_path: Path
) -> None:
    task = sign_in_task(
        "linux", command=COMMAND, home=context.profile.root, folder=tmp_path / "autostart"
    )
    entry = tmp_path / "autostart" / task.files[0].name
    assert not dialog.sign_in_check.isChecked()

    dialog.sign_in_check.setChecked(True)
    assert entry.read_text(encoding="utf-8") == task.files[0].content
    assert task.description in recorder.shown[-1][1]
    assert dialog.sign_in_check.isChecked()

    dialog.sign_in_check.setChecked(False)
    assert not entry.exists()
    assert len(recorder.shown) == 2
    assert not dialog.sign_in_check.isChecked()


def test_sign_in_checkbox_declined_stays_unchecked(
    qtbot, context: AppContext, tmp_path: Path
) -> None:
    recorder = Recorder(answer=False)
    dialog = make_dialog(qtbot, context, tmp_path, recorder)

    dialog.sign_in_check.setChecked(True)

    assert not dialog.sign_in_check.isChecked()
    assert not (tmp_path / "autostart").exists()
    assert recorder.ran == []


def test_checkbox_shows_an_existing_entry(qtbot, context: AppContext, tmp_path: Path) -> None:
    first = make_dialog(qtbot, context, tmp_path, Recorder())
    first.sign_in_check.setChecked(True)
    again = SettingsDialog(context, sign_in_folder=tmp_path / "autostart")
    qtbot.addWidget(again)
    assert again.sign_in_check.isChecked() == (again.platform != "windows")


def test_wizard_button_emits_and_closes(qtbot, dialog: SettingsDialog) -> None:
    dialog.show()
    with qtbot.waitSignal(dialog.reopen_wizard, timeout=1000):
        dialog.wizard_button.click()
    assert not dialog.isVisible()


def test_the_nightly_sync_can_fetch_only_changes(
    qtbot, dialog: SettingsDialog, context: AppContext
) -> None:
    assert not dialog.changes_only_check.isChecked()
    qtbot.mouseClick(dialog.changes_only_check, Qt.MouseButton.LeftButton)
    assert SettingsFile(context.profile).load().schedule.mode == "delta"
    qtbot.mouseClick(dialog.changes_only_check, Qt.MouseButton.LeftButton)
    assert SettingsFile(context.profile).load().schedule.mode == "full"


def test_how_long_each_persons_history_is_kept_is_typed_and_saved(
    qtbot, dialog: SettingsDialog, context: AppContext
) -> None:
    field = dialog.retention_field
    assert field.value() == 365
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(field, "730")
    assert SettingsFile(context.profile).load().story_retention_days == 730
    assert context.engine()._story_retention.days == 730


def test_a_certificate_file_from_it_is_saved_and_can_be_removed(
    dialog: SettingsDialog, context: AppContext, tmp_path: Path
) -> None:
    assert dialog.ca_field.text() == "(none)" and not dialog.ca_clear_button.isEnabled()
    assert not dialog.set_ca_file(str(tmp_path / "missing.pem"))
    assert "does not exist" in dialog.ca_message.text()
    pem = tmp_path / "proxy.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\n")
    assert dialog.set_ca_file(str(pem))
    assert SettingsFile(context.profile).load().ca_file == str(pem)
    assert dialog.ca_field.text() == str(pem) and dialog.ca_clear_button.isEnabled()
    dialog.ca_clear_button.click()
    assert SettingsFile(context.profile).load().ca_file == ""
    assert dialog.ca_field.text() == "(none)"
