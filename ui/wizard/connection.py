"""Page 2: the integration switch and the four values from Infinite Campus.

Each value is checked as it is typed or pasted, and a problem is shown under its field with
the fix. Nothing is saved here: the next page validates the connection first.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import ConfigurationError, RosterSyncError
from app.oneroster.urls import normalize_base_url, normalize_token_url
from app.paste_parser import parse_connection_text
from app.settings import ConnectionSettings
from ui.palette import error_color
from ui.wizard.base import SetupPage, accessible
from ui.wizard.state import SetupState

SAVED_SECRET_HINT = "Saved — leave empty to keep the saved Client Secret"


class _CheckedField:
    """A line edit with a problem label under it, checked on every change."""

    def __init__(self, edit: QLineEdit, check: Callable[[str], str | None]) -> None:
        self.edit = edit
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setVisible(False)
        self._check = check
        self.error: str | None = None

    def refresh(self) -> None:
        self.error = self._check(self.edit.text())
        self.problem.setText(self.error or "")
        self.problem.setVisible(bool(self.error) and bool(self.edit.text().strip()))
        color = error_color(self.problem).name()
        self.problem.setStyleSheet(f"color: {color};")
        self.edit.setAccessibleDescription(self.error or "")


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


class ConnectionPage(SetupPage):
    def __init__(self, state: SetupState) -> None:
        super().__init__(
            state,
            "Connect to Infinite Campus",
            "Turn the integration on and enter the four values from Infinite Campus's "
            "“Generate New OneRoster Connection” screen.",
        )
        self.enabled = QCheckBox("&Enable Infinite Campus integration")
        accessible(self.enabled, "Enable Infinite Campus integration")
        self.body.addWidget(self.enabled)

        self.client_id = self._line_edit("Client ID", "For example: 4f1c9e…")
        self.secret = self._line_edit("Client Secret", "Paste the Client Secret")
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.show_secret = QCheckBox("S&how")
        accessible(self.show_secret, "Show the Client Secret")
        self.token_url = self._line_edit("Token URL", "https://…/campus/oauth2/token?appName=…")
        self.base_url = self._line_edit("Base URL", "https://…/ims/oneroster/rostering/v1p2")
        self.fields = {
            "client_id": _CheckedField(self.client_id, self._client_id_problem),
            "secret": _CheckedField(self.secret, self._secret_problem),
            "token_url": _CheckedField(self.token_url, _url_problem(normalize_token_url)),
            "base_url": _CheckedField(self.base_url, _url_problem(normalize_base_url)),
        }

        form = QFormLayout()
        form.addRow("Client &ID:", self._with_problem("client_id"))
        secret_row = QHBoxLayout()
        secret_row.addWidget(self.secret, 1)
        secret_row.addWidget(self.show_secret)
        secret_box = QWidget()
        secret_box.setLayout(secret_row)
        secret_row.setContentsMargins(0, 0, 0, 0)
        form.addRow("Client &Secret:", self._with_problem("secret", secret_box))
        form.addRow("&Token URL:", self._with_problem("token_url"))
        form.addRow("&Base URL:", self._with_problem("base_url"))
        self.form_box = QWidget()
        self.form_box.setLayout(form)
        self.body.addWidget(self.form_box)

        actions = QHBoxLayout()
        self.paste = QPushButton("&Paste connection details")
        accessible(
            self.paste,
            "Paste connection details",
            "Fills all four fields from text copied off the Infinite Campus screen.",
        )
        self.swap = QPushButton("S&wap Token URL and Base URL")
        accessible(self.swap, "Swap Token URL and Base URL")
        self.swap.setVisible(False)
        actions.addWidget(self.paste)
        actions.addWidget(self.swap)
        actions.addStretch(1)
        self.body.addLayout(actions)
        self.paste_result = QLabel()
        self.paste_result.setWordWrap(True)
        self.body.addWidget(self.paste_result)
        self.body.addStretch(1)

        self.enabled.toggled.connect(self._on_changed)
        self.show_secret.toggled.connect(self._on_show_secret)
        self.paste.clicked.connect(self.paste_from_clipboard)
        self.swap.clicked.connect(self.swap_urls)
        for field in self.fields.values():
            field.edit.textChanged.connect(self._on_changed)

    def _line_edit(self, name: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder)
        edit.setClearButtonEnabled(True)
        for clear in edit.findChildren(QToolButton):  # Qt's own clear button has no name
            accessible(clear, f"Clear {name}")
        accessible(edit, name)
        return edit

    def _with_problem(self, key: str, main: QWidget | None = None) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(main or self.fields[key].edit)
        column.addWidget(self.fields[key].problem)
        return box

    # -- checks ---------------------------------------------------------------------------

    def _client_id_problem(self, text: str) -> str | None:
        return None if text.strip() else "Required."

    def _secret_problem(self, text: str) -> str | None:
        if text.strip() or self.state.has_saved_secret:
            return None
        return "Required."

    def _looks_swapped(self) -> bool:
        base, token = self.base_url.text().lower(), self.token_url.text().lower()
        return "/ims/oneroster" in token and ("oauth" in base or "/token" in base)

    # -- wizard hooks ---------------------------------------------------------------------

    def initializePage(self) -> None:
        try:
            self.state.refresh_saved_secret()
        except RosterSyncError as error:  # a locked keyring: say so, and ask for the secret
            self.state.has_saved_secret = False
            self.paste_result.setText(error.message)
        connection = self.state.connection
        self.enabled.setChecked(connection.enabled or not connection.is_complete)
        self.client_id.setText(connection.client_id)
        self.token_url.setText(connection.token_url)
        self.base_url.setText(connection.base_url)
        self.secret.setText(self.state.typed_secret or "")
        if self.state.has_saved_secret:
            self.secret.setPlaceholderText(SAVED_SECRET_HINT)
        self._on_changed()

    def isComplete(self) -> bool:
        return self.enabled.isChecked() and all(f.error is None for f in self.fields.values())

    def validatePage(self) -> bool:
        self.state.connection = ConnectionSettings(
            enabled=self.enabled.isChecked(),
            base_url=normalize_base_url(self.base_url.text()),
            token_url=normalize_token_url(self.token_url.text()),
            client_id=self.client_id.text().strip(),
            scope=self.state.connection.scope,
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
        self.form_box.setEnabled(self.enabled.isChecked())
        self.paste.setEnabled(self.enabled.isChecked())
        for field in self.fields.values():
            field.refresh()
        self.swap.setVisible(self._looks_swapped())
        self.completeChanged.emit()
