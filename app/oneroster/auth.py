"""OAuth2 client-credentials tokens from the Token URL, kept in memory and renewed in time.

Some token endpoints want the Client ID and Client Secret in an HTTP Basic header, others in the
form body. Basic is tried first; when it is refused the body is tried once, and whichever worked
is used from then on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from requests import PreparedRequest
from requests.auth import AuthBase, HTTPBasicAuth

from app.errors import (
    AccessDeniedError,
    AuthenticationError,
    ConfigurationError,
    NotATokenEndpointError,
    RosterSyncError,
)
from app.oneroster.request_auth import ProbeRequest
from app.oneroster.transport import PROVIDER, Reply, Transport
from app.oneroster.urls import host_of, normalize_token_url
from app.redaction import register_secret

log = logging.getLogger(__name__)

AuthStyle = Literal["basic", "body"]

_MAX_EARLY_RENEWAL: Final = 60.0
_EARLY_RENEWAL_SHARE: Final = 0.1
_CHECK_BOTH: Final = (
    f"{PROVIDER} did not accept the Client ID and Client Secret — check both; copy them again "
    "from the OneRoster connection in Infinite Campus."
)


@dataclass(frozen=True)
class Credentials:
    token_url: str
    client_id: str
    client_secret: str = field(repr=False)
    scope: str | None = None

    def normalized(self) -> Credentials:
        """Pasted values trimmed and checked; ConfigurationError says what is missing."""
        client_id, secret = self.client_id.strip(), self.client_secret.strip()
        if not client_id:
            raise ConfigurationError("Enter the Client ID from Infinite Campus.")
        if not secret:
            raise ConfigurationError("Enter the Client Secret from Infinite Campus.")
        scope = (self.scope or "").strip() or None
        register_secret(secret)
        return Credentials(normalize_token_url(self.token_url), client_id, secret, scope)


class BearerAuth(AuthBase):
    """Sends a token. Given explicitly so that requests never swaps in ~/.netrc credentials."""

    def __init__(self, token: str, *, renewed: bool = False) -> None:
        self.token = token
        #: Got because the provider refused the one before: a refusal of this one is final.
        self.renewed = renewed

    def __repr__(self) -> str:
        return "BearerAuth(***)"

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


class _NoAuth(AuthBase):
    """No Authorization header, and none from ~/.netrc either."""

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        return request


@dataclass(frozen=True)
class Token:
    value: str = field(repr=False)
    renew_at: float | None  # clock time; None when the provider did not say how long it lasts


@dataclass(frozen=True)
class TokenRefusal:
    """A token request that did not give a token."""

    error: RosterSyncError
    #: Whether the other way of sending the credentials might work.
    try_other_style: bool = False
    #: How precisely the error names the problem (higher wins when both styles were refused).
    precision: int = 0


def _oauth_error(payload: Any) -> tuple[str, str] | None:
    """(error, description) of an RFC 6749 error answer, lower-cased; None if it is not one."""
    if not isinstance(payload, dict) or not isinstance(payload.get("error"), str):
        return None
    description = payload.get("error_description")
    return payload["error"].strip().lower(), (
        description.lower() if isinstance(description, str) else ""
    )


def _credentials_refusal(description: str) -> TokenRefusal:
    """Which of the two values was wrong, when the provider's description says so."""
    says_secret = "secret" in description or "password" in description
    says_id = any(
        phrase in description
        for phrase in ("client id", "client_id", "clientid", "unknown client", "client not found")
    )
    if says_secret and not says_id:
        return TokenRefusal(
            AuthenticationError(
                f"{PROVIDER} did not accept the Client Secret — copy the Client Secret again from "
                "the OneRoster connection in Infinite Campus (or generate a new one)."
            ),
            try_other_style=True,
            precision=2,
        )
    if says_id and not says_secret:
        return TokenRefusal(
            AuthenticationError(
                f"{PROVIDER} does not know this Client ID — copy the Client ID again from the "
                "OneRoster connection in Infinite Campus."
            ),
            try_other_style=True,
            precision=2,
        )
    return TokenRefusal(AuthenticationError(_CHECK_BOTH), try_other_style=True, precision=1)


def _refusal_for_oauth_error(error: str, description: str, scope: str | None) -> TokenRefusal:
    if "appname" in description:  # Infinite Campus names the app in the Token URL's query
        return TokenRefusal(
            NotATokenEndpointError(
                f"{PROVIDER} did not recognize the app name in the Token URL — copy the whole "
                "Token URL again, including the ?appName=… part at its end."
            )
        )
    if error in ("invalid_client", "invalid_request", "invalid_grant"):
        return _credentials_refusal(description)
    if error == "invalid_scope":
        return TokenRefusal(
            AuthenticationError(
                f"{PROVIDER} did not accept the scope “{scope or ''}” — correct the Scope setting "
                "or leave it empty."
            )
        )
    if error == "unauthorized_client":
        return TokenRefusal(
            AuthenticationError(
                f"{PROVIDER} does not allow this Client ID to request access — ask your "
                f"{PROVIDER} administrator to check that the OneRoster connection is enabled."
            )
        )
    if error == "unsupported_grant_type":
        return TokenRefusal(
            NotATokenEndpointError(
                "The Token URL does not hand out tokens to programs like RosterSync — check that "
                "it is the Token URL of the OneRoster connection in Infinite Campus."
            )
        )
    return TokenRefusal(AuthenticationError(_CHECK_BOTH), try_other_style=True)


def _not_a_token_endpoint(what_happened: str) -> NotATokenEndpointError:
    return NotATokenEndpointError(
        f"{what_happened} — copy the Token URL again from Infinite Campus (it usually ends "
        "with /oauth2/token?appName=…)."
    )


def _scope_note(payload: Any) -> str:
    scope = payload.get("scope") if isinstance(payload, dict) else None
    return f" for scope {scope!r}" if isinstance(scope, str) and scope else ""


def _token_from(payload: Any, now: float) -> Token | None:
    if not isinstance(payload, dict):
        return None
    value = payload.get("access_token")
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        lifetime = float(payload["expires_in"])
    except (KeyError, TypeError, ValueError):
        return Token(value.strip(), None)
    early = min(_MAX_EARLY_RENEWAL, _EARLY_RENEWAL_SHARE * max(lifetime, 0.0))
    return Token(value.strip(), now + lifetime - early)


def is_token_answer(reply: Reply) -> bool:
    return _token_from(reply.json(), 0.0) is not None


def read_token_reply(reply: Reply, *, scope: str | None, now: float) -> Token | TokenRefusal:
    """A token, or why there is none, from the token endpoint's answer."""
    host = host_of(reply.url)
    try:
        payload: Any = reply.json()
    except ValueError:
        payload = None
    oauth_error = _oauth_error(payload)
    if oauth_error is not None and reply.status in (200, 400, 401):
        return _refusal_for_oauth_error(*oauth_error, scope)
    if reply.status == 200:
        token = _token_from(payload, now)
        if token is not None:
            register_secret(token.value)  # masked in every log line and message from now on
            log.debug("Got a token%s lasting %s s", _scope_note(payload), payload.get("expires_in"))
            return token
        if reply.looks_like_html():
            return TokenRefusal(
                _not_a_token_endpoint(f"The Token URL opens a web page on {host}, not a token")
            )
        return TokenRefusal(
            _not_a_token_endpoint(f"The Token URL on {host} answered, but not with a token")
        )
    if reply.status == 401:
        return TokenRefusal(AuthenticationError(_CHECK_BOTH), try_other_style=True)
    if reply.status == 403:
        return TokenRefusal(
            AccessDeniedError(
                f"{host} refused to give RosterSync access — ask your {PROVIDER} administrator "
                "to check that the OneRoster connection is enabled and allowed from this network."
            )
        )
    if reply.status in (404, 410):
        return TokenRefusal(_not_a_token_endpoint(f"The Token URL was not found on {host}"))
    if reply.status == 405:
        what = f"The Token URL on {host} is a page that does not hand out tokens"
        return TokenRefusal(_not_a_token_endpoint(what))
    if 300 <= reply.status < 400:
        what = f"The Token URL on {host} sends RosterSync to another page"
        return TokenRefusal(_not_a_token_endpoint(what))
    what = f"The Token URL on {host} did not answer like a token service (status {reply.status})"
    return TokenRefusal(_not_a_token_endpoint(what), try_other_style=reply.status == 400)


class TokenSource:
    """Hands out a valid access token, fetching a new one when the old one is about to expire.

    Thread-safe: pages fetched in parallel share one token, and when it expires (or the provider
    refuses it) only one of them asks for a new one while the others wait for it.
    """

    def __init__(
        self,
        transport: Transport,
        credentials: Credentials,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._transport = transport
        self._credentials = credentials
        self._clock = clock
        self._style: AuthStyle | None = None
        self._token: Token | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"TokenSource(token_url={self._credentials.token_url!r}, style={self._style!r}, "
            f"has_token={self._token is not None})"
        )

    def token(self, via: Transport | None = None) -> str:
        """A token that is not about to expire, asked for through ``via`` when one is needed."""
        with self._lock:
            token = self._token
            if token is None or (token.renew_at is not None and self._clock() >= token.renew_at):
                token = self._renew(via or self._transport)
            return token.value

    def auth(self, via: Transport | None = None) -> BearerAuth:
        """Request authentication with a token that is not about to expire."""
        return BearerAuth(self.token(via))

    def forget(self) -> None:
        with self._lock:
            self._token = None

    def check(self, probe: ProbeRequest) -> None:
        self.renew()  # a token proves the credentials; no request to the Base URL is needed

    def refused(self, sent: AuthBase, reply: Reply, via: Transport) -> BearerAuth | None:
        """Expired or revoked early: one new token (one for all pages in flight), one more try."""
        if not isinstance(sent, BearerAuth) or sent.renewed:
            return None
        self.expire(sent.token)
        return BearerAuth(self.token(via), renewed=True)

    def expire(self, refused: str) -> None:
        """The provider refused this token: the next ``token()`` gets a new one, unless another
        thread already did (so N pages refused at once cost one renewal, not N)."""
        with self._lock:
            if self._token is not None and self._token.value == refused:
                self._token = None

    def renew(self) -> Token:
        """Ask the Token URL for a new token now."""
        with self._lock:
            return self._renew(self._transport)

    def _renew(self, transport: Transport) -> Token:
        styles: tuple[AuthStyle, ...] = (self._style,) if self._style else ("basic", "body")
        refusals: list[TokenRefusal] = []
        for style in styles:
            asked_at = self._clock()  # the token's lifetime starts before its answer arrives
            reply = self._post(transport, style)
            outcome = read_token_reply(reply, scope=self._credentials.scope, now=asked_at)
            if isinstance(outcome, Token):
                if self._style != style:
                    log.debug("The token endpoint takes the client credentials by %s", style)
                self._style, self._token = style, outcome
                return outcome
            refusals.append(outcome)
            if not outcome.try_other_style:
                break
        # First of the most precise: with one style a server often just says "no credentials".
        raise max(refusals, key=lambda r: r.precision).error

    def _post(self, transport: Transport, style: AuthStyle) -> Reply:
        creds = self._credentials
        form = {"grant_type": "client_credentials"}
        if creds.scope:
            form["scope"] = creds.scope
        auth: AuthBase = _NoAuth()
        if style == "basic":
            auth = HTTPBasicAuth(creds.client_id, creds.client_secret)
        else:
            form |= {"client_id": creds.client_id, "client_secret": creds.client_secret}
        # Once this Token URL has issued a token, a broken answer is a hiccup worth retrying;
        # before, it means the URL is wrong, and the person should hear so at once.
        issued_before = self._style is not None
        return transport.request(
            "POST",
            creds.token_url,
            data=form,
            auth=auth,
            headers={"Accept": "application/json"},
            allow_redirects=False,
            accept=is_token_answer if issued_before else None,
        )
