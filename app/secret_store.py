"""The client secret, kept in the OS keyring and nowhere else on disk.

Where no keyring is usable (a server, CI) the secret may come from ``ROSTERSYNC_CLIENT_SECRET``;
a secret in the keyring always wins over the variable.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import secrets
import sys

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

# keyring's backend modules, by the name a person knows them by.
_FRIENDLY_NAMES = {
    "keyring.backends.Windows": "Windows Credential Locker",
    "keyring.backends.macOS": "macOS Keychain",
    "keyring.backends.SecretService": "Secret Service (GNOME Keyring or KWallet)",
    "keyring.backends.kwallet": "KWallet",
}
# The keyring each platform's build must carry.
_PLATFORM_BACKENDS = {"win32": "keyring.backends.Windows", "darwin": "keyring.backends.macOS"}
_LINUX_BACKEND = "keyring.backends.SecretService"


class SecretStore:
    """Reads and writes one profile's client secret."""

    def __init__(self, profile: Profile, backend: KeyringBackend | None = None) -> None:
        self._backend = backend or keyring.get_keyring()
        # One entry per profile folder, so the demo profile never touches the real secret.
        digest = hashlib.sha256(str(profile.root.resolve()).encode()).hexdigest()[:16]
        self._account = f"client-secret-{digest}"

    @property
    def usable(self) -> bool:
        return backend_usable(self._backend)

    @property
    def backend_name(self) -> str:
        return backend_name(self._backend)

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

    def delete(self) -> None:
        """Forget the saved secret (nothing happens when none is saved)."""
        if not self.usable:
            return
        try:
            self._backend.delete_password(SERVICE, self._account)
        except keyring.errors.PasswordDeleteError:
            return
        except keyring.errors.KeyringError as error:
            raise self._failure("delete", error) from None

    def _failure(self, action: str, error: Exception) -> SecretStoreError:
        return keyring_failure(action, error, self.backend_name)


def backend_usable(backend: KeyringBackend) -> bool:
    if isinstance(backend, fail.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return bool(backend.backends)
    return True


def backend_name(backend: KeyringBackend) -> str:
    if not backend_usable(backend):
        return "none"
    module = type(backend).__module__
    return _FRIENDLY_NAMES.get(module, f"{module}.{type(backend).__name__}")


def keyring_failure(action: str, error: Exception, keyring_name: str) -> SecretStoreError:
    log.warning("Keyring %s failed: %s", action, type(error).__name__)
    if isinstance(error, keyring.errors.KeyringLocked):
        reason = "it is locked — unlock it (sign in again or open your keychain) and retry"
    else:
        reason = "it refused access — allow RosterSync to use it and retry"
    return SecretStoreError(
        f"RosterSync could not {action} the Client Secret in {keyring_name} because "
        f"{reason}. Nothing was written elsewhere."
    )


class EphemeralKeyring(KeyringBackend):
    """A keyring that forgets everything when the process ends: for the throwaway demo profile."""

    priority = -1  # type: ignore[assignment]  # below the "no keyring" backend: never chosen by itself

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


def missing_keyring_reason() -> str:
    """Which keyring this computer should offer, and why it cannot be used."""
    module_name = _PLATFORM_BACKENDS.get(sys.platform, _LINUX_BACKEND)
    name = _FRIENDLY_NAMES[module_name]
    try:
        module = importlib.import_module(module_name)
        _ = module.Keyring.priority  # raises with keyring's own reason when unusable
    except ImportError:
        return f"{name} support is missing from this copy of RosterSync"
    except Exception as error:
        return f"{name} is not available: {error}"
    return f"{name} is installed but was not chosen; check the keyring configuration"


def keyring_round_trip(backend: KeyringBackend | None = None) -> str:
    """Save, read back and delete a throwaway secret in the keyring in force; its name.

    Raises SecretStoreError saying which keyring is missing, or what it refused.
    """
    backend = backend or keyring.get_keyring()
    if not backend_usable(backend):
        raise SecretStoreError(f"No usable keyring: {missing_keyring_reason()}.")
    name = backend_name(backend)
    account = f"self-test-{os.getpid()}"
    value = secrets.token_urlsafe(24)
    try:
        backend.set_password(SERVICE, account, value)
        read_back = backend.get_password(SERVICE, account)
        backend.delete_password(SERVICE, account)
    except keyring.errors.KeyringError as error:
        raise keyring_failure("use", error, name) from None
    if read_back != value:
        raise SecretStoreError(f"{name} did not return the secret it was given.")
    return name


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
