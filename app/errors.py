"""Errors a person sees. Every message is a sentence that says what happened and what to do.

Messages never contain a secret, a token or a request header: they are built from our own
words plus, at most, a host name or an HTTP status.
"""

from __future__ import annotations


class RosterSyncError(Exception):
    """Base of every error that is shown to a person as-is (no traceback)."""

    #: A short machine-readable name of the kind of failure, for checklists and tests.
    kind: str = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigurationError(RosterSyncError):
    """A setting is missing or cannot work as given."""

    kind = "configuration"


class NetworkError(RosterSyncError):
    """The server could not be reached (DNS, refused, timeout, reset)."""

    kind = "network"


class TlsError(NetworkError):
    """The secure connection failed: certificate or TLS-inspecting proxy."""

    kind = "tls"


class AuthenticationError(RosterSyncError):
    """The token endpoint refused the Client ID or Client Secret."""

    kind = "credentials"


class NotATokenEndpointError(RosterSyncError):
    """The Token URL answered, but not as an OAuth2 token endpoint."""

    kind = "token_url"


class NotOneRosterError(RosterSyncError):
    """The Base URL answered, but not as a OneRoster rostering service."""

    kind = "base_url"


class AccessDeniedError(RosterSyncError):
    """The token was accepted, but the connection may not read what we asked for."""

    kind = "access_denied"


class ProviderError(RosterSyncError):
    """The provider kept failing (outage, rate limit, broken answers) after all retries."""

    kind = "provider"


class CanceledError(RosterSyncError):
    """Someone asked the operation to stop."""

    kind = "canceled"

    def __init__(self, message: str = "The sync was canceled; nothing was changed.") -> None:
        super().__init__(message)


class SecretStoreError(RosterSyncError):
    """The OS keyring is missing, locked or refused access."""

    kind = "keyring"


class SyncInProgressError(RosterSyncError):
    """Another sync is running against the same directory."""

    kind = "busy"


class SafetyLimitError(RosterSyncError):
    """The sync would deactivate too many users at once."""

    kind = "safety_limit"

    def __init__(self, message: str, would_deactivate: int, active_before: int) -> None:
        super().__init__(message)
        self.would_deactivate = would_deactivate
        self.active_before = active_before


class NotFoundError(RosterSyncError):
    """A school, site or other named thing does not exist."""

    kind = "not_found"
