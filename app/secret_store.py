"""The client secret, kept in the OS keyring and nowhere else on disk.

Where no keyring is usable (a server, CI) the secret may come from ``ROSTERSYNC_CLIENT_SECRET``;
a secret in the keyring always wins over the variable.
"""

from __future__ import annotations

import hashlib
import logging
import os

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail

from app.errors import SecretStoreError
from app.paths import Profile
from app.redaction import register_secret

log = logging.getLogger(__name__)

SECRET_VARIABLE = "ROSTERSYNC_CLIENT_SECRET"
SERVICE = "RosterSync"

_FRIENDLY_NAMES = {
    "WinVaultKeyring": "Windows Credential Locker",
    "Keyring": "macOS Keychain",
    "SecretServiceKeyring": "Secret Service (GNOME Keyring / KWallet)",
    "DBusKeyring": "KWallet",
}


class SecretStore:
    """Reads and writes one profile's client secret."""

    def __init__(self, profile: Profile, backend: KeyringBackend | None = None) -> None:
        self._backend = backend or keyring.get_keyring()
        # One entry per profile folder, so the demo profile never touches the real secret.
        digest = hashlib.sha256(str(profile.root.resolve()).encode()).hexdigest()[:16]
        self._account = f"client-secret-{digest}"

    @property
    def usable(self) -> bool:
        backend = self._backend
        if isinstance(backend, fail.Keyring):
            return False
        if isinstance(backend, chainer.ChainerBackend):
            return bool(backend.backends)
        return True

    @property
    def backend_name(self) -> str:
        if not self.usable:
            return "none"
        name = type(self._backend).__name__
        module = type(self._backend).__module__
        if name == "Keyring" and not module.endswith("macOS"):
            return f"{module}.{name}"
        return _FRIENDLY_NAMES.get(name, name)

    def get(self) -> str | None:
        """The saved secret, else the environment variable, else None."""
        secret: str | None = None
        if self.usable:
            try:
                secret = self._backend.get_password(SERVICE, self._account)
            except keyring.errors.KeyringError as error:
                raise self._failure("read", error) from None
        if not secret:
            secret = os.environ.get(SECRET_VARIABLE) or None
        register_secret(secret)
        return secret

    def has_saved_secret(self) -> bool:
        if not self.usable:
            return False
        try:
            return bool(self._backend.get_password(SERVICE, self._account))
        except keyring.errors.KeyringError as error:
            raise self._failure("read", error) from None

    def save(self, secret: str) -> bool:
        """Store the secret; False when no keyring is usable (nothing is written then)."""
        register_secret(secret)
        if not self.usable:
            return False
        try:
            self._backend.set_password(SERVICE, self._account, secret)
        except keyring.errors.KeyringError as error:
            raise self._failure("save", error) from None
        return True

    def _failure(self, action: str, error: Exception) -> SecretStoreError:
        log.warning("Keyring %s failed: %s", action, type(error).__name__)
        if isinstance(error, keyring.errors.KeyringLocked):
            reason = "it is locked — unlock it (sign in again or open your keychain) and retry"
        else:
            reason = "it refused access — allow RosterSync to use it and retry"
        return SecretStoreError(
            f"RosterSync could not {action} the Client Secret in {self.backend_name} because "
            f"{reason}. Nothing was written elsewhere."
        )


class EphemeralKeyring(KeyringBackend):
    """A keyring that forgets everything when the process ends: for the throwaway demo profile."""

    priority = 0  # type: ignore[assignment]  # never chosen automatically

    def __init__(self) -> None:
        super().__init__()
        self._entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self._entries.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("no such secret")


def missing_secret_message(store: SecretStore) -> str:
    if store.usable:
        return (
            "No Client Secret is saved. Run 'rostersync connect … --secret-stdin' or the setup "
            "wizard to enter it."
        )
    return (
        "No Client Secret is available: this computer has no usable keyring, so set the "
        f"{SECRET_VARIABLE} environment variable before running RosterSync."
    )
