"""Settings: where the directory lives, exporting it, and the computer's own tasks.

Three sections:

- **Directory**: the database location (read-only; a server password is never shown), the
  profile folder, and an export of every user (inactive ones too) as CSV.
- **When RosterSync is not running**: registers or removes the operating-system task that runs
  ``rostersync sync --scheduled`` each night (:func:`app.schedule.os_tasks.nightly_task`).
- **Start RosterSync when I sign in**: the sign-in entry (:func:`sign_in_task`).

Nothing is run before the person has seen the exact commands and said OK. The command runner
(:attr:`SettingsDialog.run_command`), the confirmation (:attr:`SettingsDialog.confirm`) and the
folders the task files go to are attributes, so tests never touch the real computer.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import make_url

from app.context import AppContext
from app.csv_export import write_users_csv
from app.errors import RosterSyncError
from app.schedule.os_tasks import (
    OsTask,
    Platform,
    app_command,
    current_platform,
    nightly_task,
    sign_in_task,
)
from app.settings import STORY_RETENTION_DAYS
from ui.screen_fit import fit_to_screen, scrolling

log = logging.getLogger(__name__)

COMMAND_TIMEOUT = 30

#: ``run_command(argv) -> (exit code, what the command printed)``.
CommandRunner = Callable[[list[str]], tuple[int, str]]
#: ``confirm(title, explanation, commands) -> True to go ahead``.
Confirmation = Callable[[str, str, list[str]], bool]


def run_os_command(argv: list[str]) -> tuple[int, str]:
    """Run one command without a shell; never raises for the command's own failures."""
    try:
        result = subprocess.run(
            argv,
            check=False,
            capture_output=True,
            timeout=COMMAND_TIMEOUT,
            # No console window flashing up from a windowed app on Windows (0 elsewhere).
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
    except FileNotFoundError:
        return 127, f"The program '{argv[0]}' was not found on this computer."
    except subprocess.TimeoutExpired:
        return 124, f"'{argv[0]}' did not finish within {COMMAND_TIMEOUT} seconds."
    except OSError as error:
        return 126, f"'{argv[0]}' could not be started: {error.strerror or error}."
    output = result.stderr or result.stdout or b""
    return result.returncode, output.decode(errors="replace").strip()


def database_location(url: str) -> str:
    """The SQLite file's path, or the server URL with any password hidden."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        return parsed.database
    return parsed.render_as_string(hide_password=True)


def _readonly_field(text: str, accessible_name: str) -> QLineEdit:
    field = QLineEdit(text)
    field.setReadOnly(True)
    field.setAccessibleName(accessible_name)
    field.setCursorPosition(0)
    return field


def _label(text: str, buddy: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(buddy)
    return label


def _message_label(accessible_name: str) -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setAccessibleName(accessible_name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


class SettingsDialog(QDialog):
    """Directory location and export, the computer's nightly task, and start at sign-in."""

    #: The person asked for the setup wizard; the dialog has closed itself.
    reopen_wizard = Signal()

    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        *,
        nightly_folder: str | os.PathLike[str] | None = None,
        sign_in_folder: str | os.PathLike[str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.platform: Platform = current_platform()
        #: How the OS starts this RosterSync.
        self.command: list[str] = app_command()
        #: Where the task files go; None means where the OS looks for them.
        self.nightly_folder = nightly_folder
        self.sign_in_folder = sign_in_folder
        self.run_command: CommandRunner = run_os_command
        self.confirm: Confirmation = self.ask_to_run
        self.setWindowTitle("RosterSync settings")
        self.setAccessibleName("RosterSync settings")

        # The sections scroll when the screen is too short for them (200% on 1366x768).
        sections = QWidget()
        column = QVBoxLayout(sections)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self._directory_section())
        column.addWidget(self._certificate_section())
        column.addWidget(self._nightly_mode_section())
        column.addWidget(self._nightly_section())
        column.addWidget(self._sign_in_section())
        layout = QVBoxLayout(self)
        layout.addWidget(scrolling(sections), 1)

        buttons = QDialogButtonBox()
        self.wizard_button = QPushButton("Setup &wizard…")
        self.wizard_button.setAccessibleName("Setup wizard")
        self.wizard_button.setAccessibleDescription(
            "Close settings and open the setup wizard: connection, sites, usernames, schedule."
        )
        self.wizard_button.setAutoDefault(False)
        self.wizard_button.clicked.connect(self._open_wizard)
        buttons.addButton(self.wizard_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setText("C&lose")
        self.close_button.setAccessibleName("Close")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        # Wide enough for its sentences, and as tall as they are once wrapped at that width,
        # but no larger than the screen.
        width = self.fontMetrics().averageCharWidth() * 100
        margins = layout.contentsMargins()
        inner = width - margins.left() - margins.right()
        height = (
            column.totalHeightForWidth(inner)
            + layout.spacing()
            + buttons.sizeHint().height()
            + margins.top()
            + margins.bottom()
        )
        fit_to_screen(self, QSize(width, height))

    # --- sections -----------------------------------------------------------------------

    def _directory_section(self) -> QGroupBox:
        box = QGroupBox("Directory")
        box.setAccessibleName("Directory")
        self.database_field = _readonly_field(
            database_location(self.context.database_url), "Database location"
        )
        self.profile_field = _readonly_field(str(self.context.profile.root), "Profile folder")
        self.export_button = QPushButton("&Export directory as CSV…")
        self.export_button.setAccessibleName("Export directory as CSV")
        self.export_button.setAccessibleDescription(
            "Save every user, inactive ones too, as a spreadsheet file."
        )
        self.export_button.setAutoDefault(False)
        self.export_button.clicked.connect(self.choose_and_export)
        self.export_message = _message_label("Export result")

        form = QFormLayout(box)
        form.addRow(_label("&Database:", self.database_field), self.database_field)
        form.addRow(_label("&Profile folder:", self.profile_field), self.profile_field)
        row = QHBoxLayout()
        row.addWidget(self.export_button)
        row.addStretch(1)
        form.addRow(row)
        form.addRow(self.export_message)
        self.retention_field = self._retention_field()
        form.addRow(
            _label("&Keep each person's history for:", self.retention_field),
            self.retention_field,
        )
        return box

    def _retention_field(self) -> QSpinBox:
        field = QSpinBox()
        field.setRange(*STORY_RETENTION_DAYS)
        field.setSuffix(" days")
        field.setValue(self.context.settings.story_retention_days)
        field.setAccessibleName("Keep each person's history for, in days")
        field.setAccessibleDescription(
            "How long what each sync did to a person, and why, is kept, and each sync's list of "
            "people left out. 365 days is a school year."
        )
        field.valueChanged.connect(self._set_retention)
        return field

    def _set_retention(self, days: int) -> None:
        self.context.settings.story_retention_days = days
        self.context.save_settings()

    def _certificate_section(self) -> QGroupBox:
        box = QGroupBox("Secure connection")
        box.setAccessibleName("Secure connection")
        intro = QLabel(
            "If your network's proxy inspects secure connections, add the certificate file "
            "IT gives you; RosterSync trusts it as well as this computer's own."
        )
        intro.setWordWrap(True)
        self.ca_field = _readonly_field(self.context.settings.ca_file or "(none)", "Certificate")
        self.ca_button = QPushButton("C&hoose certificate file…")
        self.ca_button.setAccessibleName("Choose certificate file")
        self.ca_button.setAutoDefault(False)
        self.ca_button.clicked.connect(self._choose_ca_file)
        self.ca_clear_button = QPushButton("Remo&ve")
        self.ca_clear_button.setAccessibleName("Remove the certificate file")
        self.ca_clear_button.setAutoDefault(False)
        self.ca_clear_button.clicked.connect(lambda: self.set_ca_file(""))
        self.ca_clear_button.setEnabled(bool(self.context.settings.ca_file))
        self.ca_message = _message_label("Certificate result")
        # A wrapped sentence needs a box layout: a form layout row would clip it.
        layout = QVBoxLayout(box)
        layout.addWidget(intro)
        form = QFormLayout()
        form.addRow(_label("Certificate f&ile:", self.ca_field), self.ca_field)
        layout.addLayout(form)
        row = QHBoxLayout()
        row.addWidget(self.ca_button)
        row.addWidget(self.ca_clear_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.ca_message)
        return box

    def set_ca_file(self, path: str) -> bool:
        """Trust the certificates in ``path`` as well (``""``: none); True when saved."""
        if path and not Path(path).is_file():
            self._say(self.ca_message, f"The certificate file {path} does not exist.")
            return False
        self.context.settings.ca_file = str(Path(path).resolve()) if path else ""
        self.context.save_settings()
        self.ca_field.setText(self.context.settings.ca_file or "(none)")
        self.ca_clear_button.setEnabled(bool(path))
        done = "The next sync also trusts this certificate." if path else "Certificate removed."
        self._say(self.ca_message, done)
        return True

    def _choose_ca_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self,
            "Choose the certificate file from IT",
            str(Path.home()),
            "Certificates (*.pem *.crt *.cer);;All files (*)",
        )
        if name:
            self.set_ca_file(name)

    def _nightly_mode_section(self) -> QGroupBox:
        box = QGroupBox("Nightly sync")
        box.setAccessibleName("Nightly sync")
        self.changes_only_check = QCheckBox(
            "&Fetch only the people changed since the last sync (everyone once a week)"
        )
        self.changes_only_check.setAccessibleName("Nightly sync fetches only changes")
        self.changes_only_check.setAccessibleDescription(
            "Faster for large districts. A weekly full sync catches people removed outright."
        )
        self.changes_only_check.setChecked(self.context.settings.schedule.mode == "delta")
        self.changes_only_check.toggled.connect(self._set_nightly_mode)
        layout = QVBoxLayout(box)
        layout.addWidget(self.changes_only_check)
        return box

    def _set_nightly_mode(self, changes_only: bool) -> None:
        self.context.settings.schedule.mode = "delta" if changes_only else "full"
        self.context.save_settings()

    def _nightly_section(self) -> QGroupBox:
        box = QGroupBox("When RosterSync is not running")
        box.setAccessibleName("When RosterSync is not running")
        time = self.context.settings.schedule.time
        intro = QLabel(
            f"RosterSync syncs every night at {time} while it is running. If this computer "
            "does not keep RosterSync open, the computer itself can run the nightly sync. "
            "You see the exact commands before anything runs. After changing the sync time, "
            "set the task up again."
        )
        intro.setWordWrap(True)
        self.register_button = QPushButton("Set up the &computer's nightly task…")
        self.register_button.setAccessibleName("Set up the computer's nightly task")
        self.register_button.setAccessibleDescription(
            "Shows the commands, then registers a task that runs the sync every night."
        )
        self.register_button.setAutoDefault(False)
        self.register_button.clicked.connect(self.register_nightly)
        self.unregister_button = QPushButton("&Remove the computer's nightly task")
        self.unregister_button.setAccessibleName("Remove the computer's nightly task")
        self.unregister_button.setAccessibleDescription(
            "Shows the commands, then removes the computer's nightly task."
        )
        self.unregister_button.setAutoDefault(False)
        self.unregister_button.clicked.connect(self.unregister_nightly)
        self.nightly_message = _message_label("Nightly task result")

        layout = QVBoxLayout(box)
        layout.addWidget(intro)
        row = QHBoxLayout()
        row.addWidget(self.register_button)
        row.addWidget(self.unregister_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.nightly_message)
        return box

    def _sign_in_section(self) -> QGroupBox:
        box = QGroupBox("Start RosterSync when I sign in")
        box.setAccessibleName("Start RosterSync when I sign in")
        self.sign_in_check = QCheckBox("&Start RosterSync when I sign in")
        self.sign_in_check.setAccessibleName("Start RosterSync when I sign in")
        self.sign_in_check.setAccessibleDescription(
            "Shows the commands first, then adds or removes the sign-in entry."
        )
        self.sign_in_check.setChecked(self._installed(self.sign_in_task()))
        self.sign_in_check.toggled.connect(self._sign_in_toggled)
        self.sign_in_message = _message_label("Sign-in result")
        layout = QVBoxLayout(box)
        layout.addWidget(self.sign_in_check)
        layout.addWidget(self.sign_in_message)
        return box

    # --- directory ----------------------------------------------------------------------

    def export_csv(self, path: str | os.PathLike[str]) -> int:
        """Write every user (inactive ones too) with ``users --csv``'s columns; the count."""
        target = Path(path)
        count = write_users_csv(target, self.context.directory.users(include_inactive=True))
        noun = "user" if count == 1 else "users"
        self._say(self.export_message, f"Saved {count:,} {noun} to {target}.")
        return count

    def choose_and_export(self) -> None:
        start = str(Path.home() / "rostersync-directory.csv")
        name, _ = QFileDialog.getSaveFileName(
            self, "Export the directory", start, "CSV files (*.csv);;All files (*)"
        )
        if not name:
            return
        path = Path(name)
        if not path.suffix:
            path = path.with_suffix(".csv")
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.export_csv(path)
        except (OSError, RosterSyncError) as error:
            log.warning("Exporting the directory to %s failed: %s", path, error)
            reason = getattr(error, "strerror", None) or getattr(error, "message", None) or error
            self._say(self.export_message, f"The directory could not be saved to {path}: {reason}")
        finally:
            QGuiApplication.restoreOverrideCursor()

    # --- OS tasks -----------------------------------------------------------------------

    def nightly_task(self) -> OsTask:
        return nightly_task(
            self.platform,
            command=self.command,
            home=self.context.profile.root,
            time=self.context.settings.schedule.time,
            folder=self.nightly_folder,
        )

    def sign_in_task(self) -> OsTask:
        return sign_in_task(
            self.platform,
            command=self.command,
            home=self.context.profile.root,
            folder=self.sign_in_folder,
        )

    def register_nightly(self) -> bool:
        """Show, then set up, the computer's nightly task; True when it is set up."""
        return self._install(
            self.nightly_task(),
            "Set up the computer's nightly task?",
            "The computer's nightly task is set up.",
            self.nightly_message,
        )

    def unregister_nightly(self) -> bool:
        """Show, then remove, the computer's nightly task; True when it is removed."""
        return self._uninstall(
            self.nightly_task(),
            "Remove the computer's nightly task?",
            "The computer's nightly task is removed. RosterSync still syncs nightly while it "
            "is running.",
            self.nightly_message,
        )

    def set_start_at_sign_in(self, enabled: bool) -> bool:
        """Add or remove the sign-in entry (after confirmation); True when it was done."""
        task = self.sign_in_task()
        if enabled:
            return self._install(
                task,
                "Start RosterSync when you sign in?",
                "RosterSync will start when you sign in.",
                self.sign_in_message,
            )
        return self._uninstall(
            task,
            "Stop starting RosterSync when you sign in?",
            "RosterSync will no longer start when you sign in.",
            self.sign_in_message,
        )

    def _sign_in_toggled(self, checked: bool) -> None:
        if not self.set_start_at_sign_in(checked):
            # Declined or failed: the box shows what is really in place.
            self.sign_in_check.blockSignals(True)
            self.sign_in_check.setChecked(not checked)
            self.sign_in_check.blockSignals(False)

    def _installed(self, task: OsTask) -> bool:
        """Whether the task's files are in place (a task without files cannot be told)."""
        return bool(task.files) and all(
            Path(task.path_of(item.name)).exists() for item in task.files
        )

    def _install(self, task: OsTask, title: str, done: str, message: QLabel) -> bool:
        commands = [command.display(self.platform) for command in task.register]
        paths = [str(task.path_of(item.name)) for item in task.files]
        if not self.confirm(title, self._explain(task.description, paths, "save"), commands):
            return False
        try:
            task.write()
        except OSError as error:
            log.warning("Writing %s failed: %s", paths, error)
            self._say(message, f"Nothing was set up: a file could not be saved ({error}).")
            return False
        failure = self._run_all(task.register)
        if failure:
            self._say(message, f"It was not set up. {failure}")
            return False
        self._say(message, done)
        return True

    def _uninstall(self, task: OsTask, title: str, done: str, message: QLabel) -> bool:
        commands = [command.display(self.platform) for command in task.unregister]
        paths = [str(task.path_of(item.name)) for item in task.files]
        explanation = self._explain("", paths, "delete")
        if not self.confirm(title, explanation, commands):
            return False
        failure = self._run_all(task.unregister)
        try:
            task.remove()
        except OSError as error:
            log.warning("Removing %s failed: %s", paths, error)
            failure = failure or f"A file could not be deleted ({error})."
        if failure:
            self._say(message, f"It may not be fully removed. {failure}")
            return False
        self._say(message, done)
        return True

    def _explain(self, description: str, paths: list[str], verb: str) -> str:
        parts = [description] if description else []
        if paths:
            parts.append(f"RosterSync will {verb}:\n" + "\n".join(paths))
        return "\n\n".join(parts)

    def _run_all(self, commands: tuple) -> str:
        """Run ``commands`` in order; '' when all went well, else the failure in words."""
        for command in commands:
            argv = list(command.argv)
            code, output = self.run_command(argv)
            if code == 0 or command.may_fail:
                if code:
                    log.info("%s ended with %s (allowed): %s", argv, code, output)
                continue
            shown = command.display(self.platform)
            log.warning("%s ended with %s: %s", argv, code, output)
            detail = f": {output}" if output else "."
            return f"This command did not work (exit code {code}):\n{shown}\nIt said{detail}"
        return ""

    def ask_to_run(self, title: str, explanation: str, commands: list[str]) -> bool:
        """The default confirmation: what will happen and the exact commands; OK or Cancel."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("RosterSync")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(title)
        text = explanation
        if commands:
            text += ("\n\n" if text else "") + "RosterSync will run:\n" + "\n".join(commands)
        box.setInformativeText(text)
        box.setStandardButtons(QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Ok).setText("&OK")
        box.button(QMessageBox.StandardButton.Cancel).setText("&Cancel")
        return box.exec() == QMessageBox.StandardButton.Ok

    # --- misc ---------------------------------------------------------------------------

    def _open_wizard(self) -> None:
        self.reopen_wizard.emit()
        self.accept()

    def _say(self, label: QLabel, text: str) -> None:
        label.setText(text)
        label.show()
