"""Page 2: the integration switch, where the roster comes from, and its values.

A OneRoster server (Infinite Campus's four values; a provider that signs requests with OAuth
1.0a needs no Token URL) or a OneRoster CSV export. Each value is checked as it is typed or
pasted, and a problem is shown under its field with the fix. Nothing is saved here: the next
page validates the connection first.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import ConfigurationError, RosterSyncError
from app.oneroster.urls import (
    ONEROSTER_PATH,
    ONEROSTER_V1P1_PATH,
    ends_like_base_url,
    ends_like_token_url,
    mixed_version_note,
    normalize_base_url,
    normalize_token_url,
    version_of,
)
from app.paste_parser import parse_connection_text
from app.settings import ConnectionSettings
from ui.wizard.base import SetupPage, accessible, named_line_edit
from ui.wizard.checked_field import CheckedField
from ui.wizard.csv_location import CsvLocation
from ui.wizard.state import SetupState

SAVED_SECRET_HINT = "Saved — leave empty to keep the saved Client Secret"


def _url_problem(normalize: Callable[[str], str]) -> Callable[[str], str | None]:
    def check(text: str) -> str | None:
        if not text.strip():
            return "Required."
        try:
            normalize(text)
        except ConfigurationError as error:
            return error.message
        return None

    return check


def version_note(base_url: str) -> str:
    """Which OneRoster version a valid Base URL is read as, or that its two halves disagree."""
    normalized = normalize_base_url(base_url)
    mixed = mixed_version_note(normalized)
    if mixed:
        return f"⚠ {mixed}"
    version = version_of(normalized)
    ending = ONEROSTER_V1P1_PATH if version == "1.1" else ONEROSTER_PATH
    return f"OneRoster {version}: the Base URL ends with {ending}."


class ConnectionPage(SetupPage):
    def __init__(self, state: SetupState) -> None:
        super().__init__(
            state,
            "Connect to Infinite Campus",
            "Turn the integration on, choose where the roster comes from, and enter the values "
            "from Infinite Campus's “Generate New OneRoster Connection” screen (or your "
            "student information system's OneRoster settings).",
        )
        self.enabled = QCheckBox("&Enable Infinite Campus integration")
        accessible(self.enabled, "Enable Infinite Campus integration")
        self.body.addWidget(self.enabled)
        self._build_source_choice()
        self._build_server_form()
        self._build_csv_form()
        self.paste_result = QLabel()
        self.paste_result.setWordWrap(True)
        self.body.addWidget(self.paste_result)
        self.body.addStretch(1)

        self.enabled.toggled.connect(self._on_changed)
        self.from_csv.toggled.connect(self._on_changed)
        self.signs_requests.toggled.connect(self._on_changed)
        self.show_secret.toggled.connect(self._on_show_secret)
        self.paste.clicked.connect(self.paste_from_clipboard)
        self.swap.clicked.connect(self.swap_urls)
        self.csv.changed.connect(self._on_changed)
        for field in self.fields.values():
            field.edit.textChanged.connect(self._on_changed)

    # -- layout ---------------------------------------------------------------------------

    def _build_source_choice(self) -> None:
        self.from_server = QRadioButton(
            "From a OneRoster se&rver: Infinite Campus, or another system's OneRoster API"
        )
        accessible(self.from_server, "From a OneRoster server")
        self.from_csv = QRadioButton("From OneRoster &CSV files: a zip, a folder or a drop folder")
        accessible(self.from_csv, "From OneRoster CSV files")
        choice = QButtonGroup(self)
        choice.addButton(self.from_server)
        choice.addButton(self.from_csv)
        self.source_box = QWidget()
        column = QVBoxLayout(self.source_box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(QLabel("<b>Where the roster comes from</b>"))
        column.addWidget(self.from_server)
        column.addWidget(self.from_csv)
        self.body.addWidget(self.source_box)

    def _build_server_form(self) -> None:
        self.client_id = named_line_edit("Client ID", "For example: 4f1c9e…")
        self.secret = named_line_edit("Client Secret", "Paste the Client Secret")
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.show_secret = QCheckBox("S&how")
        accessible(self.show_secret, "Show the Client Secret")
        self.signs_requests = QCheckBox("This provider si&gns requests (OAuth 1.0a)")
        accessible(
            self.signs_requests,
            "This provider signs requests (OAuth 1.0a)",
            "For ClassLink and older OneRoster 1.1 systems: the Client ID is the consumer "
            "key, the Client Secret the consumer secret, and there is no Token URL.",
        )
        self.token_url = named_line_edit("Token URL", "https://…/campus/oauth2/token?appName=…")
        self.base_url = named_line_edit("Base URL", "https://…/ims/oneroster/rostering/v1p2")
        self.version = QLabel()
        self.version.setWordWrap(True)
        self.fields = {
            "client_id": CheckedField(self.client_id, self._client_id_problem),
            "secret": CheckedField(self.secret, self._secret_problem),
            "token_url": CheckedField(self.token_url, self._token_url_problem),
            "base_url": CheckedField(self.base_url, _url_problem(normalize_base_url)),
        }

        self.form = QFormLayout()
        self._add_row(self.form, "Client &ID:", self._with_problem("client_id"), self.client_id)
        secret_row = QHBoxLayout()
        secret_row.addWidget(self.secret, 1)
        secret_row.addWidget(self.show_secret)
        secret_box = QWidget()
        secret_box.setLayout(secret_row)
        secret_row.setContentsMargins(0, 0, 0, 0)
        self._add_row(
            self.form, "Client &Secret:", self._with_problem("secret", secret_box), self.secret
        )
        self.form.addRow("", self.signs_requests)
        self.token_url_row = self._with_problem("token_url")
        self._add_row(self.form, "&Token URL:", self.token_url_row, self.token_url)
        base_url_row = self._with_problem("base_url", extra=self.version)
        self._add_row(self.form, "Base &URL:", base_url_row, self.base_url)

        self.paste = QPushButton("&Paste connection details")
        accessible(
            self.paste,
            "Paste connection details",
            "Fills all four fields from text copied off the Infinite Campus screen.",
        )
        self.swap = QPushButton("S&wap Token URL and Base URL")
        accessible(self.swap, "Swap Token URL and Base URL")
        self.swap.setVisible(False)
        actions = QHBoxLayout()
        actions.setContentsMargins(0, 0, 0, 0)
        actions.addWidget(self.paste)
        actions.addWidget(self.swap)
        actions.addStretch(1)
        self.form_box = QWidget()
        column = QVBoxLayout(self.form_box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(self.form)
        column.addLayout(actions)
        self.body.addWidget(self.form_box)

    def _build_csv_form(self) -> None:
        self.csv = CsvLocation()
        form = QFormLayout()
        self._add_row(form, "&Location:", self.csv, self.csv.edit)
        hint = QLabel(
            "The export Infinite Campus (or your student information system) writes: a .zip "
            "file, a folder holding manifest.csv, or a drop folder on a file share where a "
            "new zip appears each night. No Client ID or secret is needed."
        )
        hint.setWordWrap(True)
        self.csv_box = QWidget()
        column = QVBoxLayout(self.csv_box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(form)
        column.addWidget(hint)
        self.body.addWidget(self.csv_box)

    @staticmethod
    def _add_row(form: QFormLayout, text: str, row: QWidget, field: QWidget) -> None:
        """A labelled row whose mnemonic (Alt+I for "Client &ID:") focuses the field itself:
        the box around it, with its problem line, cannot take the focus."""
        label = QLabel(text)
        label.setBuddy(field)
        form.addRow(label, row)

    def _with_problem(
        self, key: str, main: QWidget | None = None, extra: QWidget | None = None
    ) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(main or self.fields[key].edit)
        column.addWidget(self.fields[key].problem)
        if extra is not None:
            column.addWidget(extra)
        return box

    # -- checks ---------------------------------------------------------------------------

    def _client_id_problem(self, text: str) -> str | None:
        return None if text.strip() else "Required."

    def _secret_problem(self, text: str) -> str | None:
        if text.strip() or self.state.has_saved_secret:
            return None
        return "Required."

    def _token_url_problem(self, text: str) -> str | None:
        if self.signs_requests.isChecked():
            return None
        return _url_problem(normalize_token_url)(text)

    def _looks_swapped(self) -> bool:
        return ends_like_base_url(self.token_url.text()) and ends_like_token_url(
            self.base_url.text()
        )

    @property
    def reads_csv(self) -> bool:
        return self.from_csv.isChecked()

    # -- wizard hooks ---------------------------------------------------------------------

    def initializePage(self) -> None:
        try:
            self.state.refresh_saved_secret()
        except RosterSyncError as error:  # a locked keyring: say so, and ask for the secret
            self.state.has_saved_secret = False
            self.paste_result.setText(error.message)
        connection = self.state.connection
        self.enabled.setChecked(connection.enabled or not connection.is_complete)
        (self.from_csv if connection.csv_path else self.from_server).setChecked(True)
        self.csv.edit.setText(connection.csv_path)
        self.signs_requests.setChecked(connection.auth == "oauth1")
        self.client_id.setText(connection.client_id)
        self.token_url.setText(connection.token_url)
        self.base_url.setText(connection.base_url)
        self.secret.setText(self.state.typed_secret or "")
        if self.state.has_saved_secret:
            self.secret.setPlaceholderText(SAVED_SECRET_HINT)
        self._on_changed()

    def isComplete(self) -> bool:
        if not self.enabled.isChecked():
            return False
        if self.reads_csv:
            return self.csv.error is None
        return all(f.error is None for f in self.fields.values())

    def validatePage(self) -> bool:
        enabled = self.enabled.isChecked()
        if self.reads_csv:
            self.state.connection = ConnectionSettings(enabled=enabled, csv_path=self.csv.path())
            self.state.typed_secret = None
            return True
        saved = self.state.connection
        signs = self.signs_requests.isChecked()
        self.state.connection = ConnectionSettings(
            enabled=enabled,
            base_url=normalize_base_url(self.base_url.text()),
            token_url="" if signs else normalize_token_url(self.token_url.text()),
            client_id=self.client_id.text().strip(),
            scope=saved.scope,
            auth="oauth1" if signs else "oauth2",
            signature_method=saved.signature_method if signs else "",
        )
        self.state.typed_secret = self.secret.text().strip() or None
        return True

    # -- actions --------------------------------------------------------------------------

    def paste_from_clipboard(self) -> None:
        self.fill_from_text(QGuiApplication.clipboard().text())

    def fill_from_text(self, text: str) -> None:
        pasted = parse_connection_text(text)
        if pasted.found == 0:
            self.paste_result.setText(
                "Nothing to paste was found. Copy the four lines (Client ID, Client Secret, "
                "Token URL, Base URL) from the Infinite Campus screen, then try again."
            )
            return
        for edit, value in (
            (self.client_id, pasted.client_id),
            (self.secret, pasted.client_secret),
            (self.token_url, pasted.token_url),
            (self.base_url, pasted.base_url),
        ):
            if value:
                edit.setText(value.strip())
        self.paste_result.setText(f"Filled {pasted.found} of the 4 values.")

    def swap_urls(self) -> None:
        base, token = self.base_url.text(), self.token_url.text()
        self.base_url.setText(token)
        self.token_url.setText(base)

    def _on_show_secret(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.secret.setEchoMode(mode)

    def _on_changed(self) -> None:
        enabled, reads_csv = self.enabled.isChecked(), self.reads_csv
        self.source_box.setEnabled(enabled)
        self.form_box.setEnabled(enabled)
        self.csv_box.setEnabled(enabled)
        self.form_box.setVisible(not reads_csv)
        self.csv_box.setVisible(reads_csv)
        self.form.setRowVisible(self.token_url_row, not self.signs_requests.isChecked())
        for field in self.fields.values():
            field.refresh()
        self.csv.refresh()
        self._show_version()
        self.swap.setVisible(not reads_csv and self._looks_swapped())
        self.completeChanged.emit()

    def _show_version(self) -> None:
        valid = self.fields["base_url"].error is None
        self.version.setText(version_note(self.base_url.text()) if valid else "")
        self.version.setVisible(valid)
