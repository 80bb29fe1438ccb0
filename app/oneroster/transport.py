"""One HTTP exchange with the provider, retried by hand so that every wait can be canceled.

One Transport may be shared by several threads (parallel page downloads): they share the
requests Session (its connection pool is thread-safe), the set of hosts reached (only ever added
to) and the cancel event. Every failure a person could see is turned into a sentence here: the
requests/urllib3 exceptions never leave this module, and neither do headers or bodies.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import os
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Final

import msgspec
import requests
from requests.adapters import HTTPAdapter
from requests.exceptions import ChunkedEncodingError, ContentDecodingError
from urllib3.exceptions import NameResolutionError, NewConnectionError, ReadTimeoutError

from app.errors import (
    CanceledError,
    ConfigurationError,
    NetworkError,
    ProviderError,
    RosterSyncError,
    TlsError,
)
from app.oneroster.urls import host_of, loggable_url

log = logging.getLogger(__name__)

PROVIDER: Final = "Infinite Campus"
_CHUNK: Final = 64 * 1024
#: How often a thread waiting on a request checks for a cancel (seconds).
_CANCEL_POLL = 0.1
_RETRY_AFTER_SECONDS: Final = re.compile(r"^\d+(\.\d+)?$")


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    retry_after_max: float = 300.0

    def backoff(self, failures: int, rng: Callable[[], float] = random.random) -> float:
        """Seconds to wait after the n-th failure: exponential backoff with full jitter."""
        ceiling = min(self.backoff_max, self.backoff_base * 2.0 ** max(failures - 1, 0))
        return rng() * ceiling


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds asked for by a Retry-After header (delay-seconds or HTTP date); None if unusable."""
    text = (value or "").strip()
    if not text:
        return None
    if _RETRY_AFTER_SECONDS.match(text):
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _tries(count: int) -> str:
    return "1 try" if count == 1 else f"{count} tries"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{math.ceil(seconds)} seconds"
    return f"{math.ceil(seconds / 60)} minutes"


def decode_json(body: bytes) -> Any:
    """``body`` as JSON: msgspec's decoder (twice as fast as ``json``; see
    ``bench/decode_bench.py``), and the standard library's for what msgspec refuses but
    ``json`` reads (a byte-order mark, UTF-16, NaN, a lone surrogate escape, a number past a
    float's range), so what a provider sends reads as before. ValueError when it is not JSON."""
    try:
        return msgspec.json.decode(body)
    except (ValueError, RecursionError):
        pass
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise ValueError("not JSON") from exc


@dataclass(frozen=True)
class Reply:
    """A finished HTTP answer with its whole body read."""

    status: int
    url: str
    headers: Mapping[str, str]
    links: Mapping[str, Mapping[str, str]]
    body: bytes = field(repr=False)
    #: The body once decoded, by decoder: checking a page and reading it must not decode a
    #: megabyte twice.
    _decoded: dict[Callable[[bytes], Any], Any] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").lower()

    def json(self) -> Any:
        """The body as JSON (parsed once); raises ValueError when it is not."""
        return self.decoded(decode_json)

    def decoded(self, decode: Callable[[bytes], Any]) -> Any:
        """The body through ``decode``, run once per decoder; its ValueError when it fails."""
        if decode not in self._decoded:
            self._decoded[decode] = decode(self.body)
        return self._decoded[decode]

    def looks_like_html(self) -> bool:
        return "html" in self.content_type or self.body.lstrip()[:1] == b"<"


class Failure(Exception):
    """One failed attempt: why, whether trying again may help, and the error if we stop."""

    def __init__(
        self, reason: str, error: RosterSyncError, *, retry: bool, wait: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.error = error
        self.retry = retry
        self.wait = wait  # the provider's Retry-After, when it sent one


#: Why the provider kept failing, as said in the final sentence.
_OUTAGE_REASONS: Final = {
    "unavailable": "temporarily unavailable",
    "server_error": "an error on its side",
    "dropped": "the connection kept dropping",
    "timeout": "it did not answer in time",
    "cut_off": "its answers were cut off",
    "html": "it answered with a web page instead of data",
    "not_data": "its answers were not OneRoster data",
}


def outage_error(reason: str, attempts: int) -> ProviderError:
    return ProviderError(
        f"{PROVIDER} kept failing ({_OUTAGE_REASONS[reason]}) after {_tries(attempts)}; try "
        f"again later or ask your {PROVIDER} administrator."
    )


def bad_body_reason(reply: Reply) -> str:
    """Why a 2xx body is not what we expected: html, cut_off or not_data."""
    if reply.looks_like_html():
        return "html"
    start = reply.body.lstrip()[:1]
    if start in (b"{", b"[") or "json" in reply.content_type:
        try:
            reply.json()
        except ValueError:
            return "cut_off"
    return "not_data"


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and everything it wraps (args, reason, cause, context)."""
    seen: list[BaseException] = []
    stack: list[object] = [exc]
    while stack:
        item = stack.pop()
        if not isinstance(item, BaseException) or any(item is s for s in seen):
            continue
        seen.append(item)
        stack.extend([*item.args, getattr(item, "reason", None), item.__cause__, item.__context__])
    return seen


def _any(exc: BaseException, *types: type[BaseException]) -> bool:
    return any(isinstance(cause, types) for cause in _causes(exc))


def check_verify(verify: bool | str) -> None:
    """Certificates are always checked: ``True`` (the system's CAs) or a CA file that exists."""
    if verify is False or verify == "":
        raise ValueError("certificate verification cannot be turned off")
    if isinstance(verify, str) and not os.path.exists(verify):
        raise ConfigurationError(
            f"The certificate file {verify} does not exist — choose the certificate file "
            "again, or ask your IT department for it."
        )


class Transport:
    """Sends requests with timeouts, retries, backoff and cancel; safe to share between threads."""

    def __init__(
        self,
        session: requests.Session,
        *,
        cancel: threading.Event,
        retry: RetryPolicy,
        timeout: tuple[float, float],
        verify: bool | str,
        rng: Callable[[], float] = random.random,
    ) -> None:
        check_verify(verify)
        self._session = session
        self._cancel = cancel
        #: Any of these set stops every request and wait: the cancel, and for a transport made
        #: by ``stopping_also_on``, the event that abandons its requests.
        self._stops: tuple[threading.Event, ...] = (cancel,)
        self._retry = retry
        self._timeout = timeout
        self._verify = verify
        self._rng = rng
        # Hosts that have answered once: after that, a failed connection is a blip worth
        # retrying; before, it is a wrong URL or no network, and the person should hear now.
        self._reached: set[str] = set()
        # urllib3 must not retry on its own: its waits could not be canceled.
        adapter = HTTPAdapter(max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)

    @property
    def max_attempts(self) -> int:
        return self._retry.max_attempts

    def check_canceled(self) -> None:
        if any(stop.is_set() for stop in self._stops):
            raise CanceledError()

    def stopping_also_on(self, stop: threading.Event) -> Transport:
        """This transport (same session, retries and hosts reached), also stopped by ``stop``:
        for requests that are abandoned when nobody wants their answer any more."""
        other = copy.copy(self)
        other._stops = (*self._stops, stop)
        return other

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        auth: requests.auth.AuthBase | None = None,
        allow_redirects: bool = True,
        accept: Callable[[Reply], bool] | None = None,
        bad_body_error: Callable[[str], RosterSyncError] | None = None,
    ) -> Reply:
        """The first answer that is not worth retrying.

        With ``accept``, a 2xx answer must be one ``accept`` approves (a ValueError from it is a
        no), else it is retried;
        ``bad_body_error(reason)`` makes the error raised when it never is.
        """
        failures = 0
        while True:
            self.check_canceled()
            try:
                reply = self._send(
                    method,
                    url,
                    params=params,
                    headers=headers,
                    data=data,
                    auth=auth,
                    allow_redirects=allow_redirects,
                )
                self._judge(reply, accept, bad_body_error)
            except Failure as failure:
                failures += 1
                if not failure.retry or failures >= self._retry.max_attempts:
                    raise failure.error from None
                self._wait(failure, failures, method, url)
                continue
            return reply

    # -- one attempt ------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int] | None,
        headers: Mapping[str, str] | None,
        data: Mapping[str, str] | None,
        auth: requests.auth.AuthBase | None,
        allow_redirects: bool,
    ) -> Reply:
        started = time.monotonic()
        outcome = self._off_thread(
            lambda: self._exchange(
                method,
                url,
                params=params,
                headers=headers,
                data=data,
                auth=auth,
                allow_redirects=allow_redirects,
            )
        )
        if isinstance(outcome, requests.RequestException):
            log.debug(
                "%s %s failed after %.3f s: %s",
                method,
                loggable_url(url),
                time.monotonic() - started,
                type(outcome).__name__,
            )
            raise self._failure_for(outcome, url) from None
        if isinstance(outcome, BaseException):
            raise outcome
        response, body = outcome
        self._reached.add(host_of(url))
        log.debug(
            "%s %s -> %d in %.3f s",
            method,
            loggable_url(response.url or url),
            response.status_code,
            time.monotonic() - started,
        )
        return Reply(
            status=response.status_code,
            url=response.url or url,
            headers=response.headers,
            links=response.links,
            body=body,
        )

    def _off_thread(
        self, exchange: Callable[[], tuple[requests.Response, bytes]]
    ) -> tuple[requests.Response, bytes] | BaseException:
        """Run one request on its own thread, so a cancel is heard at once even while a slow
        server keeps the request waiting; an abandoned request ends by itself (timeouts)."""
        outcome: list[tuple[requests.Response, bytes] | BaseException] = []
        done = threading.Event()

        def run() -> None:
            try:
                outcome.append(exchange())
            except BaseException as error:  # handed to the waiting thread
                outcome.append(error)
            finally:
                done.set()

        threading.Thread(target=run, name="oneroster-request", daemon=True).start()
        while not done.wait(_CANCEL_POLL):
            self.check_canceled()
        return outcome[0]

    def _exchange(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int] | None,
        headers: Mapping[str, str] | None,
        data: Mapping[str, str] | None,
        auth: requests.auth.AuthBase | None,
        allow_redirects: bool,
    ) -> tuple[requests.Response, bytes]:
        response = self._session.request(
            method,
            url,
            params=params,
            headers=headers,
            data=data,
            auth=auth,
            allow_redirects=allow_redirects,
            timeout=self._timeout,
            verify=self._verify,
            stream=True,
        )
        with response:
            return response, self._read_body(response)

    def _read_body(self, response: requests.Response) -> bytes:
        chunks: list[bytes] = []
        for chunk in response.iter_content(_CHUNK):
            self.check_canceled()
            chunks.append(chunk)
        return b"".join(chunks)

    def _judge(
        self,
        reply: Reply,
        accept: Callable[[Reply], bool] | None,
        bad_body_error: Callable[[str], RosterSyncError] | None,
    ) -> None:
        """Raise a Failure for answers worth retrying (or not worth anything)."""
        attempts = self._retry.max_attempts
        if reply.status == 429:
            raise self._rate_limited(reply)
        if reply.status >= 500 and reply.status != 501:
            reason = "unavailable" if reply.status in (502, 503, 504) else "server_error"
            raise Failure(reason, outage_error(reason, attempts), retry=True)
        if accept is None or not 200 <= reply.status < 300:
            return
        try:
            ok = accept(reply)
        except ValueError:
            ok = False
        if not ok:
            reason = bad_body_reason(reply)
            error = bad_body_error(reason) if bad_body_error else outage_error(reason, attempts)
            raise Failure(reason, error, retry=True)

    def _rate_limited(self, reply: Reply) -> Failure:
        asked = parse_retry_after(reply.headers.get("Retry-After"))
        if asked is not None and asked > self._retry.retry_after_max:
            error = ProviderError(
                f"{PROVIDER} asked RosterSync to wait {_duration(asked)} before asking "
                "again (it limits how often it may be asked); try again later."
            )
            return Failure("rate_limit", error, retry=False)
        error = ProviderError(
            f"{PROVIDER} kept limiting how often RosterSync may ask (rate limit) after "
            f"{_tries(self._retry.max_attempts)}; wait a few minutes and try again, or "
            f"ask your {PROVIDER} administrator to raise the limit."
        )
        return Failure("rate_limit", error, retry=True, wait=asked)

    def _failure_for(self, exc: requests.RequestException, url: str) -> Failure:
        return classify_failure(
            exc,
            url,
            reached=host_of(url) in self._reached,
            connect_timeout=self._timeout[0],
            attempts=self._retry.max_attempts,
        )

    # -- waiting ----------------------------------------------------------------------------

    def _wait(self, failure: Failure, failures: int, method: str, url: str) -> None:
        delay = failure.wait
        if delay is None:
            delay = self._retry.backoff(failures, self._rng)
        log.info(
            "Retrying %s %s in %.1f s (%s; attempt %d of %d failed)",
            method,
            loggable_url(url),
            delay,
            failure.reason,
            failures,
            self._retry.max_attempts,
        )
        self._sleep(delay)

    def _sleep(self, seconds: float) -> None:
        """Wait, hearing the cancel at once and any other stop within ``_CANCEL_POLL``."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            self._cancel.wait(min(remaining, _CANCEL_POLL))
            self.check_canceled()
        self.check_canceled()


def classify_failure(
    exc: requests.RequestException,
    url: str,
    *,
    reached: bool,
    connect_timeout: float,
    attempts: int,
) -> Failure:
    """What one failed exchange means: the error to show, and whether to try again.

    ``reached``: the host has answered before, so a failed connection is likely a blip.
    """
    host = host_of(url)
    error: RosterSyncError
    if isinstance(exc, requests.exceptions.SSLError):
        return Failure("tls", _tls_error(host), retry=False)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        error = NetworkError(
            f"{host} did not answer within {connect_timeout:g} seconds — check that this "
            "computer is connected to the network, or try again later."
        )
        return Failure("connect_timeout", error, retry=reached)
    if isinstance(exc, requests.exceptions.ReadTimeout) or _any(exc, ReadTimeoutError):
        return Failure("timeout", outage_error("timeout", attempts), retry=True)
    if isinstance(exc, requests.exceptions.ProxyError):
        error = NetworkError(
            f"Could not reach {host} through the proxy server — check the proxy settings or "
            "ask your IT department."
        )
        return Failure("proxy", error, retry=reached)
    if isinstance(exc, ChunkedEncodingError | ContentDecodingError):
        return Failure("cut_off", outage_error("cut_off", attempts), retry=True)
    if isinstance(exc, requests.exceptions.TooManyRedirects):
        error = ProviderError(
            f"{host} kept redirecting RosterSync from one address to another; check the URL "
            f"or ask your {PROVIDER} administrator."
        )
        return Failure("redirects", error, retry=False)
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.InvalidSchema):
        error = ConfigurationError(f"{loggable_url(url)} is not a valid web address.")
        return Failure("invalid_url", error, retry=False)
    if isinstance(exc, requests.ConnectionError) and _any(exc, NewConnectionError):
        return Failure("connect", _connect_error(exc, host), retry=reached)
    if isinstance(exc, requests.ConnectionError):
        # Resets, aborted connections, incomplete reads: the server was reached and dropped us.
        return Failure("dropped", outage_error("dropped", attempts), retry=True)
    error = NetworkError(
        f"RosterSync could not talk to {host} ({type(exc).__name__}); try again later, or ask "
        "your IT department."
    )
    return Failure("other", error, retry=False)


def _tls_error(host: str) -> TlsError:
    return TlsError(
        f"Could not open a secure connection to {host}. A proxy or firewall that inspects "
        "secure traffic, or a certificate this computer does not trust, is the likely cause — "
        "ask your IT department (they may need to install the proxy's certificate)."
    )


def _connect_error(exc: BaseException, host: str) -> NetworkError:
    if _any(exc, NameResolutionError):
        return NetworkError(
            f"Could not find the server {host} — check the address for typing mistakes and that "
            "this computer is connected to the network."
        )
    if _any(exc, ConnectionRefusedError):
        return NetworkError(
            f"{host} refused the connection — check the address (and any port number in it), "
            "and that a firewall is not blocking RosterSync."
        )
    return NetworkError(
        f"Could not connect to {host} — check that this computer is connected to the network."
    )
