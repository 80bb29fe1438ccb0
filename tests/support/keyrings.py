"""Keyring backends for tests: the OS keyring is an OS service we stand in for, not our code."""

from __future__ import annotations

import keyring.errors

from app.secret_store import EphemeralKeyring


class LockedKeyring(EphemeralKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("locked")


class DenyingKeyring(EphemeralKeyring):
    """A keyring that refuses this program (macOS's "Deny", a policy on Windows)."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringError("access denied")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError("access denied")
