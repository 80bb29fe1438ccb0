"""OneRoster 1.1 providers as they really are, and OAuth 1.0a signed requests: the demo
server's 1.1 mode with each quirk of independent 1.1 servers switched on."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from app.demo.oauth1_verify import SignatureVerifier
from app.demo.server import DemoServer
from app.errors import AuthenticationError, ConfigurationError, NotOneRosterError
from app.oneroster.client import ConsumerCredentials, OneRosterClient, RetryPolicy
from app.oneroster.oauth1 import SignedAuth
from app.oneroster.provider_reply import provider_message
from app.oneroster.transport import Reply
from app.oneroster.urls import normalize_base_url, normalize_token_url
from app.redaction import redact
from tests.support.tokens import get_token

Connect = Callable[..., OneRosterClient]


@pytest.fixture
def signed(serve: Callable[..., DemoServer]) -> Iterator[Callable[..., OneRosterClient]]:
    """Clients signing with OAuth 1.0a for a 1.1 demo server started with ``faults``."""
    made: list[OneRosterClient] = []

    def make(server: DemoServer, *, secret: str | None = None, method: str | None = None) -> Any:
        creds = ConsumerCredentials(server.client_id, secret or server.client_secret, method)
        retry = RetryPolicy(backoff_base=0.001, backoff_max=0.002)
        client = OneRosterClient(server.base_url, creds, retry=retry, timeout=(2.0, 5.0))
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def users_of(client: OneRosterClient) -> dict[str, Any]:
    return {u.sourced_id: u for page in client.user_pages() for u in page.records}


def test_1_1_ids_are_a_role_letter_and_the_persons_number(
    serve: Callable[..., DemoServer], connect: Connect
) -> None:
    server = serve(version="1.1")
    client = connect(server)
    assert client.version == "1.1"
    users = users_of(client)
    student = next(u for u in users.values() if u.roles and u.roles[0].role == "student")
    assert student.sourced_id[0] == "s" and student.sourced_id[1:].isdigit()
    token = get_token(server)
    one = requests.get(
        f"{server.base_url}/users/{student.sourced_id}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert one.json()["user"]["sourcedId"] == student.sourced_id


@pytest.mark.parametrize(
    "quirk",
    ["plain_errors", "bare_401", "relative_hrefs", "nulls"],
)
def test_each_1_1_quirk_is_absorbed(
    serve: Callable[..., DemoServer], connect: Connect, quirk: str
) -> None:
    plain = users_of(connect(serve(version="1.1")))
    server = serve(version="1.1")
    server.faults.update({quirk: True, "token_lifetime": 1 if quirk == "bare_401" else 3600})
    client = connect(server, page_size=50)
    if quirk == "bare_401":
        client.authenticate()
        time.sleep(1.1)  # the token expires: the 401 (with no WWW-Authenticate) gets a new one
    quirky = users_of(client)
    assert quirky == plain
    assert len(client.schools()) > 0


def test_a_null_for_every_absent_field_reads_as_absent(
    serve: Callable[..., DemoServer], connect: Connect
) -> None:
    server = serve(version="1.1")
    server.faults.nulls = True
    users = users_of(connect(server)).values()
    assert any(u.email is None for u in users)
    assert all(u.username != "None" for u in users)


def test_an_error_body_of_the_plain_kind_still_names_the_problem(
    serve: Callable[..., DemoServer], signed: Callable[..., OneRosterClient]
) -> None:
    server = serve(version="1.1", oauth1=True)
    server.faults.plain_errors = True
    with pytest.raises(AuthenticationError, match="did not accept the signed request"):
        signed(server, secret="wrong-secret").authenticate()


def test_a_1_2_base_url_at_a_1_1_provider_says_which_version_it_serves(
    serve: Callable[..., DemoServer], connect: Connect
) -> None:
    server = serve(version="1.1")
    v1p2 = server.base_url.removesuffix("/ims/oneroster/v1p1") + "/ims/oneroster/rostering/v1p2"
    with pytest.raises(NotOneRosterError) as caught:
        connect(server, base_url=v1p2).schools()
    assert "serves OneRoster 1.1" in caught.value.message
    assert server.base_url in caught.value.message


def test_sha256_is_tried_first_then_sha1_is_kept(
    serve: Callable[..., DemoServer], signed: Callable[..., OneRosterClient]
) -> None:
    server = serve(version="1.1", oauth1=True)
    assert signed(server).signature_method == "HMAC-SHA256"
    server.faults.signature_methods = "HMAC-SHA1"
    client = signed(server)
    client.authenticate()
    assert client.signature_method == "HMAC-SHA1"
    assert len(users_of(client)) > 0


def test_a_saved_method_is_used_alone(
    serve: Callable[..., DemoServer], signed: Callable[..., OneRosterClient]
) -> None:
    server = serve(version="1.1", oauth1=True)
    server.faults.signature_methods = "HMAC-SHA1"
    with pytest.raises(AuthenticationError):
        signed(server, method="HMAC-SHA256").authenticate()
    client = signed(server, method="HMAC-SHA1")
    client.authenticate()
    assert client.signature_method == "HMAC-SHA1"


def test_a_provider_clock_far_off_explains_the_401_by_its_date_header(
    serve: Callable[..., DemoServer], signed: Callable[..., OneRosterClient]
) -> None:
    server = serve(version="1.1", oauth1=True)
    server.faults.update({"clock_offset": -1200, "plain_errors": True})
    with pytest.raises(AuthenticationError) as caught:
        signed(server).authenticate()
    assert "clock" in caught.value.message and "20 minutes ahead of" in caught.value.message


def test_a_signed_request_is_refused_when_replayed_tampered_or_stale() -> None:
    now = [1_800_000_000.0]
    verifier = SignatureVerifier("key", "secret", lambda: now[0])
    creds = ConsumerCredentials("key", "secret")
    url = "http://127.0.0.1:9/ims/oneroster/v1p1/users?limit=5"
    both = ("HMAC-SHA256", "HMAC-SHA1")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(time, "time", lambda: now[0])
        request = requests.Request("GET", url, auth=SignedAuth(creds, "HMAC-SHA256")).prepare()
    header = request.headers["Authorization"]
    assert verifier.problem("GET", url + "0", header, both) == "Invalid signature."
    assert verifier.problem("GET", url, header, ("HMAC-SHA1",)) is not None
    assert verifier.problem("GET", url, header, both) is None
    assert verifier.problem("GET", url, header, both) == "oauth_nonce has been used before."
    now[0] += 3600
    assert "oauth_timestamp" in (verifier.problem("GET", url, header, both) or "")
    sent = dict(part.split("=", 1) for part in header.removeprefix("OAuth ").split(", "))
    assert sent["oauth_signature"] not in redact(header)


def test_a_delta_asks_once_whether_the_provider_filters(
    serve: Callable[..., DemoServer], connect: Connect
) -> None:
    server = serve(version="1.1")
    since = datetime(2026, 8, 1, 0, 0, 1, tzinfo=UTC)
    assert users_of(connect(server)) and not list(
        u for p in connect(server).user_pages(modified_since=since) for u in p.records
    )
    server.faults.unknown_filter_empty = True
    everyone = [u for p in connect(server).user_pages(modified_since=since) for u in p.records]
    assert len(everyone) == len(users_of(connect(server)))


@pytest.mark.parametrize("plain", [False, True])
def test_the_providers_words_are_read_whatever_the_error_body(
    serve: Callable[..., DemoServer], plain: bool
) -> None:
    server = serve(version="1.1")
    server.faults.plain_errors = plain
    answer = requests.get(f"{server.base_url}/nothing", timeout=5)
    reply = Reply(answer.status_code, answer.url, answer.headers, {}, answer.content)
    assert answer.status_code == 401 and "WWW-Authenticate" in answer.headers
    assert provider_message(reply) == "The access token is missing or expired."
    assert ("error" in answer.json()) is plain


def test_the_swapped_url_guard_judges_by_the_ending() -> None:
    base = "https://sis.example/tokenized/ims/oneroster/v1p1"
    assert normalize_base_url(base) == base
    assert normalize_token_url(f"{base}/token") == f"{base}/token"
    for pasted in (base, f"{base}/users", "https://sis.example/ims/oneroster/rostering/v1p2"):
        with pytest.raises(ConfigurationError, match="looks like the Base URL"):
            normalize_token_url(pasted)
    with pytest.raises(ConfigurationError, match="looks like the Token URL"):
        normalize_base_url(f"{base}/token")


def test_a_1_1_base_url_at_a_1_2_provider_says_which_version_it_serves(
    serve: Callable[..., DemoServer], connect: Connect
) -> None:
    server = serve()
    v1p1 = server.base_url.removesuffix("/ims/oneroster/rostering/v1p2") + "/ims/oneroster/v1p1"
    with pytest.raises(NotOneRosterError, match=r"serves OneRoster 1\.2"):
        connect(server, base_url=v1p1).schools()
