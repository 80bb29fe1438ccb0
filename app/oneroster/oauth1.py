"""OAuth 1.0a signed requests (ClassLink and older OneRoster 1.1 providers issue no tokens).

Each request is signed with oauthlib in the Authorization header, with a fresh nonce and
timestamp. HMAC-SHA256 is tried first; a provider that refuses it is asked once more with
HMAC-SHA1, and the method that worked is kept (and saved by the caller).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Final

from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, SIGNATURE_HMAC_SHA256, Client
from requests import PreparedRequest
from requests.auth import AuthBase

from app.errors import AuthenticationError, ConfigurationError
from app.oneroster.provider_reply import provider_message
from app.oneroster.request_auth import ProbeRequest
from app.oneroster.transport import PROVIDER, Reply, Transport
from app.redaction import register_secret

log = logging.getLogger(__name__)
# oauthlib logs every signature and its base string at DEBUG: never let those into the log.
logging.getLogger("oauthlib").setLevel(logging.INFO)

SIGNATURE_METHODS: Final = (SIGNATURE_HMAC_SHA256, SIGNATURE_HMAC_SHA1)
#: A provider's clock this far from ours (seconds) explains a refused signature.
MAX_CLOCK_SKEW: Final = 180.0


@dataclass(frozen=True)
class ConsumerCredentials:
    consumer_key: str
    consumer_secret: str = field(repr=False)
    #: The method saved when it last worked; None to find out.
    signature_method: str | None = None

    def normalized(self) -> ConsumerCredentials:
        key, secret = self.consumer_key.strip(), self.consumer_secret.strip()
        if not key:
            raise ConfigurationError("Enter the Client ID (the OAuth consumer key).")
        if not secret:
            raise ConfigurationError("Enter the Client Secret (the OAuth consumer secret).")
        method = self.signature_method or None
        if method is not None and method not in SIGNATURE_METHODS:
            raise ConfigurationError(f"RosterSync cannot sign requests with {method}.")
        register_secret(secret)
        return ConsumerCredentials(key, secret, method)


class SignedAuth(AuthBase):
    """Signs one request (its URL with the query, and its method) in the Authorization header."""

    def __init__(self, credentials: ConsumerCredentials, method: str) -> None:
        self._credentials = credentials
        self.method = method

    def __repr__(self) -> str:
        return f"SignedAuth({self.method})"

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        client = Client(
            self._credentials.consumer_key,
            client_secret=self._credentials.consumer_secret,
            signature_method=self.method,
        )
        assert request.url is not None and request.method is not None
        _uri, headers, _body = client.sign(request.url, request.method)
        request.headers["Authorization"] = headers["Authorization"]
        return request


class OAuth1Signer:
    """The ``RequestAuth`` of a provider that wants every request signed."""

    def __init__(
        self, credentials: ConsumerCredentials, *, now: Callable[[], float] = time.time
    ) -> None:
        self._credentials = credentials
        self._methods = (
            (credentials.signature_method,) if credentials.signature_method else SIGNATURE_METHODS
        )
        self._index = 0
        self._now = now
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"OAuth1Signer(method={self.method!r})"

    @property
    def method(self) -> str:
        with self._lock:
            return self._methods[self._index]

    def check(self, probe: ProbeRequest) -> None:
        probe()  # no token to get: one signed request proves the key and secret

    def auth(self, via: Transport) -> SignedAuth:
        return SignedAuth(self._credentials, self.method)

    def refused(self, sent: object, reply: Reply, via: Transport) -> SignedAuth:
        said = provider_message(reply)
        if said:
            log.info("The provider refused a signed request: %s", said)
        skew = self._clock_skew(reply)
        if "timestamp" in said.lower() or (skew is not None and abs(skew) > MAX_CLOCK_SKEW):
            raise _clock_error(skew)
        tried = getattr(sent, "method", None)
        with self._lock:
            position = self._methods.index(tried) if tried in self._methods else len(self._methods)
            if position + 1 < len(self._methods):
                # Another request may already have moved on; never back to one refused.
                if self._index <= position:
                    self._index = position + 1
                    log.info(
                        "Trying %s signatures instead of %s", self._methods[self._index], tried
                    )
                return SignedAuth(self._credentials, self._methods[self._index])
        raise AuthenticationError(
            f"{PROVIDER} did not accept the signed request — check the Client ID (consumer key) "
            "and Client Secret (consumer secret); copy them again from your provider."
        )

    def forget(self) -> None:
        """Nothing is kept between requests but the signature method."""

    def _clock_skew(self, reply: Reply) -> float | None:
        """How far the provider's clock is ahead of ours (seconds), from its Date header."""
        try:
            theirs = parsedate_to_datetime(reply.headers.get("Date", ""))
        except (TypeError, ValueError, IndexError):
            return None
        return theirs.timestamp() - self._now()


def _clock_error(skew: float | None) -> AuthenticationError:
    how_far = ""
    if skew is not None and abs(skew) > MAX_CLOCK_SKEW:
        side = "behind" if skew > 0 else "ahead of"
        how_far = f" (this computer's clock is {abs(skew) / 60:.0f} minutes {side} the server's)"
    return AuthenticationError(
        f"The provider refused the request's timestamp{how_far}: signed requests only work when "
        "this computer's clock is right. Set the date, time and time zone correctly (turn on "
        "automatic time), then try again."
    )
