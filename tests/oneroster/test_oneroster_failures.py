"""What a failed exchange means to a person, from the exceptions requests really raises."""

from __future__ import annotations

import socket
import ssl

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError, ProtocolError

from app.errors import ConfigurationError, NetworkError, ProviderError, TlsError
from app.oneroster.transport import Failure, classify_failure

URL = "https://district.example/campus/oauth2/token?appName=district"


def wrapped(cause: Exception) -> MaxRetryError:
    """How urllib3 reports a failed connection to requests."""
    return MaxRetryError(None, "/", cause)  # type: ignore[arg-type]  # no pool needed here


def classify(exc: requests.RequestException, *, reached: bool = False) -> Failure:
    return classify_failure(exc, URL, reached=reached, connect_timeout=10.0, attempts=6)


def test_certificate_failure_blames_a_proxy_or_certificate() -> None:
    cause = ssl.SSLCertVerificationError("certificate verify failed: self-signed certificate")
    failure = classify(requests.exceptions.SSLError(wrapped(cause)))
    assert isinstance(failure.error, TlsError)
    assert not failure.retry
    message = str(failure.error)
    assert "district.example" in message
    assert "proxy" in message
    assert "certificate" in message


def test_unknown_host_is_named() -> None:
    lookup = socket.gaierror(-2, "Name or service not known")
    cause = NameResolutionError("district.example", None, lookup)  # type: ignore[arg-type]
    failure = classify(requests.ConnectionError(wrapped(cause)))
    assert isinstance(failure.error, NetworkError)
    assert str(failure.error).startswith("Could not find the server district.example")
    assert not failure.retry
    # Once the host has answered, a lookup failure is a blip worth retrying.
    assert classify(requests.ConnectionError(wrapped(cause)), reached=True).retry


def test_refused_connection_is_named() -> None:
    cause = NewConnectionError(None, "Failed to establish a new connection")  # type: ignore[arg-type]
    cause.__cause__ = ConnectionRefusedError(111, "Connection refused")
    failure = classify(requests.ConnectionError(wrapped(cause)))
    assert str(failure.error).startswith("district.example refused the connection")


def test_connect_timeout_names_the_host() -> None:
    failure = classify(requests.exceptions.ConnectTimeout())
    assert isinstance(failure.error, NetworkError)
    assert str(failure.error).startswith("district.example did not answer within 10 seconds")


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (requests.exceptions.ReadTimeout(), "it did not answer in time"),
        (requests.exceptions.ChunkedEncodingError(), "its answers were cut off"),
        (
            requests.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError())),
            "the connection kept dropping",
        ),
    ],
)
def test_transient_failures_are_retried(exc: requests.RequestException, reason: str) -> None:
    failure = classify(exc)
    assert failure.retry
    assert isinstance(failure.error, ProviderError)
    assert f"({reason}) after 6 tries" in str(failure.error)


def test_proxy_and_bad_urls() -> None:
    assert "proxy" in str(classify(requests.exceptions.ProxyError()).error)
    assert isinstance(classify(requests.exceptions.InvalidURL()).error, ConfigurationError)
