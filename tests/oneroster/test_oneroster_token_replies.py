"""How token endpoint answers are read, and that secrets stay out of sight (no network)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from requests.structures import CaseInsensitiveDict

from app.errors import AuthenticationError, ConfigurationError, NotATokenEndpointError
from app.oneroster.auth import Token, TokenRefusal, TokenSource, read_token_reply
from app.oneroster.client import Credentials, OneRosterClient
from app.oneroster.transport import Reply

TOKEN_URL = "https://district.example/campus/oauth2/token?appName=district"


def reply(status: int, body: object, content_type: str = "application/json") -> Reply:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Reply(status, TOKEN_URL, CaseInsensitiveDict({"Content-Type": content_type}), {}, raw)


def token_of(answer: Reply, now: float = 0.0) -> Token:
    outcome = read_token_reply(answer, scope=None, now=now)
    assert isinstance(outcome, Token)
    return outcome


def refusal_of(answer: Reply, scope: str | None = None) -> Exception:
    outcome = read_token_reply(answer, scope=scope, now=0.0)
    assert isinstance(outcome, TokenRefusal)
    return outcome.error


def test_token_and_early_renewal_time() -> None:
    body = {"access_token": "abc", "token_type": "Bearer", "expires_in": 3600}
    token = token_of(reply(200, body), now=1000.0)
    assert token.value == "abc"
    assert token.renew_at == 1000.0 + 3600 - 60
    assert token_of(reply(200, {"access_token": "abc", "expires_in": "100"})).renew_at == 90.0
    assert token_of(reply(200, {"access_token": "abc"})).renew_at is None
    assert "abc" not in repr(token)


@pytest.mark.parametrize(
    ("description", "says"),
    [
        ("Invalid client secret", "did not accept the Client Secret"),
        ("client authentication failed: bad password", "did not accept the Client Secret"),
        ("Unknown client", "does not know this Client ID"),
        ("client_id not found", "does not know this Client ID"),
        ("invalid client_id or client_secret", "check both"),
        ("", "check both"),
    ],
)
def test_credential_refusals_name_the_wrong_value(description: str, says: str) -> None:
    body = {"error": "invalid_client", "error_description": description}
    error = refusal_of(reply(401, body))
    assert isinstance(error, AuthenticationError)
    assert says in str(error)
    assert "401" not in str(error)


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        (200, b"<!doctype html><title>Campus</title>", "text/html"),
        (200, {"hello": "world"}, "application/json"),
        (404, b"Not Found", "text/plain"),
        (405, b"", "text/plain"),
        (302, b"", "text/plain"),
    ],
)
def test_answers_that_are_not_from_a_token_endpoint(
    status: int, body: object, content_type: str
) -> None:
    error = refusal_of(reply(status, body, content_type))
    assert isinstance(error, NotATokenEndpointError)
    message = str(error)
    assert "district.example" in message
    assert "Token URL" in message


def test_invalid_scope_names_the_scope_setting() -> None:
    error = refusal_of(reply(400, {"error": "invalid_scope"}), scope="roster")
    assert "“roster”" in str(error)


def test_reprs_never_show_the_secret() -> None:
    creds = Credentials(TOKEN_URL, "the-id", "s3cr3t-value", scope="x")
    assert "s3cr3t-value" not in repr(creds)
    assert "s3cr3t-value" not in str(creds)
    with OneRosterClient("https://district.example/ims/oneroster", creds) as client:
        assert "s3cr3t-value" not in repr(client)
        assert "s3cr3t-value" not in repr(vars(client)["_auth"])
        assert isinstance(vars(client)["_auth"], TokenSource)


def test_client_refuses_to_turn_off_certificate_checks() -> None:
    creds = Credentials(TOKEN_URL, "id", "secret")
    with pytest.raises(ValueError, match="verification"):
        OneRosterClient("https://district.example/ims/oneroster", creds, verify=False)


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"client_id": "  "}, "Enter the Client ID"),
        ({"client_secret": ""}, "Enter the Client Secret"),
        ({"token_url": "https://district.example/ims/oneroster"}, "looks like the Base URL"),
    ],
)
def test_credentials_are_checked_before_any_request(changes: dict[str, str], says: str) -> None:
    values = {"token_url": TOKEN_URL, "client_id": "id", "client_secret": "secret", **changes}
    with pytest.raises(ConfigurationError, match=says):
        OneRosterClient("https://district.example/ims/oneroster", Credentials(**values))


def test_pasted_credentials_are_trimmed() -> None:
    creds = Credentials(f" {TOKEN_URL}\n", " id ", "secret\n", scope="  ").normalized()
    assert creds == Credentials(TOKEN_URL, "id", "secret", None)


def test_a_missing_certificate_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "proxy-ca.pem"
    creds = Credentials(TOKEN_URL, "id", "secret")
    with pytest.raises(ConfigurationError, match=r"proxy-ca\.pem does not exist"):
        OneRosterClient("https://district.example/ims/oneroster", creds, verify=str(missing))
