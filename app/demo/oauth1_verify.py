"""Checking OAuth 1.0a signed requests (RFC 5849) at the demo server, with oauthlib's
signature functions: the signature itself, a nonce never used twice, a timestamp near the
server's clock, and only the signature methods the provider accepts."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Final

from oauthlib.oauth1 import Client
from oauthlib.oauth1.rfc5849 import signature, utils

#: How far a request's timestamp may be from the server's clock (seconds).
TIMESTAMP_WINDOW: Final = 300
_SIGNERS: Final = {
    "HMAC-SHA1": signature.sign_hmac_sha1_with_client,
    "HMAC-SHA256": signature.sign_hmac_sha256_with_client,
}
_REQUIRED: Final = (
    "oauth_consumer_key",
    "oauth_signature_method",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
)


class SignatureVerifier:
    """Thread-safe; remembers the nonces it has seen within the timestamp window."""

    def __init__(self, consumer_key: str, consumer_secret: str, now: Callable[[], float]) -> None:
        self._key = consumer_key
        self._client = Client(consumer_key, client_secret=consumer_secret)  # holds the secret
        self._now = now
        self._nonces: dict[str, int] = {}
        self._lock = threading.Lock()

    def problem(
        self, method: str, url: str, authorization: str, accepted: Iterable[str]
    ) -> str | None:
        """Why this request's signature fails, or None when it is good. Only the
        Authorization header is read (the one place every provider accepts)."""
        if not authorization.strip().lower().startswith("oauth "):
            return "The request is not signed: send an OAuth 1.0a Authorization header."
        try:
            pairs = utils.parse_authorization_header(authorization)
            oauth = {name: utils.unescape(value) for name, value in pairs}
        except (ValueError, IndexError):
            return "The OAuth Authorization header could not be read."
        missing = [name for name in _REQUIRED if not oauth.get(name)]
        if missing:
            return f"The OAuth Authorization header lacks {', '.join(missing)}."
        if oauth["oauth_consumer_key"] != self._key:
            return "Unknown consumer key."
        if oauth["oauth_signature_method"] not in accepted:
            return f"Signature method {oauth['oauth_signature_method']} is not supported."
        stamp = oauth["oauth_timestamp"]
        if not stamp.isdigit() or abs(int(stamp) - self._now()) > TIMESTAMP_WINDOW:
            return "oauth_timestamp is too far from the server's time."
        if not self._matches(method, url, authorization, oauth):
            return "Invalid signature."
        if not self._fresh(oauth["oauth_nonce"], int(stamp)):
            return "oauth_nonce has been used before."
        return None

    def _matches(self, method: str, url: str, authorization: str, oauth: dict[str, str]) -> bool:
        query = url.partition("?")[2]
        params = signature.collect_parameters(
            uri_query=query, headers={"Authorization": authorization}
        )
        base = signature.signature_base_string(
            method.upper(), signature.base_string_uri(url), signature.normalize_parameters(params)
        )
        expected = _SIGNERS[oauth["oauth_signature_method"]](base, self._client)
        return signature.safe_string_equals(expected, oauth["oauth_signature"])

    def _fresh(self, nonce: str, stamp: int) -> bool:
        with self._lock:
            oldest = self._now() - 2 * TIMESTAMP_WINDOW
            self._nonces = {n: s for n, s in self._nonces.items() if s >= oldest}
            if nonce in self._nonces:
                return False
            self._nonces[nonce] = stamp
            return True
